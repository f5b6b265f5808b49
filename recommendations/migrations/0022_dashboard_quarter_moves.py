from django.db import migrations, models


def counted_again(apps, schema_editor):
    """Every row kept before lacks the new counts: each is counted afresh."""
    apps.get_model("recommendations", "DashboardTally").objects.update(counted_generation=None)


class Migration(migrations.Migration):
    dependencies = [
        ("recommendations", "0021_dashboard_recommendation_lists"),
    ]

    operations = [
        migrations.AddField(
            model_name="dashboardtally",
            name="quarter_added",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="dashboardtally",
            name="quarter_closed",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.RunPython(counted_again, migrations.RunPython.noop),
    ]
