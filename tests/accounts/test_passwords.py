"""Changing a password from the user menu and resetting it by e-mail from the sign-in page."""

import datetime
import re

import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from oversight.accounts.models import AccountEvent

OLD = "correct-horse-battery-staple"
NEW = "Tamar-bridge-lantern-47"


def _change(client, old=OLD, new=NEW, again=None):
    return client.post(
        reverse("account_change_password"),
        {"oldpassword": old, "password1": new, "password2": again or new},
    )


def _without_csrf(page: str) -> str:
    # Each page masks the CSRF token afresh: in htmx's header and in the language switch.
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)
    return re.sub(r'"X-CSRFToken": "[^"]+"', "", page)


def _reset_link(message) -> str:
    return re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", message.body).group(1)


def test_change_password_keeps_this_session_and_ends_every_other(police_lead_a):
    here, elsewhere = Client(), Client()
    here.force_login(police_lead_a)
    elsewhere.force_login(police_lead_a)
    response = _change(here)
    assert response.status_code == 302
    police_lead_a.refresh_from_db()
    assert police_lead_a.check_password(NEW)
    assert here.get(reverse("recommendations:my_actions")).status_code == 200
    response = elsewhere.get(reverse("recommendations:my_actions"))
    assert response["Location"].startswith(reverse("login"))
    assert AccountEvent.objects.filter(kind="password_changed", subject=police_lead_a).exists()


def test_change_password_checks_the_old_one_and_the_rules(client, police_lead_a):
    client.force_login(police_lead_a)
    wrong_old = _change(client, old="not-it")
    assert "Please type your current password" in wrong_old.content.decode()
    weak = _change(client, new="password")
    assert "too common" in weak.content.decode()
    police_lead_a.refresh_from_db()
    assert police_lead_a.check_password(OLD)


def test_sign_in_page_offers_a_reset(client, db):
    page = client.get(reverse("login")).content.decode()
    assert f'href="{reverse("account_reset_password")}"' in page
    assert "Forgotten your password?" in page


def test_reset_does_not_tell_whether_an_address_has_an_account(client, police_lead_a):
    known = client.post(reverse("account_reset_password"), {"email": police_lead_a.email})
    unknown = client.post(reverse("account_reset_password"), {"email": "nobody@nowhere.example"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    done_known = client.get(known["Location"]).content.decode()
    done_unknown = client.get(unknown["Location"]).content.decode()
    assert _without_csrf(done_known) == _without_csrf(done_unknown)
    assert [m.to for m in mail.outbox] == [[police_lead_a.email]]


def test_reset_link_works_once_and_ends_other_sessions(client, police_lead_a):
    elsewhere = Client()
    elsewhere.force_login(police_lead_a)
    client.post(reverse("account_reset_password"), {"email": police_lead_a.email})
    link = _reset_link(mail.outbox[0])
    form_page = client.get(link, follow=True)
    assert "password1" in form_page.content.decode()
    response = client.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else link,
        {"password1": NEW, "password2": NEW},
    )
    assert response.status_code == 302
    police_lead_a.refresh_from_db()
    assert police_lead_a.check_password(NEW)
    assert AccountEvent.objects.filter(kind="password_reset", subject=police_lead_a).exists()
    # The other device's session ended with the reset.
    response = elsewhere.get(reverse("recommendations:my_actions"))
    assert response["Location"].startswith(reverse("login"))

    again = Client().get(link, follow=True).content.decode()
    assert "password1" not in again
    assert "This link no longer works" in again


def test_reset_link_expires(client, police_lead_a, settings):
    client.post(reverse("account_reset_password"), {"email": police_lead_a.email})
    link = _reset_link(mail.outbox[0])
    later = timezone.now() + datetime.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 60)
    with time_machine.travel(later):
        page = client.get(link, follow=True).content.decode()
    assert "password1" not in page
    assert "This link no longer works" in page


def test_reset_requests_are_rate_limited(client, police_lead_a):
    for _ in range(3):
        client.post(reverse("account_reset_password"), {"email": police_lead_a.email})
    response = client.post(reverse("account_reset_password"), {"email": police_lead_a.email})
    assert response.status_code == 429
    assert len(mail.outbox) == 3


def test_e_mail_addresses_are_set_by_the_administrator(client, police_lead_a):
    client.force_login(police_lead_a)
    page = client.get("/accounts/email/").content.decode()
    assert "only your office administrator can change it" in page
    assert client.post("/accounts/email/", {"email": "x@y.example"}).status_code == 405


def test_nobody_signs_themselves_up(client, db):
    from oversight.models import User

    before = User.objects.count()
    client.post(
        reverse("account_signup"),
        {"username": "me", "email": "me@x.example", "password1": NEW, "password2": NEW},
    )
    assert User.objects.count() == before
