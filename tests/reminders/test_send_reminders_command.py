"""`manage.py send_reminders [--dry-run] [--today YYYY-MM-DD]`."""

import datetime
import io
import re

import pytest
from django.core.management import CommandError, call_command

from reminders.models import Reminder
from tests import factories

TUESDAY = datetime.date(2026, 12, 1)


@pytest.fixture
def report_a(report_a):
    report_a.action_plan_received_on = datetime.date(2026, 10, 1)
    report_a.section_55_published_on = datetime.date(2026, 10, 20)
    report_a.save()
    return report_a


@pytest.fixture
def overdue_action_a(action_a):
    action_a.next_update_due = datetime.date(2026, 11, 28)
    action_a.save()
    return action_a


def run(*args) -> str:
    out = io.StringIO()
    call_command("send_reminders", *args, stdout=out)
    return out.getvalue()


def test_dry_run_prints_what_would_be_sent_and_changes_nothing(
    overdue_action_a, police_lead_a, mailoutbox
):
    output = run("--dry-run", "--today", "2026-12-01")

    assert "Reminders as of Tuesday 01 December 2026: 1 current, 1 would be new." in output
    assert f"{police_lead_a} <{police_lead_a.email}>: 1 reminder(s), would send" in output
    assert "[Overdue] Progress update due: A1 (" in output
    assert re.search(r"Queries: \d+\.", output)
    assert "Dry run: nothing was recorded or sent." in output
    assert not Reminder.objects.exists()
    assert mailoutbox == []


def test_dry_run_query_count_does_not_grow_with_the_actions(plan_a, police_lead_a):
    def queries_for_dry_run() -> int:
        return int(re.search(r"Queries: (\d+)\.", run("--dry-run", "--today", "2026-12-01"))[1])

    factories.ActionFactory.create_batch(
        10, plan=plan_a, delivery_lead=police_lead_a, next_update_due=TUESDAY
    )
    queries_for_dry_run()  # content types cached from here on
    few = queries_for_dry_run()
    factories.ActionFactory.create_batch(
        190, plan=plan_a, delivery_lead=police_lead_a, next_update_due=TUESDAY
    )

    assert queries_for_dry_run() == few


def test_dry_run_lists_a_long_digest_briefly(plan_a, police_lead_a):
    factories.ActionFactory.create_batch(
        25, plan=plan_a, delivery_lead=police_lead_a, next_update_due=TUESDAY
    )

    output = run("--dry-run", "--today", "2026-12-01")

    assert "25 reminder(s), would send" in output
    assert "... and 5 more" in output


def test_run_records_and_mails_then_a_second_run_sends_nothing(
    overdue_action_a, police_lead_a, mailoutbox
):
    first = run("--today", "2026-12-01")
    second = run("--today", "2026-12-01")

    assert "1 reminder(s), sent" in first
    assert "1 current, 0 new." in second
    assert len(mailoutbox) == 1
    assert Reminder.objects.get().sent_at is not None


def test_run_says_what_stays_in_the_app_when_email_is_off(
    overdue_action_a, police_lead_a, mailoutbox
):
    police_lead_a.email_reminders = False
    police_lead_a.save()

    output = run("--today", "2026-12-01")

    assert "1 reminder(s), in the app only (Not e-mailed: e-mail reminders are switched off" in (
        output
    )
    assert mailoutbox == []


def test_run_fails_loudly_when_the_mail_server_refuses(overdue_action_a, settings):
    settings.EMAIL_BACKEND = "tests.reminders.test_reminders.RefusingBackend"

    with pytest.raises(CommandError, match="1 digest\\(s\\) could not be sent"):
        run("--today", "2026-12-01")

    assert Reminder.objects.get().sent_at is None


def test_today_must_be_a_date(db):
    with pytest.raises(CommandError, match="--today must be a date written YYYY-MM-DD"):
        run("--today", "1/12/2026")
