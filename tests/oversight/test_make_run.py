"""`make run` on the embedded default: migrates an SQLite file, loads the demo, serves the
login page, and every demo persona can sign in and reach a home page."""

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from reviews.demo_content import DEMO_LOGINS, DEMO_PASSWORD

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _sign_in(base: str, username: str) -> tuple[int, str]:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    login_page = opener.open(f"{base}/accounts/login/", timeout=10).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page).group(1)
    data = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "username": username, "password": DEMO_PASSWORD}
    ).encode()
    request = urllib.request.Request(
        f"{base}/accounts/login/", data=data, headers={"Referer": f"{base}/accounts/login/"}
    )
    response = opener.open(request, timeout=30)
    return response.status, response.read().decode()


@pytest.fixture
def served(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL"}}
    env.update({"VAR_DIR": str(tmp_path / "var"), "PORT": str(port)})
    process = subprocess.Popen(
        ["make", "run", f"PORT={port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    output = []
    deadline = time.monotonic() + 240
    try:
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{base}/healthz/", timeout=2)
                break
            except OSError:
                if process.poll() is not None:
                    output.append(process.stdout.read())
                    pytest.fail("make run exited early:\n" + "".join(output))
                time.sleep(1)
        else:
            pytest.fail("make run did not serve within 240 seconds")
        yield base, process
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def test_make_run_serves_login_and_home_for_each_persona(served):
    base, process = served
    login_page = urllib.request.urlopen(f"{base}/accounts/login/", timeout=10)
    assert login_page.status == 200
    assert "Sign in" in login_page.read().decode()
    for login in DEMO_LOGINS:
        status, body = _sign_in(base, login.username)
        assert status == 200, login.username
        assert "Sign out" in body, f"{login.username} did not reach a signed-in page"


def test_make_run_prints_the_demo_logins(served):
    base, process = served
    os.killpg(process.pid, signal.SIGTERM)
    out = process.stdout.read()
    assert "Demo logins (password for all: oversight-demo)" in out
    for login in DEMO_LOGINS:
        assert login.username in out
