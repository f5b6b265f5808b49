import django.db.models.deletion
from django.db import migrations, models


def counted_again(apps, schema_editor):
    """Every force's row was kept without its reports' chart counts: each is counted afresh
    (and the chart counts with it)."""
    apps.get_model("recommendations", "DashboardTally").objects.update(counted_generation=None)


class Migration(migrations.Migration):
    dependencies = [
        ("oversight", "0011_verbose_names"),
        ("recommendations", "0022_dashboard_quarter_moves"),
    ]

    operations = [
        migrations.CreateModel(
            name="ReportChartTally",
            fields=[
                (
                    "report",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="chart_tally",
                        serialize=False,
                        to="oversight.inspectionreport",
                    ),
                ),
                ("counted_generation", models.BigIntegerField()),
                ("counts", models.JSONField(default=list)),
            ],
        ),
        migrations.RunPython(counted_again, migrations.RunPython.noop),
    ]
