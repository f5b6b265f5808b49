"""The reminder sweep as a Celery task: a real worker on real Redis, and retries with
backoff when the mail server fails."""

import datetime
import os
import smtplib
import socket
import uuid

import pytest
import time_machine
from celery import signals
from celery.backends.redis import RedisBackend
from celery.contrib.testing.worker import start_worker
from celery.result import AsyncResult
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import connections

from oversight.celery import app
from reminders.models import Reminder
from reminders.tasks import ReminderDigestsNotSent, sweep_reminders

TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
TUESDAY = datetime.date(2026, 12, 1)


@pytest.fixture
def report_a(report_a):
    """Report A with its plan received and section 55 comments published: only the
    action's dates produce reminders."""
    report_a.action_plan_received_on = datetime.date(2026, 10, 1)
    report_a.section_55_published_on = datetime.date(2026, 10, 20)
    report_a.save()
    return report_a


@pytest.fixture
def overdue_action_a(action_a):
    action_a.next_update_due = TUESDAY - datetime.timedelta(days=3)
    action_a.save()
    return action_a


class FlakyBackend(LocmemBackend):
    """Refuses the first message it is given, then delivers."""

    refusals_left = 0

    def send_messages(self, messages):
        if FlakyBackend.refusals_left:
            FlakyBackend.refusals_left -= 1
            raise smtplib.SMTPDataError(451, b"Temporary local problem, try again later")
        return super().send_messages(messages)


def closed_port() -> int:
    """A local port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def eager_retries():
    """Eager tasks follow their retries as a worker would, instead of raising Retry."""
    saved = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = saved


@pytest.fixture
def celery_worker_on_redis():
    """An embedded worker consuming from TEST_REDIS_URL, results stored there too.
    Yields `sweep_and_wait(today)`, which sends the sweep and reads its result from Redis."""
    saved = {key: app.conf[key] for key in ("broker_url", "result_backend", "task_always_eager")}
    app.conf.update(
        broker_url=TEST_REDIS_URL, result_backend=TEST_REDIS_URL, task_always_eager=False
    )
    _forget_connection_pools()
    # A queue of this test's own, so another test run on the same Redis (a colleague's,
    # or a parallel worker) can neither take these tasks nor hand this worker its own.
    queue = f"test-sweep-{uuid.uuid4().hex}"

    def close_worker_connections(**kwargs):
        # The worker thread's own database connection: closed so the test database
        # can be flushed and dropped.
        connections.close_all()

    signals.task_postrun.connect(close_worker_connections, weak=False)
    try:
        with start_worker(app, perform_ping_check=False, shutdown_timeout=30, queues=[queue]):
            # Read results through a backend made here: this thread's app.backend may be
            # the disabled one cached by earlier eager tests.
            results = RedisBackend(app=app, url=TEST_REDIS_URL)

            def sweep_and_wait(today: datetime.date) -> dict:
                sent = sweep_reminders.apply_async(kwargs={"today": today.isoformat()}, queue=queue)
                return AsyncResult(sent.id, app=app, backend=results).get(timeout=90)

            yield sweep_and_wait
    finally:
        signals.task_postrun.disconnect(close_worker_connections)
        app.conf.update(saved)
        _forget_connection_pools()
        # The worker selected its queue on the app itself (`celery worker -Q` does the
        # same): a worker started later in this process would consume from that queue
        # alone and never see a task sent to the default one.
        del app.amqp.queues


def _forget_connection_pools():
    """Drop the app's producer pool: an eager task run earlier in this process made it for
    the broker configured then (none: the default, amqp://localhost), and apply_async
    would publish through it to that broker, never to the worker's Redis."""
    app._pool = None
    app.amqp._producer_pool = None


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_sweep_and_mails_the_digest(
    celery_worker_on_redis, overdue_action_a, police_lead_a, mailoutbox
):
    summary = celery_worker_on_redis(TUESDAY)

    assert summary == {
        "today": "2026-12-01",
        "planned": 1,
        "created": 1,
        "digests_sent": 1,
        "digests_failed": 0,
    }
    [mail] = mailoutbox
    assert mail.to == [police_lead_a.email]
    assert "A1" in mail.body and "3 days overdue" in mail.body
    assert Reminder.objects.get().sent_at is not None


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_second_task_on_the_worker_sends_nothing_again(
    celery_worker_on_redis, overdue_action_a, mailoutbox
):
    sweep_and_wait = celery_worker_on_redis
    sweep_and_wait(TUESDAY)

    summary = sweep_and_wait(TUESDAY)

    assert (summary["created"], summary["digests_sent"]) == (0, 0)
    assert len(mailoutbox) == 1


def test_the_task_sweeps_the_day_it_runs_on(overdue_action_a, mailoutbox):
    with time_machine.travel(datetime.datetime(2026, 12, 1, 6, 30), tick=False):
        summary = sweep_reminders.apply().get()

    assert summary["today"] == "2026-12-01"
    assert "3 days overdue" in mailoutbox[0].body


def test_a_refused_mail_is_retried_and_sent_once(
    overdue_action_a, settings, eager_retries, mailoutbox
):
    settings.EMAIL_BACKEND = "tests.reminders.test_tasks_reminders.FlakyBackend"
    FlakyBackend.refusals_left = 1

    result = sweep_reminders.apply(kwargs={"today": TUESDAY.isoformat()})

    assert result.get()["digests_sent"] == 1
    assert len(mailoutbox) == 1
    reminder = Reminder.objects.get()
    assert reminder.sent_at is not None
    assert reminder.send_attempts == 2  # refused once, then accepted


def test_a_mail_server_that_is_down_is_retried_then_recorded_and_nothing_marked_sent(
    overdue_action_a, settings, eager_retries, mailoutbox
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = closed_port()

    result = sweep_reminders.apply(kwargs={"today": TUESDAY.isoformat()})

    assert result.state == "FAILURE"
    assert isinstance(result.result, ReminderDigestsNotSent)
    assert "ConnectionRefusedError" in str(result.result)
    reminder = Reminder.objects.get()
    assert reminder.sent_at is None
    assert reminder.send_attempts == sweep_reminders.max_retries + 1
    assert reminder.last_error.startswith("ConnectionRefusedError")
    assert mailoutbox == []


def test_the_task_is_acknowledged_late_with_time_limits_and_backoff():
    assert sweep_reminders.acks_late is True
    assert sweep_reminders.soft_time_limit < sweep_reminders.time_limit
    assert sweep_reminders.retry_backoff and sweep_reminders.max_retries
    assert issubclass(ReminderDigestsNotSent, tuple(sweep_reminders.autoretry_for))
