"""Reads for accounts: whom an office administrator looks after, and what they may read.

An administrator looks after their own office's people, the people of the forces their
office oversees, and the people of partner agencies working with those forces. Another
office's people are out of sight: their pages are 404s, as everywhere else on the site.
"""

from django.db.models import Q, QuerySet
from django.utils import timezone

from oversight.accounts.models import AccountEvent, Invitation
from oversight.models import Force, Office, PartnerAgency, User


def is_office_admin(user: User) -> bool:
    return bool(
        user.is_authenticated and user.is_active and user.is_office_admin and user.office_id
    )


def organisations_administered_by(admin: User) -> tuple[Office | None, list, list]:
    """The office, forces and partner agencies an administrator may invite people into."""
    if not is_office_admin(admin):
        return None, [], []
    forces = list(Force.objects.filter(offices=admin.office_id).order_by("name"))
    agencies = list(
        PartnerAgency.objects.filter(forces__in=[f.pk for f in forces]).distinct().order_by("name")
    )
    return admin.office, forces, agencies


def _administered_q(admin: User) -> Q:
    forces = Force.objects.filter(offices=admin.office_id).values("pk")
    agencies = PartnerAgency.objects.filter(forces__in=forces).values("pk")
    return Q(office_id=admin.office_id) | Q(force_id__in=forces) | Q(partner_agency_id__in=agencies)


def people_administered_by(admin: User) -> QuerySet[User]:
    if not is_office_admin(admin):
        return User.objects.none()
    return User.objects.filter(_administered_q(admin)).select_related(
        "office", "force", "partner_agency"
    )


def administers(admin: User, person: User) -> bool:
    return people_administered_by(admin).filter(pk=person.pk).exists()


def person_for_admin(admin: User, person_id: int) -> User | None:
    return people_administered_by(admin).filter(pk=person_id).first()


def invitations_visible_to(admin: User) -> QuerySet[Invitation]:
    if not is_office_admin(admin):
        return Invitation.objects.none()
    return Invitation.objects.filter(sent_by_office_id=admin.office_id).select_related(
        "office", "force", "partner_agency", "invited_by"
    )


def invitation_open_for_email(email: str) -> Invitation | None:
    """The one invitation waiting for this address, if it has not expired."""
    return (
        Invitation.objects.filter(
            email__iexact=email.strip(),
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .select_related("office", "force", "partner_agency")
        .first()
    )


def account_events_visible_to(admin: User) -> QuerySet[AccountEvent]:
    """The audit log of the administrator's people, and of the invitations their office
    sent; a failed sign-in with a name nobody has is attributed to no office."""
    if not is_office_admin(admin):
        return AccountEvent.objects.none()
    people = User.objects.filter(_administered_q(admin)).values("pk")
    return AccountEvent.objects.filter(
        Q(subject_id__in=people) | Q(invitation__sent_by_office_id=admin.office_id)
    ).select_related("subject", "actor", "invitation")
