from django import template
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext

from recommendations.rag import rag_label as _rag_label

register = template.Library()


@register.filter
def rag_label(rag: str) -> str:
    """A RAG value ("red", …, or "none") as its label in the active language."""
    return _rag_label(rag) if rag else ""


@register.simple_tag
def rag_badge(rag: str, label: str = "") -> str:
    """A RAG badge: the word is always shown, colour never carries the meaning alone.
    Written here rather than as an included template: a page draws one per action and per
    update. Usage: {% rag_badge obj.rag obj.get_rag_display %}"""
    if not rag:
        return format_html('<span class="text-body-secondary">{}</span>', gettext("No RAG"))
    return format_html('<span class="rag rag-{}">{}</span>', rag, capfirst(label or rag))
