from django.db import migrations


class Migration(migrations.Migration):
    """The inspectorate becomes the report's source. The stored values of the two
    inspectorates ("hmic", "hmicfrs") are the source's own, so renaming the column maps
    every existing report, and its history, to the HMIC or HMICFRS source."""

    dependencies = [
        ("oversight", "0004_office_admins_two_factor_unique_email"),
    ]

    operations = [
        migrations.RenameField(
            model_name="inspectionreport", old_name="inspectorate", new_name="source"
        ),
        migrations.RenameField(
            model_name="historicalinspectionreport", old_name="inspectorate", new_name="source"
        ),
    ]
