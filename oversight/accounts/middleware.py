"""What a request meets on the way in about signing in.

TwoFactorRequired: an office that requires two-factor sign-in sends each of its people who
has not set it up to the set-up page before anything else. Whether the rule applies arrives
with the signed-in user (oversight.auth), so a person it does not apply to costs no query.
For a person it does, the first page of a session asks the database whether they have an
authenticator app, and the session remembers a yes.

SignInAgainFromHtmx: a part of a page that htmx fetches once the session has ended is not
replaced by the sign-in page; the browser goes there instead.
"""

from urllib.parse import urlencode, urlsplit

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, resolve_url
from django.urls import reverse
from django.utils import translation
from django_htmx.http import HttpResponseClientRedirect

ENROLLED_SESSION_KEY = "two_factor_enrolled"


class TwoFactorRequired:
    def __init__(self, get_response):
        self.get_response = get_response
        # Where a person without two-factor sign-in may still go: the page that sends them
        # on, the two-factor pages themselves (and confirming their password, which setting
        # up asks for first), signing out, and what any browser or monitor fetches. Not the
        # rest of /accounts/: office administration lives there too.
        self.open_paths = {
            reverse("accounts:two_factor_needed"),
            reverse("account_reauthenticate"),
            reverse("account_logout"),
            reverse("healthz"),
        }
        self.two_factor_prefix = reverse("mfa_index")
        self.static_prefix = settings.STATIC_URL
        # The public site is the same for everybody: looking at the user there would read
        # the session, and a response that read it must not be cached for others. In each
        # language: /public/ and /cy/public/.
        self.public_prefixes = tuple(self._public_index(code) for code, _ in settings.LANGUAGES)

    @staticmethod
    def _public_index(language: str) -> str:
        with translation.override(language):
            return reverse("public:index")

    def __call__(self, request):
        if request.path.startswith(self.public_prefixes):
            return self.get_response(request)
        user = request.user
        if user.is_authenticated and getattr(user, "two_factor_required", False):
            path = request.path
            if path.startswith(self.two_factor_prefix):
                # The app may be turned off here (to move to a new phone): ask again on the
                # next page rather than trust what the session remembered.
                request.session.pop(ENROLLED_SESSION_KEY, None)
            elif (
                path not in self.open_paths
                and not path.startswith(self.static_prefix)
                and not request.session.get(ENROLLED_SESSION_KEY)
            ):
                if Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
                    request.session[ENROLLED_SESSION_KEY] = True
                else:
                    return redirect("accounts:two_factor_needed")
        return self.get_response(request)


class SignInAgainFromHtmx:
    """When htmx fetches a part of a page (the bulk update's fields, a priority area's
    options, a letter's progress) after the session has ended, the view's redirect to the
    sign-in page would be followed inside the request and the whole sign-in page swapped
    into the panel. Instead the browser is sent there (HX-Redirect), with the page the
    person was on as where to come back to, not the bare part. The same for the redirect to
    two-factor set-up."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.login_path = resolve_url(settings.LOGIN_URL)
        self.two_factor_path = reverse("accounts:two_factor_needed")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # Read from the header: TwoFactorRequired answers before django-htmx's middleware
        # has looked at the request.
        if request.headers.get("HX-Request") != "true" or response.status_code not in (301, 302):
            return response
        target = urlsplit(response["Location"]).path
        if target == self.two_factor_path:
            return HttpResponseClientRedirect(self.two_factor_path)
        if target != self.login_path:
            return response
        page = urlsplit(request.headers.get("HX-Current-URL", ""))
        if not page.path:
            return HttpResponseClientRedirect(self.login_path)
        back_to = page.path + (f"?{page.query}" if page.query else "")
        query = urlencode({"next": back_to}, safe="/")
        return HttpResponseClientRedirect(f"{self.login_path}?{query}")
