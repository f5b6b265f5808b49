"""The language a page is in: English or Welsh (Cymraeg).

The Welsh Language Standards oblige a commissioner to deal in Welsh with anyone who asks,
and to treat Welsh no less favourably than English. So the choice is the person's, made
once with the switch in the menu (or on the sign-in and error pages) and kept on their
account; before they sign in it is kept in a cookie (the switch and the sign-in's
keeping of it: oversight.accounts.views_language). The public pages carry their language
in the address instead (/public/... in English, /cy/public/... in Welsh): they are cached
by anyone on the way and must not depend on a cookie.
"""

from django.conf import settings
from django.utils import translation

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


def language_for(user) -> str:
    """The language to write to this person in (e-mails, reminders)."""
    return (user.language if user is not None else "") or settings.LANGUAGE_CODE
