"""Faults survived: the broker stopped, a worker or web process killed mid-task, a mail
server that fails.

Every broker here is a redis-server of the test's own, on a free port, stopped and started
again by the test; the shared Redis is never touched. Workers are real: embedded in this
process (celery.contrib.testing) where the test needs this process's memory, otherwise
`celery -A oversight worker` subprocesses on the test database, killed with SIGKILL.
"""

import contextlib
import datetime
import email
import hashlib
import os
import random
import re
import signal
import socket
import socketserver
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

import kombu.pools
import psycopg2
import pytest
import redis
from celery import Celery, signals
from celery.backends.redis import RedisBackend
from celery.contrib.testing.worker import start_worker
from celery.result import AsyncResult
from django.db import IntegrityError, connection, connections, transaction
from django.urls import reverse
from django.utils import timezone

from letters.models import Letter
from letters.render_jobs import LETTER_RENDER_STALLED_AFTER
from letters.services import letter_issue
from letters.tasks import letters_requeue_stalled_renders, requeue_stalled_letters
from oversight.celery import BEAT_SCHEDULE, app
from oversight.shared import background
from reminders.models import Reminder
from reminders.tasks import sweep_reminders
from tests import factories

ROOT = Path(__file__).resolve().parent.parent
TUESDAY = datetime.date(2026, 12, 1)
BANNER = b"Background work (reminder e-mails and PDF letters) is delayed"
KEPT_WHILE_DOWN = b"the job queue cannot be reached just now"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition, *, timeout: float, what: str, logs: tuple = ()):
    """Poll `condition` until it returns something true; fail with the workers' logs."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    tails = "\n".join(f"--- {log.name}\n{log.read_text()[-3000:]}" for log in logs)
    pytest.fail(f"Waited {timeout} s for {what}.\n{tails}")


# --- A Redis of the test's own -----------------------------------------------------------


class OwnRedis:
    """redis-server on a free loopback port, without persistence: stopped and started
    again, it comes back empty, as a broker that lost everything would."""

    def __init__(self, workdir: Path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
            + ["--save", "", "--appendonly", "no", "--daemonize", "no"]
            + ["--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self._answers, timeout=10, what=f"redis-server on port {self.port}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def client(self) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=2)

    def _answers(self) -> bool:
        try:
            return self.client().ping()
        except redis.ConnectionError:
            return False


@pytest.fixture
def own_redis(tmp_path):
    server = OwnRedis(tmp_path)
    server.start()
    yield server
    server.stop()


def forget_broker_connections() -> None:
    """Drop pooled broker connections, so the next send connects afresh to the broker now
    configured (the pools are per URL and outlive a change of settings)."""
    kombu.pools.reset()
    app._pool = None
    app.amqp._producer_pool = None
    app._local.__dict__.pop("backend", None)  # this thread's result backend, made once


@pytest.fixture
def app_on_own_redis(own_redis, settings):
    """The project's Celery app sends to the test's own Redis instead of running tasks
    in-process; as in production, no result backend."""
    keys = ("broker_url", "result_backend", "task_always_eager")
    saved = {key: app.conf[key] for key in keys}
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.update(broker_url=own_redis.url, result_backend=None, task_always_eager=False)
    forget_broker_connections()
    background.reset_broker_state()
    yield own_redis
    app.conf.update(saved)
    forget_broker_connections()
    background.reset_broker_state()


def redis_comes_back(own_redis: OwnRedis) -> None:
    own_redis.start()
    forget_broker_connections()
    # In production the worker is another process, which never saw the outage; here it
    # shares this process's memory of it (send_now holds off for 30 s after a failure).
    background.reset_broker_state()


@contextlib.contextmanager
def embedded_worker(own_redis: OwnRedis):
    """A worker thread in this process consuming from the test's Redis, storing results
    there. Yields `wait(async_result)`, which reads a task's result from Redis."""

    def close_worker_connections(**kwargs):
        connections.close_all()  # the worker thread's own, so the database can be flushed

    signals.task_postrun.connect(close_worker_connections, weak=False)
    app.conf.result_backend = own_redis.url  # read by the worker thread when it starts
    try:
        # The default queue named: a worker started earlier in this process may have
        # selected another on the app.
        queues = [app.conf.task_default_queue]
        with start_worker(app, perform_ping_check=False, shutdown_timeout=30, queues=queues):
            results = RedisBackend(app=app, url=own_redis.url)
            yield lambda sent: AsyncResult(sent.id, app=app, backend=results).get(timeout=90)
    finally:
        app.conf.result_backend = None
        signals.task_postrun.disconnect(close_worker_connections)


# --- The world ---------------------------------------------------------------------------


@pytest.fixture
def report_a(report_a):
    """Report A with its plan received and section 55 comments published: only the
    actions' dates produce reminders."""
    report_a.action_plan_received_on = datetime.date(2026, 10, 1)
    report_a.section_55_published_on = datetime.date(2026, 10, 20)
    report_a.save()
    return report_a


@pytest.fixture
def overdue_action_a(action_a):
    action_a.next_update_due = TUESDAY - datetime.timedelta(days=3)
    action_a.save()
    return action_a


@pytest.fixture
def draft_letter(report_a, recommendation_a, action_a):
    return factories.LetterFactory(report=report_a, addressee="Pat Commissioner\nOPCC A")


def stalled(letter: Letter, *, by) -> Letter:
    """The letter as a render asked for by `by` more than the stall time ago leaves it."""
    Letter.objects.filter(pk=letter.pk).update(
        render_state=Letter.RenderState.QUEUED,
        render_requested_by=by,
        render_requested_at=timezone.now()
        - LETTER_RENDER_STALLED_AFTER
        - datetime.timedelta(minutes=1),
    )
    letter.refresh_from_db()
    return letter


# --- 1. Redis stopped: pages serve, work waits, and catches up ----------------------------


def test_pages_serve_and_say_background_work_is_delayed_while_redis_is_stopped(
    app_on_own_redis, client, opcc_staff
):
    client.force_login(opcc_staff)
    assert BANNER not in client.get(reverse("home"), follow=True).content

    app_on_own_redis.stop()
    background.reset_broker_state()  # the next page checks the broker again
    response = client.get(reverse("home"), follow=True)

    assert response.status_code == 200
    assert BANNER in response.content


def test_a_render_asked_for_while_redis_is_down_stays_queued_and_the_page_says_so(
    app_on_own_redis, client, opcc_staff, draft_letter, django_capture_on_commit_callbacks
):
    app_on_own_redis.stop()
    client.force_login(opcc_staff)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("letters:letter_render", args=[draft_letter.pk]))
    page = client.get(response.url)

    assert response.status_code == 302 and page.status_code == 200
    assert BANNER in page.content and KEPT_WHILE_DOWN in page.content
    draft_letter.refresh_from_db()
    assert draft_letter.render_state == Letter.RenderState.QUEUED
    assert draft_letter.render_requested_by == opcc_staff
    assert draft_letter.render_requested_at is not None


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_render_asked_for_while_redis_was_down_is_made_once_redis_is_back(
    app_on_own_redis, client, opcc_staff, draft_letter
):
    app_on_own_redis.stop()
    client.force_login(opcc_staff)
    client.post(reverse("letters:letter_render", args=[draft_letter.pk]))
    draft_letter.refresh_from_db()
    assert draft_letter.render_state == Letter.RenderState.QUEUED  # kept, not lost
    # Time passes: the render has now waited longer than the stall time.
    stalled(draft_letter, by=opcc_staff)

    redis_comes_back(app_on_own_redis)
    with embedded_worker(app_on_own_redis) as wait:
        assert wait(requeue_stalled_letters.delay()) == 1
        wait_for(
            lambda: Letter.objects.get(pk=draft_letter.pk).render_state == Letter.RenderState.READY,
            timeout=90,
            what="the re-sent render to finish",
        )

    draft_letter.refresh_from_db()
    assert draft_letter.status == Letter.Status.DRAFT
    with draft_letter.rendered_pdf.open("rb") as pdf:
        assert pdf.read(5) == b"%PDF-"


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_reminders_missed_while_redis_was_down_go_out_on_the_next_sweep(
    app_on_own_redis, overdue_action_a, police_lead_a, mailoutbox
):
    app_on_own_redis.stop()
    monday = (TUESDAY - datetime.timedelta(days=1)).isoformat()
    assert background.send_now(sweep_reminders, today=monday) is False  # beat's send fails
    assert not Reminder.objects.exists()

    redis_comes_back(app_on_own_redis)
    with embedded_worker(app_on_own_redis) as wait:
        summary = wait(sweep_reminders.delay(today=TUESDAY.isoformat()))

    assert (summary["created"], summary["digests_sent"]) == (1, 1)
    [mail] = mailoutbox
    assert mail.to == [police_lead_a.email] and "3 days overdue" in mail.body
    assert Reminder.objects.get().sent_at is not None


def test_requeue_leaves_a_render_asked_for_just_now_alone(
    app_on_own_redis, draft_letter, opcc_staff
):
    Letter.objects.filter(pk=draft_letter.pk).update(
        render_state=Letter.RenderState.QUEUED,
        render_requested_by=opcc_staff,
        render_requested_at=timezone.now() - datetime.timedelta(minutes=1),
    )

    assert letters_requeue_stalled_renders() == 0
    assert app_on_own_redis.client().llen("celery") == 0


def test_requeue_sends_a_stalled_render_once_per_stall_period(
    app_on_own_redis, draft_letter, opcc_staff
):
    stalled(draft_letter, by=opcc_staff)

    assert letters_requeue_stalled_renders() == 1
    assert letters_requeue_stalled_renders() == 0  # sent again only after another period
    later = timezone.now() + LETTER_RENDER_STALLED_AFTER + datetime.timedelta(minutes=1)
    assert letters_requeue_stalled_renders(now=later) == 1
    assert app_on_own_redis.client().llen("celery") == 2


def test_requeue_sends_nothing_while_the_broker_is_down_and_keeps_the_letter_waiting(
    app_on_own_redis, draft_letter, opcc_staff
):
    asked_at = stalled(draft_letter, by=opcc_staff).render_requested_at
    app_on_own_redis.stop()

    assert letters_requeue_stalled_renders() == 0

    draft_letter.refresh_from_db()
    assert draft_letter.render_state == Letter.RenderState.QUEUED
    assert draft_letter.render_requested_at == asked_at  # tried again on the next run


def test_requeue_marks_a_render_nobody_can_be_named_for_as_failed(app_on_own_redis, draft_letter):
    stalled(draft_letter, by=None)

    assert letters_requeue_stalled_renders() == 0

    draft_letter.refresh_from_db()
    assert draft_letter.render_state == Letter.RenderState.FAILED
    assert "Render it again" in draft_letter.render_error


def test_the_requeue_runs_from_the_one_beat_schedule():
    [entry] = [e for e in BEAT_SCHEDULE.values() if e["task"] == requeue_stalled_letters.name]
    assert entry["schedule"].remaining_estimate(timezone.now()) <= datetime.timedelta(minutes=5)


# --- 2. A process killed mid-task --------------------------------------------------------


def database_url_for_tests() -> str:
    """The test database's address; a Unix socket's folder goes in as one encoded host."""
    settings = connection.settings_dict
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    host = urllib.parse.quote(settings["HOST"] or "127.0.0.1", safe="")
    port = settings["PORT"] or 5432
    return f"postgres://{settings['USER']}{password}@{host}:{port}/{settings['NAME']}"


class Subprocess:
    """A child process of the project (a worker, a shell) on the test database, in its own
    process group so SIGKILL takes all of it; PGAPPNAME names its database sessions."""

    def __init__(self, name: str, command: list[str], tmp_path: Path, **env: str):
        self.name = name
        self.log = tmp_path / f"{name}.log"
        self.env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "DJANGO_SETTINGS_MODULE": "oversight.settings",
            "DATABASE_URL": database_url_for_tests(),
            "PRIVATE_MEDIA_ROOT": str(tmp_path / "private"),
            "PGAPPNAME": name,
            **env,
        }
        self.command = command
        self.process: subprocess.Popen | None = None

    def start(self) -> "Subprocess":
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                self.command,
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()

    def sessions(self, *, waiting_on_a_lock: bool = False) -> int:
        """This process's open database sessions (those waiting for a lock only)."""
        sql = (
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name = %s"
        )
        if waiting_on_a_lock:
            sql += " AND wait_event_type = 'Lock'"
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.name])
            return cursor.fetchone()[0]


@pytest.fixture
def spawn(tmp_path):
    """Start project subprocesses; whatever is still running at the end is killed, and
    the test database is left with none of their sessions."""
    started: list[Subprocess] = []

    def start(name: str, command: list[str], **env: str) -> Subprocess:
        started.append(Subprocess(name, command, tmp_path, **env).start())
        return started[-1]

    yield start
    for process in started:
        process.kill()
    for process in started:
        wait_for(lambda p=process: p.sessions() == 0, timeout=30, what=f"{process.name}'s sessions")


@pytest.fixture
def start_worker_process(spawn, own_redis, tmp_path):
    """`celery -A oversight worker` (one pool process) on the test database and the
    test's Redis, by default with a visibility timeout of 2 s, so a task its killed
    predecessor held comes back at once. Returns once the worker is ready."""
    count = iter(range(1, 100))

    def start(**env: str) -> Subprocess:
        name = f"fault-worker-{next(count)}"
        worker = spawn(
            name,
            [str(Path(sys.executable).parent / "celery"), "-A", "oversight", "worker"]
            + ["-I", "tests.fault_worker", "--concurrency", "1", "--hostname", f"{name}@%h"]
            + ["--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "INFO"],
            **{
                "CELERY_BROKER_URL": own_redis.url,
                "CELERY_RESULT_BACKEND": "",
                "FAULT_VISIBILITY_TIMEOUT": "2",
                "EMAIL_FILE_PATH": str(tmp_path / "mail"),
                **env,
            },
        )
        wait_for(lambda: "ready." in worker.log.read_text(), timeout=90, what=f"{name} to start")
        return worker

    return start


@pytest.fixture
def send_task(own_redis):
    """Send a task by name to the test's Redis, as the web process would."""
    sender = Celery("fault-sender", broker=own_redis.url, set_as_current=False)
    yield lambda name, *args, **kwargs: sender.send_task(name, args=args, kwargs=kwargs)
    sender.close()


@contextlib.contextmanager
def table_locked(table: str, mode: str):
    """Hold a lock on `table` from another session until the block ends: whoever needs
    a conflicting lock waits there, at a known point of its work."""
    side = psycopg2.connect(database_url_for_tests())
    try:
        with side.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {table} IN {mode} MODE")
        yield
    finally:
        side.rollback()
        side.close()


def messages_mailed(mail_dir: Path) -> list[str]:
    """The recipient of every message the file e-mail backend wrote, one per message."""
    recipients = []
    for path in sorted(mail_dir.glob("*.log")):
        for text in re.split(r"^-{79}$", path.read_text(), flags=re.MULTILINE):
            if text.strip():
                recipients.append(email.message_from_string(text.lstrip())["To"])
    return recipients


def nothing_left_on_the_broker(own_redis: OwnRedis) -> bool:
    client = own_redis.client()
    return client.llen("celery") == 0 and client.hlen("unacked") == 0


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_while_mailing_digests_leaves_each_reminder_recorded_and_mailed_once(
    own_redis,
    start_worker_process,
    send_task,
    tmp_path,
    overdue_action_a,
    police_lead_a,
    police_lead_a2,
):
    factories.ActionFactory(
        plan=overdue_action_a.plan,
        reference="A2",
        delivery_lead=police_lead_a2,
        next_update_due=overdue_action_a.next_update_due,
    )
    marker = tmp_path / "paused-at-second-digest"
    first = start_worker_process(
        EMAIL_BACKEND="tests.fault_worker.PausingFileBackend",
        FAULT_PAUSE_ON_MAIL="2",
        FAULT_MARKER=str(marker),
    )
    send_task(sweep_reminders.name, today=TUESDAY.isoformat())
    wait_for(marker.exists, timeout=60, what="the second digest", logs=(first.log,))
    # Mid-sweep: lead A's digest is out, lead A2's is on its way to the mail server.
    assert messages_mailed(tmp_path / "mail") == [police_lead_a.email]
    assert marker.read_text().split()[1] == police_lead_a2.email
    assert Reminder.objects.filter(sent_at__isnull=False).count() == 1

    first.kill()
    second = start_worker_process(EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend")
    wait_for(
        lambda: (
            not Reminder.objects.filter(sent_at__isnull=True).exists()
            and nothing_left_on_the_broker(own_redis)
        ),
        timeout=90,
        what="the redelivered sweep",
        logs=(second.log,),
    )

    assert sorted(messages_mailed(tmp_path / "mail")) == sorted(
        [police_lead_a.email, police_lead_a2.email]
    )
    rows = list(Reminder.objects.values_list("recipient__email", "send_attempts"))
    assert sorted(rows) == sorted([(police_lead_a.email, 1), (police_lead_a2.email, 1)])


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_pool_process_killed_while_mailing_has_its_task_requeued_at_once_and_mailed_once(
    own_redis,
    start_worker_process,
    send_task,
    tmp_path,
    overdue_action_a,
    police_lead_a,
    police_lead_a2,
):
    factories.ActionFactory(
        plan=overdue_action_a.plan,
        reference="A2",
        delivery_lead=police_lead_a2,
        next_update_due=overdue_action_a.next_update_due,
    )
    marker = tmp_path / "paused-at-second-digest"
    worker = start_worker_process(
        EMAIL_BACKEND="tests.fault_worker.PausingFileBackend",
        FAULT_PAUSE_ON_MAIL="2",
        FAULT_MARKER=str(marker),
        # An hour, as in production: the task comes back because the worker rejects it
        # (task_reject_on_worker_lost), not because a visibility timeout ran out.
        FAULT_VISIBILITY_TIMEOUT="3600",
    )
    send_task(sweep_reminders.name, today=TUESDAY.isoformat())
    wait_for(marker.exists, timeout=60, what="the second digest", logs=(worker.log,))
    pool_process = int(marker.read_text().split()[0])

    os.kill(pool_process, signal.SIGKILL)  # the worker's main process lives on
    wait_for(
        lambda: (
            not Reminder.objects.filter(sent_at__isnull=True).exists()
            and nothing_left_on_the_broker(own_redis)
        ),
        timeout=60,
        what="the requeued sweep",
        logs=(worker.log,),
    )

    assert "WorkerLostError" in worker.log.read_text()
    assert sorted(messages_mailed(tmp_path / "mail")) == sorted(
        [police_lead_a.email, police_lead_a2.email]
    )
    assert Reminder.objects.count() == 2


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_while_rendering_a_letter_leaves_a_draft_the_redelivered_task_finishes(
    own_redis, start_worker_process, send_task, draft_letter, opcc_staff
):
    stalled(draft_letter, by=opcc_staff)
    first = start_worker_process()
    # The render marks the letter "rendering", then reads the recommendations for its
    # snapshot: it waits at that read while the table is locked, and is killed there.
    with table_locked("recommendations_recommendation", "ACCESS EXCLUSIVE"):
        send_task("recommendations.render_letter", draft_letter.pk, opcc_staff.pk)
        wait_for(
            lambda: first.sessions(waiting_on_a_lock=True),
            timeout=60,
            what="the render to reach the snapshot",
            logs=(first.log,),
        )
        first.kill()
    draft_letter.refresh_from_db()
    assert draft_letter.render_state == Letter.RenderState.RENDERING
    assert not draft_letter.rendered_pdf

    second = start_worker_process()
    wait_for(
        lambda: (
            Letter.objects.get(pk=draft_letter.pk).render_state == Letter.RenderState.READY
            and nothing_left_on_the_broker(own_redis)
        ),
        timeout=90,
        what="the redelivered render",
        logs=(second.log,),
    )

    draft_letter.refresh_from_db()
    assert draft_letter.status == Letter.Status.DRAFT and not draft_letter.checksum
    with draft_letter.rendered_pdf.open("rb") as pdf:
        assert pdf.read(5) == b"%PDF-"


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_process_killed_while_issuing_a_letter_leaves_it_a_draft(
    spawn, tmp_path, draft_letter, opcc_staff
):
    issue = (
        "from oversight.models import User\n"
        "from letters.services import letter_issue\n"
        "from letters.models import Letter\n"
        f"letter_issue(letter=Letter.objects.get(pk={draft_letter.pk}), "
        f"user=User.objects.get(pk={opcc_staff.pk}))\n"
    )
    # Issuing renders and stores the PDF, then saves the letter as issued; saving writes
    # its history row, which waits while the history table is locked. Killed there, the
    # letter row says "issued" only inside a transaction that never commits.
    with table_locked("recommendations_historicalletter", "SHARE"):
        issuer = spawn("fault-issuer", [sys.executable, "manage.py", "shell", "-c", issue])
        wait_for(
            lambda: issuer.sessions(waiting_on_a_lock=True),
            timeout=90,
            what="the issue to reach its save",
            logs=(issuer.log,),
        )
        assert Letter.objects.get(pk=draft_letter.pk).status == Letter.Status.DRAFT
        issuer.kill()
    wait_for(lambda: issuer.sessions() == 0, timeout=30, what="the killed session to end")

    draft_letter.refresh_from_db()
    assert draft_letter.status == Letter.Status.DRAFT
    assert (draft_letter.checksum, draft_letter.issued_pdf.name) == ("", "")
    assert draft_letter.issued_at is None and draft_letter.snapshot is None
    # The PDF stored before the kill is an orphan file that no letter points to.
    [orphan] = (tmp_path / "private" / "letters" / "issued").iterdir()

    issued = letter_issue(letter=draft_letter, user=opcc_staff)  # issuing again works

    assert issued.issued_pdf.name != f"letters/issued/{orphan.name}"
    with issued.issued_pdf.open("rb") as pdf:
        assert hashlib.sha256(pdf.read()).hexdigest() == issued.checksum


@pytest.mark.parametrize(
    "missing",
    [
        {"checksum": ""},
        {"checksum": "not-a-sha256"},
        {"issued_pdf": ""},
        {"snapshot": None},
        {"issued_at": None},
        {"issued_by": None},
    ],
    ids=lambda missing: f"without-{next(iter(missing))}",
)
def test_the_database_refuses_an_issued_letter_without_its_frozen_pdf(
    draft_letter, opcc_staff, missing
):
    issued = {
        "status": Letter.Status.ISSUED,
        "issued_pdf": "letters/issued/letter.pdf",
        "checksum": hashlib.sha256(b"%PDF-").hexdigest(),
        "snapshot": {},
        "issued_at": timezone.now(),
        "issued_by": opcc_staff,
    }
    Letter.objects.filter(pk=draft_letter.pk).update(**issued)  # complete: accepted

    with pytest.raises(IntegrityError, match="letter_issued_is_frozen"), transaction.atomic():
        Letter.objects.filter(pk=draft_letter.pk).update(**missing)


# --- 3. A failing mail server is retried with backoff ------------------------------------


class TinySMTPServer(socketserver.ThreadingTCPServer):
    """Just enough SMTP for smtplib: accepts every message and keeps it."""

    allow_reuse_address = True
    daemon_threads = True

    def __init__(self, port: int):
        self.messages: list[email.message.Message] = []
        super().__init__(("127.0.0.1", port), TinySMTPHandler)
        threading.Thread(target=self.serve_forever, daemon=True).start()


class TinySMTPHandler(socketserver.StreamRequestHandler):
    def handle(self):
        self.wfile.write(b"220 localhost ESMTP\r\n")
        data: list[bytes] | None = None
        while line := self.rfile.readline():
            if data is not None:
                if line.rstrip(b"\r\n") == b".":
                    self.server.messages.append(email.message_from_bytes(b"".join(data)))
                    data = None
                    self.wfile.write(b"250 OK: queued\r\n")
                else:
                    data.append(line[1:] if line.startswith(b"..") else line)
                continue
            verb = line[:4].upper()
            if verb == b"DATA":
                data = []
                self.wfile.write(b"354 End data with <CR><LF>.<CR><LF>\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 Bye\r\n")
                return
            else:  # EHLO, HELO, MAIL, RCPT, RSET, NOOP
                self.wfile.write(b"250 OK\r\n")


@pytest.fixture
def mail_server_port(settings):
    """The SMTP backend pointed at a loopback port where no mail server runs (yet)."""
    port = free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_TIMEOUT = 5
    return port


@pytest.fixture
def retries_seen(monkeypatch):
    """Each retry of the sweep as (retries so far, countdown in seconds). The jitter is
    held at its ceiling, so the countdown is the backoff itself."""
    monkeypatch.setattr(random, "randrange", lambda stop: stop - 1)
    saved = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False  # eager retries are followed, as on a worker
    seen: list[tuple[int, int]] = []

    def record(sender, request, reason, **kwargs):
        seen.append((request.retries, reason.when))

    signals.task_retry.connect(record, sender=sweep_reminders, weak=False)
    yield seen
    signals.task_retry.disconnect(record, sender=sweep_reminders)
    app.conf.task_eager_propagates = saved


def test_a_mail_server_that_stays_down_is_retried_with_growing_waits_within_the_visibility_timeout(
    overdue_action_a, mail_server_port, retries_seen, settings
):
    result = sweep_reminders.apply(kwargs={"today": TUESDAY.isoformat()})

    assert result.state == "FAILURE"
    assert retries_seen == [(0, 60), (1, 120), (2, 240), (3, 480), (4, 960), (5, 1800)]
    # A task waiting for its retry is held unacknowledged by the worker: were the wait
    # longer than the visibility timeout, Redis would hand it to a second worker.
    assert (
        max(wait for _, wait in retries_seen)
        < (settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"])
    )
    reminder = Reminder.objects.get()
    assert reminder.sent_at is None and reminder.send_attempts == 7


def test_after_the_mail_server_returns_the_digest_goes_out_exactly_once(
    overdue_action_a, police_lead_a, mail_server_port, retries_seen
):
    servers = []

    def server_returns_after_the_third_failure(sender, request, **kwargs):
        if request.retries == 2:
            servers.append(TinySMTPServer(mail_server_port))

    signals.task_retry.connect(server_returns_after_the_third_failure, weak=False)
    try:
        result = sweep_reminders.apply(kwargs={"today": TUESDAY.isoformat()})
        again = sweep_reminders.apply(kwargs={"today": TUESDAY.isoformat()})
    finally:
        signals.task_retry.disconnect(server_returns_after_the_third_failure)
        for server in servers:
            server.shutdown()
            server.server_close()

    assert [wait for _, wait in retries_seen] == [60, 120, 240]
    assert result.get()["digests_sent"] == 1 and again.get()["digests_sent"] == 0
    [message] = servers[0].messages
    assert message["To"] == police_lead_a.email
    reminder = Reminder.objects.get()
    assert reminder.sent_at is not None and reminder.send_attempts == 4
