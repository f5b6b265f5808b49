"""National-size data for measuring speed: every force in England and Wales, years of reports.

Built with bulk inserts in chunks of reports so memory stays flat; history rows are not
written for this synthetic data (it never changed). Distributions follow what a mature
tracker holds: about half the work closed, a third in progress, roughly a quarter of the
live actions overdue for an update, several police leads per force, a partner agency
owning about one action in ten.
"""

import datetime
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from oversight.models import Force, InspectionReport, Office, PartnerAgency, PriorityArea, User
from recommendations.models import Action, ActionPlan, ProgressUpdate, Rag, Recommendation

LEADS_PER_FORCE = 6
CHUNK_REPORTS = 50
SCALE_PASSWORD = "oversight-scale"


@dataclass(frozen=True)
class ScaleSize:
    forces: int = 43
    reports: int = 2000
    recommendations: int = 40000
    actions: int = 120000
    updates: int = 500000


@dataclass
class ScaleResult:
    seconds: float
    counts: dict


def _weighted(rng: random.Random, table: list[tuple[str, float]]) -> str:
    return rng.choices([value for value, _ in table], weights=[w for _, w in table])[0]


REC_STATUSES = [
    (Recommendation.Status.CLOSED, 45),
    (Recommendation.Status.IN_PROGRESS, 30),
    (Recommendation.Status.OPEN, 10),
    (Recommendation.Status.PROPOSED_FOR_CLOSURE, 5),
    (Recommendation.Status.SUPERSEDED, 5),
    (Recommendation.Status.NO_ACTION, 5),
]
ACTION_STATUSES = [
    (Action.Status.CLOSED, 45),
    (Action.Status.IN_PROGRESS, 40),
    (Action.Status.AWAITING_ALLOCATION, 5),
    (Action.Status.PENDING_SIGN_OFF, 5),
    (Action.Status.PAUSED, 3),
    (Action.Status.NOT_NEEDED, 2),
]
LIVE_RAGS = [(Rag.RED, 20), (Rag.AMBER, 45), (Rag.GREEN, 35)]
TIMESCALES = [
    (Recommendation.Timescale.IMMEDIATELY, 20),
    (Recommendation.Timescale.THREE_MONTHS, 40),
    (Recommendation.Timescale.SIX_MONTHS, 30),
    (Recommendation.Timescale.TWELVE_MONTHS, 10),
]
TIMESCALE_DAYS = {"immediately": 0, "3_months": 91, "6_months": 182, "12_months": 365}


def _spread(total: int, parts: int, index: int) -> int:
    """How many of `total` items the `index`-th of `parts` buckets gets (differ by at most 1)."""
    return total // parts + (1 if index < total % parts else 0)


@transaction.atomic
def seed_scale(
    *,
    size: ScaleSize,
    seed: int = 2015,
    today: datetime.date | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ScaleResult:
    started = time.monotonic()
    rng = random.Random(seed)
    today = today or timezone.localdate()
    password = make_password(SCALE_PASSWORD)
    now = timezone.now()

    with transaction.atomic():
        forces = Force.objects.bulk_create(
            [Force(name=f"Scale force {i + 1:02d} Police") for i in range(size.forces)]
        )
        offices = Office.objects.bulk_create(
            [Office(name=f"Scale OPCC {i + 1:02d}") for i in range(size.forces)]
        )
        Office.forces.through.objects.bulk_create(
            [
                Office.forces.through(office_id=office.pk, force_id=force.pk)
                for office, force in zip(offices, forces, strict=True)
            ]
        )
        # One office sees every force: the worst case for dashboards and exports.
        national = Office.objects.create(name="Scale national oversight")
        national.forces.add(*forces)
        agencies = PartnerAgency.objects.bulk_create(
            [
                PartnerAgency(name=f"Scale council {i + 1:02d} children's services")
                for i in range(size.forces)
            ]
        )
        PartnerAgency.forces.through.objects.bulk_create(
            [
                PartnerAgency.forces.through(partneragency_id=agency.pk, force_id=force.pk)
                for agency, force in zip(agencies, forces, strict=True)
            ]
        )
        users = []
        for i, (force, office, agency) in enumerate(zip(forces, offices, agencies, strict=True)):
            n = i + 1
            users.append(User(username=f"scale-opcc-{n}", role="opcc_staff", office=office))
            users.append(User(username=f"scale-panel-{n}", role="read_only", office=office))
            users.append(User(username=f"scale-acc-{n}", role="plan_owner", force=force))
            users.extend(
                User(username=f"scale-lead-{n}-{k}", role="police_lead", force=force)
                for k in range(1, LEADS_PER_FORCE + 1)
            )
            users.append(
                User(username=f"scale-partner-{n}", role="partner_lead", partner_agency=agency)
            )
        users.append(User(username="scale-national", role="read_only", office=national))
        for user in users:
            user.password = password
            user.first_name = "Scale"
            user.last_name = user.username
            user.email = f"{user.username}@scale.oversight.localhost"
        users = User.objects.bulk_create(users, batch_size=2000)

    people = {}
    for user in users:
        org = user.office_id or user.force_id or user.partner_agency_id
        people.setdefault((user.role, org), []).append(user)

    done_reports = 0
    for chunk_start in range(0, size.reports, CHUNK_REPORTS):
        chunk = range(chunk_start, min(chunk_start + CHUNK_REPORTS, size.reports))
        _seed_report_chunk(
            rng=rng,
            chunk=chunk,
            size=size,
            forces=forces,
            offices=offices,
            agencies=agencies,
            people=people,
            today=today,
            now=now,
        )
        done_reports += len(chunk)
        if progress:
            progress(done_reports, size.reports)

    counts = {
        "forces": Force.objects.count(),
        "reports": InspectionReport.objects.count(),
        "recommendations": Recommendation.objects.count(),
        "actions": Action.objects.count(),
        "updates": ProgressUpdate.objects.count(),
        "users": User.objects.count(),
    }
    return ScaleResult(seconds=time.monotonic() - started, counts=counts)


def _seed_report_chunk(*, rng, chunk, size, forces, offices, agencies, people, today, now):
    reports = []
    for index in chunk:
        force_index = index % len(forces)
        published = today - datetime.timedelta(days=rng.randint(30, 12 * 365))
        reports.append(
            InspectionReport(
                force=forces[force_index],
                programme=rng.choice(InspectionReport.Programme.values),
                title=f"Inspection {index + 1}: {forces[force_index].name}",
                published_on=published,
                status=InspectionReport.Status.MONITORING,
                action_plan_received_on=published + datetime.timedelta(days=40),
                section_55_published_on=published + datetime.timedelta(days=50),
            )
        )
    reports = InspectionReport.objects.bulk_create(reports)

    areas = PriorityArea.objects.bulk_create(
        [
            PriorityArea(
                report=report,
                position=p,
                title=f"Priority area {p}",
                opcc_lead=people[("opcc_staff", offices[forces.index(report.force)].pk)][0],
            )
            for report in reports
            for p in (1, 2, 3)
        ]
    )
    areas_by_report = {}
    for area in areas:
        areas_by_report.setdefault(area.report_id, []).append(area)

    recommendations, superseded = [], []
    for report, index in zip(reports, chunk, strict=True):
        opcc = people[("opcc_staff", offices[forces.index(report.force)].pk)][0]
        acc = people[("plan_owner", report.force_id)][0]
        for r in range(_spread(size.recommendations, size.reports, index)):
            timescale = _weighted(rng, TIMESCALES)
            status = _weighted(rng, REC_STATUSES)
            closed = status == Recommendation.Status.CLOSED
            if status == Recommendation.Status.SUPERSEDED:
                # Superseded by the recommendation before it, once both exist (see below).
                status = Recommendation.Status.IN_PROGRESS
                if r:
                    superseded.append(len(recommendations))
            recommendations.append(
                Recommendation(
                    report=report,
                    reference=f"R{r + 1}",
                    position=r + 1,
                    text=f"The force should improve practice area {r + 1} of this inspection.",
                    timescale=timescale,
                    due_on=report.published_on + datetime.timedelta(days=TIMESCALE_DAYS[timescale]),
                    status=status,
                    force_acceptance=Recommendation.Acceptance.AGREED,
                    status_reason="Not within the force's remit."
                    if status == Recommendation.Status.NO_ACTION
                    else "",
                    closure_rationale="Delivered and evidenced." if closed else "",
                    closure_proposed_by=acc if closed else None,
                    signed_off_by=opcc if closed else None,
                    signed_off_at=now if closed else None,
                )
            )
    recommendations = Recommendation.objects.bulk_create(recommendations, batch_size=5000)
    for position in superseded:
        rec = recommendations[position]
        rec.status = Recommendation.Status.SUPERSEDED
        rec.superseded_by = recommendations[position - 1]
        rec.status_reason = "Replaced by a later recommendation."
    Recommendation.objects.bulk_update(
        [recommendations[position] for position in superseded],
        ["status", "superseded_by", "status_reason"],
        batch_size=5000,
    )
    recs_by_report = {}
    for rec in recommendations:
        recs_by_report.setdefault(rec.report_id, []).append(rec)
    Recommendation.priority_areas.through.objects.bulk_create(
        [
            Recommendation.priority_areas.through(
                recommendation_id=rec.pk,
                priorityarea_id=rng.choice(areas_by_report[rec.report_id]).pk,
            )
            for rec in recommendations
        ],
        batch_size=10000,
    )

    plans = ActionPlan.objects.bulk_create(
        [
            ActionPlan(
                report=report,
                force=report.force,
                title="Improvement plan",
                owner=people[("plan_owner", report.force_id)][0],
                status=ActionPlan.Status.ACTIVE,
            )
            for report in reports
        ]
    )
    actions, action_recs = [], []
    for plan, index in zip(plans, chunk, strict=True):
        report = plan.report
        force_index = forces.index(report.force)
        leads = people[("police_lead", report.force_id)]
        partner = people[("partner_lead", agencies[force_index].pk)][0]
        opcc = people[("opcc_staff", offices[force_index].pk)][0]
        recs = recs_by_report.get(report.pk) or []
        for a in range(_spread(size.actions, size.reports, index)):
            status = _weighted(rng, ACTION_STATUSES)
            by_partner = rng.random() < 0.1
            lead = partner if by_partner else rng.choice(leads)
            target = report.published_on + datetime.timedelta(days=rng.randint(60, 540))
            revised = rng.random() < 0.15
            live = status in Action.LIVE_STATUSES
            closed = status == Action.Status.CLOSED
            actions.append(
                Action(
                    plan=plan,
                    reference=f"A{a + 1}",
                    description=f"Deliver improvement step {a + 1}.",
                    owner=plan.owner,
                    delivery_lead=lead,
                    partner_agency=agencies[force_index] if by_partner else None,
                    target_date=target,
                    revised_target_date=target + datetime.timedelta(days=90) if revised else None,
                    revision_reason="Resourcing delay." if revised else "",
                    rag=Rag.COMPLETE if closed else _weighted(rng, LIVE_RAGS),
                    cadence=rng.choice([Action.Cadence.MONTHLY, Action.Cadence.QUARTERLY]),
                    next_update_due=today + datetime.timedelta(days=rng.randint(-45, 90))
                    if live
                    else None,
                    status=status,
                    status_reason="Awaiting partner decision."
                    if status in (Action.Status.PAUSED, Action.Status.NOT_NEEDED)
                    else "",
                    completion_proposed_by=lead if closed else None,
                    signed_off_by=opcc if closed else None,
                    signed_off_at=now if closed else None,
                )
            )
            if recs:
                action_recs.append((len(actions) - 1, recs[a % len(recs)].pk))
    actions = Action.objects.bulk_create(actions, batch_size=5000)
    Action.recommendations.through.objects.bulk_create(
        [
            Action.recommendations.through(action_id=actions[i].pk, recommendation_id=rec_id)
            for i, rec_id in action_recs
        ],
        batch_size=10000,
    )

    updates = []
    first_action = chunk.start * size.actions // size.reports
    total_actions = size.actions
    for offset, action in enumerate(actions):
        n = _spread(size.updates, total_actions, first_action + offset) if total_actions else 0
        opcc = (
            action.signed_off_by
            or people[("opcc_staff", offices[forces.index(action.plan.report.force)].pk)][0]
        )
        for u in range(n):
            last = u == n - 1
            state = ProgressUpdate.Review.ACCEPTED
            if last and action.status in Action.LIVE_STATUSES:
                roll = rng.random()
                if roll < 0.15:
                    state = ProgressUpdate.Review.SUBMITTED
                elif roll < 0.2:
                    state = ProgressUpdate.Review.RETURNED
            updates.append(
                ProgressUpdate(
                    action=action,
                    author=action.delivery_lead,
                    written_on=action.plan.report.published_on
                    + datetime.timedelta(days=30 * (u + 1)),
                    narrative=f"Update {u + 1}: work continues to plan.",
                    rag=action.rag,
                    percent_complete=min(100, 20 * (u + 1)),
                    review_state=state,
                    reviewed_by=None if state == ProgressUpdate.Review.SUBMITTED else opcc,
                    reviewed_at=None if state == ProgressUpdate.Review.SUBMITTED else now,
                    review_comment="Please add the figures."
                    if state == ProgressUpdate.Review.RETURNED
                    else "",
                )
            )
    ProgressUpdate.objects.bulk_create(updates, batch_size=5000)
