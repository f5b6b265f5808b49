"""What a committee pack holds, read as the person who asked for it: the summary figures,
the trends, and the four tables (live, completed since the previous meeting, extensions
asked for with their decisions, overdue).

The rows are the register's (recommendations.register, or recommendations.register_as_at
for a meeting already past), so a pack's counts are the register's on the day it stands
at, for the same forces, sources and priority areas. Scoping is the register's too: a
force the reader may not see is never read.
"""

import datetime
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from letters.models import CommitteePack
from oversight.models import Force, InspectionReport, PriorityArea, User
from oversight.selectors import forces_visible_to
from recommendations.models import Action, ExtensionRequest, ProgressUpdate, Recommendation
from recommendations.rag import rag_label
from recommendations.register import RegisterRow, recommendation_register
from recommendations.register_as_at import end_of_day, register_as_at
from recommendations.selectors import actions_visible_to, recommendations_visible_to
from recommendations.trends import ALL, BY_SOURCE, NO_AREA, recommendation_trends

CHUNK = 2000
# The statuses a recommendation leaves the live list for, counted as "completed or closed"
# when it reached one since the previous meeting.
DISPOSED = (
    Recommendation.Status.CLOSED,
    Recommendation.Status.SUPERSEDED,
    Recommendation.Status.NO_ACTION,
    Recommendation.Status.COVERED,
)

Progress = Callable[[int, str], None]


@dataclass(frozen=True)
class PackScope:
    forces: list[Force]
    sources: list[str]
    areas: list[PriorityArea]

    @property
    def force_ids(self) -> set[int]:
        return {force.pk for force in self.forces}


def pack_scope(pack: CommitteePack, user: User) -> PackScope:
    """The forces (those chosen that the reader may see; none chosen: every force they
    see), sources and priority areas the pack covers."""
    visible = forces_visible_to(user)
    chosen = list(pack.forces.all())
    forces = [f for f in chosen if f in set(visible)] if chosen else list(visible)
    return PackScope(
        forces=sorted(forces, key=lambda f: f.name),
        sources=list(pack.sources),
        areas=list(pack.priority_areas.order_by("report__published_on", "position")),
    )


def pack_as_at(pack: CommitteePack, today: datetime.date) -> datetime.date:
    """A pack for a meeting still to come stands at today; for one past, at its date."""
    return min(pack.meeting.meets_on, today)


def _row_chunks(user: User, scope: PackScope, as_at: datetime.date, today: datetime.date):
    """Every register row in scope, as the register shows it on `as_at`, in force, report
    and reference order, a chunk at a time (so only one chunk's model instances are held)."""
    if as_at >= today:
        recommendations = recommendation_register(user, today=today).filter(
            report__force__in=scope.forces
        )
        if scope.sources:
            recommendations = recommendations.filter(report__source__in=scope.sources)
        if scope.areas:
            recommendations = recommendations.filter(
                pk__in=Recommendation.priority_areas.through.objects.filter(
                    priorityarea__in=scope.areas
                ).values("recommendation_id")
            )
        values = recommendations.order_by(
            "report__force__name", "report__published_on", "report_id", "position", "pk"
        ).values_list(*LIVE_FIELDS)
        chunk: list[dict] = []
        for fields in values.iterator(chunk_size=CHUNK):
            chunk.append(dict(zip(ROW_KEYS, fields, strict=True)))
            if len(chunk) == CHUNK:
                yield chunk
                chunk = []
        if chunk:
            yield chunk
        return
    rows = register_as_at(user, as_at=as_at)
    in_areas = None
    if scope.areas:
        in_areas = set(
            Recommendation.priority_areas.through.objects.filter(
                priorityarea__in=scope.areas
            ).values_list("recommendation_id", flat=True)
        )
    kept = sorted(
        (
            row
            for row in rows
            if row.recommendation.report.force_id in scope.force_ids
            and (not scope.sources or row.recommendation.report.source in scope.sources)
            and (in_areas is None or row.recommendation.pk in in_areas)
        ),
        key=lambda row: (
            row.recommendation.report.force.name,
            row.recommendation.report.published_on,
            row.recommendation.report_id,
            row.recommendation.position,
            row.recommendation.pk,
        ),
    )
    for start in range(0, len(kept), CHUNK):
        yield [_plain(row) for row in kept[start : start + CHUNK]]


# A register row as the pack reads it: plain values, not model instances (tens of
# thousands of rows), from the live register's query or from a RegisterRow as at a day.
RECOMMENDATION_FIELDS = (
    "pk",
    "reference",
    "kind",
    "text",
    "due_on",
    "status",
    "inspectorate_status",
    "inspectorate_status_on",
    "rag",
    "is_overdue",
)
LIVE_FIELDS = (*RECOMMENDATION_FIELDS, "report__title", "report__source", "report__force__name")
ROW_KEYS = tuple(key.removeprefix("report__") for key in LIVE_FIELDS)


def _plain(row: RegisterRow) -> dict:
    rec = row.recommendation
    plain = {key: getattr(rec, key) for key in RECOMMENDATION_FIELDS}
    plain.update(
        title=rec.report.title,
        source=rec.report.source,
        force__name=rec.report.force.name,
        leads=row.leads,
    )
    return plain


def _statuses_on(ids: list[int], day: datetime.date) -> dict[int, str]:
    """Each recommendation's status at the end of `day`, from its change history (absent:
    not recorded yet, or deleted by then)."""
    statuses: dict[int, str] = {}
    cutoff = end_of_day(day)
    for start in range(0, len(ids), 20000):
        for pk, kind, status in (
            Recommendation.history.filter(
                id__in=ids[start : start + 20000], history_date__lt=cutoff
            )
            .order_by("id", "history_date", "history_id")
            .values_list("id", "history_type", "status")
        ):
            if kind == "-":
                statuses.pop(pk, None)
            else:
                statuses[pk] = status
    return statuses


@dataclass
class ChunkLinks:
    """A chunk's links to the actions the reader may see: each recommendation's delivery
    leads (by name, sorted) and the recommendations each action serves."""

    leads: dict[int, list[str]]
    serving: dict[int, list[int]]


def _chunk_links(ids: list[int], visible_actions: set[int]) -> ChunkLinks:
    """One query of plain values along the links' recommendation index; the actions the
    reader may not see (visible_actions, read once for the whole pack) are left out here,
    not by a subquery over every action per chunk."""
    leads: dict[int, set[str]] = defaultdict(set)
    serving: dict[int, list[int]] = defaultdict(list)
    for rec_id, action_id, first, last, username in Action.recommendations.through.objects.filter(
        recommendation__in=ids
    ).values_list(
        "recommendation_id",
        "action_id",
        "action__delivery_lead__first_name",
        "action__delivery_lead__last_name",
        "action__delivery_lead__username",
    ):
        if action_id not in visible_actions:
            continue
        serving[action_id].append(rec_id)
        if username is not None:
            leads[rec_id].add(User.name_from(first, last, username))
    return ChunkLinks(
        leads={pk: sorted(names, key=str.casefold) for pk, names in leads.items()},
        serving=serving,
    )


def _latest_updates(
    serving: dict[int, list[int]], shown: set[int], as_at: datetime.date
) -> dict[int, dict]:
    """Per recommendation shown, the latest progress update the OPCC had accepted by the
    end of `as_at` on an action the reader may see (`serving`: _chunk_links). One query:
    each action's latest accepted update (DISTINCT ON the action, read along the index of
    updates by action, state and date)."""
    actions = [action for action, recs in serving.items() if shown.intersection(recs)]
    if not actions:
        return {}
    cutoff = end_of_day(as_at)
    updates = ProgressUpdate.objects.filter(
        review_state=ProgressUpdate.Review.ACCEPTED,
        reviewed_at__lt=cutoff,
        action_id__in=actions,
    ).values_list("action_id", "written_on", "pk", "narrative", "action__reference")
    if connection.vendor == "postgresql":
        updates = updates.order_by("action_id", "-written_on", "-pk").distinct("action_id")
    latest: dict[int, dict] = {}
    for action_id, written_on, pk, narrative, action in updates:
        for rec_id in serving[action_id]:
            current = latest.get(rec_id)
            if current is None or (written_on, pk) > (current["written_on"], current["pk"]):
                latest[rec_id] = {
                    "written_on": written_on,
                    "pk": pk,
                    "narrative": narrative,
                    "action": action,
                }
    return latest


# Labels looked up once, not through get_FOO_display() on each of tens of thousands of rows;
# each taken as text (str) when used: the labels are lazy translations, which neither the
# spreadsheet writer nor the worker process that writes it can take.
_KIND = dict(Recommendation.Kind.choices)
_STATUS = dict(Recommendation.Status.choices)
_HMICFRS = dict(Recommendation.InspectorateStatus.choices)
_SOURCE = dict(InspectionReport.Source.choices)
_SAMPLE_PK = 987654321


def _recommendation_url() -> Callable[[int], str]:
    """pk -> the recommendation page's full address, reversed once."""
    before, after = reverse("recommendations:recommendation_detail", args=[_SAMPLE_PK]).split(
        str(_SAMPLE_PK)
    )
    return lambda pk: f"{settings.SITE_URL}{before}{pk}{after}"


def _recommendation_row(
    row: dict, update: dict | None, url: Callable[[int], str], status_then: str = ""
) -> dict:
    inspection = row["source"] in InspectionReport.INSPECTORATE_SOURCES
    status = row["status"]
    return {
        "id": row["pk"],
        "reference": row["reference"],
        "kind": str(_KIND.get(row["kind"], row["kind"])),
        "force": row["force__name"],
        "report": row["title"],
        "source": str(_SOURCE.get(row["source"], row["source"])),
        "text": row["text"],
        "owner": "; ".join(row["leads"]),
        "due_on": row["due_on"],
        "status": str(_STATUS.get(status, status)),
        "status_before": str(_STATUS.get(status_then, _("Not yet recorded"))),
        "hmicfrs_status": (
            str(_HMICFRS.get(row["inspectorate_status"], row["inspectorate_status"]))
            if inspection
            else _("Not applicable")
        ),
        "hmicfrs_status_on": row["inspectorate_status_on"] if inspection else None,
        "rag": rag_label(row["rag"]),
        "overdue": bool(row["is_overdue"]),
        "update_on": update["written_on"] if update else None,
        "update": update["narrative"] if update else "",
        "update_action": update["action"] if update else "",
        "url": url(row["pk"]),
    }


def _extensions(user: User, scope: PackScope, since: datetime.date, as_at: datetime.date):
    """The extensions asked for, or decided, after the previous meeting up to `as_at`, on
    actions the reader may see serving recommendations in scope; a decision made after
    `as_at` is shown as still waiting."""
    start, cutoff = end_of_day(since), end_of_day(as_at)
    recommendations = recommendations_visible_to(user).filter(report__force__in=scope.forces)
    if scope.sources:
        recommendations = recommendations.filter(report__source__in=scope.sources)
    if scope.areas:
        recommendations = recommendations.filter(priority_areas__in=scope.areas)
    requests = (
        ExtensionRequest.objects.filter(
            Q(requested_at__gte=start) | Q(decided_at__gte=start),
            requested_at__lt=cutoff,
            action__in=actions_visible_to(user).values("pk"),
            action__recommendations__in=recommendations.values("pk"),
        )
        .exclude(decision=ExtensionRequest.Decision.WITHDRAWN, decided_at__lt=cutoff)
        .select_related("action__plan__force", "requested_by", "decided_by")
        .distinct()
        .order_by("action__plan__force__name", "requested_at", "pk")
    )
    references = defaultdict(list)
    for action_id, reference in (
        Action.recommendations.through.objects.filter(
            action__in=requests.values("action_id"),
            recommendation__in=recommendations.values("pk"),
        )
        .order_by("recommendation__position")
        .values_list("action_id", "recommendation__reference")
    ):
        references[action_id].append(reference)
    rows = []
    for request in requests:
        decided = request.decided_at is not None and request.decided_at < cutoff
        decision = (
            request.get_decision_display()
            if decided
            else str(ExtensionRequest.Decision.PENDING.label)
        )
        rows.append(
            {
                "id": request.pk,
                "force": request.action.plan.force.name,
                "action": request.action.reference,
                "recommendations": ", ".join(references[request.action_id]),
                "description": request.action.description,
                "requested_by": str(request.requested_by or _("Not recorded")),
                "requested_on": timezone.localtime(request.requested_at).date(),
                "from_date": request.from_date,
                "to_date": request.to_date,
                "reason": request.reason,
                "decision": decision,
                "decided_by": str(request.decided_by or "") if decided else "",
                "decided_on": timezone.localtime(request.decided_at).date() if decided else None,
                "comment": request.decision_comment if decided else "",
                "url": settings.SITE_URL + request.get_absolute_url(),
            }
        )
    return rows


def _trend_rows(trends) -> list[dict]:
    return [
        {
            "quarter": row.quarter.label,
            "group": row.group,
            "opening": row.opening,
            "added": row.added,
            "closed": row.closed,
            "closing": row.closing,
            "average_age_days": row.average_age_days,
            "targets_moved_share": row.targets_moved_share,
            "overdue_share": row.overdue_share,
        }
        for row in trends
    ]


def pack_build(
    pack: CommitteePack,
    user: User,
    *,
    today: datetime.date | None = None,
    progress: Progress = lambda percent, step: None,
) -> dict:
    """The pack's content: `summary` (what is stored with the pack once rendered: the
    meeting, scope, counts and trends) and the four tables' rows."""
    today = today or timezone.localdate()
    as_at = pack_as_at(pack, today)
    since = pack.previous_meeting_on
    scope = pack_scope(pack, user)
    progress(5, _("Reading the register"))
    url = _recommendation_url()
    register_count = 0
    visible_actions = set(actions_visible_to(user).values_list("pk", flat=True))
    live_rows: list[dict] = []
    completed_rows: list[dict] = []
    for chunk in _row_chunks(user, scope, as_at, today):
        # Each chunk: its statuses at the previous meeting, its delivery leads and its
        # latest accepted updates, then the table rows.
        register_count += len(chunk)
        ids = [row["pk"] for row in chunk]
        before = _statuses_on(ids, since)
        links = _chunk_links(ids, visible_actions)
        for row in chunk:
            # The live register's rows get their leads here; a register as at a day
            # (register_as_at) gave its own.
            row.setdefault("leads", links.leads.get(row["pk"], []))
        live = [row for row in chunk if row["status"] in Recommendation.OPEN_STATUSES]
        completed = [
            row
            for row in chunk
            if row["status"] in DISPOSED
            and before.get(row["pk"], Recommendation.Status.OPEN) in Recommendation.OPEN_STATUSES
        ]
        shown = {row["pk"] for row in live + completed}
        updates = _latest_updates(links.serving, shown, as_at)
        live_rows += [_recommendation_row(row, updates.get(row["pk"]), url) for row in live]
        completed_rows += [
            _recommendation_row(row, updates.get(row["pk"]), url, before.get(row["pk"], ""))
            for row in completed
        ]
        progress(
            min(5 + 40 * register_count // max(register_count + CHUNK, 1), 44),
            _("Reading the register (%(count)s recommendations so far)")
            % {"count": f"{register_count:,}"},
        )
    overdue_rows = [row for row in live_rows if row["overdue"]]
    progress(45, _("Reading the extensions"))
    extensions = _extensions(user, scope, since, as_at)
    progress(50, _("Working out the trends"))
    trends = recommendation_trends(
        user,
        as_at=as_at,
        group_by=BY_SOURCE,
        forces=scope.forces,
        sources=scope.sources,
        priority_areas=scope.areas,
    )
    meeting = pack.meeting
    decisions = defaultdict(int)
    for row in extensions:
        decisions[row["decision"]] += 1
    summary = {
        "office": meeting.office.name,
        "commissioner": meeting.office.commissioner,
        "committee": str(meeting.get_committee_display()),
        "meets_on": meeting.meets_on,
        "previous_meeting_on": since,
        "as_at": as_at,
        "version": pack.version,
        "prepared_by": str(user),
        "forces": [force.name for force in scope.forces],
        "sources": [str(InspectionReport.Source(source).label) for source in scope.sources],
        "areas": [str(area) for area in scope.areas],
        "counts": {
            "register": register_count,
            "live": len(live_rows),
            "completed": len(completed_rows),
            "extensions": len(extensions),
            "overdue": len(overdue_rows),
            "extension_decisions": dict(sorted(decisions.items())),
        },
        "trends": _trend_rows(trends),
        "trend_group_all": ALL,
        "trend_group_no_area": NO_AREA,
    }
    return {
        "summary": summary,
        "live": live_rows,
        "completed": completed_rows,
        "extensions": extensions,
        "overdue": overdue_rows,
    }


def summary_for_json(summary: dict) -> dict:
    """The summary with its dates as ISO strings, to be kept on the pack."""

    def plain(value):
        if isinstance(value, dict):
            return {key: plain(item) for key, item in value.items()}
        if isinstance(value, list):
            return [plain(item) for item in value]
        if isinstance(value, datetime.date):
            return value.isoformat()
        return value

    return plain(summary)
