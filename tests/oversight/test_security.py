"""Sign-in is rate-limited with a lock-out and a clear message; sessions expire."""

from django.conf import settings
from django.urls import reverse


def _attempt(client, username, password):
    return client.post(reverse("login"), {"login": username, "password": password})


def test_wrong_password_gets_a_plain_message(client, opcc_staff):
    response = _attempt(client, opcc_staff.username, "wrong")
    assert response.status_code == 200
    assert b"case-sensitive" in response.content


def test_repeated_failures_lock_the_account_out(client, opcc_staff):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _attempt(client, opcc_staff.username, "wrong")
    response = _attempt(client, opcc_staff.username, "correct-horse-battery-staple")
    assert response.status_code == 429
    assert b"Too many sign-in attempts" in response.content
    assert b"Wait 15 minutes" in response.content


def test_lock_out_is_per_username(client, opcc_staff, read_only):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _attempt(client, opcc_staff.username, "wrong")
    response = _attempt(client, read_only.username, "correct-horse-battery-staple")
    assert response.status_code == 302


def test_correct_password_signs_in(client, opcc_staff):
    response = _attempt(client, opcc_staff.username, "correct-horse-battery-staple")
    assert response.status_code == 302


def test_sessions_expire_within_a_working_day():
    assert settings.SESSION_COOKIE_AGE <= 8 * 60 * 60
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


def test_weak_passwords_are_refused(opcc_staff):
    import pytest
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    for weak in ["password", "12345678", "opcc_a", "short"]:
        with pytest.raises(ValidationError):
            validate_password(weak, user=opcc_staff)
    validate_password("Tamar-bridge-lantern-47", user=opcc_staff)
