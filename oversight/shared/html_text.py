"""Values escaped for HTML as Django's escape() and conditional_escape() escape them, for
the rows the pages write out in Python (f-strings marked safe whole).

Django's two are wrapped by keep_lazy(), which looks through every argument for a lazy
translation on each call, and return SafeString: some 1,000 calls a dashboard or register
page, about a millisecond. Here a lazy translation is simply str()-ed, as Django would on
output. The results are plain str: never pass them to format_html(), which would escape
them again.
"""

import html


def escape_text(value) -> str:
    """As escape(value): always escaped, whatever the value."""
    return html.escape(str(value))


def escape_value(value) -> str:
    """As conditional_escape(value): a value that is already HTML (SafeString, anything
    with __html__) as it is, any other escaped."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))
