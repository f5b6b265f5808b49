from django import template

from recommendations.rag import rag_label as _rag_label

register = template.Library()


@register.filter
def rag_label(rag: str) -> str:
    """A RAG value ("red", …, or "none") as its label in the active language."""
    return _rag_label(rag) if rag else ""
