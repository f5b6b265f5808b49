"""The language switch (menu bar, sign-in and error pages) and the sign-in keeping the
choice made before it; the page's language itself is oversight.shared.language's."""

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from oversight.accounts.services import user_language_set


@receiver(user_logged_in, dispatch_uid="language_from_sign_in_page")
def keep_the_sign_in_pages_language(sender, request, user, **kwargs):
    """Someone who switched to Welsh on the sign-in page and has not chosen before keeps
    that choice on their account."""
    cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) if request else None
    if not user.language and cookie:
        user_language_set(user=user, language=cookie)


@require_POST
def switch_language(request):
    """Keep the chosen language (on the account when signed in, and in a cookie) and go
    back to the page the person was on."""
    language = request.POST.get("language", "")
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if language not in dict(settings.LANGUAGES):
        return response
    if request.user.is_authenticated:
        user_language_set(user=request.user, language=language)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=True,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response
