from django.db import migrations, models


def counted_again(apps, schema_editor):
    """Every force's row was kept without its lists' first rows: each is counted afresh
    (and its lists with it)."""
    apps.get_model("recommendations", "DashboardTally").objects.update(counted_generation=None)


class Migration(migrations.Migration):
    dependencies = [
        ("recommendations", "0023_report_chart_tally"),
    ]

    operations = [
        migrations.AddField(
            model_name="dashboardtally",
            name="lists",
            field=models.JSONField(default=dict),
        ),
        migrations.RunPython(counted_again, migrations.RunPython.noop),
    ]
