"""The snapshot: what a letter says, read from the live data through the
`*_visible_to(user)` selectors as a plain, JSON-serialisable dict (dates as ISO strings):
the letter's text, the sender and the report, the recommendations grouped by priority area
with their status, RAG, the progress made (from ACCEPTED updates only), the work remaining
(from open actions), and the OPCC's own scrutiny (letters.sections). An issued letter keeps
its snapshot as it was."""

import datetime
import logging

from django.db.models import Prefetch
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from letters.models import Letter
from letters.sections import letter_sections
from letters.selectors import DISPOSED_STATUSES
from letters.text import address_lines, iso, natural_key, paragraphs
from oversight.models import InspectionReport, Office, PriorityArea, User
from oversight.selectors import priority_areas_visible_to, reports_visible_to
from recommendations.models import Action, ProgressUpdate, Rag, Recommendation
from recommendations.selectors import (
    action_plans_visible_to,
    actions_visible_to,
    recommendations_visible_to,
)

logger = logging.getLogger(__name__)


SNAPSHOT_SCHEMA = 1


_RAG_SEVERITY = {Rag.RED: 3, Rag.AMBER: 2, Rag.GREEN: 1, Rag.COMPLETE: 0}
EDITABLE_FIELDS = (
    "reference",
    "language",
    "letter_date",
    "addressee",
    "salutation",
    "opening",
    "closing",
    "signatory_name",
    "signatory_title",
    "response_due_on",
    "salutation_cy",
    "opening_cy",
    "closing_cy",
    "signatory_title_cy",
)


def letter_fingerprint(letter: Letter) -> tuple:
    """The builder's fields of a letter: a render is thrown away if they changed."""
    return tuple(getattr(letter, name) for name in EDITABLE_FIELDS)


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
        "target_on": iso(action.current_target_date),
        "original_target_on": iso(action.target_date),
        "revised": revised,
        "revision_reason": action.revision_reason if revised else "",
        "status_reason": action.status_reason,
        "finished_on": iso(timezone.localdate(action.signed_off_at))
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
                    "written_on": iso(update.written_on),
                    "narrative": update.narrative,
                    "percent_complete": update.percent_complete,
                    "rag": update.rag,
                    "rag_label": update.get_rag_display(),
                }
            )
    finished = [_action_data(a) for a in actions if a.status in Action.FINISHED_STATUSES]
    remaining = [_action_data(a) for a in actions if a.status not in Action.FINISHED_STATUSES]
    if recommendation.status in DISPOSED_STATUSES:
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
        "due_on": iso(recommendation.due_on),
        "status": recommendation.status,
        "status_label": recommendation.get_status_display(),
        "inspectorate_status_label": recommendation.get_inspectorate_status_display(),
        "acceptance_label": recommendation.get_force_acceptance_display(),
        "status_reason": recommendation.status_reason,
        "closure_rationale": recommendation.closure_rationale,
        "superseded_by": recommendation.superseded_by.reference
        if recommendation.superseded_by_id
        else "",
        "covered_by": _covering(recommendation),
        "rag": rag,
        "rag_label": str(Rag(rag).label) if rag else gettext_noop("Not rated"),
        "progress": progress,
        "finished": finished,
        "remaining": remaining,
        "disposition": disposition,
    }


def _covering(recommendation) -> str:
    """The recommendation whose response answers this one, as a letter names it."""
    covering = recommendation.covered_by
    return f"{covering.reference} of “{covering.report}”" if covering else ""


def letter_office(report: InspectionReport, user: User) -> Office | None:
    """The OPCC on the letter: the user's own office, or the first overseeing the force."""
    if user.is_opcc and user.office_id:
        return user.office
    return report.force.offices.order_by("name").first()


def _party(name: str, subtitle: str, address: str, email: str = "") -> dict:
    return {
        "name": name,
        "subtitle": subtitle,
        "address_lines": address_lines(address),
        "email": email,
    }


def _subject(kind: str, report: InspectionReport) -> str:
    return {
        Letter.Kind.FORMAL_RESPONSE: "Formal response to",
        Letter.Kind.RESPONSE_REQUEST: "Request for a formal response to",
        Letter.Kind.SECTION_55: "Section 55 response to",
    }[kind] + f" {report.publisher}’s report: {report.title}"


WELSH_LANGUAGES = (Letter.Language.WELSH, Letter.Language.BILINGUAL)


def letter_build_snapshot(
    *, letter: Letter, user: User, taken_at: datetime.datetime | None = None
) -> dict:
    """Everything the letter shows, read now through the user's scoping selectors.

    The snapshot keeps its labels (statuses, RAG, kinds) in English whatever language the
    page is in; the letter is printed in its own language from them (letters.rendering).
    The OPCC's scrutiny sections are composed sentences, so a Welsh or bilingual letter
    keeps them in Welsh too ("sections_cy").

    Queries (a fixed number, whatever the number of rows): the report with its force; the
    office; the action plan; the priority areas; the recommendations; their priority areas;
    their actions (with lead and partner agency); the actions' accepted updates; then one
    or more per registered section (twice for a letter in Welsh).
    """
    with translation.override("en-gb"):
        snapshot = _snapshot(letter=letter, user=user, taken_at=taken_at)
    if letter.language in WELSH_LANGUAGES:
        with translation.override("cy"):
            snapshot["sections_cy"] = letter_sections(
                report=letter.report, user=user, letter_kind=letter.kind
            )
    return snapshot


def _snapshot(*, letter: Letter, user: User, taken_at: datetime.datetime | None) -> dict:
    report = reports_visible_to(user).select_related("force").get(pk=letter.report_id)
    office = letter_office(report, user)
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
        .select_related("superseded_by", "covered_by__report")
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
        if not report.is_inspection:
            # Only an inspectorate keeps a status of its own for what it recommended.
            item["inspectorate_status_label"] = ""
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
    force_party["role"] = "chief_constable"
    if office_party:
        office_party.update(role="commissioner", person=office.commissioner)
    sender = force_party if letter.kind == Letter.Kind.FORMAL_RESPONSE else office_party
    if sender is None:
        sender = _party("Office of the Police and Crime Commissioner", "", "")
        sender["role"] = "no_office"

    return {
        "schema": SNAPSHOT_SCHEMA,
        "taken_at": iso(taken_at or timezone.now()),
        "letter": {
            "id": letter.pk,
            "kind": letter.kind,
            "kind_label": letter.get_kind_display(),
            "language": letter.language,
            "version": letter.version,
            "reference": letter.reference,
            "letter_date_on": iso(letter.letter_date),
            "response_due_on": iso(letter.response_due_on),
            "addressee_lines": address_lines(letter.addressee),
            "salutation": letter.salutation,
            "subject": _subject(letter.kind, report),
            "publisher": report.publisher,
            "report_title": report.title,
            "opening": paragraphs(letter.opening),
            "closing": paragraphs(letter.closing),
            "signatory_name": letter.signatory_name,
            "signatory_title": letter.signatory_title,
            # The Welsh part of a bilingual letter (empty: the wording above).
            "welsh": {
                "salutation": letter.salutation_cy,
                "opening": paragraphs(letter.opening_cy),
                "closing": paragraphs(letter.closing_cy),
                "signatory_title": letter.signatory_title_cy,
            }
            if letter.language == Letter.Language.BILINGUAL
            else None,
            "copies": [gettext_noop("The Home Secretary")]
            if letter.kind == Letter.Kind.SECTION_55
            else [],
        },
        "sender": sender,
        "report": {
            "id": report.pk,
            "title": report.title,
            "source": report.get_source_display(),
            "publisher": report.publisher,
            "programme": report.get_programme_display(),
            "force": force.name,
            "published_on": iso(report.published_on),
            "section_55_due_on": iso(report.section_55_due_on) if report.has_section_55 else None,
            "coroner_response_due_on": (
                iso(report.coroner_response_due_on) if report.is_coroners_report else None
            ),
            "formal_response_requested_on": iso(report.formal_response_requested_on),
            "formal_response_due_on": iso(report.formal_response_due_on),
            "plan_title": plan.title if plan else "",
            "governance_board": plan.governance_board if plan else "",
        },
        "areas": list(area_entries.values()),
        "other_references": other,
        "recommendations": data,
        "sections": letter_sections(report=report, user=user, letter_kind=letter.kind),
    }


def snapshot_missing_dispositions(snapshot: dict) -> list[str]:
    return [
        reference
        for reference, item in snapshot["recommendations"].items()
        if not item["disposition"]
    ]


def letter_snapshot_for(letter: Letter, user: User) -> dict:
    """An issued letter's frozen snapshot, or a draft's live one."""
    if letter.status == Letter.Status.ISSUED:
        return letter.snapshot
    return letter_build_snapshot(letter=letter, user=user)
