"""The migrations that move data keep what was there, on one journey back and forward.

- The report's inspectorate became its source: a report logged before the change (HMIC or
  HMICFRS) keeps what it was, with section 55 still counting for it.
- Target dates revised before extension requests existed become agreed requests, so every
  moved date has its request and decision on the action page and in the committee pack;
  migrating back removes them and migrating forward again makes them again.

One journey rather than a test each: a trip back through the migrations costs a worker half
a minute, the one short trip (past the requests' migration and back) a few seconds."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from oversight.models import InspectionReport
from recommendations.models import Action, ExtensionRequest

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.long]

BEFORE_THE_SOURCE = [("oversight", "0004_office_admins_two_factor_unique_email")]
BEFORE_THE_REQUESTS = [("recommendations", "0010_history_change_reason_text")]
THE_REQUESTS_TABLE = [("recommendations", "0011_extension_requests")]
THE_REQUESTS_MADE = [("recommendations", "0012_revised_dates_become_agreed_extensions")]
NOTE = "Revised before extension requests needed the OPCC's agreement."


def _migrate(targets):
    """Migrates to `targets`; returns the models as they are there."""
    executor = MigrationExecutor(connection)
    return executor.migrate(targets).apps


def _migrate_to_the_end():
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_data_migrations_keep_sources_and_make_revised_dates_agreed_requests():
    # Before the source: reports with an inspectorate.
    apps = _migrate(BEFORE_THE_SOURCE)
    force = apps.get_model("oversight", "Force").objects.create(name="Force M")
    for inspectorate in ("hmic", "hmicfrs"):
        apps.get_model("oversight", "InspectionReport").objects.create(
            force=force,
            title=f"An {inspectorate} report",
            inspectorate=inspectorate,
            programme="peel",
            published_on=datetime.date(2016, 4, 21),
        )

    # Before the extension requests: actions whose target dates were revised in place.
    apps = _migrate(BEFORE_THE_REQUESTS)
    report = apps.get_model("oversight", "InspectionReport").objects.create(
        force_id=force.pk, title="A report", published_on=datetime.date(2026, 1, 15)
    )
    plan = apps.get_model("recommendations", "ActionPlan").objects.create(
        report=report, force_id=force.pk
    )
    old_action = apps.get_model("recommendations", "Action")

    def action(reference, **dates):
        return old_action.objects.create(
            plan=plan,
            reference=reference,
            description=f"Action {reference}",
            target_date=datetime.date(2026, 6, 30),
            **dates,
        ).pk

    revised = action(
        "A1",
        revised_target_date=datetime.date(2026, 9, 30),
        revision_reason="Two examiner posts vacant.",
    )
    unchanged = action("A2")
    same_date = action(
        "A3", revised_target_date=datetime.date(2026, 6, 30), revision_reason="Confirmed."
    )

    # Just past the migration that makes the requests, back before it, and on to the end:
    # migrating back removes the requests, forward again makes them again.
    apps = _migrate(THE_REQUESTS_MADE)
    assert apps.get_model("recommendations", "ExtensionRequest").objects.count() == 1
    apps = _migrate(THE_REQUESTS_TABLE)
    assert not apps.get_model("recommendations", "ExtensionRequest").objects.exists()
    _migrate_to_the_end()

    reports = {r.title: r for r in InspectionReport.objects.all()}
    assert reports["An hmic report"].source == InspectionReport.Source.HMIC
    assert reports["An hmicfrs report"].source == InspectionReport.Source.HMICFRS
    assert reports["An hmic report"].has_section_55
    assert reports["An hmicfrs report"].has_section_55

    [extension] = ExtensionRequest.objects.all()
    assert extension.action_id == revised
    assert (extension.from_date, extension.to_date) == (
        datetime.date(2026, 6, 30),
        datetime.date(2026, 9, 30),
    )
    assert extension.reason == "Two examiner posts vacant."
    assert extension.decision == ExtensionRequest.Decision.AGREED
    assert extension.requested_by is None and extension.decided_by is None
    assert extension.decision_comment == NOTE
    assert (
        extension.requested_at == extension.decided_at == Action.objects.get(pk=revised).updated_at
    )
    assert not ExtensionRequest.objects.filter(action__in=[unchanged, same_date]).exists()
    # The action itself is as it was: its current target date is the revised one.
    assert Action.objects.get(pk=revised).current_target_date == datetime.date(2026, 9, 30)
