"""The reminder sweep: stages, recipients, escalation, the ledger, digests and catch-up."""

import datetime
import smtplib
import threading

import pytest
import time_machine
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext

from oversight.celery import BEAT_SCHEDULE, beat_schedule_install
from oversight.shared import panels
from recommendations.models import Action
from reminders.ledger import NOT_MAILED, reminder_stage
from reminders.models import Reminder
from reminders.panels import reminder_chain_panel
from reminders.services import Outcome, reminders_sweep
from tests import factories

TUESDAY = datetime.date(2026, 12, 1)
MONDAY = datetime.date(2026, 12, 7)
Stage = Reminder.Stage


def days(n: int) -> datetime.date:
    return TUESDAY + datetime.timedelta(days=n)


@pytest.fixture
def report_a(report_a):
    """Force A's report with its action plan received and section 55 comments published,
    so only the dates a test sets produce reminders."""
    report_a.action_plan_received_on = datetime.date(2026, 10, 1)
    report_a.section_55_published_on = datetime.date(2026, 10, 20)
    report_a.save()
    return report_a


@pytest.fixture
def report_b(report_b):
    report_b.action_plan_received_on = datetime.date(2026, 10, 1)
    report_b.section_55_published_on = datetime.date(2026, 10, 20)
    report_b.save()
    return report_b


@pytest.fixture
def area_a(report_a, recommendation_a, opcc_staff):
    """A priority area of report A led by OPCC staff A, served by recommendation A."""
    area = factories.PriorityAreaFactory(report=report_a, opcc_lead=opcc_staff)
    recommendation_a.priority_areas.add(area)
    return area


def overdue_action(action: Action, *, by: int) -> Action:
    """Progress update overdue by `by` days on TUESDAY; target date far away."""
    action.next_update_due = days(-by)
    action.target_date = days(200)
    action.save()
    return action


def ledger(**filters) -> set[tuple]:
    return set(
        Reminder.objects.filter(**filters).values_list("what", "stage", "recipient__username")
    )


def mails_to(outbox, user) -> list:
    return [message for message in outbox if message.to == [user.email]]


class RefusingBackend(BaseEmailBackend):
    """A mail server that drops the connection."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


class SlowBackend(LocmemBackend):
    """The locmem backend, slow enough for two sweeps to overlap."""

    def send_messages(self, messages):
        threading.Event().wait(0.3)
        return super().send_messages(messages)


class CountingBackend(LocmemBackend):
    """The locmem backend, counting the connections opened to the 'server'."""

    opened = 0

    def open(self):
        if getattr(self, "is_open", False):
            return False
        CountingBackend.opened += 1
        self.is_open = True
        return True

    def close(self):
        self.is_open = False


# --- Stages ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("due_in", "stage"),
    [
        (8, None),
        (7, Stage.DUE_SOON),
        (1, Stage.DUE_SOON),
        (0, Stage.DUE_TODAY),
        (-1, Stage.OVERDUE),
        (-14, Stage.OVERDUE),
        (-15, Stage.ESCALATED),
    ],
)
def test_stage_follows_days_before_and_escalation_settings(due_in, stage):
    assert (
        reminder_stage(due_on=days(due_in), today=TUESDAY, days_before=7, escalate_after=14)
        == stage
    )


# --- Who is reminded of what -----------------------------------------------------------


def test_sweep_reminds_the_delivery_lead_of_an_update_due_soon(action_a, police_lead_a, mailoutbox):
    action_a.next_update_due = days(3)
    action_a.save()

    reminders_sweep(today=TUESDAY)

    assert ledger() == {("update_due", Stage.DUE_SOON, "lead_a")}
    [mail] = mailoutbox
    assert mail.to == [police_lead_a.email]
    assert "A1" in mail.body and "Due in 3 days" in mail.body


def test_reminder_names_the_action_with_its_plan_and_force(action_a, plan_a, police_lead_a):
    plan_a.title = "Child protection action plan"
    plan_a.save()
    other_plan = factories.ActionPlanFactory(title="PEEL plan")
    twin = factories.ActionFactory(
        plan=other_plan, reference=action_a.reference, delivery_lead=police_lead_a
    )
    for action in (action_a, twin):
        action.next_update_due = days(3)
        action.save()

    reminders_sweep(today=TUESDAY)

    titles = set(Reminder.objects.values_list("title", flat=True))
    assert any(
        title.startswith("A1 (Child protection action plan, Force A Police): ") for title in titles
    )
    assert any(title.startswith(f"A1 (PEEL plan, {other_plan.force.name}): ") for title in titles)


def test_reminder_names_an_untitled_plan_by_its_report(action_a, report_a):
    action_a.next_update_due = days(3)
    action_a.save()

    reminders_sweep(today=TUESDAY)

    [title] = set(Reminder.objects.values_list("title", flat=True))
    assert title.startswith(f"A1 ({report_a.title}, Force A Police): ")


def test_sweep_reminds_of_the_revised_target_date_not_the_original(action_a):
    action_a.next_update_due = days(60)
    action_a.target_date = days(-30)
    action_a.revised_target_date = days(0)
    action_a.revision_reason = "Training provider changed."
    action_a.save()

    reminders_sweep(today=TUESDAY)

    assert set(Reminder.objects.values_list("what", "due_on", "stage")) == {
        ("target_date", days(0), Stage.DUE_TODAY)
    }


def test_sweep_escalates_to_the_leads_manager_and_the_priority_area_opcc_lead(
    action_a, area_a, mailoutbox
):
    overdue_action(action_a, by=20)

    reminders_sweep(today=TUESDAY)

    assert ledger() == {
        ("update_due", Stage.OVERDUE, "lead_a"),  # never told it was overdue: told now
        ("update_due", Stage.ESCALATED, "acc_a"),  # the lead's manager
        ("update_due", Stage.ESCALATED, "opcc_a"),  # the priority area's OPCC lead
    }
    assert len(mailoutbox) == 3


def test_escalation_goes_to_the_plan_owner_when_the_lead_has_no_manager(
    plan_a, police_lead_a2, area_a
):
    action = factories.ActionFactory(plan=plan_a, delivery_lead=police_lead_a2)
    overdue_action(action, by=20)

    reminders_sweep(today=TUESDAY)

    assert ("update_due", Stage.ESCALATED, "acc_a") in ledger()


def test_escalation_goes_to_the_overseeing_opcc_staff_without_a_priority_area_lead(
    action_a, opcc_staff, opcc_staff_b
):
    overdue_action(action_a, by=20)

    reminders_sweep(today=TUESDAY)

    assert ("update_due", Stage.ESCALATED, "opcc_a") in ledger()
    assert not ledger(recipient=opcc_staff_b)


def test_an_action_without_a_lead_reminds_the_plan_owner(plan_a, plan_owner_a):
    factories.ActionFactory(plan=plan_a, delivery_lead=None, next_update_due=days(2))

    reminders_sweep(today=TUESDAY)

    assert ledger() == {("update_due", Stage.DUE_SOON, "acc_a")}


@pytest.mark.parametrize(
    ("status", "extra"),
    [
        (Action.Status.PAUSED, {"status_reason": "Waiting for the new IT system."}),
        (Action.Status.NOT_NEEDED, {"status_reason": "Superseded by A7."}),
        (Action.Status.CLOSED, {}),
    ],
)
def test_closed_paused_or_not_needed_actions_produce_no_reminders(
    action_a, opcc_staff, status, extra
):
    overdue_action(action_a, by=20)
    if status == Action.Status.CLOSED:
        extra = {"signed_off_by": opcc_staff}
    Action.objects.filter(pk=action_a.pk).update(status=status, **extra)

    result = reminders_sweep(today=TUESDAY)

    assert result.planned == 0
    assert not Reminder.objects.exists()


def test_inactive_people_are_not_reminded(action_a, police_lead_a):
    overdue_action(action_a, by=2)
    police_lead_a.is_active = False
    police_lead_a.save()

    reminders_sweep(today=TUESDAY)

    # Only the plan owner hears, that the action was left without a lead
    # (tests/reminders/test_leaver_reminders.py).
    assert not Reminder.objects.exclude(what="left_without_owner").exists()
    assert not Reminder.objects.filter(recipient=police_lead_a).exists()


def test_report_dates_remind_the_force_and_the_opcc(
    report_a, plan_a, plan_owner_a, area_a, opcc_staff
):
    report = factories.InspectionReportFactory(force=report_a.force, published_on=days(-50))
    factories.ActionPlanFactory(report=report, owner=plan_owner_a)
    factories.PriorityAreaFactory(report=report, opcc_lead=opcc_staff)
    report_a.formal_response_requested_on = days(-30)
    report_a.formal_response_due_on = days(5)
    report_a.save()

    reminders_sweep(today=TUESDAY)

    assert set(Reminder.objects.values_list("what", "subject_id", "stage", "recipient")) == {
        # Publication + 6 weeks was 8 days ago: the plan owner.
        ("action_plan_due", report.pk, Stage.OVERDUE, plan_owner_a.pk),
        # Publication + 56 days is in 6 days: the OPCC lead of the report's priority area.
        ("section_55_due", report.pk, Stage.DUE_SOON, opcc_staff.pk),
        # The chief constable's response: the plan owner signs it, the OPCC chases it.
        ("formal_response_due", report_a.pk, Stage.DUE_SOON, plan_owner_a.pk),
        ("formal_response_due", report_a.pk, Stage.DUE_SOON, opcc_staff.pk),
    }


def test_received_and_published_dates_stop_report_reminders(report_a, plan_owner_a):
    report = factories.InspectionReportFactory(
        force=report_a.force,
        published_on=days(-100),
        action_plan_received_on=days(-60),
        section_55_published_on=days(-45),
        formal_response_due_on=days(-5),
        formal_response_received_on=days(-6),
    )

    reminders_sweep(today=TUESDAY)

    assert not Reminder.objects.filter(subject_id=report.pk).exists()


def test_closed_reports_produce_no_reminders(force_a, opcc_staff):
    factories.InspectionReportFactory(force=force_a, published_on=days(-100), status="closed")

    reminders_sweep(today=TUESDAY)

    assert not Reminder.objects.exists()


def test_follow_ups_remind_their_owner_and_escalate_to_manager_and_opcc(
    office_a, force_a, police_lead_a, opcc_staff, area_a
):
    review = factories.DeepDiveReviewFactory(office=office_a, force=force_a)
    review.priority_areas.add(area_a)
    factories.FollowUpFactory(review=review, owner=police_lead_a, due_on=days(-20))
    factories.FollowUpFactory(
        review=review, owner=police_lead_a, due_on=days(-20), status="cancelled"
    )

    reminders_sweep(today=TUESDAY)

    assert ledger(what="follow_up_due") == {
        ("follow_up_due", Stage.OVERDUE, "lead_a"),
        ("follow_up_due", Stage.ESCALATED, "acc_a"),
        ("follow_up_due", Stage.ESCALATED, "opcc_a"),
    }


def test_revisit_dates_remind_the_offices_opcc_staff(office_a, force_a, opcc_staff, read_only):
    factories.DeepDiveReviewFactory(office=office_a, force=force_a, revisit_on=days(0))
    factories.DeepDiveReviewFactory(
        office=office_a, force=force_a, revisit_on=days(0), status="closed"
    )

    reminders_sweep(today=TUESDAY)

    assert ledger() == {("review_revisit", Stage.DUE_TODAY, "opcc_a")}


# --- Exactly once, caught up, digested -------------------------------------------------


def test_running_the_sweep_twice_sends_each_reminder_once(action_a, area_a, mailoutbox):
    overdue_action(action_a, by=20)

    first = reminders_sweep(today=TUESDAY)
    second = reminders_sweep(today=TUESDAY)

    assert (first.created, len(first.sent)) == (3, 3)
    assert (second.created, len(second.sent)) == (0, 0)
    assert len(mailoutbox) == 3
    assert not Reminder.objects.filter(sent_at__isnull=True).exists()


def test_each_stage_is_sent_once_as_the_date_approaches_and_passes(action_a, mailoutbox):
    action_a.next_update_due = days(0)
    action_a.save()

    for offset in range(-10, 3):
        reminders_sweep(today=days(offset))

    assert [r.stage for r in Reminder.objects.order_by("created_at", "pk")] == [
        Stage.DUE_SOON,
        Stage.DUE_TODAY,
        Stage.OVERDUE,
    ]
    assert len(mailoutbox) == 3


def test_a_missed_day_is_caught_up_with_the_current_stage_only(action_a, mailoutbox):
    action_a.next_update_due = days(0)
    action_a.save()

    with time_machine.travel(datetime.datetime(2026, 11, 27, 6, 30), tick=False):
        reminders_sweep()  # four days before: due soon
    # The scheduler was down on the due date; it runs again the day after.
    with time_machine.travel(datetime.datetime(2026, 12, 2, 6, 30), tick=False):
        reminders_sweep()

    assert [r.stage for r in Reminder.objects.order_by("pk")] == [Stage.DUE_SOON, Stage.OVERDUE]
    assert "1 day overdue" in mailoutbox[-1].body
    assert len(mailoutbox) == 2


def test_a_hundred_overdue_actions_for_one_lead_make_one_digest(plan_a, police_lead_a, mailoutbox):
    factories.ActionFactory.create_batch(
        100, plan=plan_a, delivery_lead=police_lead_a, next_update_due=days(-3)
    )

    reminders_sweep(today=TUESDAY)

    [digest] = mails_to(mailoutbox, police_lead_a)
    assert digest.subject == "OPCC oversight: 100 reminders (100 overdue)"
    assert digest.body.count("3 days overdue") == 100
    assert Reminder.objects.filter(recipient=police_lead_a, sent_at__isnull=False).count() == 100


def test_one_connection_to_the_mail_server_carries_every_digest(
    action_a, partner_action_a, settings, mailoutbox
):
    settings.EMAIL_BACKEND = "tests.reminders.test_reminders.CountingBackend"
    CountingBackend.opened = 0
    overdue_action(action_a, by=2)
    overdue_action(partner_action_a, by=2)

    reminders_sweep(today=TUESDAY)

    assert len(mailoutbox) == 2
    assert CountingBackend.opened == 1


def test_digest_is_plain_text_with_an_html_alternative_and_absolute_links(
    action_a, police_lead_a, settings, mailoutbox
):
    settings.SITE_URL = "https://oversight.example.gov.uk"
    overdue_action(action_a, by=2)

    reminders_sweep(today=TUESDAY)

    [mail] = mailoutbox
    link = f"https://oversight.example.gov.uk/actions/{action_a.pk}/"
    assert link in mail.body
    [(html, mimetype)] = mail.alternatives
    assert mimetype == "text/html"
    assert f'href="{link}"' in html
    assert "https://oversight.example.gov.uk/notifications/preferences/" in mail.body


def test_a_mail_failure_marks_nothing_sent_and_records_the_error(action_a, settings, mailoutbox):
    overdue_action(action_a, by=2)
    settings.EMAIL_BACKEND = "tests.reminders.test_reminders.RefusingBackend"

    result = reminders_sweep(today=TUESDAY)

    assert [digest.outcome for digest in result.digests] == [Outcome.FAILED]
    reminder = Reminder.objects.get()
    assert reminder.sent_at is None
    assert reminder.send_attempts == 1
    assert reminder.last_error == "SMTPServerDisconnected: Connection unexpectedly closed"


def test_a_failed_digest_goes_with_the_next_run(action_a, settings, mailoutbox):
    overdue_action(action_a, by=2)
    settings.EMAIL_BACKEND = "tests.reminders.test_reminders.RefusingBackend"
    reminders_sweep(today=TUESDAY)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    reminders_sweep(today=TUESDAY)

    assert len(mailoutbox) == 1
    reminder = Reminder.objects.get()
    assert reminder.sent_at is not None
    assert (reminder.send_attempts, reminder.last_error) == (2, "")


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_send_each_reminder_exactly_once(
    action_a, partner_action_a, area_a, plan_a, police_lead_a, settings, mailoutbox
):
    settings.EMAIL_BACKEND = "tests.reminders.test_reminders.SlowBackend"
    overdue_action(action_a, by=20)
    overdue_action(partner_action_a, by=3)
    factories.ActionFactory.create_batch(
        20, plan=plan_a, delivery_lead=police_lead_a, next_update_due=days(2)
    )
    start = threading.Barrier(2)
    errors = []

    def sweep():
        try:
            start.wait()
            reminders_sweep(today=TUESDAY)
        except Exception as error:  # surfaced by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    reminders = list(Reminder.objects.select_related("recipient"))
    assert len(reminders) == 1 + 2 + 1 + 20  # overdue + 2 escalations, partner, 20 due soon
    assert all(reminder.sent_at for reminder in reminders)
    for reminder in reminders:
        mentions = sum(
            message.body.count(reminder.title)
            for message in mails_to(mailoutbox, reminder.recipient)
        )
        assert mentions == 1, reminder


# --- Preferences -----------------------------------------------------------------------


def test_email_off_keeps_reminders_in_the_app_and_never_mails_them(
    action_a, police_lead_a, mailoutbox
):
    overdue_action(action_a, by=2)
    police_lead_a.email_reminders = False
    police_lead_a.save()

    result = reminders_sweep(today=TUESDAY)
    police_lead_a.email_reminders = True
    police_lead_a.save()
    reminders_sweep(today=TUESDAY)

    assert result.created == 1
    assert mailoutbox == []
    reminder = Reminder.objects.get()
    assert reminder.sent_at is None
    assert reminder.last_error.startswith(NOT_MAILED)


def test_weekly_digest_waits_for_monday_with_what_is_still_current(
    plan_a, police_lead_a, mailoutbox
):
    police_lead_a.digest_frequency = "weekly"
    police_lead_a.save()
    gone_by_monday = factories.ActionFactory(
        plan=plan_a, delivery_lead=police_lead_a, next_update_due=days(5)
    )
    still_due = factories.ActionFactory(
        plan=plan_a, delivery_lead=police_lead_a, next_update_due=days(-3)
    )

    reminders_sweep(today=TUESDAY)
    assert mailoutbox == []
    assert Reminder.objects.count() == 2  # in the app all week
    gone_by_monday.next_update_due = days(90)  # an update was accepted
    gone_by_monday.save()
    reminders_sweep(today=MONDAY)

    [digest] = mailoutbox
    assert still_due.reference in digest.body
    assert gone_by_monday.reference not in digest.body


# --- Query counts ----------------------------------------------------------------------


def _sweep_queries(*, today, dry_run) -> int:
    with CaptureQueriesContext(connection) as queries:
        reminders_sweep(today=today, dry_run=dry_run)
    return len(queries)


def test_the_number_of_queries_does_not_grow_with_the_actions(
    plan_a, police_lead_a, area_a, django_assert_num_queries
):
    factories.ActionFactory.create_batch(
        10, plan=plan_a, delivery_lead=police_lead_a, next_update_due=days(-20)
    )
    reminders_sweep(today=days(-30), dry_run=True)  # content types now cached
    with django_assert_num_queries(22):
        # actions: live actions due; their priority areas' OPCC leads; OPCC staff of
        # their forces. Reports: reports due; plan owners; force plan owners; priority
        # area leads; OPCC staff. Reviews: follow-ups due; reviews' area leads; offices'
        # OPCC staff; revisits due. Leavers: actions left without an owner; force plan
        # owners; OPCC staff. Extension requests: their actions' priority area leads;
        # OPCC staff of their forces; the requests waiting. Committee meetings whose pack
        # is due (none here: their staff are not read). Then: active recipients; the
        # ledger for those dates; the recipients' preferences.
        reminders_sweep(today=TUESDAY, dry_run=True)
    few = {
        "dry run": _sweep_queries(today=TUESDAY, dry_run=True),
        "sweep": _sweep_queries(today=TUESDAY, dry_run=False),
    }
    factories.ActionFactory.create_batch(
        190, plan=plan_a, delivery_lead=police_lead_a, next_update_due=days(-21)
    )
    many = {
        "dry run": _sweep_queries(today=TUESDAY, dry_run=True),
        "sweep": _sweep_queries(today=TUESDAY, dry_run=False),
    }

    assert many == few
    assert Reminder.objects.filter(sent_at__isnull=False).count() == 200 * 3


# --- The action page's panel and the beat schedule -------------------------------------


def test_the_action_page_shows_who_was_told_when(action_a, area_a, police_lead_a):
    overdue_action(action_a, by=20)
    reminders_sweep(today=TUESDAY)

    context = reminder_chain_panel(user=police_lead_a, obj=action_a)
    html = render_to_string("reminders/_reminder_chain.html", {"panel": context})

    lines = context["lines"]
    assert [(line.stage, line.recipient) for line in lines[:1]] == [
        (Stage.OVERDUE, f"{police_lead_a} (Police lead)")
    ]
    assert [line.stage for line in lines[1:]] == [Stage.ESCALATED, Stage.ESCALATED]
    assert {line.recipient.split(" (")[1] for line in lines[1:]} == {
        "Force plan owner)",
        "OPCC staff)",
    }
    assert "Escalated" in html and "Progress update due" in html
    assert any(
        panel.template == "reminders/_reminder_chain.html"
        for panel in panels.panels_for("action_detail", user=police_lead_a, obj=action_a)
    )


def test_the_reminder_chain_is_scoped_to_what_the_user_may_see(
    action_a, police_lead_b, django_assert_num_queries
):
    overdue_action(action_a, by=2)
    reminders_sweep(today=TUESDAY)

    # The action's reminders, if the user may see it; an update waiting for OPCC review.
    with django_assert_num_queries(2):
        context = reminder_chain_panel(user=police_lead_b, obj=action_a)

    assert context["lines"] == []


def test_beat_schedule_rows_exist_and_keep_what_an_administrator_changed(db):
    from django_celery_beat.models import PeriodicTask

    PeriodicTask.objects.all().delete()
    assert beat_schedule_install() == list(BEAT_SCHEDULE)
    task = PeriodicTask.objects.get(task="recommendations.sweep_reminders")
    task.enabled = False
    task.save()

    assert beat_schedule_install() == []
    assert PeriodicTask.objects.get(pk=task.pk).enabled is False
