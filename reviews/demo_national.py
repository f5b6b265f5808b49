"""The demo's second office and the reports that are not HMIC's inspection of one force.

Dorset Police and the Office of the Police and Crime Commissioner for Dorset: a second
office, so the demo shows one national report answered by two forces. HMICFRS's thematic
inspection "Police response to violence against women and girls" (published 17 September
2021) is entered once by the Devon and Cornwall office, through the same services a person
uses, and applied to each force by its own office; each force's response moves on its own,
so the side-by-side page shows a real difference. The recommendations' wording is
illustrative. And an illustrative IOPC learning report for Devon and Cornwall.

Called from reviews.demo_scenario.seed_demo, inside its transaction; a second run creates
nothing.
"""

import datetime
from collections.abc import Callable

from oversight.models import Force, InspectionReport, NationalReport, Office, User
from oversight.services import report_update
from oversight.shared.concurrency import version_of
from recommendations.models import NationalRecommendation, Rag, Recommendation
from recommendations.services import inspectorate_status_record, recommendation_transition
from recommendations.services_actions import action_create, action_plan_create
from recommendations.services_actions import action_plan_transition as plan_transition
from recommendations.services_national import (
    Addressees,
    national_recommendation_save,
    national_report_apply,
    national_report_create,
)
from recommendations.services_progress import (
    action_propose_completion,
    action_sign_off,
    progress_update_accept,
    progress_update_submit,
)

Count = Callable[[str, bool], None]
Forces = NationalRecommendation.Forces
Body = NationalRecommendation.Body

VAWG_TITLE = "Police response to violence against women and girls: final inspection report"
VAWG_PUBLISHED = datetime.date(2021, 9, 17)
# reference, timescale, addressed to, text (illustrative wording)
VAWG_RECOMMENDATIONS = [
    (
        "R1",
        Recommendation.Timescale.SIX_MONTHS,
        Forces.ALL,
        "Chief constables should make the response to violence against women and girls an "
        "absolute priority, with a chief officer lead and a force delivery plan.",
    ),
    (
        "R2",
        Recommendation.Timescale.SIX_MONTHS,
        Forces.ALL,
        "Chief constables should make the relentless pursuit and disruption of adult "
        "perpetrators a priority, using every tactic open to them.",
    ),
    (
        "R3",
        Recommendation.Timescale.TWELVE_MONTHS,
        Forces.ALL,
        "Chief constables should make sure that all frontline officers and staff are trained "
        "to recognise vulnerability and risk in cases of violence against women and girls.",
    ),
    (
        "R4",
        Recommendation.Timescale.THREE_MONTHS,
        Forces.NAMED,
        "The forces named should review how they use domestic violence protection orders and "
        "notices, and tell HMICFRS what they will change.",
    ),
    (
        "R5",
        Recommendation.Timescale.TWELVE_MONTHS,
        Forces.NONE,
        "The NPCC and the College of Policing should agree national guidance and standards for "
        "the police response to violence against women and girls.",
    ),
]

IOPC_TITLE = "IOPC learning recommendations: response to a missing child (illustrative)"


def second_office() -> tuple[Force, Office, dict[str, int]]:
    """Dorset Police and the office overseeing it; what was created, by kind."""
    force, force_created = Force.objects.get_or_create(
        name="Dorset Police",
        defaults={
            "short_name": "Dorset",
            "chief_constable": "Chief Constable James Vaughan",
            "address": "Force Headquarters, Winfrith, Dorchester, Dorset DT2 8DZ",
        },
    )
    office, office_created = Office.objects.get_or_create(
        name="Office of the Police and Crime Commissioner for Dorset",
        defaults={
            "slug": "dorset-opcc",
            "commissioner": "David Sidwick",
            "address": "Force Headquarters, Winfrith, Dorchester, Dorset DT2 8DZ",
            "email": "dorset-opcc@demo.oversight.localhost",
        },
    )
    office.forces.add(force)
    return force, office, {"forces": int(force_created), "offices": int(office_created)}


def regional_office(*forces: Force) -> tuple[Office, bool]:
    """An illustrative regional collaboration board overseeing both forces: its readers see
    each force's answer to a national report side by side."""
    office, created = Office.objects.get_or_create(
        name="South West regional collaboration board (illustrative)",
        defaults={"email": "region@demo.oversight.localhost"},
    )
    office.forces.add(*forces)
    return office, created


def seed_national(
    *,
    users: dict[str, User],
    force: Force,
    dorset: Force,
    recommendations: dict[str, Recommendation],
    count: Count,
) -> None:
    if NationalReport.objects.filter(title=VAWG_TITLE).exists():
        count("national_reports", False)
    else:
        _vawg(users=users, force=force, dorset=dorset, recommendations=recommendations)
        count("national_reports", True)
    _iopc(force=force, count=count)


def _vawg(*, users, force, dorset, recommendations) -> None:
    opcc, dorset_opcc = users["opcc"], users["dorset"]
    national_report = national_report_create(
        by=opcc,
        fields={
            "title": VAWG_TITLE,
            "source": NationalReport.Source.HMICFRS,
            "programme": NationalReport.Programme.THEMATIC,
            "published_on": VAWG_PUBLISHED,
            "summary": "HMICFRS's inspection of how the police respond to violence against "
            "women and girls, commissioned by the Home Secretary. Its recommendations are "
            "addressed to chief constables, to named forces and to national bodies. The "
            "wording of the recommendations in this demo is illustrative.",
            "source_url": "https://hmicfrs.justiceinspectorates.gov.uk/publications/"
            "police-response-to-violence-against-women-and-girls-final-inspection-report/",
        },
    )
    for reference, timescale, addressed, text in VAWG_RECOMMENDATIONS:
        national_recommendation_save(
            national_report=national_report,
            by=opcc,
            fields={
                "reference": reference,
                "publisher_reference": f"VAWG 2021 {reference}",
                "text": text,
                "timescale": timescale,
            },
            addressees=Addressees(
                forces=addressed,
                named=(force,) if addressed == Forces.NAMED else (),
                bodies=(Body.NPCC, Body.COLLEGE_OF_POLICING) if addressed == Forces.NONE else (),
            ),
        )
    (ours,) = national_report_apply(national_report=national_report, forces=[force], by=opcc)
    (theirs,) = national_report_apply(
        national_report=national_report, forces=[dorset], by=dorset_opcc
    )
    for report, by, answered_on in [
        (ours, opcc, datetime.date(2021, 11, 5)),
        (theirs, dorset_opcc, datetime.date(2021, 11, 10)),
    ]:
        report_update(
            report=report,
            by=by,
            fields={
                "status": InspectionReport.Status.MONITORING,
                "section_55_published_on": answered_on,
            },
            version=version_of(report),
        )
    _devon_and_cornwall_progress(ours, users=users, recommendations=recommendations)
    _dorset_progress(theirs, users=users)


def _responses(report: InspectionReport) -> dict[str, Recommendation]:
    return {rec.reference: rec for rec in report.recommendations.select_related("report")}


def _plan(report, *, owner, title):
    return action_plan_create(
        by=owner, report=report, title=title, owner=owner, governance_board="VAWG board"
    )


def _activate(plan, *, owner, opcc) -> None:
    plan_transition(plan=plan, by=owner, to_status="submitted")
    plan_transition(plan=plan, by=opcc, to_status="active")


def _accepted_update(action, *, author, reviewer, narrative, rag, percent) -> None:
    update = progress_update_submit(
        action=action, author=author, narrative=narrative, rag=rag, percent_complete=percent
    )
    progress_update_accept(update=update, by=reviewer)


def _devon_and_cornwall_progress(report, *, users, recommendations) -> None:
    """R1 in progress with an action and an accepted update, and HMICFRS's status recorded;
    R3 covered by the child protection inspection's training recommendation (R8); R4 open;
    R5 for information."""
    opcc, acc, lead = users["opcc"], users["acc"], users["lead"]
    responses = _responses(report)
    plan = _plan(report, owner=acc, title="VAWG delivery plan")
    action = action_create(
        plan=plan,
        by=acc,
        reference="V1",
        description="Appoint a chief officer lead for VAWG and publish the force's VAWG "
        "delivery plan.",
        recommendations=[responses["R1"]],
        target_date=VAWG_PUBLISHED + datetime.timedelta(days=1900),
        cadence="quarterly",
        delivery_lead=lead,
        owner=acc,
        success_measure="Delivery plan published; progress reported to the VAWG board.",
    )
    _activate(plan, owner=acc, opcc=opcc)
    _accepted_update(
        action,
        author=lead,
        reviewer=opcc,
        narrative="ACC appointed as VAWG lead; delivery plan agreed at the VAWG board and "
        "published on the force website.",
        rag=Rag.GREEN,
        percent=60,
    )
    recommendation_transition(recommendation=responses["R1"], to_status="in_progress", by=opcc)
    inspectorate_status_record(
        recommendation=responses["R1"],
        by=opcc,
        status=Recommendation.InspectorateStatus.BEING_PROGRESSED,
        changed_on=datetime.date(2022, 9, 30),
        comment="HMICFRS's monitoring portal: the force's plan is in place.",
    )
    recommendation_transition(
        recommendation=responses["R3"],
        to_status="covered",
        by=opcc,
        covered_by=recommendations["R8"],
        reason="The vulnerability training for all frontline staff (child protection R8) "
        "includes violence against women and girls.",
    )


def _dorset_progress(report, *, users) -> None:
    """Further on for R1 (delivered, proposed for closure), R2 red, R3 not started."""
    dorset_opcc, dorset_acc = users["dorset"], users["dorsetacc"]
    responses = _responses(report)
    plan = _plan(report, owner=dorset_acc, title="Dorset VAWG plan")
    lead_action = action_create(
        plan=plan,
        by=dorset_acc,
        reference="D1",
        description="Name a chief officer lead for VAWG and publish the delivery plan.",
        recommendations=[responses["R1"]],
        target_date=datetime.date(2022, 3, 31),
        cadence="quarterly",
        delivery_lead=dorset_acc,
        owner=dorset_acc,
    )
    perpetrators = action_create(
        plan=plan,
        by=dorset_acc,
        reference="D2",
        description="Set up a perpetrator panel to target the most harmful VAWG offenders.",
        recommendations=[responses["R2"]],
        target_date=datetime.date(2022, 9, 30),
        cadence="monthly",
        delivery_lead=dorset_acc,
        owner=dorset_acc,
    )
    _activate(plan, owner=dorset_acc, opcc=dorset_opcc)
    _accepted_update(
        lead_action,
        author=dorset_acc,
        reviewer=dorset_opcc,
        narrative="Delivery plan published; the chief officer lead chairs the VAWG board.",
        rag=Rag.GREEN,
        percent=100,
    )
    action_propose_completion(
        action=lead_action,
        by=dorset_acc,
        completion_evidence="The published plan and the board's minutes.",
    )
    action_sign_off(action=lead_action, by=dorset_opcc)
    _accepted_update(
        perpetrators,
        author=dorset_acc,
        reviewer=dorset_opcc,
        narrative="Panel paused: analyst post vacant, so no offenders have been selected yet.",
        rag=Rag.RED,
        percent=20,
    )
    for reference in ("R1", "R2"):
        recommendation_transition(
            recommendation=responses[reference], to_status="in_progress", by=dorset_opcc
        )
    recommendation_transition(
        recommendation=responses["R1"],
        to_status="proposed_for_closure",
        by=dorset_acc,
        reason="Chief officer lead in post and the delivery plan published.",
    )


def _iopc(*, force: Force, count: Count) -> None:
    report, created = InspectionReport.objects.get_or_create(
        force=force,
        title=IOPC_TITLE,
        defaults={
            "source": InspectionReport.Source.IOPC,
            "programme": "",
            "summary": "An illustrative IOPC learning report after an investigation into how "
            "the force responded to reports that a child was missing.",
            "published_on": datetime.date(2023, 3, 14),
            "status": InspectionReport.Status.MONITORING,
        },
    )
    count("reports", created)
    for position, (reference, text) in enumerate(
        [
            (
                "L1",
                "The force should make sure that call handlers ask the questions in the missing "
                "person risk assessment for every call about a missing child (illustrative).",
            ),
            (
                "L2",
                "The force should remind supervisors to review the risk grading of a missing "
                "child at every change of shift (illustrative).",
            ),
        ],
        start=1,
    ):
        _, created = Recommendation.objects.get_or_create(
            report=report,
            reference=reference,
            defaults={"position": position, "text": text, "status": Recommendation.Status.OPEN},
        )
        count("recommendations", created)
