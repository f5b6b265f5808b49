"""`make run` on the embedded default: migrates an SQLite file, loads the demo, serves the
login page, and every demo persona can sign in and reach a home page; links in exports
point at the port it serves on."""

import datetime
import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from oversight.models import User
from reviews.demo_content import DEMO_LOGINS, DEMO_PASSWORD

pytestmark = pytest.mark.long

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _sign_in(base: str, username: str) -> tuple[int, str]:
    status, body, _ = _signed_in(base, username)
    return status, body


def _signed_in(base: str, username: str):
    """(status, page, opener): the page signing in led to, and an opener holding the session."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    login_page = opener.open(f"{base}/accounts/login/", timeout=10).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page).group(1)
    data = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "login": username, "password": DEMO_PASSWORD}
    ).encode()
    request = urllib.request.Request(
        f"{base}/accounts/login/", data=data, headers={"Referer": f"{base}/accounts/login/"}
    )
    response = opener.open(request, timeout=30)
    return response.status, response.read().decode(), opener


def _read_lines(stream, into: list[str]) -> None:
    for line in stream:
        into.append(line)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """One `make run` for the tests here (each start migrates and loads the demo afresh):
    its address, and what it has printed so far (read as it comes, so the pipe never
    fills up and stalls the server)."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL"}}
    env.pop("SITE_URL", None)
    env.update({"VAR_DIR": str(tmp_path_factory.mktemp("make_run") / "var"), "PORT": str(port)})
    process = subprocess.Popen(
        ["make", "run", f"PORT={port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    output: list[str] = []
    reader = threading.Thread(target=_read_lines, args=(process.stdout, output), daemon=True)
    reader.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 240
    try:
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{base}/healthz/", timeout=2)
                break
            except OSError:
                if process.poll() is not None:
                    reader.join(timeout=10)
                    pytest.fail("make run exited early:\n" + "".join(output))
                time.sleep(1)
        else:
            pytest.fail("make run did not serve within 240 seconds")
        yield base, output
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def test_make_run_serves_login_and_home_for_each_persona(served):
    base, output = served
    login_page = urllib.request.urlopen(f"{base}/accounts/login/", timeout=10)
    assert login_page.status == 200
    assert "Sign in" in login_page.read().decode()
    for login in DEMO_LOGINS:
        status, body = _sign_in(base, login.username)
        assert status == 200, login.username
        assert "Sign out" in body, f"{login.username} did not reach a signed-in page"


def test_make_run_prints_the_demo_logins(served):
    base, output = served
    out = "".join(output)
    assert "Demo logins (password for all: oversight-demo)" in out
    for login in DEMO_LOGINS:
        assert login.username in out


def test_make_run_exports_link_to_the_port_it_serves_on(served):
    base, output = served
    staff = next(login for login in DEMO_LOGINS if login.role == User.Role.OPCC_STAFF)
    status, _, opener = _signed_in(base, staff.username)
    assert status == 200
    export = opener.open(f"{base}/recommendations/export.csv", timeout=30).read().decode()
    ports = re.findall(r"http://127\.0\.0\.1:(\d+)/recommendations/", export)
    assert ports, "the register export links to no recommendation"
    assert set(ports) == {base.rsplit(":", 1)[1]}


def test_make_run_serves_the_register_as_at_today_on_sqlite(served):
    """The register "as at" a day is rebuilt from the history on SQLite too (no DISTINCT ON
    there), page and CSV."""
    base, output = served
    staff = next(login for login in DEMO_LOGINS if login.role == User.Role.OPCC_STAFF)
    status, _, opener = _signed_in(base, staff.username)
    assert status == 200
    today = datetime.date.today().isoformat()
    page = opener.open(f"{base}/recommendations/?as_at={today}", timeout=30)
    assert page.status == 200 and "as it stood" in page.read().decode()
    export = opener.open(f"{base}/recommendations/export.csv?as_at={today}", timeout=30)
    assert export.status == 200 and export.read().decode().count("\n") > 1
