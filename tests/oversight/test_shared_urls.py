"""Addresses worked out once per process (oversight.shared.urls) are those reverse() gives,
in each language in turn and under a script prefix."""

from django.urls import reverse, set_script_prefix
from django.utils import translation

from oversight.shared.urls import url_of, url_pattern


def test_a_pattern_gives_each_rows_address_as_reverse_does():
    for language in ["en-gb", "cy", "en-gb"]:
        with translation.override(language):
            for name in ["recommendations:action_detail", "public:office"]:
                args = ["south-wales"] if name == "public:office" else [1234]
                assert url_pattern(name) % args[0] == reverse(name, args=args)
    with translation.override("cy"):
        assert url_pattern("public:office") % "dyfed" == "/cy/public/dyfed/"


def test_an_address_without_arguments_is_what_reverse_gives_and_none_where_there_is_none():
    for language in ["en-gb", "cy"]:
        with translation.override(language):
            assert url_of("recommendations:dashboard") == reverse("recommendations:dashboard")
            assert url_of("public:index") == reverse("public:index")
    assert url_of("no:such-page") is None


def test_the_script_prefix_is_part_of_the_address():
    try:
        set_script_prefix("/oversight/")
        assert url_of("recommendations:dashboard") == "/oversight/dashboard/"
        assert url_pattern("recommendations:action_detail") % 7 == "/oversight/actions/7/"
    finally:
        set_script_prefix("/")
    assert url_of("recommendations:dashboard") == "/dashboard/"
