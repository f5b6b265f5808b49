"""Authentication backend: the signed-in user arrives with their organisation loaded, and
whether an office requires them to use two-factor sign-in, so the navigation bar, every
scoping function and the two-factor rule need no extra query."""

from allauth.account.auth_backends import AuthenticationBackend
from django.db.models import Exists, OuterRef, Q

from oversight.models import Office, User


def two_factor_required_expression() -> Exists:
    """True where an office that requires two-factor sign-in administers the person: their
    own office, an office overseeing their force, or one overseeing a force their partner
    agency works with."""
    return Exists(
        Office.objects.filter(require_two_factor=True).filter(
            Q(pk=OuterRef("office_id"))
            | Q(forces=OuterRef("force_id"))
            | Q(forces__partner_agencies=OuterRef("partner_agency_id"))
        )
    )


class OversightBackend(AuthenticationBackend):
    """allauth's backend (sign-in by username or e-mail address) with the user loaded as
    every page needs them."""

    def get_user(self, user_id):
        user = (
            User._default_manager.select_related("office", "force", "partner_agency")
            .annotate(two_factor_required=two_factor_required_expression())
            .filter(pk=user_id)
            .first()
        )
        return user if user is not None and self.user_can_authenticate(user) else None
