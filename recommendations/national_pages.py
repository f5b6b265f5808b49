"""What the national report pages show: the list, one report with each recommendation's
progress across the forces the user sees, and one recommendation side by side, force by
force. Each a fixed number of queries, however many forces answer."""

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, QuerySet, Subquery

from oversight.models import InspectionReport, NationalReport, User
from oversight.selectors import reports_visible_to
from recommendations.models import Action, NationalRecommendation, ProgressUpdate, Recommendation
from recommendations.rag import with_rag_and_overdue
from recommendations.selectors import (
    national_reports_visible_to,
    recommendations_visible_to,
)


def national_report_list(user: User) -> QuerySet[NationalReport]:
    """Newest first, each with how many of the forces the user sees answer it
    (`forces_answering`). One query."""
    visible = reports_visible_to(user).filter(national_report=OuterRef("pk"))
    return (
        national_reports_visible_to(user)
        .select_related("entered_by")
        .annotate(
            forces_answering=Subquery(
                visible.order_by().values("national_report").annotate(n=Count("pk")).values("n")
            ),
        )
        .order_by("-published_on", "title")
    )


@dataclass
class RecommendationProgress:
    national: NationalRecommendation
    by_status: list[tuple[str, int]] = field(default_factory=list)  # (label, count)
    responses: int = 0


@dataclass
class NationalReportPage:
    national_report: NationalReport
    force_reports: list[InspectionReport]
    recommendations: list[RecommendationProgress]


def national_report_page(user: User, national_report: NationalReport) -> NationalReportPage:
    """Three queries: the forces' copies the user sees, the recommendations with whom each
    is addressed to, and the responses counted by recommendation and status."""
    force_reports = list(
        reports_visible_to(user)
        .filter(national_report=national_report)
        .select_related("force")
        .order_by("force__name")
    )
    nationals = list(
        national_report.recommendations.prefetch_related("named_forces").order_by("position", "pk")
    )
    counts: dict[int, Counter] = defaultdict(Counter)
    for row in (
        recommendations_visible_to(user)
        .filter(national_recommendation__national_report=national_report)
        .values("national_recommendation", "status")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        counts[row["national_recommendation"]][row["status"]] += row["n"]
    labels = dict(Recommendation.Status.choices)
    progress = [
        RecommendationProgress(
            national=national,
            by_status=[
                (labels[status], number)
                for status in Recommendation.Status.values
                if (number := counts[national.pk][status])
            ],
            responses=sum(counts[national.pk].values()),
        )
        for national in nationals
    ]
    return NationalReportPage(national_report, force_reports, progress)


def side_by_side(
    user: User, national: NationalRecommendation, *, today: datetime.date
) -> list[Recommendation]:
    """Each force's response to one national recommendation, by force name, with its RAG
    and overdue (with_rag_and_overdue), `live_actions`, `actions_total` and
    `latest_update_on` (the latest accepted update's date). One query."""
    actions = Action.objects.filter(recommendations=OuterRef("pk"))
    accepted = ProgressUpdate.objects.filter(
        action__recommendations=OuterRef("pk"), review_state=ProgressUpdate.Review.ACCEPTED
    ).order_by("-written_on", "-pk")
    return list(
        with_rag_and_overdue(
            recommendations_visible_to(user).filter(national_recommendation=national),
            user=user,
            today=today,
        )
        .select_related("report__force", "covered_by")
        .annotate(
            actions_total=Subquery(
                actions.order_by().values("recommendations").annotate(n=Count("pk")).values("n")
            ),
            live_actions=Subquery(
                actions.filter(status__in=Action.LIVE_STATUSES)
                .order_by()
                .values("recommendations")
                .annotate(n=Count("pk"))
                .values("n")
            ),
            latest_update_on=Subquery(accepted.values("written_on")[:1]),
            has_plan=Exists(actions),
        )
        .order_by("report__force__name")
    )
