"""Sections the reviews app adds to the formal letters (recommendations.letters).

The formal response and the section 55 response mention the OPCC's own scrutiny: the latest
deep-dive assurance for each priority area, and the investments serving the report's
recommendations. Each builder scopes to the letter's author through the selectors, runs a
fixed number of queries, and returns plain strings (the snapshot of an issued letter keeps
them as they are).
"""

from decimal import Decimal

from django.db.models import Prefetch
from django.utils.formats import date_format

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
        f"{review.theme} ({_long_date(review.held_on)})"
        for review in sorted(reviews.values(), key=lambda r: r.held_on)
    )
    items = []
    for row in rows:
        review = row.review
        details = []
        if review.performance_assurance:
            details.append(
                f"Current performance: {review.get_performance_assurance_display().lower()}"
            )
        if review.plans_assurance:
            details.append(f"Improvement plans: {review.get_plans_assurance_display().lower()}")
        if review.revisit_on:
            details.append(f"Revisit: {_long_date(review.revisit_on)}")
        rationale = "\n\n".join(
            text for text in (review.performance_rationale, review.plans_rationale) if text
        )
        items.append(
            {
                "heading": f"{row.area.title}: {review.theme} deep dive, "
                f"{_long_date(review.held_on)}",
                "details": details,
                "text": rationale,
            }
        )
    return {
        "title": "OPCC deep-dive reviews",
        "intro": "The Office of the Police and Crime Commissioner scrutinised this work in its "
        f"own deep-dive reviews: {held}. The latest assurance for each priority area follows.",
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
            text += f"\n\nOutcome: {investment.outcome}"
        items.append(
            {
                "heading": f"{investment.title}: {_pounds(investment.amount)}",
                "details": [
                    f"Awarded {_long_date(investment.awarded_on)}",
                    f"Status: {investment.get_status_display().lower()}",
                    f"Serves {references}",
                ],
                "text": text,
            }
        )
    count = len(investments)
    return {
        "title": "OPCC investment",
        "intro": f"The OPCC has invested {_pounds(total)} in {count} "
        f"award{'s' if count != 1 else ''} serving this report's recommendations.",
        "items": items,
    }


def register_letter_sections() -> None:
    from recommendations.letters import register_letter_section

    register_letter_section("deep_dives", deep_dive_letter_section, order=10)
    register_letter_section("investments", investment_letter_section, order=20)
