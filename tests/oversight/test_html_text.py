"""The row writers' escaping (oversight.shared.html_text) writes what Django's escape() and
conditional_escape() write, for every kind of value the rows hold."""

import datetime

import pytest
from django.utils.html import conditional_escape, escape
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy, override

from oversight.shared.html_text import escape_text, escape_value, shortened
from tests import factories

HOSTILE = "<script>alert(\"x\")</script> & 'quoted' <b>bold</b>"


def _values():
    return [
        HOSTILE,
        "",
        "Plain text",
        42,
        3.5,
        None,
        datetime.date(2026, 12, 6),
        mark_safe("<em>already HTML</em>"),  # noqa: S308 (the test's own markup)
        gettext_lazy("Not allocated"),
        mark_safe(gettext_lazy("Not allocated")),  # noqa: S308
    ]


@pytest.mark.parametrize("language", ["en-gb", "cy"])
def test_each_value_is_escaped_as_django_escapes_it(language):
    with override(language):
        for value in _values():
            assert escape_text(value) == escape(value)
            assert escape_value(value) == conditional_escape(value)
    assert escape_text(HOSTILE) == (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#x27;quoted&#x27; "
        "&lt;b&gt;bold&lt;/b&gt;"
    )


@pytest.mark.django_db
def test_a_model_instance_is_escaped_by_its_name():
    agency = factories.PartnerAgencyFactory(name="Children's <services> & care")
    assert escape_text(agency) == escape(agency) == "Children&#x27;s &lt;services&gt; &amp; care"
    assert escape_value(agency) == conditional_escape(agency)


@pytest.mark.parametrize("language", ["en-gb", "cy"])
@pytest.mark.parametrize(
    "text",
    [
        "",
        "Short",
        "x" * 70,
        "x" * 71,
        "Improve the supervision of domestic abuse investigations across every district " * 3,
        # Combining accents do not count towards the length, as Truncator counts them.
        "Cafe\u0301 " * 30,
        "Ymchwiliadau cam-drin domestig: gwella'r goruchwylio ym mhob ardal " * 2,
        "<b>Tags & ampersands</b> are text here, escaped by the caller " * 2,
    ],
)
def test_shortened_cuts_as_truncator_does(language, text):
    with override(language):
        for length in (1, 2, 10, 70, 140, 160):
            assert shortened(text, length) == Truncator(text).chars(length)


def test_shortened_reads_a_lazy_translation_in_the_active_language():
    with override("cy"):
        assert shortened(gettext_lazy("Overdue"), 70) == str(gettext_lazy("Overdue"))
