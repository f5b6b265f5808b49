from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("recommendations", "0016_action_plan_of_idx"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="progressupdate",
            name="update_returned_idx",
        ),
        migrations.AddIndex(
            model_name="progressupdate",
            index=models.Index(
                condition=models.Q(("review_state", "returned")),
                fields=["-reviewed_at", "-id", "action"],
                name="update_returned_idx",
            ),
        ),
    ]
