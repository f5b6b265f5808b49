"""Choosing Welsh or English: the switch, the account keeping the choice, the cookie
before sign-in, the address of the public pages, and the page cache per language
(oversight/shared/language.py)."""

import datetime

from django.conf import settings
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from oversight.shared.language import language_for

SWITCH = reverse("switch_language")
DASHBOARD = reverse("recommendations:dashboard")
REGISTER = reverse("recommendations:register")


def _lang(response) -> str:
    html = response.content.decode()
    return html[html.index("<html lang=") + 12 :].split('"')[0]


def test_switching_to_welsh_keeps_it_on_the_account_and_back(client, opcc_staff):
    client.force_login(opcc_staff)
    assert _lang(client.get(DASHBOARD)) == "en-GB"
    page = client.get(DASHBOARD).content.decode()
    assert 'name="language" value="cy"' in page and 'lang="cy">Cymraeg<' in page

    response = client.post(SWITCH, {"language": "cy", "next": REGISTER})
    assert response.status_code == 302 and response["Location"] == REGISTER
    opcc_staff.refresh_from_db()
    assert opcc_staff.language == "cy"
    welsh = client.get(REGISTER)
    assert _lang(welsh) == "cy" and welsh["Content-Language"] == "cy"
    assert 'name="language" value="en-gb"' in welsh.content.decode()

    # The account, not the browser, remembers: a new browser signs in to Welsh.
    client.cookies.clear()
    client.force_login(opcc_staff)
    assert _lang(client.get(DASHBOARD)) == "cy"

    client.post(SWITCH, {"language": "en-gb", "next": DASHBOARD})
    opcc_staff.refresh_from_db()
    assert opcc_staff.language == "en-gb"
    assert _lang(client.get(DASHBOARD)) == "en-GB"


def test_before_sign_in_the_choice_is_kept_in_a_cookie(client, db):
    login = reverse("login")
    assert _lang(client.get(login)) == "en-GB"
    response = client.post(SWITCH, {"language": "cy", "next": login})
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "cy" and cookie["httponly"] and cookie["samesite"] == "Lax"
    assert _lang(client.get(login)) == "cy"
    # The error pages carry the switch too.
    missing = client.get("/no-such-page/")
    assert missing.status_code == 404 and _lang(missing) == "cy"
    assert 'name="language" value="en-gb"' in missing.content.decode()


def test_the_account_wins_over_the_cookie(client, opcc_staff):
    opcc_staff.language = "en-gb"
    opcc_staff.save()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "cy"
    client.force_login(opcc_staff)
    assert _lang(client.get(DASHBOARD)) == "en-GB"
    # Someone who never chose gets the cookie's language.
    opcc_staff.language = ""
    opcc_staff.save()
    assert _lang(client.get(DASHBOARD)) == "cy"


def test_the_switch_refuses_other_sites_and_unknown_languages(client, opcc_staff):
    client.force_login(opcc_staff)
    away = client.post(SWITCH, {"language": "cy", "next": "https://evil.example/"})
    assert away["Location"] == "/"
    unknown = client.post(SWITCH, {"language": "fr", "next": DASHBOARD})
    assert unknown["Location"] == DASHBOARD
    assert settings.LANGUAGE_COOKIE_NAME not in unknown.cookies
    opcc_staff.refresh_from_db()
    assert opcc_staff.language == "cy"  # from the first post; "fr" changed nothing
    assert client.get(SWITCH).status_code == 405


def test_the_switch_needs_the_pages_csrf_token(opcc_staff):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(opcc_staff)
    assert strict.post(SWITCH, {"language": "cy", "next": "/"}).status_code == 403
    opcc_staff.refresh_from_db()
    assert opcc_staff.language == ""


def test_public_pages_take_their_language_from_the_address(client, opcc_staff):
    opcc_staff.language = "cy"
    opcc_staff.save()
    client.force_login(opcc_staff)
    english = client.get("/public/")
    welsh = client.get("/cy/public/")
    assert english.status_code == welsh.status_code == 200
    assert english["Content-Language"] == "en-gb" and welsh["Content-Language"] == "cy"
    assert client.get("/en-gb/public/").status_code == 404


def test_dates_and_months_follow_the_language():
    template = Template("{{ day|date:'j F Y' }}")
    day = datetime.date(2026, 12, 4)
    with translation.override("cy"):
        assert template.render(Context({"day": day})) == "4 Rhagfyr 2026"
    with translation.override("en-gb"):
        assert template.render(Context({"day": day})) == "4 December 2026"


def test_people_are_written_to_in_their_language(opcc_staff):
    assert language_for(opcc_staff) == "en-gb"  # never chose
    opcc_staff.language = "cy"
    assert language_for(opcc_staff) == "cy"
    assert language_for(None) == "en-gb"


def test_the_page_cache_keeps_each_language_apart(rf, opcc_staff):
    from oversight.shared import pagecache

    request = rf.get(REGISTER)
    request.user = opcc_staff
    built = []

    def build():
        built.append(translation.get_language())
        return f"body in {translation.get_language()}"

    with translation.override("en-gb"):
        assert pagecache.cached_body(request, "register", build) == "body in en-gb"
    with translation.override("cy"):
        assert pagecache.cached_body(request, "register", build) == "body in cy"
        assert pagecache.cached_body(request, "register", build) == "body in cy"
    with translation.override("en-gb"):
        assert pagecache.cached_body(request, "register", build) == "body in en-gb"
    assert built == ["en-gb", "cy"]


def test_signing_in_keeps_the_sign_in_pages_choice_on_the_account(client, opcc_staff):
    from tests.factories import PASSWORD

    client.post(SWITCH, {"language": "cy", "next": reverse("login")})
    response = client.post(reverse("login"), {"login": opcc_staff.username, "password": PASSWORD})
    assert response.status_code == 302
    opcc_staff.refresh_from_db()
    assert opcc_staff.language == "cy"
    # A choice already on the account is not overridden by a browser's cookie.
    client.post(reverse("logout"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en-gb"
    client.post(reverse("login"), {"login": opcc_staff.username, "password": PASSWORD})
    opcc_staff.refresh_from_db()
    assert opcc_staff.language == "cy"


def test_the_language_can_be_chosen_with_the_reminder_preferences(client, police_lead_a):
    preferences = reverse("reminders:preferences")
    client.force_login(police_lead_a)
    page = client.get(preferences).content.decode()
    assert 'value="cy"' in page and "Cymraeg" in page
    saved = client.post(
        preferences, {"email_reminders": "on", "digest_frequency": "weekly", "language": "cy"}
    )
    assert saved.status_code == 302
    police_lead_a.refresh_from_db()
    assert police_lead_a.language == "cy" and police_lead_a.digest_frequency == "weekly"
    assert _lang(client.get(preferences)) == "cy"
    # Left out, the language stays; a language we do not have is refused, nothing saved.
    client.post(preferences, {"email_reminders": "on", "digest_frequency": "daily"})
    police_lead_a.refresh_from_db()
    assert police_lead_a.language == "cy" and police_lead_a.digest_frequency == "daily"
    refused = client.post(
        preferences, {"email_reminders": "", "digest_frequency": "weekly", "language": "fr"}
    )
    assert refused.status_code == 400
    police_lead_a.refresh_from_db()
    assert police_lead_a.email_reminders and police_lead_a.digest_frequency == "daily"
