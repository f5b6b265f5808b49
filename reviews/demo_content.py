"""The demo scenario's content: the demo logins, and the findings, priority areas,
recommendations and actions of HMIC's 2015 national child protection inspection of Devon
and Cornwall Police as the OPCC responded to it. Published facts come from the OPCC's press
release; the wording of the recommendations and actions is illustrative.
"""

from dataclasses import dataclass

from oversight.models import User
from recommendations.models import Rag

DEMO_PASSWORD = "oversight-demo"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    name: str
    role: str
    organisation: str
    description: str
    office_admin: bool = False


DEMO_LOGINS = [
    DemoLogin(
        "admin",
        "Rhian Morgan",
        User.Role.OPCC_STAFF,
        "office",
        "Office administrator: invites people, changes roles, deactivates leavers, reads the "
        "sign-in log",
        office_admin=True,
    ),
    DemoLogin(
        "opcc",
        "Olivia Price",
        User.Role.OPCC_STAFF,
        "office",
        "OPCC staff: logs findings, reviews updates, signs off closure, issues letters",
    ),
    DemoLogin(
        "panel",
        "Peter Nance",
        User.Role.READ_ONLY,
        "office",
        "Read-only panel member: reads everything the OPCC sees, changes nothing",
    ),
    DemoLogin(
        "acc",
        "Alison Carter",
        User.Role.PLAN_OWNER,
        "force",
        "Assistant Chief Constable: owns the force's action plan",
    ),
    DemoLogin(
        "lead",
        "Daniel Hughes",
        User.Role.POLICE_LEAD,
        "force",
        "Police lead (Det Supt, public protection): updates the actions assigned to him",
    ),
    DemoLogin(
        "lead2",
        "Megan Rowe",
        User.Role.POLICE_LEAD,
        "force",
        "Police lead (Supt, digital forensics): the high-tech crime unit actions",
    ),
    DemoLogin(
        "partner",
        "Sam Whitfield",
        User.Role.PARTNER_LEAD,
        "partner",
        "Partner lead, Devon children's services: updates the agency's actions only",
    ),
    DemoLogin(
        "dorset",
        "Hannah Ellis",
        User.Role.OPCC_STAFF,
        "second_office",
        "OPCC staff, Dorset: a second office; sees Dorset Police only and follows its answer "
        "to the national report",
    ),
    DemoLogin(
        "region",
        "Ruth Penrose",
        User.Role.READ_ONLY,
        "region",
        "Read-only, regional collaboration board: sees both forces, compares their answers to "
        "the national report side by side",
    ),
    DemoLogin(
        "dorsetacc",
        "Tom Barker",
        User.Role.PLAN_OWNER,
        "second_force",
        "Assistant Chief Constable, Dorset Police: owns Dorset's plan for the national report",
    ),
]

POSITIVE_FINDINGS = [
    "A strong commitment, from chief officers down, to improving the protection of children.",
    "Dedicated child abuse investigators with the skills and experience the work needs.",
    "A fast initial response when a child is reported to be at risk.",
    "Good relationships with partner agencies, including the local safeguarding boards.",
]
CONCERN_FINDINGS = [
    (
        "A poor understanding of the extent of child sexual exploitation (CSE) and an "
        "inconsistent response to it.",
        [2],
    ),
    ("Inconsistent protection for children who repeatedly go missing from home.", [1]),
    ("Some serious cases handled by staff without specialist child protection training.", [4]),
    ("Children held overnight in police custody when they did not need to be.", [5]),
]
PRIORITY_AREAS = [
    "Children who go missing from home",
    "Consistency of child sexual exploitation investigations",
    "Use and recording of police information for risk assessment",
    "Consistency of child protection investigations",
    "Children held in detention",
    "Backlog at the high-tech crime unit",
]
# reference, timescale, priority area positions, cause of concern, text (illustrative)
RECOMMENDATIONS = [
    (
        "R1",
        "immediately",
        [2],
        "C1",
        "Immediately, the force should ensure that every child sexual exploitation case is "
        "identified, recorded as such and allocated to an investigator with specialist skills.",
    ),
    (
        "R2",
        "3_months",
        [2],
        "C1",
        "Within three months, the force should put in place a process to track child sexual "
        "exploitation investigations and share what it learns with partner agencies.",
    ),
    (
        "R3",
        "immediately",
        [1],
        "C2",
        "Immediately, the force should ensure that a child who goes missing repeatedly is "
        "reassessed for risk after every episode and offered a return-home interview.",
    ),
    (
        "R4",
        "3_months",
        [1],
        "C2",
        "Within three months, the force should agree with the local authorities a joint approach "
        "to children who repeatedly go missing, based on a shared problem profile.",
    ),
    (
        "R5",
        "3_months",
        [3],
        None,
        "Within three months, the force should improve how it records information about children "
        "at risk so that it is available to officers and staff assessing risk.",
    ),
    (
        "R6",
        "6_months",
        [3],
        None,
        "Within six months, the force should review how it shares intelligence with partner "
        "agencies to support decisions about children at risk.",
    ),
    (
        "R7",
        "3_months",
        [4],
        None,
        "Within three months, the force should ensure that serious child protection cases are "
        "investigated by specialist staff.",
    ),
    (
        "R8",
        "6_months",
        [4],
        None,
        "Within six months, the force should provide training on vulnerability and child "
        "protection for all frontline officers and staff.",
    ),
    (
        "R9",
        "immediately",
        [5],
        None,
        "Immediately, the force should work with local authorities so that children who are "
        "charged and refused bail are moved to local authority accommodation, not held overnight "
        "in police custody.",
    ),
    (
        "R10",
        "6_months",
        [6],
        None,
        "Within six months, the force should reduce the backlog of lower-priority cases referred "
        "to the high-tech crime unit in line with an agreed trajectory.",
    ),
]


@dataclass(frozen=True)
class DemoAction:
    reference: str
    recommendations: list
    description: str
    lead: str
    status: str
    rag: str
    cadence: str
    target_days: int  # target date relative to the load day (negative: in the past)
    revised_days: int | None = None
    revision_reason: str = ""
    partner: bool = False
    next_update_days: int | None = None
    success_measure: str = ""


ACTIONS = [
    DemoAction(
        "A1",
        ["R1"],
        "Create and fill additional investigator posts dedicated to child sexual exploitation.",
        "lead",
        "closed",
        Rag.COMPLETE,
        "quarterly",
        -3400,
        success_measure="All CSE cases allocated to a specialist investigator.",
    ),
    DemoAction(
        "A2",
        ["R2"],
        "Introduce a CSE tracking process reviewed weekly by the safeguarding hub.",
        "lead",
        "in_progress",
        Rag.GREEN,
        "monthly",
        60,
        next_update_days=12,
        success_measure="Every open CSE investigation on the tracker with a review date.",
    ),
    DemoAction(
        "A3",
        ["R5", "R7"],
        "Establish a central safeguarding team to triage and allocate child protection referrals.",
        "lead",
        "closed",
        Rag.COMPLETE,
        "quarterly",
        -3300,
    ),
    DemoAction(
        "A4",
        ["R8"],
        "Deliver vulnerability training to all frontline officers and staff.",
        "lead",
        "in_progress",
        Rag.AMBER,
        "monthly",
        45,
        next_update_days=-6,
        success_measure="95% of frontline staff trained; dip-sample of cases shows use.",
    ),
    DemoAction(
        "A5",
        ["R9"],
        "Agree with the local authorities alternative accommodation for "
        "children charged and refused bail.",
        "partner",
        "in_progress",
        Rag.RED,
        "monthly",
        -120,
        revised_days=30,
        revision_reason="Local authority placement contract re-tendered; new provider "
        "starts next quarter.",
        partner=True,
        next_update_days=-3,
    ),
    DemoAction(
        "A6",
        ["R10"],
        "Agree and deliver a trajectory to clear the high-tech crime "
        "unit backlog of lower-priority cases.",
        "lead2",
        "in_progress",
        Rag.RED,
        "monthly",
        -90,
        revised_days=75,
        revision_reason="Two forensic examiner posts vacant for six months; recruitment "
        "complete and examiners in training.",
        next_update_days=-10,
    ),
    DemoAction(
        "A7",
        ["R3"],
        "Commission return-home interviews with the local authority for every missing episode.",
        "partner",
        "in_progress",
        Rag.AMBER,
        "quarterly",
        90,
        partner=True,
        next_update_days=20,
    ),
    DemoAction(
        "A8",
        ["R4"],
        "Produce a joint problem profile of children who repeatedly go missing.",
        "lead",
        "in_progress",
        Rag.GREEN,
        "quarterly",
        120,
        next_update_days=35,
    ),
    DemoAction(
        "A9",
        ["R2", "R6"],
        "Agree a multi-agency information-sharing protocol for CSE intelligence.",
        "lead",
        "in_progress",
        Rag.AMBER,
        "quarterly",
        150,
        next_update_days=5,
    ),
    DemoAction(
        "A10",
        ["R5"],
        "Publish recording standards for risk information on the child protection system.",
        "lead",
        "closed",
        Rag.COMPLETE,
        "quarterly",
        -3250,
    ),
    DemoAction(
        "A11",
        ["R3"],
        "Daily management review of every missing episode in the safeguarding hub.",
        "lead",
        "closed",
        Rag.COMPLETE,
        "monthly",
        -3380,
    ),
    DemoAction(
        "A12",
        ["R7"],
        "Adopt an allocation policy so serious child protection cases "
        "go to specialist investigators.",
        "lead",
        "pending_sign_off",
        Rag.GREEN,
        "quarterly",
        -10,
        next_update_days=40,
    ),
    DemoAction(
        "A13",
        ["R9"],
        "Custody inspector review of every child detained overnight, reported monthly to the OPCC.",
        "lead",
        "in_progress",
        Rag.GREEN,
        "monthly",
        200,
        next_update_days=2,
    ),
    DemoAction(
        "A14",
        ["R10"],
        "Introduce digital forensic triage kiosks in the main custody centres.",
        "lead2",
        "in_progress",
        Rag.AMBER,
        "quarterly",
        100,
        next_update_days=25,
    ),
]


def demo_logins() -> list[DemoLogin]:
    return DEMO_LOGINS
