"""Load: police leads posting progress updates at once, then every row accounted for.

1. Creates a throwaway PostgreSQL database (oversight_load), migrates it and adds one force
   with --leads police leads, each the delivery lead of one live action.
2. Serves the app with gunicorn on 127.0.0.1 with production settings (DEBUG off, a long
   secret key; sign-in lock-out off, so fifty sign-ins from one address are not throttled).
3. Signs every lead in, then runs one client per lead (a thread with its own cookies) for
   --seconds. Each client, over and over: opens the update form (for its CSRF token),
   posts an update whose narrative carries a marker unique to that post, and records the
   response and its latency.
4. Stops gunicorn (requests in flight finish) and checks the database: every successful
   post (a redirect to the action's page) has exactly its row, by its lead on its action,
   and no other update was written.
5. Prints requests, successes, errors by status, p50/p95 latency and rows checked; exits 1
   on any mismatch. Drops the database unless --keep.

Loopback only and bounded (--seconds at most 600, --leads at most 200). Not part of
`make test`; run it on a machine with PostgreSQL on 127.0.0.1:5432:

    .venv/bin/python scripts/load_updates.py [--leads 50] [--seconds 60]
"""

import argparse
import collections
import http.cookiejar
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
LOAD_DB = "oversight_load"
PASSWORD = "load-test-password-" + secrets.token_urlsafe(12)
MARKER = re.compile(r"\[load (?P<run>\w+) lead (?P<lead>\d+) post (?P<seq>\d+)\]")
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
REQUEST_TIMEOUT = 30


def psql(sql: str) -> str:
    return subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc", sql],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def server_env(static_root: Path, media_root: Path) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{LOAD_DB}",
        "DATABASE_CONN_MAX_AGE": "60",
        "DEBUG": "false",
        "SECRET_KEY": "load-only-" + secrets.token_urlsafe(48),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "SECURE_HSTS_SECONDS": "0",
        "AXES_ENABLED": "false",
        "STATIC_ROOT": str(static_root),
        "PRIVATE_MEDIA_ROOT": str(media_root),
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "oversight.settings",
    }
    env.pop("CELERY_BROKER_URL", None)  # background work, if any, runs in-process
    return env


# --- The data ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Lead:
    number: int
    username: str
    user_id: int
    action_id: int
    form_path: str
    action_path: str


def seed(leads: int) -> list[Lead]:
    """One force, its office, a report with one recommendation and an active plan, and
    `leads` police leads, each leading one live action."""
    import datetime

    from django.contrib.auth.hashers import make_password
    from django.urls import reverse

    from oversight.models import Force, InspectionReport, Office, User
    from recommendations.models import Action, ActionPlan, Rag, Recommendation

    force = Force.objects.create(name="Load Test Police", chief_constable="Chief Constable")
    Office.objects.create(name="Load Test OPCC").forces.add(force)
    report = InspectionReport.objects.create(
        force=force,
        programme=InspectionReport.Programme.CHILD_PROTECTION,
        title="Load test inspection",
        published_on=datetime.date.today() - datetime.timedelta(days=90),
    )
    recommendation = Recommendation.objects.create(
        report=report,
        reference="R1",
        position=1,
        text="The force should show it can take fifty updates at once.",
        timescale=Recommendation.Timescale.THREE_MONTHS,
        due_on=datetime.date.today() + datetime.timedelta(days=90),
    )
    owner = User.objects.create(
        username="load-acc", role=User.Role.PLAN_OWNER, force=force, password="!"
    )
    plan = ActionPlan.objects.create(
        report=report, force=force, owner=owner, status=ActionPlan.Status.ACTIVE
    )
    password = make_password(PASSWORD)  # hashed once: every lead shares it
    result = []
    for number in range(1, leads + 1):
        user = User.objects.create(
            username=f"load-lead-{number:03d}",
            first_name="Lead",
            last_name=f"{number:03d}",
            email=f"load-lead-{number:03d}@load.localhost",
            role=User.Role.POLICE_LEAD,
            force=force,
            password=password,
        )
        action = Action.objects.create(
            plan=plan,
            reference=f"A{number}",
            description=f"Load test action {number}.",
            owner=owner,
            delivery_lead=user,
            target_date=datetime.date.today() + datetime.timedelta(days=180),
            status=Action.Status.IN_PROGRESS,
            rag=Rag.AMBER,
            cadence=Action.Cadence.MONTHLY,
        )
        action.recommendations.add(recommendation)
        result.append(
            Lead(
                number=number,
                username=user.username,
                user_id=user.pk,
                action_id=action.pk,
                form_path=reverse("recommendations:update_create", args=[action.pk]),
                action_path=action.get_absolute_url(),
            )
        )
    return result


# --- The server --------------------------------------------------------------------------


def start_gunicorn(env: dict, port: int, log: Path) -> subprocess.Popen:
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(Path(PYTHON).parent / "gunicorn"), "oversight.wsgi"]
            + ["--bind", f"127.0.0.1:{port}", "--workers", "4", "--worker-class", "gthread"]
            + ["--threads", "4", "--timeout", "60", "--log-level", "warning"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz/", timeout=2)
            return process
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.5)
    stop_gunicorn(process)
    raise SystemExit(f"gunicorn did not start; see {log}")


def stop_gunicorn(process: subprocess.Popen) -> None:
    """SIGTERM: gunicorn finishes the requests in flight, then exits."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


# --- The clients -------------------------------------------------------------------------


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the redirect itself is the answer to record


@dataclass
class Outcome:
    lead: int
    seq: int
    status: int | str  # an HTTP status, or the exception's name
    seconds: float
    location: str = ""


class Client:
    """One lead's browser: its own cookies, its own session."""

    def __init__(self, base: str, lead: Lead):
        self.base = base
        self.lead = lead
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirects
        )

    def open(self, path: str, data: bytes | None = None, content_type: str = ""):
        headers = {"Referer": self.base + path}
        if data is not None:
            headers |= {"Origin": self.base, "Content-Type": content_type}
        request = urllib.request.Request(self.base + path, data=data, headers=headers)
        try:
            response = self.opener.open(request, timeout=REQUEST_TIMEOUT)
        except urllib.error.HTTPError as error:  # 3xx (redirects not followed), 4xx, 5xx
            return error.code, error.headers.get("Location", ""), error.read().decode()
        return response.status, response.headers.get("Location", ""), response.read().decode()

    def sign_in(self) -> None:
        path = "/accounts/login/"
        _, _, page = self.open(path)
        data = urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": TOKEN.search(page).group(1),
                "login": self.lead.username,
                "password": PASSWORD,
            }
        ).encode()
        status, _, _ = self.open(path, data, "application/x-www-form-urlencoded")
        if status != 302:
            raise SystemExit(f"{self.lead.username} could not sign in (status {status})")

    def post_update(self, run_id: str, seq: int) -> Outcome:
        """Open the form, then post it as a browser would (multipart, with the token)."""
        status, _, page = self.open(self.lead.form_path)
        if status != 200 or not (token := TOKEN.search(page)):
            return Outcome(self.lead.number, seq, f"form {status}", 0.0)
        for field in ('name="narrative"', 'name="rag"', 'name="percent_complete"'):
            if field not in page:
                raise SystemExit(f"The update form has no {field}: the script is out of date.")
        marker = f"[load {run_id} lead {self.lead.number} post {seq}]"
        body, content_type = multipart(
            {
                "csrfmiddlewaretoken": token.group(1),
                "narrative": f"{marker} Training delivered to another team; audit booked.",
                "rag": "amber",
                "percent_complete": str(seq % 101),
                "resubmission_of": "",
            },
            empty_files=["files"],
        )
        started = time.perf_counter()
        try:
            status, location, _ = self.open(self.lead.form_path, body, content_type)
        except OSError as error:  # a timeout or a dropped connection
            return Outcome(self.lead.number, seq, type(error).__name__, 0.0)
        return Outcome(self.lead.number, seq, status, time.perf_counter() - started, location)


def multipart(fields: dict[str, str], *, empty_files: list[str]) -> tuple[bytes, str]:
    """A multipart/form-data body as a browser sends the form: an empty file input is
    a part with an empty file name."""
    boundary = "----load" + secrets.token_hex(12)
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    ] + [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename=""\r\n'
        "Content-Type: application/octet-stream\r\n\r\n\r\n"
        for name in empty_files
    ]
    body = ("".join(parts) + f"--{boundary}--\r\n").encode()
    return body, f"multipart/form-data; boundary={boundary}"


def run_clients(clients: list[Client], run_id: str, seconds: int) -> list[Outcome]:
    outcomes: list[Outcome] = []
    lock = threading.Lock()
    start = threading.Barrier(len(clients))
    deadline: list[float] = []

    def work(client: Client) -> None:
        start.wait()
        if not deadline:
            deadline.append(time.monotonic() + seconds)
        seq = 0
        while time.monotonic() < deadline[0]:
            seq += 1
            outcome = client.post_update(run_id, seq)
            with lock:
                outcomes.append(outcome)

    threads = [threading.Thread(target=work, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


# --- The check ---------------------------------------------------------------------------


def is_success(outcome: Outcome, lead: Lead) -> bool:
    """The view answers a saved update with a redirect to the action's page."""
    return outcome.status == 302 and outcome.location == lead.action_path


def check(run_id: str, leads: list[Lead], outcomes: list[Outcome]) -> tuple[int, list[str]]:
    """Rows checked and the mismatches found: every success has exactly its row, by its
    lead on its action, and nothing else was written."""
    from recommendations.models import ProgressUpdate

    by_number = {lead.number: lead for lead in leads}
    succeeded = {(o.lead, o.seq) for o in outcomes if is_success(o, by_number[o.lead])}
    rows = collections.Counter()
    problems = []
    checked = 0
    for narrative, author_id, action_id in ProgressUpdate.objects.values_list(
        "narrative", "author_id", "action_id"
    ).iterator():
        checked += 1
        match = MARKER.search(narrative)
        if not match or match["run"] != run_id:
            problems.append(f"A row no client posted: {narrative[:60]!r}")
            continue
        key = (int(match["lead"]), int(match["seq"]))
        rows[key] += 1
        lead = by_number[key[0]]
        if (author_id, action_id) != (lead.user_id, lead.action_id):
            problems.append(f"Post {key} saved on the wrong action or under the wrong author")
    for key in sorted(succeeded):
        if rows[key] != 1:
            problems.append(f"Post {key} answered success but has {rows[key]} rows")
    for key in sorted(set(rows) - succeeded):
        problems.append(f"Post {key} has a row but was not answered with success")
    if checked != len(succeeded):
        problems.append(f"{checked} rows written for {len(succeeded)} successful posts")
    return checked, problems


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


# --- Main --------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--leads", type=int, default=50, help="Leads, one client each.")
    parser.add_argument("--seconds", type=int, default=60, help="Length of the load.")
    parser.add_argument("--port", type=int, default=8911, help="Loopback port for gunicorn.")
    parser.add_argument("--keep", action="store_true", help=f"Keep the {LOAD_DB} database.")
    args = parser.parse_args()
    if not 1 <= args.leads <= 200 or not 1 <= args.seconds <= 600:
        parser.error("--leads must be 1-200 and --seconds 1-600.")

    workdir = Path(tempfile.mkdtemp(prefix="oversight-load-"))
    env = server_env(workdir / "static", workdir / "private")
    if psql(f"SELECT 1 FROM pg_database WHERE datname = '{LOAD_DB}'") == "1":
        psql(f"DROP DATABASE {LOAD_DB} WITH (FORCE)")
    psql(f"CREATE DATABASE {LOAD_DB}")
    server = None
    try:
        subprocess.run(
            [PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
        )
        subprocess.run(
            [PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        os.environ.update(env)
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.db import connections

        leads = seed(args.leads)
        connections.close_all()

        base = f"http://127.0.0.1:{args.port}"
        server = start_gunicorn(env, args.port, workdir / "gunicorn.log")
        clients = [Client(base, lead) for lead in leads]
        signing_in = [threading.Thread(target=client.sign_in) for client in clients]
        for thread in signing_in:
            thread.start()
        for thread in signing_in:
            thread.join()

        run_id = secrets.token_hex(4)
        print(f"{len(clients)} leads signed in; posting updates for {args.seconds} s ...")
        started = time.monotonic()
        outcomes = run_clients(clients, run_id, args.seconds)
        elapsed = time.monotonic() - started
        stop_gunicorn(server)  # requests still in flight finish before the count

        checked, problems = check(run_id, leads, outcomes)
        connections.close_all()
    finally:
        if server is not None:
            stop_gunicorn(server)
        if not args.keep:
            psql(f"DROP DATABASE IF EXISTS {LOAD_DB} WITH (FORCE)")
        shutil.rmtree(workdir / "static", ignore_errors=True)

    report(args, leads, outcomes, elapsed, checked, problems)
    if problems:
        print(f"\nMISMATCH ({len(problems)}); gunicorn's log: {workdir / 'gunicorn.log'}")
        for problem in problems[:20]:
            print(f"- {problem}")
        return 1
    shutil.rmtree(workdir, ignore_errors=True)
    return 0


def report(args, leads, outcomes: list[Outcome], elapsed: float, checked: int, problems) -> None:
    by_number = {lead.number: lead for lead in leads}
    successes = [o for o in outcomes if is_success(o, by_number[o.lead])]
    errors = collections.Counter(
        str(o.status) for o in outcomes if not is_success(o, by_number[o.lead])
    )
    latencies = [o.seconds * 1000 for o in outcomes if o.seconds]
    print(
        f"\nLoad: {args.leads} police leads posting progress updates for {args.seconds} s "
        f"(gunicorn 4 workers x 4 threads, PostgreSQL, loopback; {os.cpu_count()} cores)"
    )
    print(f"- update posts:      {len(outcomes)} ({len(outcomes) / elapsed:.1f}/s)")
    print(f"- successes:         {len(successes)} (302 to the action's page)")
    print(
        "- errors by status:  "
        + (", ".join(f"{status}: {n}" for status, n in sorted(errors.items())) or "none")
    )
    print(
        f"- post latency:      p50 {percentile(latencies, 0.50):.0f} ms, "
        f"p95 {percentile(latencies, 0.95):.0f} ms (each post also loaded the form first)"
    )
    print(
        f"- rows checked:      {checked}; "
        + ("every success has exactly its row, nothing else written" if not problems else "")
    )


if __name__ == "__main__":
    sys.exit(main())
