"""One search box over what a person may read: reports, recommendations, priority areas,
actions, progress updates and deep-dive reviews, each kind read through its own
`*_visible_to(user)` function, so a result never shows what the person's pages would not.

On PostgreSQL: full-text search in English (stemmed, so "missing" finds "missed"), ranked
by ts_rank, each kind's text read through the very expression its GIN index holds
(`SEARCH_DOCUMENTS`; migration reviews 0003 builds the indexes from it). Elsewhere (SQLite
for `make run`): every word must appear in the text, newest first. One query per kind,
whatever the number of rows; the matching words are highlighted in Python.
"""

import re
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import BooleanField, FloatField, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.formats import date_format
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from oversight.models import InspectionReport, PriorityArea, User
from oversight.selectors import priority_areas_visible_to, reports_visible_to
from recommendations.models import Action, ProgressUpdate, Recommendation
from recommendations.selectors import (
    actions_visible_to,
    recommendations_visible_to,
    updates_visible_to,
)
from reviews.models import DeepDiveReview
from reviews.selectors import reviews_visible_to

RESULTS_PER_KIND = 10
MAX_QUERY_CHARACTERS = 200
# Each kind's searchable text columns, in its table: the GIN index and the query share
# search_document()'s expression built from these.
SEARCH_DOCUMENTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "report": ("oversight_inspectionreport", ("title", "summary", "issued_by")),
    "recommendation": ("recommendations_recommendation", ("reference", "text")),
    "priority_area": ("oversight_priorityarea", ("title", "description")),
    "action": ("recommendations_action", ("reference", "description")),
    "update": ("recommendations_progressupdate", ("narrative",)),
    "review": ("reviews_deepdivereview", ("theme", "findings", "evidence_summary")),
}


def search_document(kind: str) -> str:
    """The tsvector expression of a kind's text, as its index holds it."""
    table, columns = SEARCH_DOCUMENTS[kind]
    joined = " || ' ' || ".join(f'coalesce("{table}"."{column}", \'\')' for column in columns)
    return f"to_tsvector('english'::regconfig, {joined})"


@dataclass(frozen=True)
class Kind:
    key: str
    label: str
    queryset: Any  # (user) -> QuerySet
    select_related: tuple[str, ...]
    title: Any  # (row) -> str
    context: Any  # (row) -> str


KINDS = (
    Kind(
        "report",
        gettext_lazy("Reports"),
        lambda user: reports_visible_to(user),
        ("force",),
        lambda r: r.title,
        lambda r: f"{r.force} · {r.get_source_display()} · {date_format(r.published_on, 'j M Y')}",
    ),
    Kind(
        "recommendation",
        gettext_lazy("Recommendations"),
        lambda user: recommendations_visible_to(user),
        ("report__force",),
        lambda r: f"{r.reference}: {Truncator(r.text).words(14)}",
        lambda r: f"{r.report} · {r.report.force} · {r.get_status_display()}",
    ),
    Kind(
        "priority_area",
        gettext_lazy("Priority areas"),
        lambda user: priority_areas_visible_to(user),
        ("report__force",),
        lambda a: a.title,
        lambda a: f"{a.report} · {a.report.force}",
    ),
    Kind(
        "action",
        gettext_lazy("Actions"),
        lambda user: actions_visible_to(user),
        ("plan__report", "plan__force"),
        lambda a: f"{a.reference}: {Truncator(a.description).words(14)}",
        lambda a: f"{a.plan.title or a.plan.report} · {a.plan.force} · {a.get_status_display()}",
    ),
    Kind(
        "update",
        gettext_lazy("Progress updates"),
        lambda user: updates_visible_to(user),
        ("action__plan__force",),
        lambda u: (
            _("Update on %(reference)s, %(date)s")
            % {"reference": u.action.reference, "date": date_format(u.written_on, "j M Y")}
        ),
        lambda u: f"{u.action.plan.force} · {u.get_review_state_display()}",
    ),
    Kind(
        "review",
        gettext_lazy("Deep-dive reviews"),
        lambda user: reviews_visible_to(user),
        ("force",),
        lambda r: r.theme,
        lambda r: (
            _("%(force)s · held %(date)s")
            % {"force": r.force, "date": date_format(r.held_on, "j M Y")}
            if r.held_on
            else str(r.force)
        ),
    ),
)
TEXT_OF = {
    "report": lambda r: " ".join([r.title, r.summary]),
    "recommendation": lambda r: r.text,
    "priority_area": lambda a: " ".join([a.title, a.description]),
    "action": lambda a: a.description,
    "update": lambda u: u.narrative,
    "review": lambda r: " ".join([r.theme, r.findings, r.evidence_summary]),
}
MODELS = {
    "report": InspectionReport,
    "recommendation": Recommendation,
    "priority_area": PriorityArea,
    "action": Action,
    "update": ProgressUpdate,
    "review": DeepDiveReview,
}


@dataclass(frozen=True)
class Hit:
    title: str
    context: str
    snippet: SafeString
    url: str


@dataclass(frozen=True)
class KindResults:
    key: str
    label: str
    hits: list[Hit]
    more: bool


def search_words(query: str) -> list[str]:
    return re.findall(r"\w+", query.casefold())[:12]


def _matching(kind: Kind, user: User, query: str, words: list[str]) -> QuerySet:
    queryset = kind.queryset(user).select_related(*kind.select_related)
    if connection.vendor == "postgresql":
        # The SQL is built from SEARCH_DOCUMENTS' constants only; the words go as a parameter.
        document = search_document(kind.key)
        return (
            queryset.annotate(
                rank=RawSQL(  # noqa: S611
                    f"ts_rank({document}, websearch_to_tsquery('english'::regconfig, %s))",
                    (query,),
                    output_field=FloatField(),
                )
            )
            .alias(
                matches=RawSQL(  # noqa: S611
                    f"{document} @@ websearch_to_tsquery('english'::regconfig, %s)",
                    (query,),
                    output_field=BooleanField(),
                )
            )
            .filter(matches=True)
            .order_by("-rank", "-pk")
        )
    _, columns = SEARCH_DOCUMENTS[kind.key]
    for word in words:
        any_column = Q()
        for column in columns:
            any_column |= Q(**{f"{column}__icontains": word})
        queryset = queryset.filter(any_column)
    return queryset.order_by("-pk")


def _highlight(text: str, words: list[str]) -> SafeString:
    """A short passage around the first matching word, every word that begins like a
    searched one marked (escaped first)."""
    if not text:
        return SafeString("")
    stems = [word[: max(4, len(word) - 3)] if len(word) > 4 else word for word in words]
    pattern = re.compile(
        r"\b(" + "|".join(re.escape(stem) for stem in stems) + r")\w*", re.IGNORECASE
    )
    found = pattern.search(text)
    start = max(0, found.start() - 80) if found else 0
    if start:
        # Begin at a word, not inside one.
        space = text.find(" ", start, found.start())
        start = space + 1 if space != -1 else found.start()
    passage = text[start : start + 260]
    shown = SafeString("…" if start else "")
    last = 0
    for match in pattern.finditer(passage):
        shown += escape(passage[last : match.start()])
        shown += format_html("<mark>{}</mark>", match.group(0))
        last = match.end()
    shown += escape(passage[last:])
    return shown + SafeString("…" if start + 260 < len(text) else "")


def search_for(user: User, query: str) -> list[KindResults]:
    """Each kind's best matches the user may read, grouped by kind, kinds with none left
    out. Six queries (one per kind), whatever the number of matches."""
    query = query.strip()[:MAX_QUERY_CHARACTERS]
    words = search_words(query)
    if not words:
        return []
    results = []
    for kind in KINDS:
        rows = list(_matching(kind, user, query, words)[: RESULTS_PER_KIND + 1])
        if not rows:
            continue
        hits = [
            Hit(
                title=kind.title(row),
                context=kind.context(row),
                snippet=_highlight(TEXT_OF[kind.key](row), words),
                url=row.get_absolute_url(),
            )
            for row in rows[:RESULTS_PER_KIND]
        ]
        results.append(KindResults(kind.key, kind.label, hits, len(rows) > RESULTS_PER_KIND))
    return results
