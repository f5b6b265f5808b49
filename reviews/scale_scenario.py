"""National-size data for measuring speed: every force in England and Wales, years of reports.

Built with bulk inserts in chunks of reports so memory stays flat. Dates stand relative to
today, as a mature tracker's would: reports from the last six years; what is still live is
mostly from recent reports (most of an old report's recommendations are closed), so most
live work is on time and a minority is overdue; live actions' target dates and update dates
lie around today, with recent updates. Each recommendation has its history as the services
would have written it (created when its report was logged; a change when it was closed), so
"as it stood on" a day, "completed since" and the trends read believable figures. Several
police leads per force; a partner agency owns about one action in ten. Most reports are
HMICFRS's, with a share from the IOPC, coroners, audits and other inspectorates, and a share
of areas for improvement.

About a tenth of the recommendations answer national reports: a handful of national
reports (size-dependent), each entered once by one office and applied to every force,
written row for row as services_national.national_report_apply would (a force copy with
`national_report` set and the national report's fields, a response per national
recommendation with `national_recommendation` set and the same wording); one
recommendation of each is addressed to national bodies only, so every force holds it for
information, and some responses are covered by an earlier response of the same force.
Each office has held deep dives over the last two years, one every four months or so, each
on one of its force's reports and one or two of that report's priority areas, most judged
(an assurance on current performance and on improvement plans) and the newest planned.
"""

import copy
import datetime
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from oversight.models import (
    NATIONAL_REPORT_FIELDS,
    Force,
    InspectionReport,
    NationalReport,
    Office,
    PartnerAgency,
    PriorityArea,
    User,
)
from recommendations.models import (
    Action,
    ActionPlan,
    NationalRecommendation,
    ProgressUpdate,
    Rag,
    Recommendation,
)
from recommendations.services import NATIONAL_WORDING_FIELDS, NOT_ANSWERED, recommendation_due_on
from reviews.models import Assurance, DeepDiveReview, LineOfEnquiry

LEADS_PER_FORCE = 6
DEEP_DIVES_PER_OFFICE = 6
DEEP_DIVE_THEMES = (
    "Victim contact and updates",
    "Domestic abuse risk assessment",
    "Stop and search scrutiny",
    "Missing children",
    "Call handling and response times",
    "Vetting and professional standards",
)
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


# How much of a report's work is still live, by the report's age in days: nearly all of a
# recent report's, little of an old one's (about 30% of everything overall).
LIVE_SHARE_BY_AGE = [(365, 0.85), (2 * 365, 0.45), (3 * 365, 0.2), (None, 0.05)]
LIVE_REC_STATUSES = [
    (Recommendation.Status.IN_PROGRESS, 65),
    (Recommendation.Status.OPEN, 20),
    (Recommendation.Status.PROPOSED_FOR_CLOSURE, 15),
]
DONE_REC_STATUSES = [
    (Recommendation.Status.CLOSED, 80),
    (Recommendation.Status.SUPERSEDED, 10),
    (Recommendation.Status.NO_ACTION, 10),
]
REPORT_AGE_DAYS = (30, 6 * 365)
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
Source = InspectionReport.Source
# A force's own reports by source; inspections have a programme, coroners a named issuer.
SOURCES = [
    (Source.HMICFRS, 72),
    (Source.IOPC, 8),
    (Source.CORONER, 5),
    (Source.INTERNAL_AUDIT, 7),
    (Source.EXTERNAL_AUDIT, 4),
    (Source.OTHER_INSPECTORATE, 4),
]
ISSUERS = {
    Source.CORONER: "HM Senior Coroner for the area",
    Source.OTHER_INSPECTORATE: "HM Inspectorate of Prisons",
}
# Of an inspection's findings, the share that are areas for improvement.
AFI_SHARE = 0.2
# The share of recommendations answering national reports.
NATIONAL_SHARE = 0.1
# Of the national responses a force answers, the share covered by an earlier one.
COVERED_SHARE = 0.1
NATIONAL_BODIES = [
    NationalRecommendation.Body.NPCC,
    NationalRecommendation.Body.COLLEGE_OF_POLICING,
]


def _live_share(age_days: int) -> float:
    for up_to, share in LIVE_SHARE_BY_AGE:
        if up_to is None or age_days <= up_to:
            return share
    raise AssertionError("LIVE_SHARE_BY_AGE ends with None")


def _at(day: datetime.date) -> datetime.datetime:
    """Midday on `day`, in the site's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


def _recommendation_history(recommendations, settled_on, *, today) -> None:
    """Each recommendation's history as the services write it: created (open, or for
    information) a week after its report was published, and, once disposed of, a change on
    the day it was."""
    created, changed = [], []
    for rec, settled in zip(recommendations, settled_on, strict=True):
        first = copy.copy(rec)
        if rec.status != Recommendation.Status.FOR_INFORMATION:
            first.status = Recommendation.Status.OPEN
            first.status_reason = first.closure_rationale = ""
            first.closure_proposed_by = first.signed_off_by = first.signed_off_at = None
            first.superseded_by = first.covered_by = None
        published = rec.report.published_on
        first._history_date = _at(min(published + datetime.timedelta(days=7), today))
        created.append(first)
        if rec.status not in Recommendation.OPEN_STATUSES and rec.status != (
            Recommendation.Status.FOR_INFORMATION
        ):
            rec._history_date = _at(max(settled, published + datetime.timedelta(days=8)))
            changed.append(rec)
    Recommendation.history.bulk_history_create(created, batch_size=5000)
    Recommendation.history.bulk_history_create(changed, batch_size=5000, update=True)


def _spread(total: int, parts: int, index: int) -> int:
    """How many of `total` items the `index`-th of `parts` buckets gets (differ by at most 1)."""
    return total // parts + (1 if index < total % parts else 0)


@dataclass(frozen=True)
class NationalPlan:
    """The national reports and where their force copies sit among the reports: the first
    `copies` report indices, national report `index // forces` for force `index % forces`,
    each with `per_report` responses; the other reports share what is left."""

    reports: list
    recommendations: dict  # national report pk -> its NationalRecommendations by position
    forces: int
    per_report: int

    @property
    def copies(self) -> int:
        return len(self.reports) * self.forces

    def recommendations_for(self, size: "ScaleSize", index: int) -> int:
        if index < self.copies:
            return self.per_report
        return _spread(
            size.recommendations - self.copies * self.per_report,
            size.reports - self.copies,
            index - self.copies,
        )


def _national_count(size: "ScaleSize") -> int:
    """A handful of national reports making up about NATIONAL_SHARE of the reports, at
    least one, never more copies than reports."""
    wanted = round(NATIONAL_SHARE * size.reports / size.forces)
    return max(1, min(wanted, size.reports // size.forces))


def _seed_national_reports(*, rng, size, entered_by, today) -> NationalPlan:
    per_report = size.recommendations // size.reports
    reports = NationalReport.objects.bulk_create(
        [
            NationalReport(
                entered_by=entered_by,
                source=Source.HMICFRS,
                programme=InspectionReport.Programme.THEMATIC,
                title=f"National thematic inspection {k + 1}",
                summary="A thematic inspection of every force in England and Wales.",
                published_on=today - datetime.timedelta(days=rng.randint(60, 6 * 365)),
            )
            for k in range(_national_count(size))
        ]
    )
    nationals = []
    for k, report in enumerate(reports):
        for r in range(per_report):
            # The last is addressed to national bodies only: every force follows it.
            for_bodies = per_report > 1 and r == per_report - 1
            nationals.append(
                NationalRecommendation(
                    national_report=report,
                    reference=f"R{r + 1}",
                    publisher_reference=f"NT{k + 1} R{r + 1}",
                    position=r + 1,
                    text=f"Chief constables should improve national practice area {r + 1}."
                    if not for_bodies
                    else "The NPCC and the College of Policing should publish national "
                    "guidance on this theme.",
                    timescale=_weighted(rng, TIMESCALES),
                    addressed_forces=NationalRecommendation.Forces.NONE
                    if for_bodies
                    else NationalRecommendation.Forces.ALL,
                    national_bodies=NATIONAL_BODIES if for_bodies else [],
                )
            )
    nationals = NationalRecommendation.objects.bulk_create(nationals, batch_size=5000)
    by_report = {}
    for national in nationals:
        by_report.setdefault(national.national_report_id, []).append(national)
    return NationalPlan(reports, by_report, size.forces, per_report)


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

    national_plan = _seed_national_reports(rng=rng, size=size, entered_by=offices[0], today=today)
    answering: dict[int, int] = {}  # force pk -> the pk of a response it answers
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
            national_plan=national_plan,
            answering=answering,
        )
        done_reports += len(chunk)
        if progress:
            progress(done_reports, size.reports)

    _seed_deep_dives(rng=rng, forces=forces, offices=offices, today=today)

    counts = {
        "forces": Force.objects.count(),
        "reports": InspectionReport.objects.count(),
        "national_reports": NationalReport.objects.count(),
        "recommendations": Recommendation.objects.count(),
        "actions": Action.objects.count(),
        "updates": ProgressUpdate.objects.count(),
        "users": User.objects.count(),
        "deep_dives": DeepDiveReview.objects.count(),
    }
    return ScaleResult(seconds=time.monotonic() - started, counts=counts)


def _seed_deep_dives(*, rng, forces, offices, today) -> None:
    """DEEP_DIVES_PER_OFFICE deep dives per office on its force's newest reports with
    priority areas, held every four months or so back from today: all but the newest
    judged, each with two lines of enquiry."""
    assurances = [choice for choice, _label in Assurance.choices]
    reviews, covers = [], []
    for office, force in zip(offices, forces, strict=True):
        areas_by_report: dict[int, list[int]] = {}
        for area_id, report_id in (
            PriorityArea.objects.filter(report__force=force)
            .order_by("-report__published_on", "report_id", "position")
            .values_list("pk", "report_id")
        ):
            areas_by_report.setdefault(report_id, []).append(area_id)
        for n, (report_id, area_ids) in enumerate(
            list(areas_by_report.items())[:DEEP_DIVES_PER_OFFICE]
        ):
            judged = n > 0
            reviews.append(
                DeepDiveReview(
                    office=office,
                    force=force,
                    report_id=report_id,
                    theme=DEEP_DIVE_THEMES[n % len(DEEP_DIVE_THEMES)],
                    held_on=today - datetime.timedelta(days=120 * n + rng.randint(0, 30)),
                    status=DeepDiveReview.Status.HELD if judged else DeepDiveReview.Status.PLANNED,
                    panel="Deputy Commissioner\nChief Executive\nIndependent panel member",
                    findings="The panel heard from the force's lead and read its delivery plan."
                    if judged
                    else "",
                    performance_assurance=rng.choice(assurances) if judged else "",
                    performance_rationale="Performance data shown to the panel." if judged else "",
                    plans_assurance=rng.choice(assurances) if judged else "",
                    plans_rationale="The plan is owned, funded and timed." if judged else "",
                )
            )
            covers.append(rng.sample(area_ids, min(len(area_ids), rng.randint(1, 2))))
    reviews = DeepDiveReview.objects.bulk_create(reviews)
    DeepDiveReview.priority_areas.through.objects.bulk_create(
        [
            DeepDiveReview.priority_areas.through(deepdivereview_id=review.pk, priorityarea_id=area)
            for review, area_ids in zip(reviews, covers, strict=True)
            for area in area_ids
        ]
    )
    LineOfEnquiry.objects.bulk_create(
        [
            LineOfEnquiry(review=review, position=position, question=question, response=response)
            for review in reviews
            for position, (question, response) in enumerate(
                (
                    ("How does the force know its plan is working?", "Monthly performance pack."),
                    ("What has changed for the public since the inspection?", ""),
                ),
                start=1,
            )
        ]
    )


def _report(*, rng, index, force, today, national_plan) -> InspectionReport:
    if index < national_plan.copies:
        national = national_plan.reports[index // national_plan.forces]
        fields = {name: getattr(national, name) for name in NATIONAL_REPORT_FIELDS}
        fields["national_report"] = national
    else:
        source = _weighted(rng, SOURCES)
        fields = {
            "source": source,
            "programme": rng.choice(InspectionReport.Programme.values)
            if source in InspectionReport.INSPECTORATE_SOURCES
            else "",
            "issued_by": ISSUERS.get(source, ""),
            "title": f"{Source(source).label} report {index + 1}: {force.name}",
            "published_on": today - datetime.timedelta(days=rng.randint(*REPORT_AGE_DAYS)),
        }
    published = fields["published_on"]
    return InspectionReport(
        force=force,
        status=InspectionReport.Status.MONITORING,
        action_plan_received_on=published + datetime.timedelta(days=40),
        section_55_published_on=published + datetime.timedelta(days=50)
        if fields["source"] in InspectionReport.SECTION_55_SOURCES
        else None,
        **fields,
    )


def _seed_report_chunk(
    *,
    rng,
    chunk,
    size,
    forces,
    offices,
    agencies,
    people,
    today,
    now,
    national_plan,
    answering,
):
    reports = InspectionReport.objects.bulk_create(
        [
            _report(
                rng=rng,
                index=index,
                force=forces[index % len(forces)],
                today=today,
                national_plan=national_plan,
            )
            for index in chunk
        ]
    )

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

    recommendations, superseded, covered, settled_on = [], [], set(), []
    for report, index in zip(reports, chunk, strict=True):
        opcc = people[("opcc_staff", offices[forces.index(report.force)].pk)][0]
        acc = people[("plan_owner", report.force_id)][0]
        nationals = national_plan.recommendations.get(report.national_report_id, [])
        afis = 0
        for r in range(national_plan.recommendations_for(size, index)):
            timescale = _weighted(rng, TIMESCALES)
            age = (today - report.published_on).days
            live = rng.random() < _live_share(age)
            status = _weighted(rng, LIVE_REC_STATUSES if live else DONE_REC_STATUSES)
            wording = {
                "reference": f"R{r + 1 - afis}",
                "kind": Recommendation.Kind.RECOMMENDATION,
                "text": f"The force should improve practice area {r + 1} of this report.",
                "timescale": timescale,
            }
            if nationals:
                national = nationals[r]
                wording = {name: getattr(national, name) for name in NATIONAL_WORDING_FIELDS}
                timescale = national.timescale
                if national.addressed_forces == NationalRecommendation.Forces.NONE:
                    status = Recommendation.Status.FOR_INFORMATION
                elif status == Recommendation.Status.SUPERSEDED or rng.random() < COVERED_SHARE:
                    # Covered by an earlier response of the force's, once it exists (below).
                    status = Recommendation.Status.IN_PROGRESS
                    covered.add(len(recommendations))
            elif report.is_inspection and r and rng.random() < AFI_SHARE:
                afis += 1
                wording.update(
                    reference=f"AFI{afis}",
                    kind=Recommendation.Kind.AREA_FOR_IMPROVEMENT,
                    text=f"The force should improve how it manages area {r + 1}.",
                    timescale=Recommendation.Timescale.NONE,
                )
                timescale = Recommendation.Timescale.NONE
            closed = status == Recommendation.Status.CLOSED
            proposed = status == Recommendation.Status.PROPOSED_FOR_CLOSURE
            # Disposed of between two months after publication and today (within 3 years).
            settled = report.published_on + datetime.timedelta(
                days=rng.randint(min(60, age - 1), max(min(60, age - 1), min(age - 1, 3 * 365)))
            )
            due_on = recommendation_due_on(published_on=report.published_on, timescale=timescale)
            if live and due_on and due_on < today and rng.random() < 0.8:
                # Most work still live past its timescale has a date agreed since.
                due_on = today + datetime.timedelta(days=rng.randint(-45, 270))
            settled_on.append(settled)
            if status == Recommendation.Status.SUPERSEDED:
                # Superseded by the recommendation before it, once both exist (see below).
                status = Recommendation.Status.IN_PROGRESS
                if r:
                    superseded.append(len(recommendations))
            recommendations.append(
                Recommendation(
                    report=report,
                    national_recommendation=nationals[r] if nationals else None,
                    position=r + 1,
                    **wording,
                    due_on=due_on,
                    status=status,
                    force_acceptance=""
                    if status == Recommendation.Status.FOR_INFORMATION
                    else Recommendation.Acceptance.AGREED,
                    status_reason="Not within the force's remit."
                    if status == Recommendation.Status.NO_ACTION
                    else "",
                    closure_rationale="Delivered and evidenced." if closed or proposed else "",
                    closure_proposed_by=acc if closed or proposed else None,
                    # A proposal waiting for sign-off was made in the last two months.
                    closure_proposed_at=_at(
                        today - datetime.timedelta(days=1 + (r * 7 + index) % 60)
                    )
                    if proposed
                    else None,
                    signed_off_by=opcc if closed else None,
                    signed_off_at=_at(settled) if closed else None,
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
    now_covered = []
    for position, rec in enumerate(recommendations):
        force_id = rec.report.force_id
        if position in covered and force_id in answering:
            rec.status = Recommendation.Status.COVERED
            rec.covered_by_id = answering[force_id]
            rec.status_reason = "The force's response to the earlier one answers this too."
            now_covered.append(rec)
        elif rec.status not in NOT_ANSWERED:
            answering[force_id] = rec.pk
    Recommendation.objects.bulk_update(
        now_covered, ["status", "covered_by", "status_reason"], batch_size=5000
    )
    _recommendation_history(recommendations, settled_on, today=today)
    recs_by_report = {}
    for rec in recommendations:
        # Actions answer only what the force answers itself.
        if rec.status not in NOT_ANSWERED:
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
            live = status in Action.LIVE_STATUSES
            closed = status == Action.Status.CLOSED
            if live:
                # Around today: about one live action in six is past its target date.
                target = today + datetime.timedelta(days=rng.randint(-60, 300))
            else:
                target = report.published_on + datetime.timedelta(days=rng.randint(60, 540))
            revised = rng.random() < 0.15
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
                    next_update_due=today + datetime.timedelta(days=rng.randint(-20, 90))
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
        live = action.status in Action.LIVE_STATUSES
        published = action.plan.report.published_on
        recent = rng.randint(1, 40)
        for u in range(n):
            last = u == n - 1
            if live:
                # Monthly, the latest within the last six weeks.
                written_on = today - datetime.timedelta(days=recent + 30 * (n - 1 - u))
            else:
                written_on = published + datetime.timedelta(days=30 * (u + 1))
            written_on = min(max(written_on, published), today)
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
                    written_on=written_on,
                    narrative=f"Update {u + 1}: work continues to plan.",
                    rag=action.rag,
                    percent_complete=min(100, 20 * (u + 1)),
                    review_state=state,
                    reviewed_by=None if state == ProgressUpdate.Review.SUBMITTED else opcc,
                    reviewed_at=None
                    if state == ProgressUpdate.Review.SUBMITTED
                    else min(_at(written_on + datetime.timedelta(days=2)), now),
                    review_comment="Please add the figures."
                    if state == ProgressUpdate.Review.RETURNED
                    else "",
                )
            )
    ProgressUpdate.objects.bulk_create(updates, batch_size=5000)
