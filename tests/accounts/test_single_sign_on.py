"""Single sign-on against a real OpenID Connect provider (oidc-provider under node, see
identity_provider.py): discovery, PKCE, the code exchange, the ID token and userinfo all go over
HTTP. The site is driven through Django's test client, the provider through requests;
test_single_sign_on_browser.py does the same in Chromium.

A person reaches only the account an administrator made for their verified address, or
the one their open invitation describes; whatever else the provider sends is ignored."""

from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from oversight.accounts.models import AccountEvent, Invitation
from oversight.accounts.services import invitation_create, invitation_withdraw
from oversight.models import User
from tests.accounts.identity_provider import IDENTITIES, sign_in_over_http
from tests.factories import PASSWORD, UserFactory

Kind = AccountEvent.Kind


def signed_in_user_id(site) -> int | None:
    user_id = site.session.get("_auth_user_id")
    return int(user_id) if user_id else None


def test_known_person_signs_in_to_their_own_account(site, single_sign_on, police_lead_a):
    # The provider sends Lead_A@Example.org; the account's address is lead_a@example.org.
    response = sign_in_over_http(site, "lead_a")

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert signed_in_user_id(site) == police_lead_a.pk


def test_first_sign_in_links_the_provider_identity(site, single_sign_on, police_lead_a):
    sign_in_over_http(site, "lead_a")

    account = SocialAccount.objects.get()
    assert (account.user, account.uid) == (police_lead_a, IDENTITIES["lead_a"]["sub"])


def test_sign_in_is_recorded_in_the_audit_log(site, single_sign_on, police_lead_a):
    sign_in_over_http(site, "lead_a")

    kinds = set(AccountEvent.objects.filter(subject=police_lead_a).values_list("kind", flat=True))
    assert kinds == {Kind.SIGNED_IN, Kind.SSO_LINKED}


def test_role_and_names_from_the_provider_are_ignored(site, single_sign_on, police_lead_a):
    before = User.objects.values().get(pk=police_lead_a.pk)
    sign_in_over_http(site, "lead_a")

    after = User.objects.values().get(pk=police_lead_a.pk)
    # The provider sent the role "opcc_staff" and another name: only the sign-in time moved.
    assert {field for field in before if before[field] != after[field]} == {"last_login"}


def test_password_still_works_after_single_sign_on(site, client, single_sign_on, police_lead_a):
    sign_in_over_http(site, "lead_a")

    response = client.post(reverse("login"), {"login": "lead_a", "password": PASSWORD})
    assert response.status_code == 302


def test_second_sign_in_uses_the_link(single_sign_on, police_lead_a):
    for _ in range(2):
        site = Client(SERVER_NAME="localhost")
        sign_in_over_http(site, "lead_a")
        assert signed_in_user_id(site) == police_lead_a.pk

    events = AccountEvent.objects.filter(subject=police_lead_a)
    assert events.filter(kind=Kind.SSO_LINKED).count() == 1
    assert events.filter(kind=Kind.SIGNED_IN).count() == 2


def test_two_factor_sign_in_still_asks_for_the_code(site, single_sign_on, police_lead_a):
    TOTP.activate(police_lead_a, generate_totp_secret())
    response = sign_in_over_http(site, "lead_a")

    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert signed_in_user_id(site) is None


def test_unknown_address_gets_no_account(site, single_sign_on, police_lead_a):
    users_before = User.objects.count()
    response = sign_in_over_http(site, "stranger")

    assert response.status_code == 403
    assert b"Ask your office administrator for an invitation to stranger@example.org" in (
        response.content
    )
    assert User.objects.count() == users_before
    assert not SocialAccount.objects.exists()
    assert signed_in_user_id(site) is None


def test_unverified_address_is_refused(site, single_sign_on, opcc_staff):
    response = sign_in_over_http(site, "unverified")

    assert response.status_code == 403
    assert b"did not confirm that this e-mail address is yours" in response.content
    assert not SocialAccount.objects.exists()
    assert signed_in_user_id(site) is None


def test_unverified_address_is_accepted_when_the_provider_is_trusted(
    site, single_sign_on, opcc_staff
):
    single_sign_on(OIDC_TRUST_EMAIL="true")
    sign_in_over_http(site, "unverified")

    assert signed_in_user_id(site) == opcc_staff.pk


def test_deactivated_person_is_refused(site, single_sign_on, office_a):
    leaver = UserFactory(
        username="leaver",
        email="leaver@example.org",
        role=User.Role.OPCC_STAFF,
        office=office_a,
        is_active=False,
    )
    response = sign_in_over_http(site, "leaver")

    assert response.status_code == 403
    assert b"Your account here has been closed" in response.content
    assert signed_in_user_id(site) is None
    assert not SocialAccount.objects.exists()
    assert not AccountEvent.objects.filter(subject=leaver).exists()


def test_deactivated_person_with_a_link_is_refused(site, single_sign_on, police_lead_a):
    sign_in_over_http(site, "lead_a")
    site.logout()
    User.objects.filter(pk=police_lead_a.pk).update(is_active=False)

    response = sign_in_over_http(site, "lead_a")
    assert response.status_code == 403
    assert signed_in_user_id(site) is None


def test_session_of_a_person_deactivated_since_is_refused(site, single_sign_on, police_lead_a):
    sign_in_over_http(site, "lead_a")
    User.objects.filter(pk=police_lead_a.pk).update(is_active=False)

    response = site.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_locked_out_person_is_refused(site, client, single_sign_on, police_lead_a):
    # Both clients come from 127.0.0.1, so the lock-out is for the same name and address.
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"login": "lead_a", "password": "wrong"})

    response = sign_in_over_http(site, "lead_a")
    assert response.status_code == 429
    assert b"Too many sign-in attempts" in response.content
    assert signed_in_user_id(site) is None
    assert not SocialAccount.objects.exists()


def test_locked_out_by_e_mail_address_is_refused(site, client, single_sign_on, police_lead_a):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"login": police_lead_a.email, "password": "wrong"})

    response = sign_in_over_http(site, "lead_a")
    assert response.status_code == 429


def test_wrong_passwords_still_lock_out_with_single_sign_on_on(
    client, single_sign_on, police_lead_a
):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"login": "lead_a", "password": "wrong"})

    response = client.post(reverse("login"), {"login": "lead_a", "password": PASSWORD})
    assert response.status_code == 429


def _invite(admin, force) -> Invitation:
    invitation, _token = invitation_create(
        admin=admin,
        email="New.Person@example.org",
        first_name="New",
        last_name="Person",
        role=User.Role.POLICE_LEAD,
        organisation=force,
    )
    return invitation


def test_invited_person_gets_the_account_the_invitation_describes(
    site, single_sign_on, office_admin, force_a
):
    invitation = _invite(office_admin, force_a)
    sign_in_over_http(site, "invited")

    user = User.objects.get(email__iexact="new.person@example.org")
    assert signed_in_user_id(site) == user.pk
    # The provider sent the role "opcc_staff" and another name.
    assert (user.role, user.force, user.office) == (User.Role.POLICE_LEAD, force_a, None)
    assert (user.first_name, user.last_name) == ("New", "Person")
    assert not user.has_usable_password()
    invitation.refresh_from_db()
    assert invitation.accepted_user == user
    assert SocialAccount.objects.get().user == user


def test_accepting_by_single_sign_on_is_audited(site, single_sign_on, office_admin, force_a):
    _invite(office_admin, force_a)
    sign_in_over_http(site, "invited")

    user = User.objects.get(email__iexact="new.person@example.org")
    kinds = set(AccountEvent.objects.filter(subject=user).values_list("kind", flat=True))
    assert {Kind.INVITATION_ACCEPTED, Kind.SSO_LINKED, Kind.SIGNED_IN} <= kinds


def test_withdrawn_invitation_gives_no_account(site, single_sign_on, office_admin, force_a):
    invitation_withdraw(invitation=_invite(office_admin, force_a), admin=office_admin)
    response = sign_in_over_http(site, "invited")

    assert response.status_code == 403
    assert not User.objects.filter(email__iexact="new.person@example.org").exists()


def test_expired_invitation_gives_no_account(site, single_sign_on, office_admin, force_a):
    invitation = _invite(office_admin, force_a)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    response = sign_in_over_http(site, "invited")

    assert response.status_code == 403
    assert not User.objects.filter(email__iexact="new.person@example.org").exists()
