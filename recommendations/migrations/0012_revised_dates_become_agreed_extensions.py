"""Target dates revised before extension requests existed become agreed requests, so every
moved date has its request and decision on the action page and in the committee pack."""

from django.db import migrations

NOTE = "Revised before extension requests needed the OPCC's agreement."


def forwards(apps, schema_editor):
    Action = apps.get_model("recommendations", "Action")
    ExtensionRequest = apps.get_model("recommendations", "ExtensionRequest")
    revised = Action.objects.filter(revised_target_date__isnull=False).exclude(
        extensions__isnull=False
    )
    ExtensionRequest.objects.bulk_create(
        ExtensionRequest(
            action=action,
            requested_at=action.updated_at,
            from_date=action.target_date,
            to_date=action.revised_target_date,
            reason=action.revision_reason or NOTE,
            decision="agreed",
            decided_at=action.updated_at,
            decision_comment=NOTE,
        )
        for action in revised.iterator()
        if action.revised_target_date != action.target_date
    )


def backwards(apps, schema_editor):
    ExtensionRequest = apps.get_model("recommendations", "ExtensionRequest")
    ExtensionRequest.objects.filter(requested_by__isnull=True, decision_comment=NOTE).delete()


class Migration(migrations.Migration):
    dependencies = [("recommendations", "0011_extension_requests")]

    operations = [migrations.RunPython(forwards, backwards)]
