"""The RAG badge every page draws (recommendations/templatetags/rag_tags.py): the word is
always shown, in the reader's language, so colour never carries the meaning alone."""

from django.template import Context, Template
from django.utils import translation

from recommendations.models import Rag

BADGE = Template("{% load rag_tags %}{% rag_badge rag label %}")


def _badge(rag, label="") -> str:
    return BADGE.render(Context({"rag": rag, "label": label}))


def test_it_shows_the_label_on_its_colour_capitalised():
    assert _badge(Rag.AMBER, "amber") == '<span class="rag rag-amber">Amber</span>'


def test_it_shows_the_value_when_no_label_is_given():
    assert _badge(Rag.RED) == '<span class="rag rag-red">Red</span>'


def test_it_says_there_is_no_rag_in_the_readers_language():
    assert _badge("") == '<span class="text-body-secondary">No RAG</span>'
    with translation.override("cy"):
        assert _badge(None) == '<span class="text-body-secondary">Dim RAG</span>'


def test_it_escapes_what_it_is_given():
    assert _badge('"><script>', "<b>x</b>") == (
        '<span class="rag rag-&quot;&gt;&lt;script&gt;">&lt;b&gt;x&lt;/b&gt;</span>'
    )
