"""The OPCC's own scrutiny in the formal letters: the latest deep-dive assurance for each
priority area, and the investments serving the report's recommendations.

Each builder scopes to the letter's author through the reviews selectors, runs a fixed
number of queries, and returns None (nothing to say) or plain strings only::

    {"title": ..., "intro": ..., "items": [{"heading": ..., "details": [...], "text": ...}]}

The snapshot of an issued letter keeps them as they are; the templates escape them.
"""

from decimal import Decimal

from django.db.models import Prefetch
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from letters.models import Letter
from letters.text import paragraphs
from oversight.models import InspectionReport, User
from recommendations.models import Recommendation
from reviews.models import Investment
from reviews.selectors import investments_visible_to, latest_assurance_by_area


def _long_date(value) -> str:
    return date_format(value, "j F Y")


def _pounds(amount: Decimal) -> str:
    return f"£{amount:,.2f}".replace(".00", "")


def deep_dive_letter_section(
    *, report: InspectionReport, user: User, letter_kind: str
) -> dict | None:
    """The latest assurance per priority area of the report (two queries)."""
    rows = latest_assurance_by_area(user, report=report)
    if not rows:
        return None
    reviews = {row.review.pk: row.review for row in rows}
    held = ", ".join(
        _("%(theme)s (%(date)s)") % {"theme": review.theme, "date": _long_date(review.held_on)}
        for review in sorted(reviews.values(), key=lambda r: r.held_on)
    )
    items = []
    for row in rows:
        review = row.review
        details = []
        if review.performance_assurance:
            details.append(
                _("Current performance: %(assurance)s")
                % {"assurance": review.get_performance_assurance_display().lower()}
            )
        if review.plans_assurance:
            details.append(
                _("Improvement plans: %(assurance)s")
                % {"assurance": review.get_plans_assurance_display().lower()}
            )
        if review.revisit_on:
            details.append(_("Revisit: %(date)s") % {"date": _long_date(review.revisit_on)})
        rationale = "\n\n".join(
            text for text in (review.performance_rationale, review.plans_rationale) if text
        )
        items.append(
            {
                "heading": _("%(area)s: %(theme)s deep dive, %(date)s")
                % {
                    "area": row.area.title,
                    "theme": review.theme,
                    "date": _long_date(review.held_on),
                },
                "details": details,
                "text": rationale,
            }
        )
    return {
        "title": _("OPCC deep-dive reviews"),
        "intro": _(
            "The Office of the Police and Crime Commissioner scrutinised this work in its "
            "own deep-dive reviews: %(reviews)s. The latest assurance for each priority area "
            "follows."
        )
        % {"reviews": held},
        "items": items,
    }


def investment_letter_section(
    *, report: InspectionReport, user: User, letter_kind: str
) -> dict | None:
    """OPCC investments (not withdrawn) serving the report's recommendations (two queries)."""
    investments = list(
        investments_visible_to(user)
        .filter(recommendations__report=report)
        .exclude(status=Investment.Status.WITHDRAWN)
        .distinct()
        .prefetch_related(
            Prefetch(
                "recommendations",
                queryset=Recommendation.objects.filter(report=report).order_by("position"),
            )
        )
        .order_by("awarded_on", "pk")
    )
    if not investments:
        return None
    total = sum((investment.amount for investment in investments), Decimal("0"))
    items = []
    for investment in investments:
        references = ", ".join(r.reference for r in investment.recommendations.all())
        text = investment.purpose
        if investment.outcome:
            text += "\n\n" + _("Outcome: %(outcome)s") % {"outcome": investment.outcome}
        items.append(
            {
                "heading": f"{investment.title}: {_pounds(investment.amount)}",
                "details": [
                    _("Awarded %(date)s") % {"date": _long_date(investment.awarded_on)},
                    _("Status: %(status)s") % {"status": investment.get_status_display().lower()},
                    _("Serves %(references)s") % {"references": references},
                ],
                "text": text,
            }
        )
    count = len(investments)
    return {
        "title": _("OPCC investment"),
        "intro": ngettext(
            "The OPCC has invested %(amount)s in %(count)s award serving this report's "
            "recommendations.",
            "The OPCC has invested %(amount)s in %(count)s awards serving this report's "
            "recommendations.",
            count,
        )
        % {"amount": _pounds(total), "count": count},
        "items": items,
    }


# Deep-dive assurance and investments go into the letters that answer for the force's
# progress; the request for a formal response carries neither.
SECTIONS = (
    ("deep_dives", deep_dive_letter_section),
    ("investments", investment_letter_section),
)
SECTION_LETTER_KINDS = (Letter.Kind.FORMAL_RESPONSE, Letter.Kind.SECTION_55)


def letter_sections(*, report: InspectionReport, user: User, letter_kind: str) -> list[dict]:
    """The OPCC's own scrutiny for a letter, each section cleaned to plain strings."""
    if letter_kind not in SECTION_LETTER_KINDS:
        return []
    sections = []
    for kind, builder in SECTIONS:
        data = builder(report=report, user=user, letter_kind=letter_kind)
        if data:
            sections.append(clean_section(kind, data))
    return sections


def clean_section(kind: str, data: dict) -> dict:
    """Keep only the contract's keys, as strings, so the snapshot stays plain JSON."""
    items = []
    for item in data.get("items") or []:
        items.append(
            {
                "heading": str(item.get("heading") or ""),
                "details": [str(detail) for detail in item.get("details") or [] if detail],
                "paragraphs": paragraphs(str(item.get("text") or "")),
            }
        )
    return {
        "kind": kind,
        "title": str(data.get("title") or ""),
        "paragraphs": paragraphs(str(data.get("intro") or "")),
        "items": items,
    }
