"""Values escaped for HTML as Django's escape() and conditional_escape() escape them, for
the rows the pages write out in Python (f-strings marked safe whole).

Django's two are wrapped by keep_lazy(), which looks through every argument for a lazy
translation on each call, and return SafeString: some 1,000 calls a dashboard or register
page, about a millisecond. Here a lazy translation is simply str()-ed, as Django would on
output. The results are plain str: never pass them to format_html(), which would escape
them again.

shortened() is Truncator(text).chars() for the same rows, without its per-call lookup of
the translated ellipsis.
"""

import html
import unicodedata

from django.utils.text import Truncator

# What Django's Truncator puts in place of the text cut off: its translatable
# "%(truncated_text)s…", which neither Django's nor this app's catalogues translate
# otherwise, in English or Welsh.
ELLIPSIS = "…"


def escape_text(value) -> str:
    """As escape(value): always escaped, whatever the value."""
    return html.escape(str(value))


def escape_value(value) -> str:
    """As conditional_escape(value): a value that is already HTML (SafeString, anything
    with __html__) as it is, any other escaped."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def shortened(text, length: int) -> str:
    """As Truncator(text).chars(length): the text cut to `length` characters, an ellipsis
    the last of them, when it is longer. Truncator looks its ellipsis up in the
    translation catalogues on every call, found in none before the last (17 µs, 61 times
    on a dashboard), and walks every character of a text too short to cut."""
    text = unicodedata.normalize("NFC", str(text))
    if len(text) <= length:
        return text
    return Truncator(text).chars(length, truncate=ELLIPSIS)
