"""Office administration: who an administrator sees, role changes and leavers."""

from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from oversight.accounts.models import AccountEvent
from oversight.models import User


def test_people_lists_the_office_its_forces_and_their_partners_only(
    admin_client, read_only, plan_owner_a, police_lead_a, partner_lead, police_lead_b, opcc_staff_b
):
    page = admin_client.get(reverse("accounts:people")).content.decode()
    for person in (read_only, plan_owner_a, police_lead_a, partner_lead):
        assert reverse("accounts:person_detail", args=[person.pk]) in page
    for person in (police_lead_b, opcc_staff_b):
        assert reverse("accounts:person_detail", args=[person.pk]) not in page


def test_people_list_runs_a_fixed_number_of_queries(
    admin_client, force_a, django_assert_max_num_queries
):
    from tests import factories

    factories.UserFactory.create_batch(3, role="police_lead", force=force_a)
    admin_client.get(reverse("accounts:people"))
    with django_assert_max_num_queries(12) as few:
        admin_client.get(reverse("accounts:people"))
    factories.UserFactory.create_batch(30, role="police_lead", force=force_a)
    with django_assert_max_num_queries(len(few.captured_queries)):
        admin_client.get(reverse("accounts:people"))


def test_another_offices_person_is_404(admin_client, police_lead_b):
    for name in ("accounts:person_detail", "accounts:person_edit"):
        assert admin_client.get(reverse(name, args=[police_lead_b.pk])).status_code == 404
    response = admin_client.post(reverse("accounts:person_deactivate", args=[police_lead_b.pk]))
    assert response.status_code == 404
    police_lead_b.refresh_from_db()
    assert police_lead_b.is_active


def test_role_change_is_saved_with_who_and_when(admin_client, office_admin, police_lead_a, force_a):
    response = admin_client.post(
        reverse("accounts:person_edit", args=[police_lead_a.pk]),
        {
            "first_name": police_lead_a.first_name,
            "last_name": police_lead_a.last_name,
            "email": police_lead_a.email,
            "job_title": "Superintendent",
            "role": "plan_owner",
            "organisation": f"force:{force_a.pk}",
        },
    )
    assert response.status_code == 302
    police_lead_a.refresh_from_db()
    assert police_lead_a.role == "plan_owner"
    assert police_lead_a.groups.get().name == "Force plan owner"
    event = AccountEvent.objects.get(kind="role_changed")
    assert (event.subject, event.actor) == (police_lead_a, office_admin)
    assert event.detail == "Police lead, Force A Police → Force plan owner, Force A Police"


def test_role_change_to_a_role_outside_the_organisation_is_refused(
    admin_client, police_lead_a, office_a
):
    response = admin_client.post(
        reverse("accounts:person_edit", args=[police_lead_a.pk]),
        {
            "first_name": "A",
            "last_name": "B",
            "email": police_lead_a.email,
            "role": "police_lead",
            "organisation": f"office:{office_a.pk}",
        },
    )
    assert response.status_code == 400
    assert "is not a role in OPCC A" in response.content.decode()
    police_lead_a.refresh_from_db()
    assert (police_lead_a.role, police_lead_a.office) == ("police_lead", None)


def test_administrator_cannot_remove_their_own_administration(admin_client, office_admin, office_a):
    response = admin_client.post(
        reverse("accounts:person_edit", args=[office_admin.pk]),
        {
            "first_name": "A",
            "last_name": "B",
            "email": office_admin.email,
            "role": "opcc_staff",
            "organisation": f"office:{office_a.pk}",
            "is_office_admin": "",
        },
    )
    assert response.status_code == 400
    assert "ask another administrator" in response.content.decode()
    office_admin.refresh_from_db()
    assert office_admin.is_office_admin


def test_only_opcc_staff_can_be_administrators(admin_client, police_lead_a, force_a):
    response = admin_client.post(
        reverse("accounts:person_edit", args=[police_lead_a.pk]),
        {
            "first_name": "A",
            "last_name": "B",
            "email": police_lead_a.email,
            "role": "police_lead",
            "organisation": f"force:{force_a.pk}",
            "is_office_admin": "on",
        },
    )
    assert response.status_code == 400
    assert "Only OPCC staff can be office administrators" in response.content.decode()


def test_leaver_is_signed_out_and_cannot_sign_in_again(admin_client, office_admin, police_lead_a):
    leaver_browser = Client()
    leaver_browser.force_login(police_lead_a)
    assert leaver_browser.get(reverse("recommendations:my_actions")).status_code == 200

    response = admin_client.post(
        reverse("accounts:person_deactivate", args=[police_lead_a.pk]),
        {"reason": "Moved to another force"},
    )
    assert response.status_code == 302
    police_lead_a.refresh_from_db()
    assert not police_lead_a.is_active

    # Their open session ends on its next request.
    response = leaver_browser.get(reverse("recommendations:my_actions"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))

    # And the password no longer signs them in.
    fresh = Client()
    response = fresh.post(
        reverse("login"),
        {"login": police_lead_a.username, "password": "correct-horse-battery-staple"},
    )
    assert SESSION_KEY not in fresh.session
    event = AccountEvent.objects.get(kind="deactivated")
    assert (event.subject, event.actor, event.detail) == (
        police_lead_a,
        office_admin,
        "Moved to another force",
    )


def test_leaver_keeps_their_history_and_can_come_back(admin_client, police_lead_a):
    admin_client.post(reverse("accounts:person_deactivate", args=[police_lead_a.pk]))
    assert User.objects.filter(pk=police_lead_a.pk).exists()
    page = admin_client.get(reverse("accounts:person_detail", args=[police_lead_a.pk]))
    assert "Left: cannot sign in" in page.content.decode()
    admin_client.post(reverse("accounts:person_reactivate", args=[police_lead_a.pk]))
    police_lead_a.refresh_from_db()
    assert police_lead_a.is_active
    assert AccountEvent.objects.filter(kind="reactivated", subject=police_lead_a).exists()


def test_administrator_cannot_deactivate_themselves(admin_client, office_admin):
    response = admin_client.post(reverse("accounts:person_deactivate", args=[office_admin.pk]))
    assert response.status_code == 302
    office_admin.refresh_from_db()
    assert office_admin.is_active
    page = admin_client.get(response["Location"]).content.decode()
    assert "You cannot deactivate yourself" in page


def test_people_pages_refuse_everyone_but_administrators(client, read_only, police_lead_a):
    for persona in (read_only, police_lead_a):
        client.force_login(persona)
        for name in ("accounts:people", "accounts:activity", "accounts:two_factor_rule"):
            assert client.get(reverse(name)).status_code == 403
        response = client.post(reverse("accounts:person_deactivate", args=[police_lead_a.pk]))
        assert response.status_code == 403


def test_two_factor_rule_is_set_by_the_office(admin_client, office_a, office_admin):
    admin_client.post(
        reverse("accounts:two_factor_rule"),
        {"require_two_factor": "on", "letter_language": "en-gb"},
    )
    office_a.refresh_from_db()
    assert office_a.require_two_factor
    event = AccountEvent.objects.get(kind="two_factor_policy_changed")
    assert event.actor == office_admin


def test_nav_shows_people_to_administrators_only(admin_client, client, read_only):
    assert 'href="/people/"' in admin_client.get(reverse("accounts:activity")).content.decode()
    client.force_login(read_only)
    assert 'href="/people/"' not in client.get(reverse("reminders:notifications")).content.decode()


def test_administrator_turns_off_a_lost_authenticator(admin_client, office_admin, police_lead_a):
    from allauth.mfa.models import Authenticator

    Authenticator.objects.create(user=police_lead_a, type=Authenticator.Type.TOTP, data={})
    Authenticator.objects.create(
        user=police_lead_a, type=Authenticator.Type.RECOVERY_CODES, data={}
    )
    url = reverse("accounts:person_reset_two_factor", args=[police_lead_a.pk])
    response = admin_client.post(url)
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=police_lead_a).exists()
    event = AccountEvent.objects.get(kind="two_factor_disabled", subject=police_lead_a)
    assert event.actor == office_admin
    again = admin_client.get(admin_client.post(url)["Location"]).content.decode()
    assert "has no two-factor sign-in to turn off" in again


def test_changing_an_e_mail_address_unlinks_single_sign_on(admin_client, police_lead_a, force_a):
    from allauth.socialaccount.models import SocialAccount

    SocialAccount.objects.create(user=police_lead_a, provider="sso", uid="entra-123")
    admin_client.post(
        reverse("accounts:person_edit", args=[police_lead_a.pk]),
        {
            "first_name": police_lead_a.first_name,
            "last_name": police_lead_a.last_name,
            "email": "new.address@force-a.example",
            "role": "police_lead",
            "organisation": f"force:{force_a.pk}",
        },
    )
    police_lead_a.refresh_from_db()
    assert police_lead_a.email == "new.address@force-a.example"
    assert not SocialAccount.objects.filter(user=police_lead_a).exists()
    event = AccountEvent.objects.get(kind="details_changed", subject=police_lead_a)
    assert "new.address@force-a.example" in event.detail
