"""Reminders go to whoever holds the ball: while an update waits for OPCC review or a
completion for OPCC sign-off, the OPCC reviewer is reminded (and escalated within the
office), never the lead."""

import datetime

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext

from oversight.models import User
from recommendations.models import Action, ProgressUpdate
from reminders.models import Reminder
from reminders.panels import reminder_chain_panel
from reminders.services import reminders_sweep
from tests import factories

TUESDAY = datetime.date(2026, 12, 1)
Stage = Reminder.Stage


def days(n: int) -> datetime.date:
    return TUESDAY + datetime.timedelta(days=n)


@pytest.fixture
def report_a(report_a):
    report_a.action_plan_received_on = datetime.date(2026, 10, 1)
    report_a.section_55_published_on = datetime.date(2026, 10, 20)
    report_a.save()
    return report_a


@pytest.fixture
def opcc_manager(office_a, opcc_staff):
    manager = factories.UserFactory(
        username="opcc_head_a", role=User.Role.OPCC_STAFF, office=office_a
    )
    opcc_staff.manager = manager
    opcc_staff.save(update_fields=["manager"])
    return manager


@pytest.fixture
def area_a(report_a, recommendation_a, opcc_staff):
    area = factories.PriorityAreaFactory(report=report_a, opcc_lead=opcc_staff)
    recommendation_a.priority_areas.add(area)
    return area


def pending_sign_off(action: Action, *, target: datetime.date, by) -> Action:
    Action.objects.filter(pk=action.pk).update(
        status=Action.Status.PENDING_SIGN_OFF,
        target_date=target,
        next_update_due=None,
        completion_proposed_by=by,
        completion_evidence="All staff trained.",
    )
    action.refresh_from_db()
    return action


def waiting_for_review(action: Action, *, due: datetime.date) -> ProgressUpdate:
    action.next_update_due = due
    action.target_date = days(200)
    action.save()
    return factories.ProgressUpdateFactory(action=action, review_state="submitted")


def ledger(**filters) -> set[tuple]:
    return set(
        Reminder.objects.filter(**filters).values_list("what", "stage", "recipient__username")
    )


def test_pending_sign_off_reminds_the_opcc_reviewer_and_escalates_within_the_office(
    action_a, area_a, police_lead_a, opcc_manager, mailoutbox
):
    pending_sign_off(action_a, target=days(-20), by=police_lead_a)

    reminders_sweep(today=TUESDAY)

    assert ledger() == {
        ("sign_off_due", Stage.OVERDUE, "opcc_a"),
        ("sign_off_due", Stage.ESCALATED, "opcc_head_a"),
    }
    assert not [mail for mail in mailoutbox if mail.to == [police_lead_a.email]]
    [mail] = [mail for mail in mailoutbox if mail.to == ["opcc_a@example.org"]]
    assert "Completion waiting for OPCC sign-off" in mail.body


def test_pending_sign_off_without_an_area_lead_reminds_the_overseeing_opcc_staff(
    action_a, police_lead_a, opcc_staff, opcc_staff_b
):
    pending_sign_off(action_a, target=days(-2), by=police_lead_a)

    reminders_sweep(today=TUESDAY)

    assert ledger() == {("sign_off_due", Stage.OVERDUE, "opcc_a")}


def test_an_update_waiting_for_review_reminds_the_opcc_not_the_lead(
    action_a, area_a, opcc_manager, mailoutbox
):
    waiting_for_review(action_a, due=days(-20))

    reminders_sweep(today=TUESDAY)

    assert ledger() == {
        ("update_review_due", Stage.OVERDUE, "opcc_a"),
        ("update_review_due", Stage.ESCALATED, "opcc_head_a"),
    }
    [mail] = [mail for mail in mailoutbox if mail.to == ["opcc_a@example.org"]]
    assert "Progress update waiting for OPCC review" in mail.body


def test_an_update_waiting_for_review_leaves_the_target_date_with_the_lead(action_a, area_a):
    waiting_for_review(action_a, due=days(-2))
    Action.objects.filter(pk=action_a.pk).update(target_date=days(-3))

    reminders_sweep(today=TUESDAY)

    assert ledger() == {
        ("update_review_due", Stage.OVERDUE, "opcc_a"),
        ("target_date", Stage.OVERDUE, "lead_a"),
    }


def test_the_action_page_panel_says_the_sign_off_is_the_opccs_move(action_a, area_a, police_lead_a):
    pending_sign_off(action_a, target=days(-2), by=police_lead_a)
    reminders_sweep(today=TUESDAY)

    panel = reminder_chain_panel(user=police_lead_a, obj=action_a)
    html = render_to_string("reminders/_reminder_chain.html", {"panel": panel})

    assert panel["waiting_for"] == "Waiting for OPCC sign-off"
    assert "Waiting for OPCC sign-off" in html
    assert "Completion waiting for OPCC sign-off" in html


def test_the_action_page_panel_says_the_review_is_the_opccs_move(action_a, police_lead_a):
    waiting_for_review(action_a, due=days(20))

    panel = reminder_chain_panel(user=police_lead_a, obj=action_a)

    assert panel["waiting_for"] == "Waiting for the OPCC to review the update"


def _sweep_queries(*, dry_run: bool) -> int:
    with CaptureQueriesContext(connection) as queries:
        reminders_sweep(today=TUESDAY, dry_run=dry_run)
    return len(queries)


def test_sign_off_and_review_waits_keep_the_sweeps_queries_constant(
    plan_a, police_lead_a, recommendation_a, area_a
):
    def make(n: int) -> None:
        for action in factories.ActionFactory.create_batch(
            n, plan=plan_a, delivery_lead=police_lead_a, recommendations=[recommendation_a]
        ):
            pending_sign_off(action, target=days(-20), by=police_lead_a)
        for action in factories.ActionFactory.create_batch(
            n, plan=plan_a, delivery_lead=police_lead_a, recommendations=[recommendation_a]
        ):
            waiting_for_review(action, due=days(-20))

    make(2)
    reminders_sweep(today=days(-30), dry_run=True)  # content types now cached
    few = {"dry run": _sweep_queries(dry_run=True), "sweep": _sweep_queries(dry_run=False)}
    make(20)
    many = {"dry run": _sweep_queries(dry_run=True), "sweep": _sweep_queries(dry_run=False)}

    assert many == few
    assert set(Reminder.objects.values_list("what", flat=True)) == {
        "sign_off_due",
        "update_review_due",
    }
    assert not Reminder.objects.filter(recipient=police_lead_a).exists()
