"""The language a page is in: English or Welsh (Cymraeg).

The Welsh Language Standards oblige a commissioner to deal in Welsh with anyone who asks,
and to treat Welsh no less favourably than English. So the choice is the person's, made
once with the switch in the menu (or on the sign-in and error pages) and kept on their
account; before they sign in it is kept in a cookie. The public pages carry their language
in the address instead (/public/... in English, /cy/public/... in Welsh): they are cached
by anyone on the way and must not depend on a cookie.
"""

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpResponseRedirect
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

# Paths whose language is in the address (i18n_patterns in oversight/urls.py).
ADDRESSED_PREFIXES = ("/public/",)


def chosen_language(request) -> str:
    """The language this request's page is in."""
    from_path = translation.get_language_from_path(request.path_info)
    if from_path:
        return from_path
    if request.path_info.startswith(ADDRESSED_PREFIXES):
        return settings.LANGUAGE_CODE
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.language:
        return user.language
    cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if cookie and translation.check_for_language(cookie) and cookie in dict(settings.LANGUAGES):
        return cookie
    return settings.LANGUAGE_CODE


class LanguageMiddleware:
    """Activates the request's language (after AuthenticationMiddleware: the account's
    choice wins over the cookie) and says which it is in Content-Language."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = chosen_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


@receiver(user_logged_in, dispatch_uid="language_from_sign_in_page")
def keep_the_sign_in_pages_language(sender, request, user, **kwargs):
    """Someone who switched to Welsh on the sign-in page and has not chosen before keeps
    that choice on their account (this module is loaded with the middleware)."""
    cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) if request else None
    if not user.language and cookie in dict(settings.LANGUAGES):
        user.language = cookie
        user.save(update_fields=["language"])


def language_for(user) -> str:
    """The language to write to this person in (e-mails, reminders)."""
    return (user.language if user is not None else "") or settings.LANGUAGE_CODE


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
    if request.user.is_authenticated and request.user.language != language:
        request.user.language = language
        request.user.save(update_fields=["language"])
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=True,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response
