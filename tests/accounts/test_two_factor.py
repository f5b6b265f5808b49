"""Two-factor sign-in: the office rule (oversight.accounts.middleware), signing in with a
code from an authenticator app or a recovery code, the django-axes lock-out around both,
turning it on and off through allauth's pages, and the account audit log of each change.

Codes come from tests.totp, this suite's own RFC 6238 implementation, never allauth's.
"""

import base64
import re
import secrets
import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from axes.models import AccessAttempt
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from oversight.accounts.middleware import ENROLLED_SESSION_KEY
from oversight.accounts.models import AccountEvent
from oversight.models import User
from tests import factories
from tests.factories import PASSWORD
from tests.totp import totp_code

MIDDLEWARE = "oversight.accounts.middleware.TwoFactorRequired"
SET_UP_NEEDED = "/accounts/two-factor-needed/"


def _enrol(user) -> str:
    """Give the person an authenticator app and recovery codes; return the app's secret."""
    secret = base64.b32encode(secrets.token_bytes(20)).decode()
    TOTP.activate(user, secret)
    RecoveryCodes.activate(user)
    return secret


def _recovery_codes(user) -> list[str]:
    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES)
    return authenticator.wrap().get_unused_codes()


def _password_step(client, user, password=PASSWORD):
    return client.post(reverse("login"), {"login": user.username, "password": password})


def _code_step(client, code):
    return client.post(reverse("mfa_authenticate"), {"code": code})


def _wrong_code(secret: str) -> str:
    """A six-digit code that is not the app's current, previous or next one."""
    now = time.time()
    valid = {totp_code(secret, at=now + drift) for drift in (-30, 0, 30)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in valid)


def _confirm_password(client):
    """allauth asks for the password again before any change to two-factor sign-in."""
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302


@pytest.fixture
def office_requires_it(office_a):
    office_a.require_two_factor = True
    office_a.save(update_fields=["require_two_factor"])
    return office_a


# --- Our own TOTP ------------------------------------------------------------------------


def test_totp_code_matches_rfc_6238_vectors():
    # RFC 6238 appendix B, the SHA-1 rows: the ASCII secret "12345678901234567890", 8 digits.
    secret = base64.b32encode(b"12345678901234567890").decode()
    assert totp_code(secret, at=59, digits=8) == "94287082"
    assert totp_code(secret, at=1111111109, digits=8) == "07081804"
    assert totp_code(secret, at=2000000000, digits=8) == "69279037"


# --- The office rule ---------------------------------------------------------------------

REQUIRED = ["opcc_staff", "plan_owner_a", "police_lead_a", "partner_lead"]
APP_PAGES = ["home", "oversight:report_list", "recommendations:register", "accounts:email"]


@pytest.mark.parametrize("persona", REQUIRED)
@pytest.mark.parametrize("page", APP_PAGES)
def test_required_person_without_an_app_is_sent_to_set_up(
    client, request, office_requires_it, persona, page
):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse(page))
    assert response.status_code == 302
    assert response["Location"] == SET_UP_NEEDED


def test_required_person_can_still_set_up_and_sign_out(client, office_requires_it, opcc_staff):
    client.force_login(opcc_staff)
    assert client.get(SET_UP_NEEDED).status_code == 200
    assert client.get(reverse("mfa_index")).status_code == 200
    # Setting up asks for the password first; neither step is sent back to SET_UP_NEEDED.
    activate = client.get(reverse("mfa_activate_totp"))
    assert activate["Location"].startswith(reverse("account_reauthenticate"))
    assert client.get(reverse("account_reauthenticate")).status_code == 200
    assert client.get(reverse("healthz")).status_code in (200, 503)
    response = client.post(reverse("account_logout"))
    assert response["Location"] == reverse("account_login")


def test_other_office_person_is_not_sent_to_set_up(client, office_requires_it, police_lead_b):
    client.force_login(police_lead_b)
    response = client.get(reverse("oversight:report_list"))
    assert response.status_code == 200


def test_partner_of_another_offices_force_and_other_office_staff_are_not_sent_to_set_up(
    client, office_requires_it, office_b, force_b
):
    # The rule follows the office: neither the staff of another office nor a partner agency
    # that works only with another office's force is sent to set up.
    agency_b = factories.PartnerAgencyFactory(name="Force B's council", forces=[force_b])
    people = [
        factories.UserFactory(role=User.Role.PARTNER_LEAD, partner_agency=agency_b),
        factories.UserFactory(role=User.Role.OPCC_STAFF, office=office_b),
    ]
    for person in people:
        client.force_login(person)
        assert client.get(reverse("oversight:report_list")).status_code == 200
    # Until the agency also works with a force the office oversees.
    agency_b.forces.add(office_requires_it.forces.first())
    client.force_login(people[0])
    assert client.get(reverse("oversight:report_list"))["Location"] == SET_UP_NEEDED


@pytest.mark.parametrize("persona", REQUIRED)
def test_required_person_with_an_app_gets_through(client, request, office_requires_it, persona):
    user = request.getfixturevalue(persona)
    _enrol(user)
    client.force_login(user)
    assert client.get(reverse("oversight:report_list")).status_code == 200


def test_required_person_who_turns_the_app_off_is_sent_to_set_up_again(
    client, office_requires_it, opcc_staff
):
    _enrol(opcc_staff)
    client.force_login(opcc_staff)
    assert client.get(reverse("oversight:report_list")).status_code == 200
    assert client.session[ENROLLED_SESSION_KEY] is True
    _confirm_password(client)
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response["Location"] == reverse("mfa_index")
    assert client.get(reverse("oversight:report_list"))["Location"] == SET_UP_NEEDED


def _queries_for_one_page(settings, user, middleware: list[str]) -> int:
    # A fresh client loads the middleware it is given; the page cache is emptied so both
    # runs do the same work.
    from django.core.cache import cache

    settings.MIDDLEWARE = middleware
    client = Client()
    client.force_login(user)
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("oversight:report_list")).status_code == 200
    return len(queries)


def test_rule_costs_no_query_for_a_person_it_does_not_apply_to(settings, opcc_staff):
    with_rule = list(settings.MIDDLEWARE)
    without_rule = [name for name in with_rule if name != MIDDLEWARE]
    assert MIDDLEWARE in with_rule
    assert _queries_for_one_page(settings, opcc_staff, with_rule) == _queries_for_one_page(
        settings, opcc_staff, without_rule
    )


def test_rule_rides_on_the_user_query(client, opcc_staff):
    client.force_login(opcc_staff)
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("oversight:report_list"))
    user_queries = [q["sql"] for q in queries if 'FROM "oversight_user"' in q["sql"]]
    assert any('"two_factor_required"' in sql for sql in user_queries)


def test_rule_costs_one_query_per_session_for_an_enrolled_person(
    client, office_requires_it, opcc_staff
):
    _enrol(opcc_staff)
    client.force_login(opcc_staff)
    client.get(reverse("oversight:report_list"))  # asks the database once, then remembers
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("oversight:report_list"))
    assert not [q for q in queries if "mfa_authenticator" in q["sql"]]


def test_admin_sign_in_goes_through_the_sites_sign_in(client):
    response = client.get("/admin/login/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


# --- Signing in --------------------------------------------------------------------------


def test_password_alone_does_not_sign_in_a_person_with_an_app(client, opcc_staff):
    _enrol(opcc_staff)
    response = _password_step(client, opcc_staff)
    assert response["Location"] == reverse("mfa_authenticate")
    assert client.get(reverse("oversight:report_list"))["Location"].startswith(
        reverse("account_login")
    )


def test_code_step_page_asks_for_the_apps_code(client, opcc_staff):
    _enrol(opcc_staff)
    _password_step(client, opcc_staff)
    response = client.get(reverse("mfa_authenticate"))
    assert response.status_code == 200
    assert b"Enter your sign-in code" in response.content
    assert b'autocomplete="one-time-code"' in response.content


def test_password_then_app_code_signs_in(client, opcc_staff):
    secret = _enrol(opcc_staff)
    _password_step(client, opcc_staff)
    response = _code_step(client, totp_code(secret))
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    page = client.get(reverse("oversight:report_list"))
    assert page.status_code == 200
    assert page.wsgi_request.user == opcc_staff


def test_code_from_just_before_the_app_moved_on_still_signs_in(client, opcc_staff):
    # Typed in the code's last second and sent in the next 30: a person should not be
    # refused for that (nor for a phone clock a little out).
    secret = _enrol(opcc_staff)
    _password_step(client, opcc_staff)
    response = _code_step(client, totp_code(secret, at=time.time() - 30))
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_code_from_two_minutes_ago_is_refused(client, opcc_staff):
    secret = _enrol(opcc_staff)
    _password_step(client, opcc_staff)
    now = time.time()
    valid = {totp_code(secret, at=now + drift) for drift in (-30, 0, 30)}
    stale = next(
        code for ago in (120, 150, 180) if (code := totp_code(secret, at=now - ago)) not in valid
    )
    response = _code_step(client, stale)
    assert response.status_code == 200
    assert not response.wsgi_request.user.is_authenticated


def test_wrong_code_is_refused_with_a_plain_message(client, opcc_staff):
    secret = _enrol(opcc_staff)
    _password_step(client, opcc_staff)
    response = _code_step(client, _wrong_code(secret))
    assert response.status_code == 200
    assert b"That code did not work" in response.content
    assert b"You are not signed in yet" in response.content
    assert not response.wsgi_request.user.is_authenticated


def test_app_code_signs_in_only_once(client, opcc_staff):
    secret = _enrol(opcc_staff)
    code = totp_code(secret)
    _password_step(client, opcc_staff)
    assert _code_step(client, code).status_code == 302
    client.post(reverse("account_logout"))
    _password_step(client, opcc_staff)
    response = _code_step(client, code)
    assert response.status_code == 200
    assert b"That code did not work" in response.content


def test_recovery_code_signs_in_once_and_not_twice(client, opcc_staff):
    _enrol(opcc_staff)
    code = _recovery_codes(opcc_staff)[0]
    _password_step(client, opcc_staff)
    assert _code_step(client, code)["Location"] == reverse("home")
    assert code not in _recovery_codes(opcc_staff)
    client.post(reverse("account_logout"))
    _password_step(client, opcc_staff)
    response = _code_step(client, code)
    assert response.status_code == 200
    assert b"That code did not work" in response.content
    assert not response.wsgi_request.user.is_authenticated


def test_wrong_code_is_recorded_as_a_failed_sign_in(client, opcc_staff):
    secret = _enrol(opcc_staff)
    _password_step(client, opcc_staff)
    _code_step(client, _wrong_code(secret))
    event = AccountEvent.objects.get(kind=AccountEvent.Kind.SIGN_IN_FAILED)
    assert event.subject == opcc_staff


def test_wrong_passwords_lock_out_a_person_with_an_app(client, opcc_staff):
    _enrol(opcc_staff)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _password_step(client, opcc_staff, password="wrong")
    response = _password_step(client, opcc_staff)
    assert response.status_code == 429
    assert b"Too many sign-in attempts" in response.content


def test_wrong_codes_lock_out_like_wrong_passwords(client, opcc_staff):
    secret = _enrol(opcc_staff)
    _password_step(client, opcc_staff)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _code_step(client, _wrong_code(secret)).status_code == 200
    response = _code_step(client, _wrong_code(secret))
    assert response.status_code == 429
    assert b"Too many sign-in attempts" in response.content
    assert AccountEvent.objects.filter(kind=AccountEvent.Kind.LOCKED_OUT).exists()


def test_right_code_is_refused_during_a_lock_out(client, opcc_staff):
    secret = _enrol(opcc_staff)
    _password_step(client, opcc_staff)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _code_step(client, _wrong_code(secret))
    response = _code_step(client, totp_code(secret))
    assert response.status_code == 429
    assert not response.wsgi_request.user.is_authenticated
    # Starting again from the password (in a new session) meets the same lock-out.
    assert _password_step(Client(), opcc_staff).status_code == 429


def test_full_sign_in_clears_earlier_wrong_codes(client, opcc_staff):
    secret = _enrol(opcc_staff)
    _password_step(client, opcc_staff)
    _code_step(client, _wrong_code(secret))
    assert AccessAttempt.objects.exists()
    _code_step(client, totp_code(secret))
    assert not AccessAttempt.objects.filter(username=opcc_staff.username).exists()


# --- Turning it on and off ---------------------------------------------------------------


def _set_up_page(client):
    _confirm_password(client)
    response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 200
    return response


def _secret_shown(response) -> str:
    match = re.search(rb'id="totp-secret">(.*?)</span></dd>', response.content, re.DOTALL)
    return re.sub(r"<[^>]+>|\s", "", match.group(1).decode())


def test_set_up_page_shows_the_qr_code_and_the_key_in_groups(client, opcc_staff):
    client.force_login(opcc_staff)
    response = _set_up_page(client)
    assert b'src="data:image/svg+xml;base64,' in response.content
    secret = response.context["form"].secret
    assert _secret_shown(response) == secret
    assert f"<span>{secret[:4]}</span> <span>{secret[4:8]}</span>".encode() in response.content


def test_set_up_with_a_wrong_code_is_refused(client, opcc_staff):
    client.force_login(opcc_staff)
    secret = _secret_shown(_set_up_page(client))
    response = client.post(reverse("mfa_activate_totp"), {"code": _wrong_code(secret)})
    assert response.status_code == 200
    assert b"That code did not match" in response.content
    assert not Authenticator.objects.filter(user=opcc_staff).exists()


def test_set_up_with_the_apps_code_turns_it_on_and_shows_recovery_codes(
    client, opcc_staff, django_capture_on_commit_callbacks
):
    client.force_login(opcc_staff)
    secret = _secret_shown(_set_up_page(client))
    # allauth announces the change once the transaction commits.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert response["Location"] == reverse("mfa_view_recovery_codes")
    codes_page = client.get(response["Location"])
    for code in _recovery_codes(opcc_staff):
        assert code.encode() in codes_page.content
    event = AccountEvent.objects.get(kind=AccountEvent.Kind.TWO_FACTOR_ENABLED)
    assert event.subject == opcc_staff and event.actor == opcc_staff


def test_turning_it_off_is_recorded(client, opcc_staff, django_capture_on_commit_callbacks):
    _enrol(opcc_staff)
    client.force_login(opcc_staff)
    _confirm_password(client)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("mfa_deactivate_totp"))
    assert not Authenticator.objects.filter(user=opcc_staff).exists()
    event = AccountEvent.objects.get(kind=AccountEvent.Kind.TWO_FACTOR_DISABLED)
    assert event.subject == opcc_staff


def test_new_recovery_codes_replace_the_old_and_are_recorded(
    client, opcc_staff, django_capture_on_commit_callbacks
):
    _enrol(opcc_staff)
    old = _recovery_codes(opcc_staff)
    client.force_login(opcc_staff)
    _confirm_password(client)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("mfa_generate_recovery_codes"))
    assert response["Location"] == reverse("mfa_view_recovery_codes")
    assert not set(old) & set(_recovery_codes(opcc_staff))
    event = AccountEvent.objects.get(kind=AccountEvent.Kind.RECOVERY_CODES_GENERATED)
    assert event.subject == opcc_staff


def test_recovery_codes_download_is_a_text_file_of_the_codes(client, opcc_staff):
    _enrol(opcc_staff)
    client.force_login(opcc_staff)
    _confirm_password(client)
    response = client.get(reverse("mfa_download_recovery_codes"))
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert all(code in text for code in _recovery_codes(opcc_staff))
    assert "Each code works once" in text


def test_confirming_with_a_code_instead_of_the_password_works(client, opcc_staff):
    secret = _enrol(opcc_staff)
    client.force_login(opcc_staff)
    response = client.post(reverse("mfa_reauthenticate"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert client.get(reverse("mfa_deactivate_totp")).status_code == 200
