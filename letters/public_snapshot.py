"""What a publication of a report copies from the live records, and what has changed since.

Only the fields meant for the public are ever read here: the report's title, force,
publisher, programme, date and link, and for each recommendation its reference, kind,
text, status and HMICFRS's status with their dates, its due date, and the office's public
summary. Never notes, reasons, people, actions, updates, evidence, RAG or letter drafts: a
field that is not read cannot be published by mistake.
"""

import datetime
import hashlib
import json
from dataclasses import asdict, dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from letters.models import PublicSummary, PublishedReport
from letters.text import long_date, natural_key
from oversight.models import InspectionReport, Office
from recommendations.models import Recommendation

REPORT_FIELDS = {
    "title": gettext_lazy("Title"),
    "force_name": gettext_lazy("Force"),
    "publisher": gettext_lazy("Published by"),
    "programme": gettext_lazy("Programme"),
    "published_on": gettext_lazy("Published on"),
    "source_url": gettext_lazy("Link to the report"),
}
RECOMMENDATION_FIELDS = {
    "reference": gettext_lazy("Reference"),
    "kind": gettext_lazy("Kind"),
    "text": gettext_lazy("Text"),
    "status": gettext_lazy("Status"),
    "status_on": gettext_lazy("Status since"),
    "inspectorate_status": gettext_lazy("HMICFRS status"),
    "inspectorate_status_on": gettext_lazy("HMICFRS status since"),
    "due_on": gettext_lazy("Due by"),
    "public_summary": gettext_lazy("Public summary"),
}


@dataclass(frozen=True)
class ReportFacts:
    title: str
    force_name: str
    source: str
    programme: str
    publisher: str
    published_on: datetime.date
    source_url: str


@dataclass(frozen=True)
class RecommendationFacts:
    recommendation_id: int
    position: int
    reference: str
    kind: str
    text: str
    status: str
    status_on: datetime.date | None
    inspectorate_status: str
    inspectorate_status_on: datetime.date | None
    due_on: datetime.date | None
    public_summary: str

    @property
    def status_label(self) -> str:
        return str(Recommendation.Status(self.status).label)

    @property
    def inspectorate_status_label(self) -> str:
        return str(Recommendation.InspectorateStatus(self.inspectorate_status).label)


@dataclass(frozen=True)
class ReportSnapshot:
    report: ReportFacts
    recommendations: list[RecommendationFacts] = field(default_factory=list)

    @property
    def digest(self) -> str:
        """A fingerprint of the live data the publish page showed, public summaries left
        out (the page posts those itself): a publish sent after the data changed is
        refused, so staff never publish what they did not see."""
        facts = {
            "report": asdict(self.report),
            "recommendations": [
                {**asdict(r), "public_summary": None} for r in self.recommendations
            ],
        }
        text = json.dumps(facts, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()

    def missing_summaries(self) -> list[RecommendationFacts]:
        return [r for r in self.recommendations if not r.public_summary.strip()]


@dataclass(frozen=True)
class Change:
    where: str  # "Report", or a recommendation's reference
    what: str  # the field's label, or "Added" / "No longer in the report"
    old: str = ""
    new: str = ""


def report_facts(report: InspectionReport) -> ReportFacts:
    """The report as the public sees it (its force must be loaded)."""
    return ReportFacts(
        title=report.title,
        force_name=report.force.name,
        source=report.source,
        programme=report.programme,
        publisher=report.publisher,
        published_on=report.published_on,
        source_url=report.source_url,
    )


def _status_dates(recommendations: list[Recommendation]) -> dict[int, datetime.date]:
    """The day each recommendation took its current status, from its change history (one
    query): a status set and changed back counts from the last change."""
    since: dict[int, datetime.date] = {}
    previous: dict[int, str] = {}
    versions = (
        Recommendation.history.filter(id__in=[r.pk for r in recommendations])
        .order_by("id", "history_date", "history_id")
        .values_list("id", "status", "history_date")
    )
    for pk, status, when in versions:
        if previous.get(pk) != status:
            since[pk] = timezone.localdate(when)
            previous[pk] = status
    return since


def live_snapshot(*, office: Office, report: InspectionReport) -> ReportSnapshot:
    """The report as it would be published now, with the office's draft summaries.
    Queries: 1 recommendations, 1 their history, 1 the summaries (the report's force must
    be loaded)."""
    recommendations = list(
        Recommendation.objects.filter(report=report).only(
            "id",
            "report_id",
            "position",
            "reference",
            "kind",
            "text",
            "status",
            "inspectorate_status",
            "inspectorate_status_on",
            "due_on",
        )
    )
    recommendations.sort(key=lambda r: (r.position, natural_key(r.reference)))
    since = _status_dates(recommendations)
    summaries = dict(
        PublicSummary.objects.filter(office=office, recommendation__report=report).values_list(
            "recommendation_id", "text"
        )
    )
    return ReportSnapshot(
        report=report_facts(report),
        recommendations=[
            RecommendationFacts(
                recommendation_id=r.pk,
                position=r.position,
                reference=r.reference,
                kind=r.kind,
                text=r.text,
                status=r.status,
                status_on=since.get(r.pk),
                inspectorate_status=r.inspectorate_status,
                inspectorate_status_on=r.inspectorate_status_on,
                due_on=r.due_on,
                public_summary=summaries.get(r.pk, ""),
            )
            for r in recommendations
        ],
    )


def published_snapshot(publication: PublishedReport) -> ReportSnapshot:
    """What a publication holds, in the same shape (1 query: its recommendations)."""
    return ReportSnapshot(
        report=ReportFacts(
            **{name: getattr(publication, name) for name in ReportFacts.__dataclass_fields__}
        ),
        recommendations=[
            RecommendationFacts(
                **{name: getattr(row, name) for name in RecommendationFacts.__dataclass_fields__}
            )
            for row in publication.recommendations.order_by("position", "pk")
        ],
    )


def _shown(name: str, value) -> str:
    """A value as the publish page shows it in the list of changes."""
    if value in (None, ""):
        return _("(none)")
    if isinstance(value, datetime.date):
        return long_date(value)
    if name == "status":
        return str(Recommendation.Status(value).label)
    if name == "inspectorate_status":
        return str(Recommendation.InspectorateStatus(value).label)
    if name == "kind":
        return str(Recommendation.Kind(value).label)
    if name == "programme":
        return str(InspectionReport.Programme(value).label)
    return str(value)


def changes_since(published: ReportSnapshot, live: ReportSnapshot) -> list[Change]:
    """What publishing now would change on the public site, field by field."""
    changes = [
        Change(_("Report"), label, _shown(name, getattr(published.report, name)), _shown(name, new))
        for name, label in REPORT_FIELDS.items()
        if (new := getattr(live.report, name)) != getattr(published.report, name)
    ]
    before = {r.recommendation_id: r for r in published.recommendations}
    after = {r.recommendation_id: r for r in live.recommendations}
    for row in live.recommendations:
        old = before.get(row.recommendation_id)
        if old is None:
            changes.append(Change(row.reference, _("Added")))
            continue
        changes += [
            Change(row.reference, label, _shown(name, getattr(old, name)), _shown(name, new))
            for name, label in RECOMMENDATION_FIELDS.items()
            if (new := getattr(row, name)) != getattr(old, name)
        ]
    changes += [
        Change(row.reference, _("No longer in the report"))
        for row in published.recommendations
        if row.recommendation_id not in after
    ]
    return changes
