"""Returned work reaches the person: a returned update or proposed completion makes a
notification and an e-mail with the reason, at once, for whoever must act on it."""

import pytest

from oversight.celery import BEAT_SCHEDULE
from recommendations import services_progress
from reminders.ledger import NOT_MAILED
from reminders.models import Reminder
from reminders.services import reminders_sweep, returns_notify
from reminders.tasks import notify_returns

Stage = Reminder.Stage


def mails_to(outbox, user) -> list:
    return [message for message in outbox if message.to == [user.email]]


def notices(**filters) -> set[tuple]:
    return set(
        Reminder.objects.filter(stage=Stage.RETURNED, **filters).values_list(
            "what", "recipient__username"
        )
    )


@pytest.fixture
def returned_update(action_a, plan_owner_a, opcc_staff):
    """An update the plan owner wrote on lead A's action, returned by the OPCC."""
    update = services_progress.progress_update_submit(
        action=action_a, author=plan_owner_a, narrative="Training.", rag="amber", percent_complete=5
    )
    return services_progress.progress_update_return(
        update=update, by=opcc_staff, reason="Give the numbers trained so far."
    )


def test_a_returned_update_reaches_its_author_and_the_delivery_lead_once_each(
    returned_update, plan_owner_a, police_lead_a, mailoutbox
):
    returns_notify()
    again = returns_notify()

    assert notices() == {("update_returned", "acc_a"), ("update_returned", "lead_a")}
    assert again.created == 0
    for person in (plan_owner_a, police_lead_a):
        [mail] = mails_to(mailoutbox, person)
        assert "Give the numbers trained so far." in mail.body
        assert "A1" in mail.subject
    assert len(mailoutbox) == 2
    assert not Reminder.objects.filter(sent_at__isnull=True).exists()


def test_the_notification_carries_the_reason(returned_update, police_lead_a):
    returns_notify()

    notice = Reminder.objects.get(recipient=police_lead_a)
    assert "Give the numbers trained so far." in notice.title
    assert notice.url.endswith(f"#update-{returned_update.pk}")


def test_email_off_gets_the_notification_only(returned_update, police_lead_a, mailoutbox):
    police_lead_a.email_reminders = False
    police_lead_a.save()

    returns_notify()
    returns_notify()

    notice = Reminder.objects.get(recipient=police_lead_a)
    assert notice.sent_at is None and notice.last_error.startswith(NOT_MAILED)
    assert mails_to(mailoutbox, police_lead_a) == []


def test_a_weekly_digest_does_not_hold_a_return_back(returned_update, police_lead_a, mailoutbox):
    police_lead_a.digest_frequency = "weekly"
    police_lead_a.save()

    returns_notify()

    assert len(mails_to(mailoutbox, police_lead_a)) == 1


def test_a_returned_completion_reaches_the_proposer_and_the_delivery_lead(
    action_a, plan_owner_a, police_lead_a, opcc_staff, mailoutbox
):
    services_progress.action_propose_completion(
        action=action_a, by=plan_owner_a, completion_evidence="All staff trained."
    )
    services_progress.action_return_completion(
        action=action_a, by=opcc_staff, reason="Show the audit of case files."
    )

    returns_notify()
    returns_notify()

    assert notices() == {("completion_returned", "acc_a"), ("completion_returned", "lead_a")}
    for person in (plan_owner_a, police_lead_a):
        [mail] = mails_to(mailoutbox, person)
        assert "Show the audit of case files." in mail.body


def test_a_partner_actions_return_reaches_the_partner_lead_who_posted(
    partner_action_a, partner_lead, opcc_staff, mailoutbox
):
    update = services_progress.progress_update_submit(
        action=partner_action_a,
        author=partner_lead,
        narrative="Joint panel set up.",
        rag="green",
        percent_complete=30,
    )
    services_progress.progress_update_return(update=update, by=opcc_staff, reason="Which panel?")

    returns_notify()

    assert notices() == {("update_returned", "partner_a")}
    [mail] = mailoutbox
    assert "Which panel?" in mail.body


def test_work_resubmitted_before_the_notifier_ran_is_not_announced(
    returned_update, action_a, police_lead_a, mailoutbox
):
    services_progress.progress_update_submit(
        action=action_a,
        author=police_lead_a,
        narrative="81 of 100 trained.",
        rag="amber",
        percent_complete=81,
        resubmission_of=returned_update,
    )

    returns_notify()

    assert not Reminder.objects.exists()
    assert mailoutbox == []


def test_the_daily_sweep_leaves_an_unsent_return_notice_to_the_notifier(
    returned_update, police_lead_a, settings, mailoutbox
):
    settings.EMAIL_BACKEND = "tests.reminders.test_reminders.RefusingBackend"
    returns_notify()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    reminders_sweep()
    notice = Reminder.objects.get(recipient=police_lead_a, stage=Stage.RETURNED)
    assert (notice.sent_at, notice.last_error.startswith(NOT_MAILED)) == (None, False)
    returns_notify()

    returned = [mail for mail in mailoutbox if "returned to you" in mail.subject]
    assert len(mails_to(returned, police_lead_a)) == 1


def test_the_task_runs_the_notifier_and_beat_runs_the_task(returned_update, mailoutbox):
    assert notify_returns.run() == {"created": 2, "sent": 2, "failed": 0}
    assert any(entry["task"] == "reminders.notify_returns" for entry in BEAT_SCHEDULE.values())
