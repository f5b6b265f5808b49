"""Requests to move a target date in the reminders: the OPCC is reminded of a request
waiting for its decision (the OPCC lead of the action's priority area, else the staff of
the office overseeing the force; due five days after it was made, each stage once,
escalated to their managers), the target date's own reminders follow the current date
until the request is agreed, and whoever asked and the plan owner hear of the decision at
once."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext

from oversight.models import User
from recommendations.models import Action, ExtensionRequest
from recommendations.services_extensions import (
    extension_decide,
    extension_request,
    extension_withdraw,
)
from reminders.due_extensions import EXTENSION_DECISION_DUE
from reminders.models import Reminder
from reminders.panels import reminder_chain_panel
from reminders.services import reminders_sweep, returns_notify
from reminders.tasks import sweep_reminders
from tests import factories
from tests.conftest import _persona

TUESDAY = datetime.date(2026, 12, 1)
Stage = Reminder.Stage


def days(n: int) -> datetime.date:
    return TUESDAY + datetime.timedelta(days=n)


def at(day: datetime.date):
    return time_machine.travel(
        datetime.datetime(day.year, day.month, day.day, 9, 0, tzinfo=datetime.UTC), tick=False
    )


@pytest.fixture
def report_a(report_a):
    """Report A with its plan received and section 55 comments published: only the dates a
    test sets produce reminders."""
    report_a.action_plan_received_on = datetime.date(2026, 10, 1)
    report_a.section_55_published_on = datetime.date(2026, 10, 20)
    report_a.save()
    return report_a


@pytest.fixture
def manager_a(office_a):
    return _persona("head_a", User.Role.OPCC_STAFF, office=office_a)


@pytest.fixture
def staff_a(opcc_staff, manager_a):
    opcc_staff.manager = manager_a
    opcc_staff.save(update_fields=["manager"])
    return opcc_staff


@pytest.fixture
def area_a(report_a, recommendation_a, staff_a):
    """A priority area of report A led by OPCC staff A (managed by head_a), served by A1's
    recommendation."""
    area = factories.PriorityAreaFactory(report=report_a, opcc_lead=staff_a)
    recommendation_a.priority_areas.add(area)
    return area


@pytest.fixture
def asked(report_a, action_a, area_a, police_lead_a, staff_a, opcc_staff_b):
    """On TUESDAY lead A asks to move A1's target date (31 March) to 30 June. No update is
    due for months."""
    Action.objects.filter(pk=action_a.pk).update(next_update_due=days(100))
    with at(TUESDAY):
        return extension_request(
            action=action_a,
            by=police_lead_a,
            to_date=datetime.date(2027, 6, 30),
            reason="Examiner posts vacant.",
        )


def ledger(**filters) -> set[tuple]:
    return set(
        Reminder.objects.filter(**filters).values_list(
            "what", "due_on", "stage", "recipient__username"
        )
    )


def sweep(day: datetime.date) -> None:
    """The daily sweep as beat runs it: the Celery task, in this process."""
    sweep_reminders.run(today=day.isoformat())


# --- The OPCC's decision is due -----------------------------------------------------------


def test_the_office_overseeing_the_force_hears_of_a_request_in_the_next_digest(
    asked, action_a, mailoutbox
):
    sweep(TUESDAY)

    assert ledger() == {(EXTENSION_DECISION_DUE, days(5), Stage.DUE_SOON, "opcc_a")}
    [reminder] = Reminder.objects.all()
    assert reminder.subject == asked
    assert reminder.url == f"{action_a.get_absolute_url()}#extension-{asked.pk}"
    assert "move the target date from 31 Mar 2027 to 30 Jun 2027?" in reminder.title
    [mail] = mailoutbox
    assert mail.to == ["opcc_a@example.org"]
    assert "Request to move a target date waiting for your decision" in mail.body


def test_each_stage_is_sent_once_and_escalates_to_the_managers(asked, mailoutbox):
    for day in (TUESDAY, days(1), days(1), days(5), days(6), days(6), days(20), days(21)):
        sweep(day)

    assert ledger() == {
        (EXTENSION_DECISION_DUE, days(5), Stage.DUE_SOON, "opcc_a"),
        (EXTENSION_DECISION_DUE, days(5), Stage.DUE_TODAY, "opcc_a"),
        (EXTENSION_DECISION_DUE, days(5), Stage.OVERDUE, "opcc_a"),
        (EXTENSION_DECISION_DUE, days(5), Stage.ESCALATED, "head_a"),
    }
    assert len(mailoutbox) == 4  # one digest a day with something new in it


def test_without_a_priority_area_lead_the_office_staff_are_reminded(
    report_a, action_a, police_lead_a, staff_a, manager_a, opcc_staff_b
):
    Action.objects.filter(pk=action_a.pk).update(next_update_due=days(100))
    with at(TUESDAY):
        extension_request(action=action_a, by=police_lead_a, to_date=days(150), reason="Late.")

    sweep(TUESDAY)

    assert ledger() == {
        (EXTENSION_DECISION_DUE, days(5), Stage.DUE_SOON, "opcc_a"),
        (EXTENSION_DECISION_DUE, days(5), Stage.DUE_SOON, "head_a"),
    }


def test_a_missed_week_sends_the_stage_reached_only(asked):
    sweep(days(8))

    assert ledger() == {(EXTENSION_DECISION_DUE, days(5), Stage.OVERDUE, "opcc_a")}


@pytest.mark.parametrize("outcome", ["agreed", "refused", "withdrawn"])
def test_a_decided_request_is_no_longer_reminded(
    asked, staff_a, police_lead_a, mailoutbox, outcome
):
    sweep(TUESDAY)
    with at(days(2)):
        if outcome == "withdrawn":
            extension_withdraw(extension=asked, by=police_lead_a)
        else:
            extension_decide(
                extension=asked, by=staff_a, agree=outcome == "agreed", comment="Decided."
            )

    for day in (days(5), days(6), days(30)):
        sweep(day)

    assert ledger(what=EXTENSION_DECISION_DUE) == {
        (EXTENSION_DECISION_DUE, days(5), Stage.DUE_SOON, "opcc_a")
    }


def test_only_requests_of_the_forces_an_office_oversees_reach_its_staff(
    asked, action_b, police_lead_b, opcc_staff_b, report_b
):
    report_b.action_plan_received_on = datetime.date(2026, 10, 1)
    report_b.section_55_published_on = datetime.date(2026, 10, 20)
    report_b.save()
    with at(TUESDAY):
        extension_request(
            action=action_b, by=police_lead_b, to_date=days(90), reason="Force B delay."
        )

    sweep(TUESDAY)

    assert ledger() == {
        (EXTENSION_DECISION_DUE, days(5), Stage.DUE_SOON, "opcc_a"),
        (EXTENSION_DECISION_DUE, days(5), Stage.DUE_SOON, "opcc_b"),
    }
    assert "Force B delay" not in "".join(
        Reminder.objects.filter(recipient__username="opcc_a").values_list("title", flat=True)
    )


def test_the_action_page_shows_who_was_told_of_the_request(asked, action_a, police_lead_a):
    sweep(TUESDAY)

    panel = reminder_chain_panel(user=police_lead_a, obj=action_a)
    html = render_to_string("reminders/_reminder_chain.html", {"panel": panel})

    assert [(line.what_label, line.stage) for line in panel["lines"]] == [
        ("Request to move a target date waiting for your decision", Stage.DUE_SOON)
    ]
    assert "waiting for your decision" in html


# --- The target date's own reminders follow the current date ------------------------------


@pytest.fixture
def due_today(report_a, action_a):
    """A1's target date is TUESDAY; no update is due for a while."""
    Action.objects.filter(pk=action_a.pk).update(target_date=TUESDAY, next_update_due=days(60))
    action_a.refresh_from_db()
    return action_a


def test_the_lead_is_reminded_of_the_original_date_while_the_request_waits(
    due_today, police_lead_a, staff_a
):
    with at(TUESDAY):
        extension_request(
            action=due_today, by=police_lead_a, to_date=days(45), reason="Supplier late."
        )

    sweep(TUESDAY)
    sweep(days(3))

    assert ledger(what="target_date") == {
        ("target_date", TUESDAY, Stage.DUE_TODAY, "lead_a"),
        ("target_date", TUESDAY, Stage.OVERDUE, "lead_a"),
    }


def test_once_agreed_the_reminders_follow_the_new_date(due_today, police_lead_a, staff_a):
    with at(TUESDAY):
        extension = extension_request(
            action=due_today, by=police_lead_a, to_date=days(10), reason="Supplier late."
        )
    sweep(TUESDAY)
    with at(days(1)):
        extension_decide(extension=extension, by=staff_a, agree=True)

    for day in (days(3), days(10), days(11)):
        sweep(day)

    assert ledger(what="target_date") == {
        ("target_date", TUESDAY, Stage.DUE_TODAY, "lead_a"),
        ("target_date", days(10), Stage.DUE_SOON, "lead_a"),
        ("target_date", days(10), Stage.DUE_TODAY, "lead_a"),
        ("target_date", days(10), Stage.OVERDUE, "lead_a"),
    }


def test_a_refused_request_leaves_the_reminders_on_the_original_date(
    due_today, police_lead_a, staff_a
):
    with at(TUESDAY):
        extension = extension_request(
            action=due_today, by=police_lead_a, to_date=days(10), reason="Supplier late."
        )
        extension_decide(extension=extension, by=staff_a, agree=False, comment="No slack left.")

    sweep(days(3))

    assert ledger(what="target_date") == {("target_date", TUESDAY, Stage.OVERDUE, "lead_a")}


# --- The decision reaches whoever asked and the plan owner at once ------------------------


def decisions() -> set[tuple]:
    return set(
        Reminder.objects.filter(stage=Stage.DECIDED).values_list("what", "recipient__username")
    )


def test_an_agreement_reaches_whoever_asked_and_the_plan_owner_once_each(
    asked, staff_a, police_lead_a, plan_owner_a, mailoutbox
):
    extension_decide(extension=asked, by=staff_a, agree=True)

    first = returns_notify()
    again = returns_notify()

    assert decisions() == {("extension_agreed", "lead_a"), ("extension_agreed", "acc_a")}
    assert (first.created, again.created) == (2, 0)
    for person in (police_lead_a, plan_owner_a):
        [mail] = [m for m in mailoutbox if m.to == [person.email]]
        assert mail.subject.startswith("OPCC oversight: new target date agreed: A1: ")
        assert "the target date is now 30 Jun 2027" in mail.body
        assert f"Decided by {staff_a}" in mail.body
    notice = Reminder.objects.get(recipient=police_lead_a)
    assert notice.url.endswith(f"#extension-{asked.pk}")
    assert not Reminder.objects.filter(sent_at__isnull=True).exists()


def test_a_refusal_carries_the_comment(asked, staff_a, police_lead_a, mailoutbox):
    extension_decide(extension=asked, by=staff_a, agree=False, comment="Use agency examiners.")

    returns_notify()

    notice = Reminder.objects.get(recipient=police_lead_a, what="extension_refused")
    assert "Use agency examiners." in notice.title
    assert "stays 31 Mar 2027" in notice.title
    [mail] = [m for m in mailoutbox if m.to == [police_lead_a.email]]
    assert "Use agency examiners." in mail.body
    assert "new target date refused" in mail.subject


def test_the_plan_owner_who_asked_hears_once(report_a, action_a, plan_owner_a, staff_a):
    with at(TUESDAY):
        extension = extension_request(
            action=action_a, by=plan_owner_a, to_date=days(200), reason="Delay."
        )
    extension_decide(extension=extension, by=staff_a, agree=True)

    returns_notify()

    assert decisions() == {("extension_agreed", "acc_a")}


def test_a_withdrawn_request_is_not_announced(asked, police_lead_a, mailoutbox):
    extension_withdraw(extension=asked, by=police_lead_a)

    assert returns_notify().created == 0
    assert mailoutbox == []


def test_the_daily_digest_leaves_decisions_to_the_notifier(
    asked, staff_a, police_lead_a, mailoutbox, settings
):
    extension_decide(extension=asked, by=staff_a, agree=True)
    settings.EMAIL_BACKEND = "tests.reminders.test_reminders.RefusingBackend"
    returns_notify()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    reminders_sweep()
    returns_notify()

    decided = [mail for mail in mailoutbox if "new target date agreed" in mail.subject]
    assert len([mail for mail in decided if mail.to == [police_lead_a.email]]) == 1


# --- Queries ---------------------------------------------------------------------------


def _sweep_queries(day) -> int:
    with CaptureQueriesContext(connection) as queries:
        reminders_sweep(today=day, dry_run=True)
    return len(queries)


def test_the_sweep_reads_requests_in_bulk(report_a, plan_a, police_lead_a, staff_a):
    def ask(n: int) -> None:
        with at(TUESDAY):
            for action in factories.ActionFactory.create_batch(
                n, plan=plan_a, delivery_lead=police_lead_a
            ):
                factories.ExtensionRequestFactory(action=action)

    ask(2)
    reminders_sweep(today=days(-30), dry_run=True)  # content types now cached
    few = _sweep_queries(days(6))
    ask(20)
    assert _sweep_queries(days(6)) == few
    assert ExtensionRequest.objects.count() == 22
