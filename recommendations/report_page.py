"""The report page: the report with its findings, judgements, causes of concern, priority
areas (each with its recommendations and their RAG counts), recommendations, plans and
statutory deadlines, read in a fixed number of queries."""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet, Value, prefetch_related_objects
from django.utils import timezone

from oversight.models import (
    CauseOfConcern,
    Finding,
    InspectionReport,
    Judgement,
    PriorityArea,
    User,
)
from oversight.selectors import report_deadlines, reports_visible_to
from oversight.shared.built_querysets import built_once_per_person, rows_where
from oversight.shared.urls import url_pattern
from recommendations.models import ActionPlan, Recommendation
from recommendations.rag import NO_RAG, RAG_ORDER, rag_label, with_rag_and_overdue
from recommendations.selectors import action_plans_visible_to, recommendations_visible_to


@dataclass
class AreaSummary:
    area: PriorityArea
    recommendations: list[Recommendation]
    rag_counts: list[tuple[str, str, int]]  # (rag, label, count), worst first, zeros left out


@dataclass
class ReportPage:
    report: InspectionReport
    positive_findings: list[Finding]
    concern_findings: list[Finding]
    judgements: list[Judgement]
    causes: list[CauseOfConcern]
    areas: list[AreaSummary]
    recommendations: list[Recommendation]
    unassigned: list[Recommendation]  # in no priority area
    parent: InspectionReport | None
    follow_ups: list[InspectionReport]  # post-inspection reviews of this report
    plans: list[ActionPlan]
    deadlines: list

    @property
    def findings_count(self) -> int:
        return len(self.positive_findings) + len(self.concern_findings)

    @property
    def open_count(self) -> int:
        return sum(1 for r in self.recommendations if r.is_open)

    @property
    def overdue_count(self) -> int:
        return sum(1 for r in self.recommendations if r.is_overdue)


def _rag_counts(recommendations: list[Recommendation]) -> list[tuple[str, str, int]]:
    counts = defaultdict(int)
    for recommendation in recommendations:
        counts[recommendation.rag] += 1
    return [(rag, rag_label(rag), counts[rag]) for rag in [*RAG_ORDER, NO_RAG] if counts[rag]]


def _priority_area_links(report: InspectionReport) -> dict[tuple[str, int], list[int]]:
    """("finding" | "cause" | "recommendation", row id) → the ids of its priority areas, for
    everything the report holds. One query: a UNION ALL over the three link tables."""

    def links(model, column: str, kind: str):
        return (
            model.priority_areas.through.objects.filter(**{f"{column}__report": report})
            .annotate(kind=Value(kind))
            .values_list("kind", f"{column}_id", "priorityarea_id")
        )

    linked: dict[tuple[str, int], list[int]] = defaultdict(list)
    rows = links(Finding, "finding", "finding").union(
        links(CauseOfConcern, "causeofconcern", "cause"),
        links(Recommendation, "recommendation", "recommendation"),
        all=True,
    )
    for kind, row_id, area_id in rows:
        linked[(kind, row_id)].append(area_id)
    return linked


# A report's recommendations and plans the user may see, before they are narrowed to the
# report (`report=`): built once per person, day and language in a process and read
# compiled once (oversight.shared.built_querysets).


@built_once_per_person
def _recommendations(user: User, *, today: datetime.date | None = None) -> QuerySet[Recommendation]:
    return (
        with_rag_and_overdue(recommendations_visible_to(user), user=user, today=today)
        .select_related("cause_of_concern")
        .order_by("position", "pk")
    )


@built_once_per_person
def _plans(user: User, *, today: datetime.date | None = None) -> QuerySet[ActionPlan]:
    return (
        action_plans_visible_to(user)
        .select_related("report", "force", "owner")
        .order_by("force__name")
    )


def report_page(user: User, pk: int, *, today: datetime.date | None = None) -> ReportPage | None:
    """Everything the report page shows, or None when the user may not see the report.

    Queries (8, whatever the number of rows): the report with its parent and follow-up
    reports the user may see (select_related force); findings; judgements; causes of
    concern; priority areas (select_related opcc_lead); the priority-area links of the
    findings, causes and recommendations (one UNION, see _priority_area_links); the
    recommendations the user may see (select_related cause_of_concern, annotate rag and
    is_overdue); the action plans the user may see (select_related report, force, owner).

    Each finding, cause of concern and recommendation gets `linked_areas`: its priority
    areas in position order (the templates read that, not `priority_areas.all`). The
    report keeps its prefetched `priority_areas`, so panels reading them run no query.
    """
    today = today or timezone.localdate()
    own_parent = InspectionReport.objects.filter(pk=pk, parent__isnull=False).values("parent")
    found = list(
        reports_visible_to(user)
        .filter(Q(pk=pk) | Q(parent=pk) | Q(pk__in=own_parent))
        .select_related("force")
        .order_by("published_on", "pk")
    )
    report = next((r for r in found if r.pk == pk), None)
    if report is None:
        return None
    prefetch_related_objects(
        [report],
        Prefetch("findings", queryset=Finding.objects.order_by("position", "pk")),
        Prefetch("judgements", queryset=Judgement.objects.order_by("topic")),
        Prefetch("causes_of_concern", queryset=CauseOfConcern.objects.order_by("reference")),
        Prefetch(
            "priority_areas",
            queryset=PriorityArea.objects.order_by("position").select_related("opcc_lead"),
        ),
    )
    areas = list(report.priority_areas.all())
    linked = _priority_area_links(report)
    position = {area.pk: index for index, area in enumerate(areas)}

    def linked_areas(kind: str, row_id: int) -> list[PriorityArea]:
        # Only the report's own areas: a form never links another report's.
        ids = sorted((i for i in linked.get((kind, row_id), []) if i in position), key=position.get)
        return [areas[position[i]] for i in ids]

    findings = list(report.findings.all())
    for finding in findings:
        finding.linked_areas = linked_areas("finding", finding.pk)
    causes = list(report.causes_of_concern.all())
    for cause in causes:
        cause.linked_areas = linked_areas("cause", cause.pk)
    recommendations = rows_where(_recommendations(user, today=today), "report", report.pk)
    by_area = defaultdict(list)
    labels = {rag: rag_label(rag) for rag in RAG_ORDER}
    # One reverse() per page, not two per row.
    url, edit_url = (
        url_pattern("recommendations:recommendation_detail"),
        url_pattern("recommendations:recommendation_edit"),
    )
    for recommendation in recommendations:
        recommendation.linked_areas = linked_areas("recommendation", recommendation.pk)
        recommendation.rag_label = labels.get(recommendation.rag, "")
        recommendation.url = url % recommendation.pk
        recommendation.edit_url = edit_url % recommendation.pk
        for area in recommendation.linked_areas:
            by_area[area.pk].append(recommendation)
    return ReportPage(
        report=report,
        positive_findings=[f for f in findings if f.kind == Finding.Kind.POSITIVE],
        concern_findings=[f for f in findings if f.kind == Finding.Kind.CONCERN],
        judgements=list(report.judgements.all()),
        causes=causes,
        areas=[
            AreaSummary(area, by_area[area.pk], _rag_counts(by_area[area.pk])) for area in areas
        ],
        recommendations=recommendations,
        unassigned=[r for r in recommendations if not r.linked_areas],
        parent=next((r for r in found if r.pk == report.parent_id), None),
        follow_ups=[r for r in found if r.parent_id == report.pk],
        plans=rows_where(_plans(user, today=today), "report", report.pk),
        deadlines=report_deadlines(report, today=today),
    )
