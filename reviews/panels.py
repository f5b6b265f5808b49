"""What the reviews app shows on pages other apps own (see oversight.shared.panels).

Each context function scopes everything to the user through the selectors, runs a fixed
number of queries whatever the number of rows, and returns None when there is nothing to
show (the page then leaves the panel out).
"""

import datetime
from decimal import Decimal

from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from oversight.models import PriorityArea, User
from oversight.shared import panels
from oversight.shared.built_querysets import built_once_per_person, rows_of
from oversight.shared.dates import day_text
from oversight.shared.html_text import escape_text
from oversight.shared.urls import url_pattern
from reviews.handover import follow_ups_left_by
from reviews.models import DeepDiveReview, FollowUp
from reviews.permissions import can_manage_reviews, can_update_follow_up
from reviews.selectors import (
    AreaAssurance,
    assurance_of,
    follow_ups_for_recommendation,
    follow_ups_or_investments_exist,
    investment_totals_by_area,
    investments_for_recommendation,
    latest_assurance_links,
    open_follow_ups_owned_by,
    report_reviews_and_assurance,
    visible_review_ids,
)

# The dashboard shows the most recent judgements; the review list has the rest.
DASHBOARD_AREA_LIMIT = 30
# What its table shows of each row (and orders by), not the reviews' rationales and the
# reports' summaries.
DASHBOARD_ASSURANCE_COLUMNS = (
    "priorityarea__title",
    "priorityarea__position",
    "priorityarea__report__title",
    "priorityarea__report__published_on",
    "deepdivereview__theme",
    "deepdivereview__held_on",
    "deepdivereview__performance_assurance",
    "deepdivereview__plans_assurance",
)


def _follow_up_rows(user: User, follow_ups) -> list[dict]:
    """Each follow-up with whether it is overdue, and whether the user may open its review
    and update it."""
    openable = visible_review_ids(user, {f.review_id for f in follow_ups}) if follow_ups else set()
    today = timezone.localdate()
    return [
        {
            "follow_up": follow_up,
            "overdue": follow_up.status in FollowUp.OPEN_STATUSES and follow_up.due_on < today,
            "review_visible": follow_up.review_id in openable,
            "can_update": can_update_follow_up(user, follow_up),
        }
        for follow_up in follow_ups
    ]


def recommendation_panel(*, user: User, obj) -> dict | None:
    """Follow-ups serving the recommendation and the investments funding it.

    Queries: follow-ups (with owner, review), investments, and the reviews the user may
    open when there are follow-ups.
    """
    follow_ups = follow_ups_for_recommendation(user, obj)
    investments = investments_for_recommendation(user, obj)
    if not follow_ups and not investments:
        return None
    return {
        "recommendation": obj,
        "follow_ups": _follow_up_rows(user, follow_ups),
        "investments": investments,
        "investment_total": sum((i.amount for i in investments), Decimal("0")),
    }


def report_panel(*, user: User, obj) -> dict | None:
    """The report's deep dives, the latest assurance per priority area and investments
    totalled per priority area.

    Queries (2): the reviews on the report or covering its areas, one row per (review,
    area); the (investment, area) pairs with their investments. The report's priority
    areas come from the report page's prefetch (one more query for a report without it).
    """
    prefetch_related_objects(
        [obj], Prefetch("priority_areas", queryset=PriorityArea.objects.order_by("position"))
    )
    on_report = report_reviews_and_assurance(user, report=obj)
    reviews, assurance = on_report.reviews, on_report.assurance
    funding = investment_totals_by_area(user, report=obj)
    if not reviews and not assurance and not funding:
        return None
    counted = {
        investment.pk: investment.amount for row in funding for investment in row.investments
    }
    return {
        "report": obj,
        "reviews": reviews,
        "assurance": assurance,
        "funding": funding,
        "funding_total": sum(counted.values(), Decimal("0")),
        "can_create": can_manage_reviews(user),
    }


@built_once_per_person
def _dashboard_assurance_links(user: User, *, today: datetime.date | None = None) -> QuerySet:
    """The dashboard's latest assurance per area (latest_assurance_links()). Built once per
    person, day and language in a process (the day is not read), its read compiled once
    (oversight.shared.built_querysets)."""
    links = latest_assurance_links(
        user, limit=DASHBOARD_AREA_LIMIT, columns=DASHBOARD_ASSURANCE_COLUMNS
    )
    return DeepDiveReview.priority_areas.through.objects.none() if links is None else links


def dashboard_panel(*, user: User, obj=None) -> dict | None:
    """Latest assurance per priority area across the reports the user sees (one query),
    with the table's rows written out (`rows`, _assurance_rows)."""
    assurance = assurance_of(rows_of(_dashboard_assurance_links(user)))
    if not assurance:
        return None
    return {
        "assurance": assurance,
        "rows": _assurance_rows(assurance),
        "limit": DASHBOARD_AREA_LIMIT,
    }


def _judgement(value: str, label: str, not_judged: str) -> str:
    """As reviews/_assurance.html: the judgement, always with its word."""
    if not value:
        return f'<span class="assurance assurance-none">{not_judged}</span>'
    return f'<span class="assurance assurance-{escape_text(value)}">{escape_text(label)}</span>'


def _assurance_rows(assurance: list[AreaAssurance]) -> SafeString:
    """The dashboard panel's table rows, written here rather than by the template with two
    included judgements a row: up to DASHBOARD_AREA_LIMIT rows on every dashboard. The
    labels are looked up once, in the page's language."""
    # The first cell needs no label: stacked on a phone, the area heads its row.
    performance_label, plans_label, review_label, not_judged = map(
        escape_text,
        (
            gettext("Current performance"),
            gettext("Improvement plans"),
            gettext("Review"),
            gettext("Not judged"),
        ),
    )
    review_url = url_pattern("reviews:review_detail")
    rows = []
    for row in assurance:
        area, review = row.area, row.review
        performance = _judgement(
            review.performance_assurance, review.get_performance_assurance_display(), not_judged
        )
        plans = _judgement(review.plans_assurance, review.get_plans_assurance_display(), not_judged)
        held_on = escape_text(day_text(review.held_on, "j M Y"))
        rows.append(
            f"<tr><td>{escape_text(area.title)}"
            f'<div class="small text-body-secondary">{escape_text(area.report.title)}</div></td>'
            f'<td data-label="{performance_label}">{performance}</td>'
            f'<td data-label="{plans_label}">{plans}</td>'
            f'<td data-label="{review_label}"><a href="{escape_text(review_url % review.pk)}">'
            f"{escape_text(review.theme)}</a>"
            f'<div class="small text-body-secondary">{held_on}</div></td></tr>\n'
        )
    # Safe: every value is escaped; the labels are the catalogue's.
    return mark_safe("".join(rows))  # noqa: S308


def my_actions_panel(*, user: User, obj=None) -> dict | None:
    """The user's open follow-ups, due first (two queries: follow-ups, openable reviews)."""
    follow_ups = list(open_follow_ups_owned_by(user))
    if not follow_ups:
        return None
    return {"follow_ups": _follow_up_rows(user, follow_ups)}


def person_panel(*, user: User, obj=None) -> dict | None:
    """On a person's page: their open follow-ups, as many as the user sees, with who may
    take each on (two queries: follow-ups, and the candidates when the user may hand one
    over)."""
    if obj is None:
        return None
    left = follow_ups_left_by(user, obj)
    if not left.rows:
        return None
    today = timezone.localdate()
    return {
        "person": obj,
        "left": left,
        "today": today,
        "is_leaver": not obj.is_active,
        "per_item_controls": not obj.is_active and left.can_reassign_any,
    }


def register_panels() -> None:
    panels.register(
        "recommendation_detail",
        template="reviews/_panel_recommendation.html",
        context=recommendation_panel,
        order=50,
        has_any=follow_ups_or_investments_exist,
    )
    panels.register(
        "report_detail", template="reviews/_panel_report.html", context=report_panel, order=50
    )
    panels.register(
        "dashboard", template="reviews/_panel_dashboard.html", context=dashboard_panel, order=50
    )
    panels.register(
        "my_actions", template="reviews/_panel_my_actions.html", context=my_actions_panel, order=50
    )
    panels.register("person", template="reviews/_panel_person.html", context=person_panel, order=50)
