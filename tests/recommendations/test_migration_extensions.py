"""Target dates revised before extension requests existed become agreed requests, so every
moved date has its request and decision on the action page and in the committee pack."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from recommendations.models import Action, ExtensionRequest

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("recommendations", "0010_history_change_reason_text")]
NOTE = "Revised before extension requests needed the OPCC's agreement."


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


def _migrate_to_the_end():
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_revised_target_dates_become_agreed_requests_and_go_again_on_the_way_back():
    executor = _migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    force = apps.get_model("oversight", "Force").objects.create(name="Force M")
    report = apps.get_model("oversight", "InspectionReport").objects.create(
        force=force, title="A report", published_on=datetime.date(2026, 1, 15)
    )
    plan = apps.get_model("recommendations", "ActionPlan").objects.create(
        report=report, force=force
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

    _migrate_to_the_end()

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

    _migrate([("recommendations", "0011_extension_requests")])
    assert not ExtensionRequest.objects.exists()
    _migrate_to_the_end()
    assert ExtensionRequest.objects.count() == 1
