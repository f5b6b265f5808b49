import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy

from oversight.models import Force, Office, PartnerAgency, User, role_matches_organisation


def token_digest(token: str) -> str:
    """Only a digest of an invitation's token is stored: a database copy cannot be used."""
    return hashlib.sha256(token.encode()).hexdigest()


class Invitation(models.Model):
    """A single-use link that lets a person set a password and join in the given role."""

    class State(models.TextChoices):
        PENDING = "pending", gettext_lazy("Waiting to be accepted")
        ACCEPTED = "accepted", gettext_lazy("Accepted")
        EXPIRED = "expired", gettext_lazy("Expired")
        REVOKED = "revoked", gettext_lazy("Withdrawn")

    email = models.EmailField()
    first_name = models.CharField(max_length=150)
    last_name = models.CharField(max_length=150)
    job_title = models.CharField(max_length=120, blank=True)
    role = models.CharField(max_length=20, choices=User.Role.choices)
    office = models.ForeignKey(Office, on_delete=models.PROTECT, null=True, blank=True)
    force = models.ForeignKey(Force, on_delete=models.PROTECT, null=True, blank=True)
    partner_agency = models.ForeignKey(
        PartnerAgency, on_delete=models.PROTECT, null=True, blank=True
    )
    # The office whose administrators sent it, see it and may withdraw it.
    sent_by_office = models.ForeignKey(
        Office, on_delete=models.PROTECT, related_name="invitations_sent"
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="invitations_sent"
    )
    token_digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invitation",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # Inviting someone again withdraws the earlier link first (accounts.services).
            models.UniqueConstraint(
                Lower("email"),
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_open_per_email",
            ),
            models.CheckConstraint(
                name="invitation_role_matches_organisation",
                condition=role_matches_organisation(),
            ),
        ]

    def __str__(self):
        return f"Invitation for {self.email}"

    @property
    def organisation(self):
        return self.office or self.force or self.partner_agency

    @property
    def state(self) -> str:
        if self.accepted_at:
            return self.State.ACCEPTED
        if self.revoked_at:
            return self.State.REVOKED
        if self.expires_at <= timezone.now():
            return self.State.EXPIRED
        return self.State.PENDING

    def get_state_display(self) -> str:
        return self.State(self.state).label


class AccountEvent(models.Model):
    """Who did what to an account, and when: kept for the office administrator to read."""

    class Kind(models.TextChoices):
        SIGNED_IN = "signed_in", gettext_lazy("Signed in")
        SIGN_IN_FAILED = "sign_in_failed", gettext_lazy("Failed sign-in")
        LOCKED_OUT = "locked_out", gettext_lazy("Locked out after failed sign-ins")
        SIGNED_OUT = "signed_out", gettext_lazy("Signed out")
        PASSWORD_CHANGED = "password_changed", gettext_lazy("Changed their password")
        PASSWORD_RESET = "password_reset", gettext_lazy("Reset their password by e-mail")
        INVITED = "invited", gettext_lazy("Invited")
        INVITATION_WITHDRAWN = "invitation_withdrawn", gettext_lazy("Invitation withdrawn")
        INVITATION_ACCEPTED = "invitation_accepted", gettext_lazy("Accepted an invitation")
        ROLE_CHANGED = "role_changed", gettext_lazy("Role changed")
        DETAILS_CHANGED = "details_changed", gettext_lazy("Name or e-mail address changed")
        DEACTIVATED = "deactivated", gettext_lazy("Deactivated (leaver)")
        REACTIVATED = "reactivated", gettext_lazy("Reactivated")
        TWO_FACTOR_ENABLED = "two_factor_enabled", gettext_lazy("Turned on two-factor sign-in")
        TWO_FACTOR_DISABLED = "two_factor_disabled", gettext_lazy("Turned off two-factor sign-in")
        RECOVERY_CODES_GENERATED = (
            "recovery_codes_generated",
            gettext_lazy("Made new recovery codes"),
        )
        TWO_FACTOR_POLICY_CHANGED = (
            "two_factor_policy_changed",
            gettext_lazy("Office two-factor rule changed"),
        )
        SSO_LINKED = "sso_linked", gettext_lazy("Single sign-on linked to the account")

    kind = models.CharField(max_length=30, choices=Kind.choices)
    # The person the event is about; empty for a failed sign-in with an unknown name.
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="account_events",
    )
    # Who did it: the person themselves, an administrator, or nobody (a failed sign-in).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="account_events_caused",
    )
    invitation = models.ForeignKey(
        Invitation, on_delete=models.PROTECT, null=True, blank=True, related_name="events"
    )
    # The name typed at a failed sign-in, or the address invited.
    attempted_name = models.CharField(max_length=254, blank=True)
    detail = models.CharField(max_length=300, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            # The audit page: one office's people's events, newest first.
            models.Index(fields=["subject", "-created_at"], name="account_event_subject_idx"),
            models.Index(fields=["-created_at"], name="account_event_created_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.created_at:%d %b %Y %H:%M})"


class ApiToken(models.Model):
    """A personal access token for the API: named by its owner, read-only or read and post
    updates, with an expiry; revoked at any time. Stored only as a SHA-256 digest; the
    first characters (`prefix`) are kept so its owner can tell tokens apart."""

    class Scope(models.TextChoices):
        READ = "read", gettext_lazy("Read")
        WRITE = "write", gettext_lazy("Read and post progress updates")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=80)
    prefix = models.CharField(max_length=12)
    token_digest = models.CharField(max_length=64, unique=True)
    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.READ)
    expires_on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None and self.expires_on >= timezone.localdate()
