"""A broker outage delays background work but never breaks a page or loses work."""

import time

import pytest
from celery import Celery
from django.urls import reverse

from oversight.celery import app
from oversight.shared import background

CLOSED_PORT_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1

# A separate app, so no connection pool another test opened to the real Redis is reused.
unreachable = Celery("unreachable", broker=CLOSED_PORT_BROKER, set_as_current=False)
unreachable.conf.broker_connection_timeout = 1
unreachable.conf.broker_transport_options = {"socket_connect_timeout": 1}


@unreachable.task(name="tests.noop")
def noop():
    return "done"


@app.task(name="tests.eager_noop")
def eager_noop():
    return "done"


@pytest.fixture
def broker_down(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    original = app.conf.broker_url
    app.conf.broker_url = CLOSED_PORT_BROKER  # read afresh by every health check
    background.reset_broker_state()
    yield
    app.conf.broker_url = original
    background.reset_broker_state()


def test_send_now_reports_a_broker_that_is_down(broker_down):
    assert background.send_now(noop) is False
    assert background.background_work_delayed()


def test_after_one_failure_requests_do_not_wait_for_the_broker(broker_down):
    background.send_now(noop)
    started = time.monotonic()
    assert background.send_now(noop) is False
    assert time.monotonic() - started < 0.1


def test_pages_still_serve_and_say_work_is_delayed(broker_down, client, opcc_staff):
    client.force_login(opcc_staff)
    response = client.get(reverse("home"), follow=True)
    assert response.status_code == 200
    assert b"Background work (reminder e-mails and PDF letters) is delayed" in response.content


def test_no_delay_notice_when_tasks_run_in_process(client, opcc_staff):
    client.force_login(opcc_staff)
    response = client.get(reverse("home"), follow=True)
    assert b"is delayed" not in response.content


def test_eager_task_runs_at_commit(django_capture_on_commit_callbacks, db):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        background.enqueue(eager_noop)
    assert len(callbacks) == 1
