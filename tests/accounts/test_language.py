"""Welsh and English in accounts: the office's letter language, set by its administrators,
and e-mails in the language of the person they are to."""

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from oversight.models import Office

RULE = reverse("accounts:two_factor_rule")


def test_office_admin_sets_the_letter_language(admin_client, office_a):
    response = admin_client.post(RULE, {"letter_language": "bilingual"})
    assert response.status_code == 302
    office_a.refresh_from_db()
    assert office_a.letter_language == Office.LetterLanguage.BILINGUAL
    page = admin_client.get(RULE).content.decode()
    assert 'value="bilingual" selected' in page


@pytest.mark.parametrize("persona", ["opcc_staff", "read_only", "police_lead_a"])
def test_letter_language_is_refused_to_everyone_else(client, office_a, persona, request):
    client.force_login(request.getfixturevalue(persona))
    response = client.post(RULE, {"letter_language": "cy"})
    assert response.status_code == 403
    office_a.refresh_from_db()
    assert office_a.letter_language == Office.LetterLanguage.ENGLISH


def test_another_office_admin_changes_only_their_own_office(client, office_a, office_admin_b):
    client.force_login(office_admin_b)
    client.post(RULE, {"letter_language": "cy"})
    office_a.refresh_from_db()
    office_admin_b.office.refresh_from_db()
    assert office_a.letter_language == Office.LetterLanguage.ENGLISH
    assert office_admin_b.office.letter_language == Office.LetterLanguage.WELSH


def test_unknown_letter_language_is_refused(admin_client, office_a):
    response = admin_client.post(RULE, {"letter_language": "fr"})
    assert response.status_code == 400
    office_a.refresh_from_db()
    assert office_a.letter_language == Office.LetterLanguage.ENGLISH


@pytest.mark.parametrize(
    ("language", "words"),
    [("cy", "Dewiswch gyfrinair newydd"), ("en-gb", "Choose a new password")],
)
def test_password_reset_e_mail_is_in_the_recipients_language(
    client, police_lead_a, language, words
):
    police_lead_a.language = language
    police_lead_a.save(update_fields=["language"])
    # The page is in the other language: the e-mail follows the person, not the page.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en-gb" if language == "cy" else "cy"
    client.post(reverse("account_reset_password"), {"email": police_lead_a.email})
    assert len(mail.outbox) == 1
    assert words in mail.outbox[0].subject


@pytest.mark.parametrize(
    ("language", "words"),
    [("cy", "Rydych chi wedi cael gwahoddiad"), ("en-gb", "You are invited")],
)
def test_invitation_is_in_the_inviters_language(
    admin_client, office_admin, force_a, django_capture_on_commit_callbacks, language, words
):
    office_admin.language = language
    office_admin.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            reverse("accounts:invite"),
            {
                "first_name": "Nia",
                "last_name": "Evans",
                "email": "nia@force-a.example",
                "role": "police_lead",
                "organisation": f"force:{force_a.pk}",
            },
        )
    assert len(mail.outbox) == 1
    assert words in mail.outbox[0].subject


def test_password_reset_e_mail_follows_the_page_when_no_language_is_chosen(client, police_lead_a):
    police_lead_a.language = ""
    police_lead_a.save(update_fields=["language"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "cy"
    client.post(reverse("account_reset_password"), {"email": police_lead_a.email})
    assert "Dewiswch gyfrinair newydd" in mail.outbox[0].subject
