"""Reads for deep-dive reviews, follow-ups and investments, each scoped to the user.

The `*_visible_to(user)` functions, and the `*_scope(user, path)` conditions that say the
same on a related row, are the only doors: every other selector here starts from one of
them (or from the oversight and recommendations ones) and says what it preloads, so a page
runs a fixed number of queries whatever the number of rows.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
)

from oversight.models import Force, InspectionReport, PriorityArea, User
from oversight.selectors import forces_visible_to, reports_scope, reports_visible_to
from recommendations.models import Action, Recommendation
from recommendations.selectors import actions_visible_to, recommendations_visible_to
from reviews.models import (
    ActionSample,
    DeepDiveReview,
    FollowUp,
    Investment,
    LineOfEnquiry,
    ReviewEvidence,
)


def reviews_scope(user: User, path: str = "") -> Q | None:
    """Which reviews the user sees, as a condition on the review that `path` reaches from
    another model ("deepdivereview__"), or None for none: OPCC and read-only, their office's
    reviews; force users, reviews of their force; partner leads, none (they see the
    follow-ups they own)."""
    if not user.is_authenticated or user.is_partner:
        return None
    if user.is_opcc:
        return Q(**{f"{path}office": user.office_id})
    if user.is_force_user:
        return Q(**{f"{path}force": user.force_id})
    return None


def reviews_visible_to(user: User) -> QuerySet[DeepDiveReview]:
    scope = reviews_scope(user)
    if scope is None:
        return DeepDiveReview.objects.none()
    return DeepDiveReview.objects.filter(scope)


def review_evidence_visible_to(user: User) -> QuerySet[ReviewEvidence]:
    return ReviewEvidence.objects.filter(review__in=reviews_visible_to(user).values("pk"))


def follow_ups_visible_to(user: User) -> QuerySet[FollowUp]:
    if not user.is_authenticated:
        return FollowUp.objects.none()
    return FollowUp.objects.filter(
        Q(review__in=reviews_visible_to(user).values("pk")) | Q(owner=user.pk)
    )


def investments_visible_to(user: User) -> QuerySet[Investment]:
    if not user.is_authenticated or user.is_partner:
        return Investment.objects.none()
    if user.is_opcc:
        return Investment.objects.filter(office=user.office_id)
    return Investment.objects.filter(force__in=forces_visible_to(user).values("pk"))


# --- Reviews ---------------------------------------------------------------------------


def review_list_for(user: User) -> QuerySet[DeepDiveReview]:
    """The review list: newest first, with force, report, priority areas and counts.

    select_related: force, report; prefetch: priority_areas; annotate: line and open
    follow-up counts (one query for the page, one for the priority areas).
    """
    return (
        reviews_visible_to(user)
        .select_related("force", "report")
        .prefetch_related(Prefetch("priority_areas", queryset=PriorityArea.objects.order_by()))
        .annotate(
            line_count=Count("lines_of_enquiry", distinct=True),
            open_follow_up_count=Count(
                "follow_ups",
                filter=Q(follow_ups__status__in=FollowUp.OPEN_STATUSES),
                distinct=True,
            ),
        )
        .order_by("-held_on", "-pk")
    )


def review_detail_for(user: User) -> QuerySet[DeepDiveReview]:
    """One review with everything its page shows, in a fixed number of queries.

    select_related: force, report; prefetch: priority areas, lines of enquiry (in order),
    evidence files (with uploader), follow-ups (with owner and recommendation, due first),
    samples (with action and recorder).
    """
    return (
        reviews_visible_to(user)
        .select_related("force", "report")
        .prefetch_related(
            Prefetch("priority_areas", queryset=PriorityArea.objects.order_by("position")),
            Prefetch("lines_of_enquiry", queryset=LineOfEnquiry.objects.order_by("position")),
            Prefetch(
                "evidence",
                queryset=ReviewEvidence.objects.select_related("uploaded_by").order_by(
                    "created_at"
                ),
            ),
            Prefetch(
                "follow_ups",
                queryset=FollowUp.objects.select_related("owner", "recommendation").order_by(
                    "due_on", "pk"
                ),
            ),
            Prefetch(
                "samples",
                queryset=ActionSample.objects.select_related(
                    "action__plan__report", "action__plan__force", "recorded_by"
                ).order_by("created_at"),
            ),
        )
    )


def reviewable_reports_for(user: User) -> QuerySet[InspectionReport]:
    """Reports a review may be linked to: those the user sees, newest first."""
    return reports_visible_to(user).select_related("force").order_by("-published_on", "title")


def reviewable_priority_areas_for(user: User) -> QuerySet[PriorityArea]:
    """Priority areas a review may cover, with their report for grouping in the form."""
    return (
        PriorityArea.objects.filter(report__in=reports_visible_to(user).values("pk"))
        .select_related("report")
        .order_by("-report__published_on", "report_id", "position")
    )


def review_forces_for(user: User) -> QuerySet[Force]:
    return forces_visible_to(user).order_by("name")


def follow_up_recommendations_for(user: User, review: DeepDiveReview) -> QuerySet[Recommendation]:
    """A follow-up may serve one of the review's report's recommendations the user sees."""
    if review.report_id is None:
        return Recommendation.objects.none()
    return recommendations_visible_to(user).filter(report=review.report_id).order_by("position")


def sampleable_actions_for(user: User, review: DeepDiveReview) -> QuerySet[Action]:
    """Closed actions the review may sample: from its report's plan (or, for a review with
    no report, its force's plans) that the user sees and this review has not sampled."""
    actions = actions_visible_to(user).filter(status=Action.Status.CLOSED)
    if review.report_id is not None:
        actions = actions.filter(plan__report=review.report_id)
    else:
        actions = actions.filter(plan__force=review.force_id)
    return actions.exclude(samples__review=review).order_by("plan_id", "reference")


# --- Follow-ups ------------------------------------------------------------------------


def open_follow_ups_owned_by(user: User) -> QuerySet[FollowUp]:
    """A person's open follow-ups, due first ("my actions"), with review and recommendation.

    Uses the follow_up_owner_due_idx index (owner, status, due_on).
    """
    return (
        follow_ups_visible_to(user)
        .filter(owner=user.pk, status__in=FollowUp.OPEN_STATUSES)
        .select_related("review", "recommendation")
        .order_by("due_on", "pk")
    )


def follow_ups_for_recommendation(user: User, recommendation: Recommendation) -> list[FollowUp]:
    return list(
        follow_ups_visible_to(user)
        .filter(recommendation=recommendation)
        .select_related("owner", "review")
        .order_by("due_on", "pk")
    )


def visible_review_ids(user: User, review_ids: Iterable[int]) -> set[int]:
    """Which of these reviews the user may open (partner leads own follow-ups of reviews
    they cannot see): one query."""
    return set(reviews_visible_to(user).filter(pk__in=set(review_ids)).values_list("pk", flat=True))


def follow_ups_or_investments_exist() -> ExpressionWrapper:
    """Whether any follow-up serves a recommendation or any investment funds it, whoever
    may see them, as an expression over the recommendation's row (OuterRef("pk")): the
    recommendation page runs its panel's queries, which scope them to the user, only
    where it is true (reviews.panels)."""
    return ExpressionWrapper(
        Q(Exists(FollowUp.objects.filter(recommendation=OuterRef("pk"))))
        | Q(Exists(Investment.objects.filter(recommendations=OuterRef("pk")))),
        output_field=BooleanField(),
    )


# --- Investments -----------------------------------------------------------------------


def investment_list_for(user: User) -> QuerySet[Investment]:
    """select_related: force; annotate: how many recommendations each serves."""
    return (
        investments_visible_to(user)
        .select_related("force")
        .annotate(recommendation_count=Count("recommendations", distinct=True))
        .order_by("-awarded_on", "-pk")
    )


def investment_totals(investments: QuerySet[Investment]) -> dict:
    """The total awarded, and the total still live (not withdrawn), in one query."""
    return investments.order_by().aggregate(
        total=Sum("amount", default=Decimal("0")),
        live_total=Sum(
            "amount",
            filter=~Q(status=Investment.Status.WITHDRAWN),
            default=Decimal("0"),
        ),
        count=Count("pk"),
    )


def investment_detail_for(user: User) -> QuerySet[Investment]:
    """select_related: force; prefetch: recommendations with their report."""
    return (
        investments_visible_to(user)
        .select_related("force", "office")
        .prefetch_related(
            Prefetch(
                "recommendations",
                queryset=Recommendation.objects.select_related("report").order_by(
                    "report_id", "position"
                ),
            )
        )
    )


def investable_recommendations_for(user: User) -> QuerySet[Recommendation]:
    """Recommendations an investment may serve: those of the reports the user sees."""
    return (
        recommendations_visible_to(user)
        .select_related("report", "report__force")
        .order_by("-report__published_on", "report_id", "position")
    )


def investments_for_recommendation(user: User, recommendation: Recommendation) -> list[Investment]:
    return list(
        investments_visible_to(user)
        .filter(recommendations=recommendation)
        .order_by("-awarded_on", "pk")
    )


# --- Assurance and funding per priority area -------------------------------------------


@dataclass(frozen=True)
class AreaAssurance:
    area: PriorityArea
    review: DeepDiveReview


def latest_assurance_by_area(
    user: User,
    *,
    report: InspectionReport | None = None,
    limit: int | None = None,
    columns: tuple[str, ...] | None = None,
) -> list[AreaAssurance]:
    """Each priority area's latest assurance, as latest_assurance_links() reads them (none
    for a person who sees no deep dives)."""
    links = latest_assurance_links(user, report=report, limit=limit, columns=columns)
    return [] if links is None else assurance_of(links)


def assurance_of(links) -> list[AreaAssurance]:
    """latest_assurance_links()'s links read, as each area's assurance."""
    return [AreaAssurance(area=link.priorityarea, review=link.deepdivereview) for link in links]


def latest_assurance_links(
    user: User,
    *,
    report: InspectionReport | None = None,
    limit: int | None = None,
    columns: tuple[str, ...] | None = None,
) -> QuerySet | None:
    """For each priority area (of one report, or of every report the user sees) the latest
    deep dive giving an assurance on it. Areas no review has judged are left out.
    `columns`: the only columns of the review and the area read (as only() names them,
    from the link: "deepdivereview__theme", "priorityarea__title"), for a list that shows
    a few of them rather than all of the review's text.

    One query: the links of the judged reviews the user sees that are their area's newest
    among those (a subquery per link), select_related the review and the area's report.
    The review and the report are scoped through those joins (reviews_scope,
    reports_scope), not by subqueries of reviews and reports: PostgreSQL took 3 ms to plan
    the query with those pulled up, five times as long as it took to run it.
    """
    reviews = reviews_scope(user, "deepdivereview__")
    if reviews is None:
        return None
    link = DeepDiveReview.priority_areas.through
    # Each area's newest link as a correlated subquery rather than a window numbering the
    # links: Django took 1.3 ms longer to compile the window (filtered on, so wrapped in an
    # outer query) than PostgreSQL takes to run either, and the dashboard asks it on every
    # request, judged reviews or none.
    judged_links = link.objects.filter(reviews).exclude(
        deepdivereview__performance_assurance="", deepdivereview__plans_assurance=""
    )
    newest_on_area = (
        judged_links.filter(priorityarea=OuterRef("priorityarea"))
        .order_by("-deepdivereview__held_on", "-deepdivereview")
        .values("pk")[:1]
    )
    # The links weighed are the user's judged reviews' own, not every office's: the newest
    # on an area is one of them, and PostgreSQL ran the subquery for every link in the
    # database otherwise (12 ms a dashboard for a reader of every force, 258 deep dives).
    links = judged_links.filter(
        reports_scope(user, "priorityarea__report"), pk=Subquery(newest_on_area)
    )
    if report is not None:
        links = links.filter(priorityarea__report=report)
    links = links.select_related("deepdivereview", "priorityarea__report").order_by(
        "-priorityarea__report__published_on",
        "priorityarea__report_id",
        "priorityarea__position",
    )
    if columns is not None:
        links = links.only(*columns)
    if limit is not None:
        links = links[:limit]
    return links


@dataclass(frozen=True)
class ReportReviews:
    reviews: list[DeepDiveReview]  # deep dives on the report, newest first
    assurance: list[AreaAssurance]  # per priority area of the report, in position order


def report_reviews_and_assurance(user: User, *, report: InspectionReport) -> ReportReviews:
    """The deep dives on the report, and for each of its priority areas the latest deep dive
    the user sees that gives an assurance judgement on it (whichever report that deep dive
    is about), as latest_assurance_by_area(report=...) would give.

    One query: the reviews the user sees that are on the report or cover one of its areas,
    a row per (review, area) pair (annotate area_id); plus the report's areas when they are
    not prefetched.
    """
    if reviews_visible_to(user).query.is_empty():
        return ReportReviews(reviews=[], assurance=[])
    rows = list(
        reviews_visible_to(user)
        .filter(Q(report=report) | Q(priority_areas__report=report))
        .annotate(area_id=F("priority_areas"))
        .order_by("-held_on", "-pk")
    )
    reviews: dict[int, DeepDiveReview] = {}
    latest_by_area: dict[int, DeepDiveReview] = {}
    for review in rows:
        if review.report_id == report.pk:
            reviews.setdefault(review.pk, review)
        if review.performance_assurance or review.plans_assurance:
            latest_by_area.setdefault(review.area_id, review)  # newest first: keep the first
    assurance = []
    if latest_by_area:
        assurance = [
            AreaAssurance(area=area, review=latest_by_area[area.pk])
            for area in _report_areas(report)
            if area.pk in latest_by_area
        ]
    return ReportReviews(reviews=list(reviews.values()), assurance=assurance)


@dataclass
class AreaFunding:
    area: PriorityArea | None
    total: Decimal = Decimal("0")
    investments: list[Investment] = field(default_factory=list)


def _report_areas(report: InspectionReport) -> list[PriorityArea]:
    """The report's priority areas in position order: no query when the report page has
    prefetched them (recommendations.report_page.report_page), one otherwise."""
    return sorted(report.priority_areas.all(), key=lambda area: (area.position, area.pk))


def investment_totals_by_area(user: User, *, report: InspectionReport) -> list[AreaFunding]:
    """Live (not withdrawn) investments serving the report's recommendations, totalled per
    priority area. An investment counts once in each area it serves, however many of the
    area's recommendations it serves; one serving no area's recommendation is shown apart.

    One query: the (investment, recommendation) links the user sees, select_related
    investment, annotated with each recommendation's priority area (a row per area);
    plus the report's areas when they are not prefetched.
    """
    links = (
        Investment.recommendations.through.objects.filter(
            investment__in=investments_visible_to(user)
            .exclude(status=Investment.Status.WITHDRAWN)
            .values("pk"),
            recommendation__in=recommendations_visible_to(user).filter(report=report).values("pk"),
        )
        .select_related("investment")
        .annotate(area_id=F("recommendation__priority_areas"))
    )
    investments: dict[int, Investment] = {}
    pairs: set[tuple[int, int | None]] = set()
    for link in links:
        investments[link.investment_id] = link.investment
        pairs.add((link.investment_id, link.area_id))
    if not pairs:
        return []
    areas = _report_areas(report)
    funding = {area.pk: AreaFunding(area=area) for area in areas}
    unassigned = AreaFunding(area=None)
    for investment_id, area_id in sorted(pairs, key=lambda pair: (pair[0], pair[1] or 0)):
        bucket = funding.get(area_id, unassigned)
        investment = investments[investment_id]
        if investment not in bucket.investments:
            bucket.investments.append(investment)
            bucket.total += investment.amount
    # An investment already counted under an area is not also "not linked to an area".
    counted = {i.pk for f in funding.values() for i in f.investments}
    unassigned.investments = [i for i in unassigned.investments if i.pk not in counted]
    unassigned.total = sum((i.amount for i in unassigned.investments), Decimal("0"))
    rows = [f for f in funding.values() if f.investments]
    if unassigned.investments:
        rows.append(unassigned)
    return rows
