"""Inviting a person: a single-use link that expires, into a role the administrator may give."""

import datetime
import re

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from oversight.accounts.models import AccountEvent, Invitation
from oversight.models import User

STRONG = "Tamar-bridge-lantern-47"


@pytest.fixture
def invite(admin_client, django_capture_on_commit_callbacks):
    """Post the invitation form; the e-mail goes once the transaction commits, so run the
    commit callbacks as a real request's commit would."""

    def send(organisation, *, role="police_lead", email="new.lead@force-a.example", client=None):
        with django_capture_on_commit_callbacks(execute=True):
            return (client or admin_client).post(
                reverse("accounts:invite"),
                {
                    "first_name": "Nia",
                    "last_name": "Evans",
                    "email": email,
                    "job_title": "DI, Public Protection",
                    "role": role,
                    "organisation": organisation,
                },
            )

    return send


def _link_path(message) -> str:
    return re.search(r"https?://[^/\s]+(/accounts/invitation/[^\s]+/)", message.body).group(1)


def _accept(client, path, *, username="nia.evans", password=STRONG, again=None):
    return client.post(
        path, {"username": username, "password1": password, "password2": again or password}
    )


def test_invitation_sends_a_link_and_accepting_it_makes_the_account(
    invite, admin_client, client, force_a, office_admin
):
    response = invite(f"force:{force_a.pk}")
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new.lead@force-a.example"]
    assert "Police lead, Force A Police" in message.body
    path = _link_path(message)

    admin_client.logout()
    page = client.get(path)
    assert page.status_code == 200
    assert "Welcome, Nia" in page.content.decode()
    response = _accept(client, path)
    assert response.status_code == 302

    user = User.objects.get(username="nia.evans")
    assert (user.role, user.force, user.email) == (
        "police_lead",
        force_a,
        "new.lead@force-a.example",
    )
    assert user.groups.filter(name="Police lead").exists()
    assert user.check_password(STRONG)
    assert client.session["_auth_user_id"] == str(user.pk)
    kinds = set(AccountEvent.objects.values_list("kind", flat=True))
    assert {"invited", "invitation_accepted"} <= kinds


def test_invitation_link_works_once(invite, admin_client, client, force_a):
    invite(f"force:{force_a.pk}")
    path = _link_path(mail.outbox[0])
    admin_client.logout()
    _accept(client, path)
    client.logout()
    response = _accept(client, path, username="someone.else")
    assert response.status_code == 410
    assert "already been used" in response.content.decode() or "used already" in (
        response.content.decode()
    )
    assert not User.objects.filter(username="someone.else").exists()


def test_invitation_link_expires(invite, admin_client, client, force_a, settings):
    invite(f"force:{force_a.pk}")
    path = _link_path(mail.outbox[0])
    admin_client.logout()
    later = timezone.now() + datetime.timedelta(days=settings.INVITATION_VALID_DAYS, minutes=1)
    with time_machine.travel(later):
        response = _accept(client, path)
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    assert not User.objects.filter(username="nia.evans").exists()


def test_unknown_invitation_token_is_404(client, db):
    response = client.get(reverse("accounts:invitation_accept", args=["not-a-real-token"]))
    assert response.status_code == 404
    assert "not one this site sent" in response.content.decode()


def test_a_second_invitation_withdraws_the_first(invite, admin_client, client, force_a):
    invite(f"force:{force_a.pk}")
    invite(f"force:{force_a.pk}")
    first, second = (_link_path(m) for m in mail.outbox)
    admin_client.logout()
    assert client.get(first).status_code == 410
    assert client.get(second).status_code == 200


def test_withdrawn_invitation_no_longer_works(invite, admin_client, client, force_a):
    invite(f"force:{force_a.pk}")
    invitation = Invitation.objects.get()
    response = admin_client.post(reverse("accounts:invitation_withdraw", args=[invitation.pk]))
    assert response.status_code == 302
    admin_client.logout()
    response = client.get(_link_path(mail.outbox[0]))
    assert response.status_code == 410
    assert "withdrew" in response.content.decode()


def test_invitation_to_an_address_in_use_is_refused(invite, admin_client, force_a, police_lead_a):
    response = invite(f"force:{force_a.pk}", email=police_lead_a.email.upper())
    assert response.status_code == 400
    assert "already belongs to" in response.content.decode()
    assert not Invitation.objects.exists()
    assert not mail.outbox


def test_role_that_does_not_fit_the_organisation_is_refused(invite, admin_client, office_a):
    response = invite(f"office:{office_a.pk}", role="police_lead")
    assert response.status_code == 400
    assert "is not a role in OPCC A" in response.content.decode()
    assert not Invitation.objects.exists()


def test_administrator_cannot_invite_into_another_offices_force(invite, admin_client, force_b):
    response = invite(f"force:{force_b.pk}")
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not Invitation.objects.exists()


def test_invitation_passwords_are_validated(invite, admin_client, client, force_a):
    invite(f"force:{force_a.pk}")
    path = _link_path(mail.outbox[0])
    admin_client.logout()
    weak = _accept(client, path, password="password")
    assert weak.status_code == 400
    assert "too common" in weak.content.decode()
    differ = _accept(client, path, again=STRONG + "x")
    assert differ.status_code == 400
    assert "The two passwords differ" in differ.content.decode()
    assert not User.objects.filter(username="nia.evans").exists()
    assert client.get(path).status_code == 200  # still usable after a refused attempt


def test_taken_username_is_refused(invite, admin_client, client, force_a, police_lead_a):
    invite(f"force:{force_a.pk}")
    path = _link_path(mail.outbox[0])
    admin_client.logout()
    response = _accept(client, path, username=police_lead_a.username)
    assert response.status_code == 400
    assert "is taken" in response.content.decode()


def test_signed_in_person_is_told_to_sign_out_first(invite, admin_client, force_a):
    invite(f"force:{force_a.pk}")
    response = admin_client.get(_link_path(mail.outbox[0]))
    assert response.status_code == 409
    assert "sign out first" in response.content.decode()


@pytest.mark.parametrize("persona", ["read_only", "plan_owner_a", "police_lead_a", "opcc_staff"])
def test_only_office_administrators_may_invite(client, persona, request, force_a):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("accounts:invite")).status_code == 403
    response = client.post(
        reverse("accounts:invite"),
        {
            "first_name": "N",
            "last_name": "E",
            "email": "n@e.example",
            "role": "police_lead",
            "organisation": f"force:{force_a.pk}",
        },
    )
    assert response.status_code == 403
    assert not Invitation.objects.exists()


def test_other_offices_administrator_cannot_withdraw(
    invite, client, office_admin_b, admin_client, force_a
):
    invite(f"force:{force_a.pk}")
    invitation = Invitation.objects.get()
    client.force_login(office_admin_b)
    response = client.post(reverse("accounts:invitation_withdraw", args=[invitation.pk]))
    assert response.status_code == 404
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_an_address_held_in_another_office_is_refused_without_naming_them(
    invite, admin_client, police_lead_b, force_a
):
    response = invite(f"force:{force_a.pk}", email=police_lead_b.email)
    assert response.status_code == 400
    page = response.content.decode()
    assert "already has an account with an organisation your office does not administer" in page
    assert str(police_lead_b) not in page
    assert "Force B" not in page
    assert not Invitation.objects.exists()
