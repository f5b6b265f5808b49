"""An office that requires two-factor sign-in sends each of its people who has not set it
up to the set-up page before anything else."""

from allauth.mfa.models import Authenticator
from django.shortcuts import redirect
from django.urls import reverse

# Where a person without two-factor sign-in may still go: setting it up, signing out,
# and the pages any browser fetches.
ALLOWED_PREFIXES = ("/accounts/", "/static/", "/healthz/")
ENROLLED_SESSION_KEY = "two_factor_enrolled"


class TwoFactorRequired:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and getattr(user, "two_factor_required", False)
            and not request.session.get(ENROLLED_SESSION_KEY)
            and not request.path.startswith(ALLOWED_PREFIXES)
        ):
            if Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
                request.session[ENROLLED_SESSION_KEY] = True
            else:
                return redirect(reverse("accounts:two_factor_needed"))
        return self.get_response(request)
