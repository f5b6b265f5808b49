"""Addresses the pages write on every row, reversed once per process rather than once a row.

reverse() takes some 12 µs: a dashboard reversed 86 addresses, most of them the same few
names with another id. `url_pattern(name)` gives the address with "%s" for the id, and
`url_of(name)` an address without arguments (the navigation bar's), each worked out once
per name, script prefix, language (the public pages' addresses carry it) and URL
configuration, then remembered.
"""

import functools

from django.urls import NoReverseMatch, get_resolver, get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language

# An id no row has, replaced by each row's own.
_PLACEHOLDER = 2_147_483_647


def url_pattern(name: str) -> str:
    """The URL of `name` with "%s" for its pk (`url_pattern(name) % pk`)."""
    return _url_pattern(name, *_where())


def url_of(name: str) -> str | None:
    """The URL of `name`, which takes no arguments; None where it has none (an app not
    installed)."""
    return _url_of(name, *_where())


def _where() -> tuple:
    # The resolver itself, not the setting's name: a test that changes the URLs gets a
    # new one (django.urls.clear_url_caches), and so new addresses.
    return get_script_prefix(), get_language(), get_resolver(get_urlconf())


@functools.lru_cache(maxsize=256)
def _url_pattern(name: str, prefix: str, language: str | None, resolver) -> str:
    url = reverse(name, args=[_PLACEHOLDER])
    return url.replace("%", "%%").replace(str(_PLACEHOLDER), "%s")


@functools.lru_cache(maxsize=256)
def _url_of(name: str, prefix: str, language: str | None, resolver) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None
