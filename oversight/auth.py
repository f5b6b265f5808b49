"""Authentication backend: the signed-in user arrives with their organisation loaded,
so the navigation bar and every scoping function need no extra query."""

from django.contrib.auth.backends import ModelBackend

from oversight.models import User


class OversightBackend(ModelBackend):
    def get_user(self, user_id):
        user = (
            User._default_manager.select_related("office", "force", "partner_agency")
            .filter(pk=user_id)
            .first()
        )
        return user if user is not None and self.user_can_authenticate(user) else None
