"""Production refuses unsafe settings with a message that says what to set."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from oversight.settings import DEVELOPMENT_SECRET_KEY, check_production_settings

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = "k" * 20 + "q8Zp3Lx0vRt7Yw2Nc5Hs1Jd4Gf6Bm9Ke" + "x" * 10


def test_development_defaults_are_accepted_with_debug_on():
    check_production_settings(debug=True, secret_key=DEVELOPMENT_SECRET_KEY, allowed_hosts=[])


def test_development_secret_key_refused_in_production():
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY is unsafe"):
        check_production_settings(
            debug=False, secret_key=DEVELOPMENT_SECRET_KEY, allowed_hosts=["example.org"]
        )


def test_short_secret_key_refused_in_production():
    with pytest.raises(ImproperlyConfigured, match="at least 50 characters"):
        check_production_settings(debug=False, secret_key="short", allowed_hosts=["example.org"])


def test_empty_allowed_hosts_refused_in_production():
    with pytest.raises(ImproperlyConfigured, match="ALLOWED_HOSTS is empty"):
        check_production_settings(debug=False, secret_key=GOOD_KEY, allowed_hosts=[])


def test_safe_production_values_accepted():
    check_production_settings(debug=False, secret_key=GOOD_KEY, allowed_hosts=["example.org"])


def _manage_check(env_overrides):
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "ALLOWED_HOSTS"}}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_process_refuses_to_start_with_debug_off_and_default_key():
    result = _manage_check({"DEBUG": "false", "ALLOWED_HOSTS": "example.org"})
    assert result.returncode != 0
    assert "SECRET_KEY is unsafe for production" in result.stderr


def test_process_starts_with_safe_production_values():
    result = _manage_check(
        {"DEBUG": "false", "ALLOWED_HOSTS": "example.org", "SECRET_KEY": GOOD_KEY}
    )
    assert result.returncode == 0, result.stderr


def test_production_settings_pass_the_deploy_check():
    unset = {"SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}  # the last is test-only
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env.update({"DEBUG": "false", "ALLOWED_HOSTS": "example.org", "SECRET_KEY": GOOD_KEY})
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def _site_url(env_overrides: dict) -> str:
    env = {k: v for k, v in os.environ.items() if k != "SITE_URL"}
    env.update(env_overrides)
    result = subprocess.run(
        [sys.executable, "-c", "from oversight import settings; print(settings.SITE_URL)"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_site_url_defaults_to_the_development_server():
    assert _site_url({}) == "http://127.0.0.1:8000"


def test_site_url_is_read_from_the_environment_without_a_trailing_slash():
    assert _site_url({"SITE_URL": "http://127.0.0.1:8310/"}) == "http://127.0.0.1:8310"


def _make_run_commands(*arguments: str) -> list[str]:
    """The commands `make run` would run (make -n prints them without running any)."""
    env = {k: v for k, v in os.environ.items() if k not in {"SITE_URL", "PORT"}}
    result = subprocess.run(
        ["make", "-n", "run", *arguments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return [line for line in result.stdout.splitlines() if "manage.py" in line]


def test_make_run_points_links_at_the_port_it_serves_on():
    commands = _make_run_commands("PORT=8310")
    assert commands, "make run runs no manage.py command"
    for command in commands:
        assert command.startswith("SITE_URL=http://127.0.0.1:8310 "), command
    assert commands[-1].endswith("runserver --noreload 127.0.0.1:8310")


def test_make_run_keeps_a_site_url_given_to_it():
    commands = _make_run_commands("PORT=8310", "SITE_URL=https://oversight.example.gov.uk")
    assert all(c.startswith("SITE_URL=https://oversight.example.gov.uk ") for c in commands)


@pytest.mark.parametrize(("environment", "workers"), [({}, "3"), ({"WEB_CONCURRENCY": "5"}, "5")])
def test_gunicorn_runs_production_s_sync_workers_from_its_settings_file(environment, workers):
    """The image's and the bench's gunicorn command lines name no workers: gunicorn finds
    them in gunicorn.conf.py in the working directory."""
    env = {k: v for k, v in os.environ.items() if k != "WEB_CONCURRENCY"} | environment
    printed = subprocess.run(
        [str(Path(sys.executable).parent / "gunicorn"), "--print-config", "oversight.wsgi"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    config = {
        name.strip(): value.strip()
        for name, _, value in (line.partition("=") for line in printed.splitlines())
    }
    assert config["config"] == "./gunicorn.conf.py"
    assert (config["worker_class"], config["threads"], config["workers"]) == ("sync", "1", workers)


@pytest.mark.django_db
def test_postgresql_connections_cost_a_random_read_as_one_from_memory():
    """The planner reads a page's few rows by index rather than hashing a whole force's
    (settings: random_page_cost 1.1, and JIT off), on every connection the app opens."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's planner settings")
    with connection.cursor() as cursor:
        cursor.execute("SHOW random_page_cost")
        random_page_cost = cursor.fetchone()[0]
        cursor.execute("SHOW jit")
        jit = cursor.fetchone()[0]
    assert (random_page_cost, jit) == ("1.1", "off")
