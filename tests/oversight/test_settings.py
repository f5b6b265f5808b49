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
