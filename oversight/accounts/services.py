"""Writes for accounts: invitations, role changes, leavers, the office's two-factor rule,
and the audit log each of them keeps (written in the same transaction as the change)."""

import datetime
import secrets

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from oversight.accounts.models import AccountEvent, Invitation, token_digest
from oversight.accounts.selectors import administers
from oversight.models import Force, Office, PartnerAgency, User
from oversight.roles import user_set_role

Kind = AccountEvent.Kind
Organisation = Office | Force | PartnerAgency

ROLES_BY_ORGANISATION = {
    Office: {User.Role.OPCC_STAFF, User.Role.READ_ONLY},
    Force: {User.Role.PLAN_OWNER, User.Role.POLICE_LEAD},
    PartnerAgency: {User.Role.PARTNER_LEAD},
}


def _client_address(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def account_event_record(
    *,
    kind: str,
    subject: User | None = None,
    actor: User | None = None,
    invitation: Invitation | None = None,
    attempted_name: str = "",
    detail: str = "",
    request: HttpRequest | None = None,
) -> AccountEvent:
    return AccountEvent.objects.create(
        kind=kind,
        subject=subject,
        actor=actor,
        invitation=invitation,
        attempted_name=attempted_name,
        detail=detail[:300],
        ip_address=_client_address(request),
    )


def _stored_label(role: str) -> str:
    """A role's name as the audit log keeps it: in English, whatever the page's language."""
    with translation.override(None):
        return str(User.Role(role).label)


def _organisation_fields(organisation: Organisation) -> dict:
    return {
        "office": organisation if isinstance(organisation, Office) else None,
        "force": organisation if isinstance(organisation, Force) else None,
        "partner_agency": organisation if isinstance(organisation, PartnerAgency) else None,
    }


def _check_role_fits(role: str, organisation: Organisation) -> None:
    if role not in ROLES_BY_ORGANISATION[type(organisation)]:
        allowed = ", ".join(
            sorted(str(User.Role(r).label) for r in ROLES_BY_ORGANISATION[type(organisation)])
        )
        raise ValidationError(
            {
                "role": _(
                    "%(role)s is not a role in %(organisation)s: choose %(allowed)s, or "
                    "another organisation."
                )
                % {"role": User.Role(role).label, "organisation": organisation, "allowed": allowed}
            }
        )


def _check_email_free(email: str, *, admin: User, except_user: User | None = None) -> None:
    """Refuse an address someone already signs in with. The holder is named only to an
    administrator who looks after them: another office's people stay out of sight."""
    taken = User.objects.filter(email__iexact=email)
    if except_user is not None:
        taken = taken.exclude(pk=except_user.pk)
    holder = taken.select_related("office", "force", "partner_agency").first()
    if holder is None:
        return
    if administers(admin, holder):
        message = _(
            "%(email)s already belongs to %(holder)s (%(organisation)s). "
            "Open them under People to change their role, or use another address."
        ) % {"email": email, "holder": holder, "organisation": holder.organisation}
    else:
        message = _(
            "%(email)s already has an account with an organisation your office does not "
            "administer. Use another address, or ask that organisation's office."
        ) % {"email": email}
    raise ValidationError({"email": message})


def _invitation_link(token: str) -> str:
    return settings.SITE_URL + reverse("accounts:invitation_accept", args=[token])


@transaction.atomic
def invitation_create(
    *,
    admin: User,
    email: str,
    first_name: str,
    last_name: str,
    job_title: str = "",
    role: str,
    organisation: Organisation,
    request: HttpRequest | None = None,
) -> tuple[Invitation, str]:
    """Invite a person; returns the invitation and its token (only ever sent by e-mail).

    An earlier invitation to the same address still waiting is withdrawn: only the newest
    link works."""
    email = email.strip()
    _check_role_fits(role, organisation)
    _check_email_free(email, admin=admin)
    for earlier in Invitation.objects.select_for_update().filter(
        email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True
    ):
        invitation_withdraw(invitation=earlier, admin=admin, request=request)
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        email=email,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        job_title=job_title.strip(),
        role=role,
        sent_by_office=admin.office,
        invited_by=admin,
        token_digest=token_digest(token),
        expires_at=timezone.now() + datetime.timedelta(days=settings.INVITATION_VALID_DAYS),
        **_organisation_fields(organisation),
    )
    account_event_record(
        kind=Kind.INVITED,
        actor=admin,
        invitation=invitation,
        attempted_name=email,
        detail=f"As {_stored_label(role)}, {organisation}",
        request=request,
    )
    context = {"invitation": invitation, "link": _invitation_link(token), "admin": admin}
    # Nobody has an account at this address yet, so nobody has chosen a language: the
    # invitation is in the one the administrator is using.
    with translation.override(translation.get_language() or settings.LANGUAGE_CODE):
        subject = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + _("You are invited to OPCC oversight")
        body = render_to_string("accounts/email/invitation.txt", context)
    transaction.on_commit(
        lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [invitation.email])
    )
    return invitation, token


@transaction.atomic
def invitation_withdraw(
    *, invitation: Invitation, admin: User, request: HttpRequest | None = None
) -> Invitation:
    if invitation.state != Invitation.State.PENDING:
        raise ValidationError(
            _("This invitation is %(state)s: there is nothing to withdraw.")
            % {"state": invitation.get_state_display().lower()}
        )
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    account_event_record(
        kind=Kind.INVITATION_WITHDRAWN,
        actor=admin,
        invitation=invitation,
        attempted_name=invitation.email,
        request=request,
    )
    return invitation


def invitation_by_token(token: str) -> Invitation | None:
    return Invitation.objects.filter(token_digest=token_digest(token)).first()


@transaction.atomic
def invitation_accept(
    *,
    invitation: Invitation,
    username: str,
    password: str | None,
    request: HttpRequest | None = None,
) -> User:
    """Make the account an invitation describes. The link works once: the invitation is
    locked, and an accepted, withdrawn or expired one is refused. With no password (single
    sign-on) the account has none to guess."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.state != Invitation.State.PENDING:
        raise ValidationError(
            _(
                "This invitation link has already been used, withdrawn or has expired. "
                "Ask your office administrator to send a new one."
            )
        )
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError(
            {
                "username": _("%(username)s is taken: choose another username.")
                % {"username": username}
            }
        )
    _check_email_free(invitation.email, admin=invitation.invited_by)
    organisation = invitation.organisation
    user = User(
        username=username,
        email=invitation.email,
        first_name=invitation.first_name,
        last_name=invitation.last_name,
        job_title=invitation.job_title,
        **_organisation_fields(organisation),
    )
    user.role = invitation.role
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.save()
    user_set_role(user=user, role=invitation.role)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    invitation.accepted_at = timezone.now()
    invitation.accepted_user = user
    invitation.save(update_fields=["accepted_at", "accepted_user"])
    account_event_record(
        kind=Kind.INVITATION_ACCEPTED,
        subject=user,
        actor=user,
        invitation=invitation,
        detail=f"As {_stored_label(user.role)}, {organisation}",
        request=request,
    )
    return user


def _describe(role: str, organisation) -> str:
    return f"{_stored_label(role) if role else 'No role'}, {organisation or 'no organisation'}"


@transaction.atomic
def person_update(
    *,
    admin: User,
    person: User,
    first_name: str,
    last_name: str,
    email: str,
    job_title: str,
    role: str,
    organisation: Organisation,
    is_office_admin: bool,
    request: HttpRequest | None = None,
) -> User:
    """Change a person's details and role. An administrator cannot take away their own
    administration (another administrator must), so an office is never left without one
    by accident."""
    email = email.strip()
    _check_role_fits(role, organisation)
    _check_email_free(email, admin=admin, except_user=person)
    if is_office_admin and role != User.Role.OPCC_STAFF:
        raise ValidationError(
            {"is_office_admin": _("Only OPCC staff can be office administrators.")}
        )
    if is_office_admin and (not isinstance(organisation, Office) or organisation != admin.office):
        raise ValidationError(
            {
                "is_office_admin": _("Only %(office)s's own staff can administer it.")
                % {"office": admin.office}
            }
        )
    if person.pk == admin.pk and not (is_office_admin and role == User.Role.OPCC_STAFF):
        raise ValidationError(
            _(
                "You cannot remove your own administration: ask another administrator of "
                "%(office)s to do it."
            )
            % {"office": admin.office}
        )
    before = _describe(person.role, person.organisation)
    was_admin = person.is_office_admin
    details_before = (person.first_name, person.last_name, person.email, person.job_title)
    fields = _organisation_fields(organisation)
    for name, value in fields.items():
        setattr(person, name, value)
    person.first_name, person.last_name = first_name.strip(), last_name.strip()
    person.email, person.job_title = email, job_title.strip()
    person.is_office_admin = is_office_admin
    person.role = role
    person.save()
    user_set_role(user=person, role=role)
    if person.email.lower() != details_before[2].lower():
        # Single sign-on found this person by the old address: it must find them afresh.
        SocialAccount.objects.filter(user=person).delete()
        EmailAddress.objects.filter(user=person).delete()
        if person.email:
            EmailAddress.objects.create(
                user=person, email=person.email, verified=True, primary=True
            )
    after = _describe(role, organisation)
    if before != after or was_admin != is_office_admin:
        change = f"{before} → {after}"
        if was_admin != is_office_admin:
            change += "; office administrator" if is_office_admin else "; no longer administrator"
        account_event_record(
            kind=Kind.ROLE_CHANGED, subject=person, actor=admin, detail=change, request=request
        )
    if details_before != (person.first_name, person.last_name, person.email, person.job_title):
        account_event_record(
            kind=Kind.DETAILS_CHANGED,
            subject=person,
            actor=admin,
            detail=f"E-mail {details_before[2] or '(none)'} → {person.email or '(none)'}"
            if details_before[2] != person.email
            else "Name or job title",
            request=request,
        )
    return person


@transaction.atomic
def person_deactivate(
    *, admin: User, person: User, reason: str = "", request: HttpRequest | None = None
) -> User:
    """A leaver: they can no longer sign in (every session of theirs ends on its next
    request, since the backend refuses inactive users), and everything they did stays."""
    if person.pk == admin.pk:
        raise ValidationError(
            _("You cannot deactivate yourself: ask another administrator of %(office)s to do it.")
            % {"office": admin.office}
        )
    if not person.is_active:
        raise ValidationError(_("%(person)s is already deactivated.") % {"person": person})
    person.is_active = False
    person.is_office_admin = False
    person.save(update_fields=["is_active", "is_office_admin"])
    account_event_record(
        kind=Kind.DEACTIVATED, subject=person, actor=admin, detail=reason, request=request
    )
    return person


@transaction.atomic
def person_reactivate(*, admin: User, person: User, request: HttpRequest | None = None) -> User:
    if person.is_active:
        raise ValidationError(_("%(person)s is already active.") % {"person": person})
    person.is_active = True
    person.save(update_fields=["is_active"])
    account_event_record(kind=Kind.REACTIVATED, subject=person, actor=admin, request=request)
    return person


@transaction.atomic
def person_reset_two_factor(
    *, admin: User, person: User, request: HttpRequest | None = None
) -> User:
    """For a person who lost both their phone and their recovery codes: their app and codes
    stop working; where their office requires it, they set it up again at their next sign-in."""
    removed, _by_kind = Authenticator.objects.filter(user=person).delete()
    if not removed:
        raise ValidationError(
            _("%(person)s has no two-factor sign-in to turn off.") % {"person": person}
        )
    account_event_record(
        kind=Kind.TWO_FACTOR_DISABLED,
        subject=person,
        actor=admin,
        detail="Turned off by an administrator (lost phone)",
        request=request,
    )
    return person


@transaction.atomic
def office_set_two_factor_rule(
    *, admin: User, required: bool, request: HttpRequest | None = None
) -> Office:
    office = Office.objects.select_for_update().get(pk=admin.office_id)
    if office.require_two_factor != required:
        office.require_two_factor = required
        office.save(update_fields=["require_two_factor", "updated_at"])
        account_event_record(
            kind=Kind.TWO_FACTOR_POLICY_CHANGED,
            subject=admin,
            actor=admin,
            detail=(
                f"Two-factor sign-in required for everyone {office} administers"
                if required
                else f"Two-factor sign-in optional at {office}"
            ),
            request=request,
        )
    return office


@transaction.atomic
def office_set_letter_language(*, admin: User, letter_language: str) -> Office:
    """The language the office's new letters are drafted in (each letter can differ)."""
    if letter_language not in Office.LetterLanguage.values:
        raise ValidationError({"letter_language": _("Choose English, Welsh or bilingual.")})
    office = Office.objects.select_for_update().get(pk=admin.office_id)
    if office.letter_language != letter_language:
        office.letter_language = letter_language
        office.save(update_fields=["letter_language", "updated_at"])
    return office


def user_language_set(*, user: User, language: str) -> User:
    """The language of the site, e-mails and reminders for this person (the switch, the
    sign-in page's choice, the reminder preferences). An unknown language changes nothing."""
    if language in dict(settings.LANGUAGES) and user.language != language:
        user.language = language
        user.save(update_fields=["language"])
    return user
