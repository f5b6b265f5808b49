"""The formal letters: the chief constable's formal response to the PCC, the OPCC's request
for it, and the PCC's section 55 response.

A letter is built in three steps, each a function here:

1. `letter_build_snapshot` reads the live data through the `*_visible_to(user)` selectors
   and returns a plain, JSON-serialisable dict (dates as ISO strings): the letter's text,
   the sender and the report, the recommendations grouped by priority area with their
   status, RAG, the progress made (from ACCEPTED updates only) and the work remaining
   (from open actions), and any sections other apps add (see below).
2. `letter_render_html` turns a snapshot into an HTML document (Django templates, so all
   user text is escaped).
3. `letter_render_pdf` turns that HTML into a tagged PDF with WeasyPrint. Its URL fetcher
   (`StaticOnlyURLFetcher`) serves only the app's own static files; anything else (file://,
   http(s)://, data:, a path outside the static roots) stops the render.

Issuing freezes a letter: the snapshot taken at issue time, the PDF rendered from it in the
same transaction and its SHA-256 are stored, and no service changes an issued letter again.
A change after that is a new version (`letter_create` copies the last one).

Sections from downstream apps
-----------------------------
recommendations must not import reviews, yet the formal response and the section 55
response should mention the OPCC's deep dives and investments. The reviews app registers a
builder in its AppConfig.ready()::

    from recommendations.letters import register_letter_section

    register_letter_section("deep_dives", deep_dive_letter_section, order=10)

`builder(*, report, user, letter_kind)` is called while the snapshot is built. It must
scope everything to `user` with its own `*_visible_to` selectors, run a fixed number of
queries, and return None (nothing to say) or a dict of plain text only::

    {
        "title": "Deep-dive reviews",               # the section heading
        "intro": "The panel held one review ...",   # optional paragraph(s), blank-line separated
        "items": [                                  # optional
            {
                "heading": "Child protection, 18 June 2015",
                "details": ["Plans: assured", "Current performance: partly assured"],
                "text": "The panel heard ...",      # optional paragraph(s)
            },
        ],
    }

Strings only (format dates and amounts yourself); the result is stored in the issued
letter's snapshot as it is, and rendered escaped. `letter_kinds` limits which letters
carry the section (default: the formal response and the section 55 response).
"""

import contextlib
import datetime
import gc
import hashlib
import logging
import re
import ssl
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import DatabaseError, transaction
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from oversight.models import InspectionReport, Office, PriorityArea, User
from oversight.selectors import priority_areas_visible_to, reports_visible_to
from oversight.shared.background import enqueue, send_now
from oversight.shared.concurrency import lock_and_check_version
from recommendations.models import (
    Action,
    Letter,
    ProgressUpdate,
    Rag,
    Recommendation,
)
from recommendations.selectors import (
    action_plans_visible_to,
    actions_visible_to,
    letters_visible_to,
    recommendations_visible_to,
)
from recommendations.tasks import render_letter

logger = logging.getLogger(__name__)

SNAPSHOT_SCHEMA = 1
LETTER_TEMPLATE = "recommendations/letters/document.html"

# --- Who may do what -------------------------------------------------------------------


def letter_kinds_creatable_by(user: User) -> list[str]:
    """OPCC staff write every letter; the force's plan owner may build the chief
    constable's own letter (the formal response). Nobody else writes letters."""
    if not user.is_authenticated:
        return []
    if user.is_opcc_staff:
        return [kind.value for kind in Letter.Kind]
    if user.role == User.Role.PLAN_OWNER:
        return [Letter.Kind.FORMAL_RESPONSE.value]
    return []


def letter_can_edit(user: User, letter: Letter) -> bool:
    """Edit and render a draft. Call only with a letter from letters_visible_to(user)."""
    return letter.status == Letter.Status.DRAFT and letter.kind in letter_kinds_creatable_by(user)


def letter_can_issue(user: User, letter: Letter) -> bool:
    """Only OPCC staff issue, whoever built the letter."""
    return user.is_authenticated and user.is_opcc_staff and letter.status == Letter.Status.DRAFT


def letter_reports_visible_to(user: User) -> QuerySet[InspectionReport]:
    """Reports whose letters the user may see: partner agencies see no letters at all."""
    if not user.is_authenticated or user.is_partner:
        return InspectionReport.objects.none()
    return reports_visible_to(user)


# --- Reads -----------------------------------------------------------------------------

# A recommendation in one of these states needs no action for a section 55 response.
_DISPOSED_STATUSES = (
    Recommendation.Status.CLOSED,
    Recommendation.Status.SUPERSEDED,
    Recommendation.Status.NO_ACTION,
)


def letters_for_report(user: User, report: InspectionReport) -> list[Letter]:
    """The report's letters the user sees, by kind then newest version first (one query)."""
    kind_order = {kind.value: position for position, kind in enumerate(Letter.Kind)}
    letters = list(
        letters_visible_to(user)
        .filter(report=report)
        .select_related("issued_by")
        .order_by("kind", "-version")
    )
    return sorted(letters, key=lambda letter: (kind_order[letter.kind], -letter.version))


def letter_versions(user: User, letter: Letter) -> list[Letter]:
    """Every version of the same letter (same report and kind), newest first."""
    return list(
        letters_visible_to(user)
        .filter(report=letter.report_id, kind=letter.kind)
        .order_by("-version")
    )


def recommendations_without_disposition(user: User, report: InspectionReport) -> list[str]:
    """References of the report's recommendations that a section 55 response could not yet
    explain: no action planned, and not closed, superseded or "no action" with a reason.
    One query."""
    has_action = Exists(
        actions_visible_to(user).filter(recommendations=OuterRef("pk")).values("pk")
    )
    references = (
        recommendations_visible_to(user)
        .filter(report=report)
        .exclude(status__in=_DISPOSED_STATUSES)
        .exclude(has_action)
        .values_list("reference", flat=True)
    )
    return sorted(references, key=natural_key)


def natural_key(reference: str) -> list:
    """R2 before R10, A9 before A10."""
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", reference)]


# --- Sections added by downstream apps -------------------------------------------------


@dataclass(frozen=True)
class LetterSection:
    kind: str
    builder: Callable[..., dict | None]
    letter_kinds: tuple[str, ...]
    order: int


_sections: dict[str, LetterSection] = {}


def register_letter_section(
    kind: str,
    builder: Callable[..., dict | None],
    *,
    letter_kinds: Iterable[str] = (Letter.Kind.FORMAL_RESPONSE, Letter.Kind.SECTION_55),
    order: int = 100,
) -> None:
    """Add a section to letters; see the module docstring for the builder's contract.
    Registering the same kind again replaces it (ready() may run more than once)."""
    unknown = set(letter_kinds) - set(Letter.Kind.values)
    if unknown:
        raise ValueError(f"Unknown letter kinds {sorted(unknown)}; known: {Letter.Kind.values}")
    _sections[kind] = LetterSection(
        kind=kind, builder=builder, letter_kinds=tuple(letter_kinds), order=order
    )


def _extra_sections(*, report: InspectionReport, user: User, letter_kind: str) -> list[dict]:
    sections = []
    for section in sorted(_sections.values(), key=lambda s: (s.order, s.kind)):
        if letter_kind not in section.letter_kinds:
            continue
        data = section.builder(report=report, user=user, letter_kind=letter_kind)
        if data:
            sections.append(_clean_section(section.kind, data))
    return sections


def _clean_section(kind: str, data: dict) -> dict:
    """Keep only the contract's keys, as strings, so the snapshot stays plain JSON."""
    items = []
    for item in data.get("items") or []:
        items.append(
            {
                "heading": str(item.get("heading") or ""),
                "details": [str(detail) for detail in item.get("details") or [] if detail],
                "paragraphs": _paragraphs(str(item.get("text") or "")),
            }
        )
    return {
        "kind": kind,
        "title": str(data.get("title") or ""),
        "paragraphs": _paragraphs(str(data.get("intro") or "")),
        "items": items,
    }


# --- Snapshot --------------------------------------------------------------------------

_RAG_SEVERITY = {Rag.RED: 3, Rag.AMBER: 2, Rag.GREEN: 1, Rag.COMPLETE: 0}
_EDITABLE_FIELDS = (
    "reference",
    "letter_date",
    "addressee",
    "salutation",
    "opening",
    "closing",
    "signatory_name",
    "signatory_title",
    "response_due_on",
)


def _iso(value: datetime.date | datetime.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _paragraphs(text: str) -> list[str]:
    """Blank lines separate paragraphs; single line breaks stay inside one."""
    text = text.replace("\r\n", "\n").strip()
    return [part.strip() for part in re.split(r"\n\s*\n", text) if part.strip()]


def _lines(text: str) -> list[str]:
    """Address lines: one per line, or split at commas when written on one line."""
    lines = [line.strip() for line in text.replace("\r\n", "\n").split("\n") if line.strip()]
    if len(lines) == 1 and "," in lines[0]:
        lines = [part.strip() for part in lines[0].split(",") if part.strip()]
    return lines


def _recommendation_rag(recommendation: Recommendation, actions: list[Action]) -> str:
    """A recommendation has no RAG of its own: it takes the worst RAG of its open actions;
    complete (blue) when it is closed or all its actions are finished; none without actions."""
    if recommendation.status == Recommendation.Status.CLOSED:
        return Rag.COMPLETE
    open_actions = [action for action in actions if action.status not in Action.FINISHED_STATUSES]
    if open_actions:
        return max((action.rag for action in open_actions), key=lambda rag: _RAG_SEVERITY[rag])
    return Rag.COMPLETE if actions else ""


def _action_data(action: Action) -> dict:
    revised = action.revised_target_date is not None
    lead = action.partner_agency.name if action.partner_agency_id else ""
    if action.delivery_lead_id:
        person = str(action.delivery_lead)
        lead = f"{person}, {lead}" if lead else person
    return {
        "reference": action.reference,
        "description": action.description,
        "status": action.status,
        "status_label": action.get_status_display(),
        "rag": action.rag,
        "rag_label": action.get_rag_display(),
        "lead": lead,
        "target_on": _iso(action.current_target_date),
        "original_target_on": _iso(action.target_date),
        "revised": revised,
        "revision_reason": action.revision_reason if revised else "",
        "status_reason": action.status_reason,
        "finished_on": _iso(timezone.localdate(action.signed_off_at))
        if action.signed_off_at
        else None,
    }


def _recommendation_data(recommendation: Recommendation) -> dict:
    actions = sorted(recommendation.letter_actions, key=lambda a: natural_key(a.reference))
    progress = []
    for action in actions:
        if action.accepted_updates:
            update = action.accepted_updates[0]
            progress.append(
                {
                    "action": action.reference,
                    "description": action.description,
                    "written_on": _iso(update.written_on),
                    "narrative": update.narrative,
                    "percent_complete": update.percent_complete,
                    "rag": update.rag,
                    "rag_label": update.get_rag_display(),
                }
            )
    finished = [_action_data(a) for a in actions if a.status in Action.FINISHED_STATUSES]
    remaining = [_action_data(a) for a in actions if a.status not in Action.FINISHED_STATUSES]
    if recommendation.status in _DISPOSED_STATUSES:
        disposition = recommendation.status
    elif actions:
        disposition = "actions"
    else:
        disposition = ""
    rag = _recommendation_rag(recommendation, actions)
    return {
        "reference": recommendation.reference,
        "kind_label": recommendation.get_kind_display(),
        "text": recommendation.text,
        "timescale": recommendation.timescale,
        "timescale_label": recommendation.get_timescale_display(),
        "due_on": _iso(recommendation.due_on),
        "status": recommendation.status,
        "status_label": recommendation.get_status_display(),
        "inspectorate_status_label": recommendation.get_inspectorate_status_display(),
        "acceptance_label": recommendation.get_force_acceptance_display(),
        "status_reason": recommendation.status_reason,
        "closure_rationale": recommendation.closure_rationale,
        "superseded_by": recommendation.superseded_by.reference
        if recommendation.superseded_by_id
        else "",
        "rag": rag,
        "rag_label": Rag(rag).label if rag else "Not rated",
        "progress": progress,
        "finished": finished,
        "remaining": remaining,
        "disposition": disposition,
    }


def _letter_office(report: InspectionReport, user: User) -> Office | None:
    """The OPCC on the letter: the user's own office, or the first overseeing the force."""
    if user.is_opcc and user.office_id:
        return user.office
    return report.force.offices.order_by("name").first()


def _party(name: str, subtitle: str, address: str, email: str = "") -> dict:
    return {"name": name, "subtitle": subtitle, "address_lines": _lines(address), "email": email}


def _subject(kind: str, report: InspectionReport) -> str:
    return {
        Letter.Kind.FORMAL_RESPONSE: "Formal response to",
        Letter.Kind.RESPONSE_REQUEST: "Request for a formal response to",
        Letter.Kind.SECTION_55: "Section 55 response to",
    }[kind] + f" {report.get_inspectorate_display()}’s report: {report.title}"


def letter_build_snapshot(
    *, letter: Letter, user: User, taken_at: datetime.datetime | None = None
) -> dict:
    """Everything the letter shows, read now through the user's scoping selectors.

    Queries (a fixed number, whatever the number of rows): the report with its force; the
    office; the action plan; the priority areas; the recommendations; their priority areas;
    their actions (with lead and partner agency); the actions' accepted updates; then one
    or more per registered section.
    """
    report = reports_visible_to(user).select_related("force").get(pk=letter.report_id)
    office = _letter_office(report, user)
    plan = (
        action_plans_visible_to(user)
        .filter(report=report, force=report.force_id)
        .select_related("owner")
        .first()
    )
    areas = list(priority_areas_visible_to(user).filter(report=report).order_by("position"))
    accepted = ProgressUpdate.objects.filter(review_state=ProgressUpdate.Review.ACCEPTED).order_by(
        "-written_on", "-pk"
    )
    actions = (
        actions_visible_to(user)
        .select_related("delivery_lead", "partner_agency")
        .prefetch_related(Prefetch("updates", queryset=accepted, to_attr="accepted_updates"))
    )
    recommendations = list(
        recommendations_visible_to(user)
        .filter(report=report)
        .select_related("superseded_by")
        .prefetch_related(
            Prefetch("priority_areas", queryset=PriorityArea.objects.order_by("position")),
            Prefetch("actions", queryset=actions, to_attr="letter_actions"),
        )
        .order_by("position", "pk")
    )
    recommendations.sort(key=lambda r: (r.position, natural_key(r.reference)))

    area_entries = {
        area.pk: {"position": area.position, "title": area.title, "references": []}
        for area in areas
    }
    other = []
    data = {}
    for recommendation in recommendations:
        item = _recommendation_data(recommendation)
        item["areas"] = [
            area.title for area in recommendation.priority_areas.all() if area.pk in area_entries
        ]
        data[recommendation.reference] = item
        placed = False
        for area in recommendation.priority_areas.all():
            if area.pk in area_entries:
                area_entries[area.pk]["references"].append(recommendation.reference)
                placed = True
        if not placed:
            other.append(recommendation.reference)

    force = report.force
    office_party = (
        _party(
            office.name,
            f"Police and Crime Commissioner {office.commissioner}".strip(),
            office.address,
            office.email,
        )
        if office
        else None
    )
    force_party = _party(force.name, "Office of the Chief Constable", force.address)
    sender = force_party if letter.kind == Letter.Kind.FORMAL_RESPONSE else office_party
    if sender is None:
        sender = _party("Office of the Police and Crime Commissioner", "", "")

    return {
        "schema": SNAPSHOT_SCHEMA,
        "taken_at": _iso(taken_at or timezone.now()),
        "letter": {
            "id": letter.pk,
            "kind": letter.kind,
            "kind_label": letter.get_kind_display(),
            "version": letter.version,
            "reference": letter.reference,
            "letter_date_on": _iso(letter.letter_date),
            "response_due_on": _iso(letter.response_due_on),
            "addressee_lines": _lines(letter.addressee),
            "salutation": letter.salutation,
            "subject": _subject(letter.kind, report),
            "opening": _paragraphs(letter.opening),
            "closing": _paragraphs(letter.closing),
            "signatory_name": letter.signatory_name,
            "signatory_title": letter.signatory_title,
            "copies": ["The Home Secretary"] if letter.kind == Letter.Kind.SECTION_55 else [],
        },
        "sender": sender,
        "report": {
            "id": report.pk,
            "title": report.title,
            "inspectorate": report.get_inspectorate_display(),
            "programme": report.get_programme_display(),
            "force": force.name,
            "published_on": _iso(report.published_on),
            "section_55_due_on": _iso(report.section_55_due_on),
            "formal_response_requested_on": _iso(report.formal_response_requested_on),
            "formal_response_due_on": _iso(report.formal_response_due_on),
            "plan_title": plan.title if plan else "",
            "governance_board": plan.governance_board if plan else "",
        },
        "areas": list(area_entries.values()),
        "other_references": other,
        "recommendations": data,
        "sections": _extra_sections(report=report, user=user, letter_kind=letter.kind),
    }


def snapshot_missing_dispositions(snapshot: dict) -> list[str]:
    return [
        reference
        for reference, item in snapshot["recommendations"].items()
        if not item["disposition"]
    ]


# --- HTML and PDF ----------------------------------------------------------------------


def _presentable(value, key: str = ""):
    """The snapshot with its ISO dates turned back into dates for the template."""
    if isinstance(value, dict):
        return {k: _presentable(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_presentable(v) for v in value]
    if isinstance(value, str) and value:
        if key.endswith("_on"):
            return parse_date(value) or value
        if key.endswith("_at"):
            return parse_datetime(value) or value
    return value


def letter_context(snapshot: dict, *, is_draft: bool) -> dict:
    """What the letter templates need: the snapshot, ready to print, and per priority area
    the recommendations in order (a recommendation in two areas is printed in the first
    and referred to in the others)."""
    data = _presentable(snapshot)
    recommendations = data["recommendations"]
    for rec in recommendations.values():
        # An action already described under "progress made" is named only by reference.
        described = {entry["action"] for entry in rec["progress"]}
        for action in rec["remaining"]:
            action["described_above"] = action["reference"] in described
    printed: dict[str, int] = {}
    sections = []
    for number, area in enumerate(data["areas"], start=1):
        entries = []
        for reference in area["references"]:
            entries.append(
                {
                    "rec": recommendations[reference],
                    "printed_under": printed.get(reference),
                }
            )
            printed.setdefault(reference, number)
        sections.append({"number": number, "title": area["title"], "entries": entries})
    if data["other_references"]:
        sections.append(
            {
                "number": len(sections) + 1,
                "title": "Other recommendations" if sections else "Recommendations",
                "entries": [
                    {"rec": recommendations[reference], "printed_under": None}
                    for reference in data["other_references"]
                ],
            }
        )
    return {
        **data,
        "kind": data["letter"]["kind"],
        "area_sections": sections,
        "is_draft": is_draft,
        "asset_base": STATIC_PREFIX,
    }


def letter_render_html(snapshot: dict, *, is_draft: bool) -> str:
    return render_to_string(LETTER_TEMPLATE, letter_context(snapshot, is_draft=is_draft))


# A made-up scheme for the PDF's base URL: every relative URL in the letter ("/static/...",
# url(../fonts/x.woff)) resolves under it, so the only way to fetch anything is through
# StaticOnlyURLFetcher. urljoin resolves relative references only for schemes it knows.
LETTER_SCHEME = "oversight-letter"
LETTER_ORIGIN = f"{LETTER_SCHEME}://assets"
STATIC_PREFIX = "/static/"
for _registry in (urllib.parse.uses_relative, urllib.parse.uses_netloc):
    if LETTER_SCHEME not in _registry:
        _registry.append(LETTER_SCHEME)

ALLOWED_ASSET_TYPES = {
    ".css": "text/css",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
}


class LetterAssetRefused(ValueError):
    """The letter asked for something other than one of the app's own static files."""


def _static_roots() -> list[Path]:
    roots = []
    for finder in finders.get_finders():
        for storage in getattr(finder, "storages", {}).values():
            location = getattr(storage, "location", None)
            if location:
                roots.append(Path(location).resolve())
    if settings.STATIC_ROOT:
        roots.append(Path(settings.STATIC_ROOT).resolve())
    return roots


def resolve_letter_asset(url: str) -> Path:
    """The file behind an asset URL of the letter, or LetterAssetRefused.

    Only `oversight-letter://assets/static/<path>` is accepted, and only when <path> is a
    static file of the app (found by the staticfiles finders, or collected in STATIC_ROOT)
    of a type a letter uses, lying inside one of the static roots.
    """
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError as error:
        raise LetterAssetRefused(f"Refused a malformed URL in a letter: {url[:200]}") from error
    if f"{parts.scheme}://{parts.netloc}" != LETTER_ORIGIN or parts.query:
        raise LetterAssetRefused(
            f"Refused {url[:200]}: a letter may use only the app's own static files."
        )
    path = urllib.parse.unquote(parts.path)
    if not path.startswith(STATIC_PREFIX):
        raise LetterAssetRefused(f"Refused {url[:200]}: not a static file.")
    relative = path.removeprefix(STATIC_PREFIX)
    segments = relative.split("/")
    if "\\" in relative or "\x00" in relative or {"", ".", ".."} & set(segments):
        raise LetterAssetRefused(f"Refused {url[:200]}: not a plain static path.")
    suffix = Path(relative).suffix.lower()
    if suffix not in ALLOWED_ASSET_TYPES:
        raise LetterAssetRefused(f"Refused {url[:200]}: a letter does not use {suffix} files.")
    found = finders.find(relative)
    if not found and settings.STATIC_ROOT:
        collected = Path(settings.STATIC_ROOT) / relative
        found = str(collected) if collected.is_file() else None
    if not found:
        raise LetterAssetRefused(f"Refused {url[:200]}: no such static file.")
    real = Path(found).resolve()
    if not real.is_file() or not any(real.is_relative_to(root) for root in _static_roots()):
        raise LetterAssetRefused(f"Refused {url[:200]}: outside the static files.")
    return real


def _url_fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyURLFetcher(URLFetcher):
        """WeasyPrint's fetcher, narrowed to the app's own static files. It never opens a
        network connection or a file outside the static roots; a refusal stops the render
        (fail_on_errors), so a letter never comes out silently incomplete."""

        def __init__(self):
            # fetch() below never reaches the network, so the TLS context is never used:
            # a bare one (no CA store, so it could verify nothing) saves loading the
            # system's certificates on every render (about 17 ms).
            super().__init__(
                allowed_protocols=[LETTER_SCHEME],
                fail_on_errors=True,
                ssl_context=ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT),
            )

        def fetch(self, url, headers=None):
            path = resolve_letter_asset(url)
            content_type = ALLOWED_ASSET_TYPES[path.suffix.lower()]
            return URLFetcherResponse(
                url, path.read_bytes(), {"Content-Type": content_type}, status=200
            )

    return StaticOnlyURLFetcher


def letter_url_fetcher():
    """A fresh StaticOnlyURLFetcher (WeasyPrint is imported only when a letter is rendered)."""
    return _url_fetcher_class()()


@contextlib.contextmanager
def _cyclic_gc_paused():
    """Hold back Python's cyclic garbage collector while a letter is laid out.

    WeasyPrint builds some 170,000 objects linked in cycles (elements, styles, boxes) for
    a letter of 40 recommendations; with the collector on, that growing heap is walked
    again and again, about a fifth of the render time. Collecting it once at the end costs
    a third of that, and the peak memory is a few MiB higher. Only a collector that was on
    is turned back on, so two renders in two threads leave it as they found it.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
            gc.collect(0)  # everything made during the render is still in the youngest one


def letter_render_pdf(snapshot: dict, *, is_draft: bool) -> bytes:
    """A tagged PDF/UA-1 document, fonts embedded (subset), A4."""
    from weasyprint import HTML

    html = letter_render_html(snapshot, is_draft=is_draft)
    fetcher = letter_url_fetcher()
    with _cyclic_gc_paused():
        document = HTML(string=html, base_url=f"{LETTER_ORIGIN}/", url_fetcher=fetcher)
        pdf = document.write_pdf(pdf_variant="pdf/ua-1")
        del document  # its tree is garbage now, for the collection on the way out
    return pdf


# --- Defaults for a new letter ---------------------------------------------------------


def _commissioner_title(office: Office | None) -> str:
    if office and office.name.startswith("Office of the "):
        return office.name.removeprefix("Office of the ")
    return "Police and Crime Commissioner"


def _chief_constable_name(chief_constable: str) -> str:
    return chief_constable.removeprefix("Chief Constable ").strip()


def _long_date(value: datetime.date | None) -> str:
    return f"{value.day} {value:%B %Y}" if value else ""


def _defaults(kind: str, report: InspectionReport, office: Office | None) -> dict:
    force = report.force
    inspectorate = report.get_inspectorate_display()
    published = _long_date(report.published_on)
    commissioner = office.commissioner if office else ""
    office_address = "\n".join(_lines(office.address)) if office else ""
    force_address = "\n".join(_lines(force.address))
    chief = _chief_constable_name(force.chief_constable)
    prefix = {
        Letter.Kind.FORMAL_RESPONSE: "FR",
        Letter.Kind.RESPONSE_REQUEST: "RQ",
        Letter.Kind.SECTION_55: "S55",
    }[kind]
    reference = f"{prefix}/{report.published_on:%Y}/{report.pk:04d}"
    if kind == Letter.Kind.FORMAL_RESPONSE:
        asked = (
            f"Thank you for your letter of {_long_date(report.formal_response_requested_on)} "
            "asking for my formal response to "
            if report.formal_response_requested_on
            else "This is my formal response to "
        )
        return {
            "reference": reference,
            "addressee": "\n".join(
                line for line in [commissioner, _commissioner_title(office), office_address] if line
            ),
            "salutation": "Dear Commissioner",
            "opening": (
                f"{asked}{inspectorate}’s report “{report.title}”, published on {published}."
                "\n\nFor each of the priority areas your office identified, and for each "
                "recommendation within it, this letter sets out the progress the force has "
                "made and the work that remains. Progress is taken from the updates your "
                "office has reviewed and accepted; where a target date has been revised, the "
                "original date is shown beside it."
            ),
            "closing": (
                "The force will continue to report progress to you through its governance "
                "board until every recommendation is closed. I would welcome the opportunity "
                "to discuss any part of this response with you."
            ),
            "signatory_name": chief,
            "signatory_title": f"Chief Constable, {force.name}",
        }
    if kind == Letter.Kind.RESPONSE_REQUEST:
        return {
            "reference": reference,
            "addressee": "\n".join(
                line for line in [chief, "Chief Constable", force.name, force_address] if line
            ),
            "salutation": "Dear Chief Constable",
            "opening": (
                f"On {published} {inspectorate} published its report “{report.title}”. My "
                "office has grouped its recommendations into the priority areas set out "
                "below.\n\nI should be grateful for your formal response by the date shown "
                "above, setting out for each priority area and each recommendation the "
                "progress the force has made and the work that remains, with revised target "
                "dates where the original ones will not be met."
            ),
            "closing": (
                "Your response will inform my comments under section 55 of the Police Act "
                "1996 and the scrutiny of the force’s action plan by my office."
            ),
            "signatory_name": commissioner,
            "signatory_title": _commissioner_title(office),
            "response_due_on": timezone.localdate() + datetime.timedelta(days=28),
        }
    return {
        "reference": reference,
        "addressee": "HM Chief Inspector of Constabulary\n"
        + (
            "His Majesty’s Inspectorate of Constabulary and Fire & Rescue Services"
            if report.inspectorate == InspectionReport.Inspectorate.HMICFRS
            else "Her Majesty’s Inspectorate of Constabulary"
        ),
        "salutation": "Dear Chief Inspector",
        "opening": (
            f"Section 55 of the Police Act 1996 requires me to publish my comments on an "
            f"inspection report about the force within 56 days of its publication. This is "
            f"my response to your report “{report.title}”, published on {published}."
            "\n\nFor each recommendation I set out the action the force has taken or plans "
            "to take, or why no action is to be taken."
        ),
        "closing": (
            "I will continue to hold the Chief Constable to account for delivering these "
            "improvements. A copy of this response has been sent to the Home Secretary and "
            "is published on my office’s website."
        ),
        "signatory_name": commissioner,
        "signatory_title": _commissioner_title(office),
    }


# --- Writes ----------------------------------------------------------------------------


def _frozen_error(letter: Letter) -> ValidationError:
    return ValidationError(
        f"Version {letter.version} of this letter was issued on "
        f"{_long_date(timezone.localdate(letter.issued_at))} and cannot change. Start a new "
        "version to make changes."
    )


def _fingerprint(letter: Letter) -> tuple:
    return tuple(getattr(letter, name) for name in _EDITABLE_FIELDS)


def _delete_file_on_commit(storage, name: str) -> None:
    if name:
        transaction.on_commit(lambda: storage.delete(name))


@transaction.atomic
def letter_create(*, report: InspectionReport, kind: str, user: User) -> Letter:
    """A new draft. The first version gets default wording; after an issued version the new
    draft copies its text (a re-issue). Only one draft of a kind at a time."""
    if kind not in letter_kinds_creatable_by(user):
        raise PermissionDenied("You may not write this kind of letter.")
    report = (
        letter_reports_visible_to(user)
        .select_for_update(of=("self",))
        .select_related("force")
        .get(pk=report.pk)
    )
    latest = Letter.objects.filter(report=report, kind=kind).order_by("-version").first()
    if latest is not None and latest.status == Letter.Status.DRAFT:
        raise ValidationError(
            f"There is already a draft of this letter (version {latest.version}). Open it and "
            "carry on editing it."
        )
    letter = Letter(report=report, kind=kind, letter_date=timezone.localdate())
    if latest is None:
        for name, value in _defaults(kind, report, _letter_office(report, user)).items():
            setattr(letter, name, value)
    else:
        letter.version = latest.version + 1
        for name in _EDITABLE_FIELDS:
            if name != "letter_date":
                setattr(letter, name, getattr(latest, name))
    letter.full_clean()
    letter.save()
    return letter


@transaction.atomic
def letter_update(*, letter: Letter, user: User, expected_version: str, **fields) -> Letter:
    """Save the builder's fields on a draft. The draft PDF no longer matches, so it is
    dropped; render again to see the change."""
    unknown = set(fields) - set(_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {sorted(unknown)}")
    lock_and_check_version(letter, expected_version=expected_version)
    current = Letter.objects.get(pk=letter.pk)
    if current.status != Letter.Status.DRAFT:
        raise _frozen_error(current)
    if not letter_can_edit(user, current):
        raise PermissionDenied("You may not change this letter.")
    for name, value in fields.items():
        setattr(current, name, value)
    due_on = current.response_due_on
    if current.kind == Letter.Kind.RESPONSE_REQUEST and due_on and due_on < current.letter_date:
        raise ValidationError(
            {"response_due_on": "The response cannot be due before the letter’s date."}
        )
    old_pdf = current.rendered_pdf.name
    current.rendered_pdf = ""
    current.rendered_at = None
    current.render_state = Letter.RenderState.IDLE
    current.render_error = ""
    current.full_clean()
    current.save()
    _delete_file_on_commit(current.rendered_pdf.storage, old_pdf)
    return current


@transaction.atomic
def letter_request_render(*, letter: Letter, user: User) -> Letter:
    """Queue a render of the draft on the worker, once this transaction commits."""

    current = Letter.objects.select_for_update().get(pk=letter.pk)
    if current.status != Letter.Status.DRAFT:
        raise _frozen_error(current)
    if not letter_can_edit(user, current):
        raise PermissionDenied("You may not render this letter.")
    # update(): a state change is not an edit, so an open builder form stays current.
    Letter.objects.filter(pk=current.pk).update(
        render_state=Letter.RenderState.QUEUED,
        render_error="",
        render_requested_by=user,
        render_requested_at=timezone.now(),
    )
    # Sent on commit. If the broker is down the letter stays "queued", and
    # letters_requeue_stalled_renders sends it again once the broker is back.
    enqueue(render_letter, current.pk, user.pk)
    current.refresh_from_db()
    return current


def letter_render_draft(*, letter_id: int, user_id: int) -> None:
    """The worker's job: render the draft as the person who asked, then store the PDF.

    A failure to render is recorded on the letter (render_state failed, with the reason)
    rather than raised; database errors are raised so the task retries. If the letter was
    edited or issued while rendering, the result is thrown away.
    """
    with transaction.atomic():
        letter = (
            Letter.objects.select_for_update()
            .filter(pk=letter_id, status=Letter.Status.DRAFT)
            .first()
        )
        if letter is None or letter.render_state not in (
            Letter.RenderState.QUEUED,
            Letter.RenderState.RENDERING,
        ):
            return
        Letter.objects.filter(pk=letter_id).update(render_state=Letter.RenderState.RENDERING)
    fingerprint = _fingerprint(letter)
    user = User.objects.select_related("office").get(pk=user_id)
    try:
        snapshot = letter_build_snapshot(letter=letter, user=user)
        pdf = letter_render_pdf(snapshot, is_draft=True)
    except DatabaseError:
        raise  # the task retries
    except Exception as error:
        # Whatever else went wrong (a refused asset, a time limit) is shown on the page.
        logger.exception("Rendering letter %s failed", letter_id)
        Letter.objects.filter(pk=letter_id, status=Letter.Status.DRAFT).update(
            render_state=Letter.RenderState.FAILED,
            render_error=f"The PDF could not be made ({type(error).__name__}: {error}). "
            "Try again; if it fails again, tell the system administrator.",
        )
        return
    storage = letter.rendered_pdf.storage
    name = storage.save(
        f"letters/drafts/letter-{letter_id}-v{letter.version}.pdf", ContentFile(pdf)
    )
    with transaction.atomic():
        current = Letter.objects.select_for_update().filter(pk=letter_id).first()
        if (
            current is None
            or current.status != Letter.Status.DRAFT
            or current.render_state != Letter.RenderState.RENDERING
            or _fingerprint(current) != fingerprint
        ):
            _delete_file_on_commit(storage, name)
            return
        Letter.objects.filter(pk=letter_id).update(
            rendered_pdf=name,
            rendered_at=timezone.now(),
            render_state=Letter.RenderState.READY,
            render_error="",
        )
        _delete_file_on_commit(storage, current.rendered_pdf.name)


# A render still waiting this long after it was asked for was lost: the broker was down
# when the page sent it, or a worker died and its message never came back. A render takes
# at most a few minutes with its retries, so a slow one is seldom sent twice, and a second
# one is harmless: it finds the letter ready, or is thrown away as stale.
LETTER_RENDER_STALLED_AFTER = datetime.timedelta(minutes=10)
_WAITING_STATES = (Letter.RenderState.QUEUED, Letter.RenderState.RENDERING)


def letters_requeue_stalled_renders(*, now: datetime.datetime | None = None) -> int:
    """Send every draft render that has waited longer than LETTER_RENDER_STALLED_AFTER to
    the worker again, as the person who asked for it; returns how many were sent.

    Each one sent counts as asked for again, so the next run leaves it alone for another
    LETTER_RENDER_STALLED_AFTER. While the broker is still down nothing is sent and the
    next run tries again. A render nobody can be named for (asked for before the requester
    was recorded, or that person's account was deleted) is marked failed, to be asked for
    again on the page.
    """
    now = now or timezone.now()
    stalled = Letter.objects.filter(
        Q(render_requested_at__lt=now - LETTER_RENDER_STALLED_AFTER)
        | Q(render_requested_at__isnull=True),
        status=Letter.Status.DRAFT,
        render_state__in=_WAITING_STATES,
    ).order_by("render_requested_at", "pk")
    sent = 0
    for letter_id, user_id in stalled.values_list("pk", "render_requested_by_id"):
        still_waiting = Letter.objects.filter(pk=letter_id, render_state__in=_WAITING_STATES)
        if user_id is None:
            still_waiting.update(
                render_state=Letter.RenderState.FAILED,
                render_error="The request for this PDF was lost. Render it again.",
            )
            continue
        if not send_now(render_letter, letter_id, user_id):
            break  # the broker is still down; the next run tries again
        still_waiting.update(render_requested_at=now)
        sent += 1
    return sent


@transaction.atomic
def letter_issue(*, letter: Letter, user: User) -> Letter:
    """Freeze the letter: the data as it is now, the PDF made from it and its SHA-256.

    A request for a formal response records the request and due dates on the report; the
    section 55 response its publication date, and the formal response the date received
    (each only when not set already).
    """
    current = Letter.objects.select_for_update().select_related("report").get(pk=letter.pk)
    if current.status != Letter.Status.DRAFT:
        raise _frozen_error(current)
    if not letter_can_issue(user, current):
        raise PermissionDenied("Only OPCC staff issue letters.")
    issued_at = timezone.now()
    snapshot = letter_build_snapshot(letter=current, user=user, taken_at=issued_at)
    problems = []
    if not current.signatory_name.strip():
        problems.append("Fill in who signs the letter.")
    if not current.addressee.strip():
        problems.append("Fill in who the letter is to.")
    if current.kind == Letter.Kind.RESPONSE_REQUEST and not current.response_due_on:
        problems.append("Set the date the formal response is due.")
    missing = snapshot_missing_dispositions(snapshot)
    if current.kind == Letter.Kind.SECTION_55 and missing:
        problems.append(
            "A section 55 response must say, for every recommendation, what action is "
            "taken or planned, or why none. These have no action and no stated reason: "
            f"{', '.join(missing)}. Add an action to the plan, or record the recommendation "
            "as no action (with the reason), superseded or closed."
        )
    if problems:
        raise ValidationError(problems)
    pdf = letter_render_pdf(snapshot, is_draft=False)
    storage = current.issued_pdf.storage
    name = storage.save(
        f"letters/issued/letter-{current.pk}-v{current.version}-issued.pdf", ContentFile(pdf)
    )
    try:
        current.issued_pdf = name
        current.checksum = hashlib.sha256(pdf).hexdigest()
        current.snapshot = snapshot
        current.status = Letter.Status.ISSUED
        current.issued_at = issued_at
        current.issued_by = user
        current.save()
        _record_on_report(current)
    except Exception:
        storage.delete(name)
        raise
    return current


def _record_on_report(letter: Letter) -> None:
    report = InspectionReport.objects.select_for_update().get(pk=letter.report_id)
    changed = []
    if letter.kind == Letter.Kind.RESPONSE_REQUEST:
        if letter.response_due_on < letter.letter_date:
            raise ValidationError("The response cannot be due before the letter’s date.")
        report.formal_response_requested_on = letter.letter_date
        report.formal_response_due_on = letter.response_due_on
        changed += ["formal_response_requested_on", "formal_response_due_on"]
    elif letter.kind == Letter.Kind.SECTION_55 and not report.section_55_published_on:
        report.section_55_published_on = letter.letter_date
        changed.append("section_55_published_on")
    elif letter.kind == Letter.Kind.FORMAL_RESPONSE and not report.formal_response_received_on:
        report.formal_response_received_on = letter.letter_date
        changed.append("formal_response_received_on")
    if changed:
        report.save(update_fields=[*changed, "updated_at"])


def letter_snapshot_for(letter: Letter, user: User) -> dict:
    """An issued letter's frozen snapshot, or a draft's live one."""
    if letter.status == Letter.Status.ISSUED:
        return letter.snapshot
    return letter_build_snapshot(letter=letter, user=user)


# --- Comparing two versions ------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    label: str
    before: str
    after: str


@dataclass
class RecommendationComparison:
    reference: str
    state: str  # "added", "removed" or "changed"
    text: str
    changes: list[Change] = field(default_factory=list)


@dataclass
class LetterComparison:
    older: Letter
    newer: Letter
    letter_changes: list[Change]
    recommendations: list[RecommendationComparison]
    unchanged: list[str]

    @property
    def has_changes(self) -> bool:
        return bool(self.letter_changes or self.recommendations)


_LETTER_FIELDS = [
    ("reference", "Reference"),
    ("letter_date_on", "Date"),
    ("response_due_on", "Response due"),
    ("addressee_lines", "Addressee"),
    ("salutation", "Salutation"),
    ("opening", "Opening paragraphs"),
    ("closing", "Closing paragraphs"),
    ("signatory_name", "Signatory"),
    ("signatory_title", "Signatory's title"),
]
_RECOMMENDATION_FIELDS = [
    ("text", "Recommendation text"),
    ("status_label", "OPCC status"),
    ("rag_label", "RAG"),
    ("inspectorate_status_label", "Inspectorate status"),
    ("status_reason", "Reason"),
]


def _as_text(value) -> str:
    if isinstance(value, list):
        return "\n\n".join(str(v) for v in value)
    return "" if value is None else str(value)


def _iso_to_long(value: str | None) -> str:
    return _long_date(parse_date(value)) if value else ""


def _progress_text(entry: dict) -> str:
    written = _iso_to_long(entry["written_on"])
    return f"{entry['narrative']} ({entry['percent_complete']}% complete, update of {written})"


def _remaining_text(entry: dict) -> str:
    text = f"{entry['description']} (target {_iso_to_long(entry['target_on'])}"
    if entry["revised"]:
        text += f", originally {_iso_to_long(entry['original_target_on'])}"
    return text + f"; {entry['status_label']}, {entry['rag_label']})"


def _keyed_changes(label: str, before: list[dict], after: list[dict], key: str, render) -> list:
    old = {entry[key]: render(entry) for entry in before}
    new = {entry[key]: render(entry) for entry in after}
    changes = []
    for reference in sorted(old.keys() | new.keys(), key=natural_key):
        if old.get(reference) != new.get(reference):
            changes.append(
                Change(
                    f"{label} {reference}",
                    old.get(reference, "(none)"),
                    new.get(reference, "(none)"),
                )
            )
    return changes


def _section_text(section: dict) -> str:
    parts = [*section["paragraphs"]]
    for item in section["items"]:
        parts += [item["heading"], " · ".join(item["details"]), *item["paragraphs"]]
    return "\n\n".join(part for part in parts if part)


def _section_changes(before: list[dict], after: list[dict]) -> list[Change]:
    old = {section["kind"]: section for section in before}
    new = {section["kind"]: section for section in after}
    changes = []
    for kind in [*old, *(kind for kind in new if kind not in old)]:
        old_text = _section_text(old[kind]) if kind in old else ""
        new_text = _section_text(new[kind]) if kind in new else ""
        if old_text != new_text:
            title = (new.get(kind) or old[kind])["title"]
            changes.append(Change(f"Section: {title}", old_text or "(none)", new_text or "(none)"))
    return changes


def letter_compare(*, older: Letter, newer: Letter, user: User) -> LetterComparison:
    """What changed between two versions of a letter: the letter's own text and, per
    recommendation, status, RAG, progress (added, removed or changed) and work remaining."""
    before = letter_snapshot_for(older, user)
    after = letter_snapshot_for(newer, user)
    letter_changes = [
        Change(label, _as_text(before["letter"].get(key)), _as_text(after["letter"].get(key)))
        for key, label in _LETTER_FIELDS
        if before["letter"].get(key) != after["letter"].get(key)
    ]
    letter_changes += _section_changes(before.get("sections", []), after.get("sections", []))
    old_recs, new_recs = before["recommendations"], after["recommendations"]
    compared, unchanged = [], []
    for reference in sorted(old_recs.keys() | new_recs.keys(), key=natural_key):
        old, new = old_recs.get(reference), new_recs.get(reference)
        if old is None or new is None:
            compared.append(
                RecommendationComparison(
                    reference, "added" if old is None else "removed", (new or old)["text"]
                )
            )
            continue
        changes = [
            Change(label, _as_text(old.get(key)), _as_text(new.get(key)))
            for key, label in _RECOMMENDATION_FIELDS
            if old.get(key) != new.get(key)
        ]
        changes += _keyed_changes(
            "Progress on", old["progress"], new["progress"], "action", _progress_text
        )
        changes += _keyed_changes(
            "Work remaining on", old["remaining"], new["remaining"], "reference", _remaining_text
        )
        if changes:
            compared.append(RecommendationComparison(reference, "changed", new["text"], changes))
        else:
            unchanged.append(reference)
    return LetterComparison(older, newer, letter_changes, compared, unchanged)


# --- The report page's panel -----------------------------------------------------------


def report_letters_panel(*, user: User, obj: InspectionReport) -> dict | None:
    """Context for the letters panel on the report page (one query); None for people who
    see no letters (partner agencies)."""
    if not user.is_authenticated or user.is_partner:
        return None
    letters = letters_for_report(user, obj)
    latest: dict[str, Letter] = {}
    for letter in letters:
        latest.setdefault(letter.kind, letter)
    creatable = letter_kinds_creatable_by(user)
    offers = []
    for kind in Letter.Kind:
        if kind.value not in creatable:
            continue
        current = latest.get(kind.value)
        offers.append(
            {
                "kind": kind.value,
                "label": _OFFER_LABELS[kind.value],
                "draft": current if current and current.status == Letter.Status.DRAFT else None,
                "next_version": current.version + 1 if current else 1,
            }
        )
    return {"report": obj, "letters": letters, "offers": offers}


_OFFER_LABELS = {
    Letter.Kind.FORMAL_RESPONSE: "Generate the chief constable’s formal response",
    Letter.Kind.RESPONSE_REQUEST: "Request the formal response from the chief constable",
    Letter.Kind.SECTION_55: "Prepare the PCC’s section 55 response",
}
