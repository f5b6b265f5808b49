"""The demo scenario: HMIC's 2015 national child protection inspection of Devon and Cornwall
Police and the OPCC's response to it.

Published facts (the report, its positive findings and concerns, the six priority areas,
the post-inspection review, the deep dive, the investment in intelligence sharing, the
request for a formal response) come from the OPCC's press release. The wording of the
recommendations and actions is illustrative. Dates of live work (target dates, updates
due, the formal response request) are set relative to the day the scenario is first
loaded, so the tracker shows current work.

Loading is idempotent: everything is looked up by its natural key and only created when
missing, so a second run changes nothing.
"""

import datetime

from django.db import transaction
from django.utils import timezone

from oversight.models import (
    CauseOfConcern,
    CommitteeMeeting,
    Finding,
    Force,
    InspectionReport,
    Office,
    PartnerAgency,
    PriorityArea,
    User,
)
from oversight.roles import roles_ensure_groups, user_set_role
from recommendations.models import (
    Action,
    ActionPlan,
    ExtensionRequest,
    InspectorateStatusChange,
    ProgressUpdate,
    Rag,
    Recommendation,
)
from recommendations.services import inspectorate_status_record
from reviews.demo_content import (
    ACTIONS,
    CONCERN_FINDINGS,
    DEMO_LOGINS,
    DEMO_PASSWORD,
    POSITIVE_FINDINGS,
    PRIORITY_AREAS,
    RECOMMENDATIONS,
    DemoAction,
    DemoLogin,
)
from reviews.demo_national import regional_office, second_office, seed_national
from reviews.models import Assurance, DeepDiveReview, FollowUp, Investment, LineOfEnquiry


def _user(login: DemoLogin, *, organisations: dict[str, dict]) -> User:
    first, last = login.name.split(" ", 1)
    organisation = organisations[login.organisation]
    user, created = User.objects.get_or_create(
        username=login.username,
        defaults={
            "first_name": first,
            "last_name": last,
            "email": f"{login.username}@demo.oversight.localhost",
            "role": login.role,
            "job_title": login.description.split(":")[0],
            "is_office_admin": login.office_admin,
            **organisation,
        },
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
        user_set_role(user=user, role=login.role)
    return user


HMICFRS_REVIEW_URL = "https://www.justiceinspectorates.gov.uk/hmicfrs/"
INSPECTORATE_LOG = [
    (
        "R1",
        Recommendation.InspectorateStatus.BEING_PROGRESSED,
        datetime.date(2015, 11, 2),
        "Action plan received; HMICFRS will test it at the post-inspection review.",
    ),
    (
        "R1",
        Recommendation.InspectorateStatus.COMPLETE,
        datetime.date(2016, 4, 21),
        "Post-inspection review: every CSE case is allocated to a specialist investigator.",
    ),
    (
        "R2",
        Recommendation.InspectorateStatus.COMPLETE,
        datetime.date(2016, 4, 21),
        "Post-inspection review: the CSE tracking process is in place.",
    ),
]


@transaction.atomic
def seed_demo(*, today: datetime.date | None = None) -> dict:
    """Load the scenario; returns what it created, by kind (all zero on a second run)."""
    today = today or timezone.localdate()
    loading_since = timezone.now()
    created: dict[str, int] = {}

    def count(kind, was_created):
        created[kind] = created.get(kind, 0) + int(was_created)

    def days(n):
        return today + datetime.timedelta(days=n)

    roles_ensure_groups()
    force, was = Force.objects.get_or_create(
        name="Devon & Cornwall Police",
        defaults={
            "short_name": "D&C",
            "chief_constable": "Chief Constable Shaun Sawyer",
            "address": "Middlemoor, Exeter, Devon EX2 7HQ",
        },
    )
    count("forces", was)
    office, was = Office.objects.get_or_create(
        name="Office of the Police and Crime Commissioner for Devon, Cornwall and the "
        "Isles of Scilly",
        defaults={
            "slug": "devon-and-cornwall-opcc",
            "commissioner": "Tony Hogg",
            "address": "Andy Hocking House, Alderson Drive, Exeter EX2 7RP",
            "email": "opcc@demo.oversight.localhost",
        },
    )
    count("offices", was)
    office.forces.add(force)
    childrens, was = PartnerAgency.objects.get_or_create(
        name="Devon County Council children's services",
        defaults={"kind": PartnerAgency.Kind.CHILDRENS_SERVICES},
    )
    count("partner_agencies", was)
    health, was = PartnerAgency.objects.get_or_create(
        name="NHS Devon safeguarding children team", defaults={"kind": PartnerAgency.Kind.HEALTH}
    )
    count("partner_agencies", was)
    childrens.forces.add(force)
    health.forces.add(force)

    # The office's committees: the Joint Audit Committee met two months ago and meets again
    # in three weeks (its pack is due a week before); the Police and Crime Panel next month.
    for committee, days_away in (
        (CommitteeMeeting.Committee.JOINT_AUDIT, -63),
        (CommitteeMeeting.Committee.JOINT_AUDIT, 21),
        (CommitteeMeeting.Committee.PANEL, 35),
    ):
        _, was = CommitteeMeeting.objects.get_or_create(
            office=office, committee=committee, meets_on=days(days_away)
        )
        count("committee_meetings", was)

    dorset, dorset_office, made = second_office()
    for kind, n in made.items():
        count(kind, n)
    region, was = regional_office(force, dorset)
    count("offices", was)
    organisations = {
        "office": {"office": office},
        "force": {"force": force},
        "partner": {"partner_agency": childrens},
        "second_office": {"office": dorset_office},
        "second_force": {"force": dorset},
        "region": {"office": region},
    }
    users = {}
    for login in DEMO_LOGINS:
        existed = User.objects.filter(username=login.username).exists()
        users[login.username] = _user(login, organisations=organisations)
        count("users", not existed)
    if users["lead"].manager_id is None:
        User.objects.filter(username__in=["lead", "lead2"]).update(manager=users["acc"])

    report, was = InspectionReport.objects.get_or_create(
        force=force,
        title="National child protection inspection: Devon and Cornwall Police",
        defaults={
            "source": InspectionReport.Source.HMIC,
            "programme": InspectionReport.Programme.CHILD_PROTECTION,
            "summary": "HMIC inspected how well the force protects children. Recommendation "
            "and action wording in this demo is illustrative; the findings and priority "
            "areas follow the OPCC's published response.",
            "fieldwork_start": datetime.date(2015, 5, 11),
            "fieldwork_end": datetime.date(2015, 5, 22),
            "published_on": datetime.date(2015, 7, 16),
            # HMIC's announcement of the report, which links to it.
            "source_url": "https://www.justiceinspectorates.gov.uk/hmicfrs/news/news-feed/"
            "devon-and-cornwall-police-is-committed-to-improving-child-protection-has-"
            "progress-to-make-in-important-areas/",
            "status": InspectionReport.Status.MONITORING,
            "action_plan_received_on": datetime.date(2015, 8, 24),
            "section_55_published_on": datetime.date(2015, 9, 7),
            "formal_response_requested_on": days(-14),
            "formal_response_due_on": days(28),
        },
    )
    count("reports", was)
    review_report, was = InspectionReport.objects.get_or_create(
        force=force,
        title="Child protection post-inspection review: Devon and Cornwall Police",
        defaults={
            "source": InspectionReport.Source.HMIC,
            "programme": InspectionReport.Programme.POST_INSPECTION_REVIEW,
            "summary": "HMIC's return visit to test progress against the 2015 recommendations.",
            "published_on": datetime.date(2016, 4, 21),
            "parent": report,
            "action_plan_received_on": datetime.date(2016, 5, 26),
            "section_55_published_on": datetime.date(2016, 6, 9),
            "status": InspectionReport.Status.MONITORING,
        },
    )
    count("reports", was)

    areas = {}
    for position, title in enumerate(PRIORITY_AREAS, start=1):
        areas[position], was = PriorityArea.objects.get_or_create(
            report=report,
            position=position,
            defaults={"title": title, "opcc_lead": users["opcc"]},
        )
        count("priority_areas", was)

    for position, text in enumerate(POSITIVE_FINDINGS, start=1):
        _, was = Finding.objects.get_or_create(
            report=report, kind=Finding.Kind.POSITIVE, position=position, defaults={"text": text}
        )
        count("findings", was)
    for position, (text, area_positions) in enumerate(CONCERN_FINDINGS, start=1):
        finding, was = Finding.objects.get_or_create(
            report=report, kind=Finding.Kind.CONCERN, position=position, defaults={"text": text}
        )
        if was:
            finding.priority_areas.set([areas[p] for p in area_positions])
        count("findings", was)

    causes = {}
    for reference, text, area_position in [
        ("C1", CONCERN_FINDINGS[0][0], 2),
        ("C2", CONCERN_FINDINGS[1][0], 1),
    ]:
        causes[reference], was = CauseOfConcern.objects.get_or_create(
            report=report, reference=reference, defaults={"text": text}
        )
        if was:
            causes[reference].priority_areas.set([areas[area_position]])
        count("causes_of_concern", was)

    timescale_days = {"immediately": 0, "3_months": 91, "6_months": 182}
    recommendations = {}
    for position, (reference, timescale, area_positions, cause, text) in enumerate(
        RECOMMENDATIONS, start=1
    ):
        rec, was = Recommendation.objects.get_or_create(
            report=report,
            reference=reference,
            defaults={
                "position": position,
                "publisher_reference": f"NCPI 2015 DC {reference}",
                "text": text,
                "timescale": timescale,
                "due_on": report.published_on + datetime.timedelta(days=timescale_days[timescale]),
                "cause_of_concern": causes.get(cause),
                "force_acceptance": Recommendation.Acceptance.AGREED,
                "status": Recommendation.Status.IN_PROGRESS,
                "inspectorate_status": Recommendation.InspectorateStatus.BEING_PROGRESSED,
            },
        )
        if was:
            rec.priority_areas.set([areas[p] for p in area_positions])
        recommendations[reference] = rec
        count("recommendations", was)

    plan, was = ActionPlan.objects.get_or_create(
        report=report,
        force=force,
        defaults={
            "title": "Child protection improvement plan",
            "owner": users["acc"],
            "governance_board": "Force Safeguarding Board (chaired by the ACC)",
            "status": ActionPlan.Status.ACTIVE,
            "submitted_on": datetime.date(2015, 8, 24),
        },
    )
    count("action_plans", was)

    for spec in ACTIONS:
        if Action.objects.filter(plan=plan, reference=spec.reference).exists():
            count("actions", False)
            continue
        _create_demo_action(
            spec,
            plan=plan,
            users=users,
            partner=childrens,
            recommendations=recommendations,
            days=days,
        )
        count("actions", True)

    already_asked = ExtensionRequest.objects.filter(action__plan=plan).exists()
    made = 0 if already_asked else _seed_extension_requests(plan=plan, users=users, days=days)
    count("extension_requests", made)

    # R1 is fully delivered and signed off by the OPCC; R3's actions are done too, and the
    # police lead has proposed it for closure.
    r1 = recommendations["R1"]
    if r1.status != Recommendation.Status.CLOSED:
        r1.status = Recommendation.Status.CLOSED
        r1.inspectorate_status = Recommendation.InspectorateStatus.COMPLETE
        r1.closure_rationale = (
            "Dedicated CSE investigator posts filled; the post-inspection "
            "review found every CSE case allocated to a specialist."
        )
        r1.closure_proposed_by = users["acc"]
        r1.closure_proposed_at = timezone.now()
        r1.signed_off_by = users["opcc"]
        r1.signed_off_at = timezone.now()
        r1.save()

    # HMICFRS's own verdict, dated: the post-inspection review found R1 done and R2's
    # tracking in place, while the force still reports R2 in progress (the dashboard's
    # "complete for HMICFRS, still open for the force").
    if not InspectorateStatusChange.objects.filter(recommendation__report=report).exists():
        for reference, status, changed_on, comment in INSPECTORATE_LOG:
            inspectorate_status_record(
                recommendation=recommendations[reference],
                by=users["opcc"],
                status=status,
                changed_on=changed_on,
                comment=comment,
                source_url=HMICFRS_REVIEW_URL,
            )

    # A coroner's prevention of future deaths report (illustrative): the force's reply is
    # due within 56 days of it, and the dashboard and reminders count it down.
    coroner_report, was = InspectionReport.objects.get_or_create(
        force=force,
        title="Prevention of future deaths report: a child missing from home (illustrative)",
        defaults={
            "source": InspectionReport.Source.CORONER,
            "programme": "",
            "issued_by": "HM Senior Coroner for Plymouth, Torbay and South Devon",
            "summary": "An illustrative regulation 28 report after the inquest into the death "
            "of a child reported missing several times.",
            "published_on": days(-44),
            "status": InspectionReport.Status.MONITORING,
            "action_plan_received_on": days(-20),
        },
    )
    count("reports", was)
    _, was = Recommendation.objects.get_or_create(
        report=coroner_report,
        reference="MC1",
        defaults={
            "text": "Matter of concern (illustrative): return home interviews were not always "
            "offered after each missing episode, nor their findings shared with the "
            "child's social worker.",
            "status": Recommendation.Status.OPEN,
        },
    )
    count("recommendations", was)
    # An area for improvement HMICFRS set in its post-inspection review.
    _, was = Recommendation.objects.get_or_create(
        report=review_report,
        reference="AFI1",
        defaults={
            "kind": Recommendation.Kind.AREA_FOR_IMPROVEMENT,
            "text": "The force should improve how it records the views of the child in "
            "its investigation records (illustrative).",
            "status": Recommendation.Status.OPEN,
        },
    )
    count("recommendations", was)

    review, was = DeepDiveReview.objects.get_or_create(
        office=office,
        force=force,
        theme="Child protection",
        defaults={
            "report": report,
            "held_on": datetime.date(2015, 6, 18),
            "panel": "Police and Crime Commissioner\nOPCC chief executive\nOPCC scrutiny officer",
            "evidence_summary": "The force presented its safeguarding review, the CSE "
            "investigation data for the year and the plan to change how safeguarding needs "
            "are risk assessed.",
            "findings": "The panel heard the same issues the inspection raised. The force has "
            "plans to address them, notably the roll-out of changes to how safeguarding needs "
            "are risk assessed; their impact is not yet visible in performance.",
            "performance_assurance": Assurance.PARTLY_ASSURED,
            "performance_rationale": "Response to missing children and CSE is still "
            "inconsistent between areas.",
            "plans_assurance": Assurance.ASSURED,
            "plans_rationale": "The force has credible, resourced plans for every concern.",
            "revisit_on": days(45),
        },
    )
    count("reviews", was)
    if was:
        review.priority_areas.set([areas[1], areas[2], areas[4]])
        for position, question in enumerate(
            [
                "How does the force know the extent of child sexual exploitation in its area?",
                "What happens when a child goes missing for the third time?",
                "Who investigates serious child protection cases, and with what training?",
            ],
            start=1,
        ):
            LineOfEnquiry.objects.create(review=review, position=position, question=question)
        FollowUp.objects.create(
            review=review,
            owner=users["lead"],
            due_on=days(21),
            recommendation=recommendations["R2"],
            description="Present the CSE tracker data for the last quarter to the OPCC.",
        )
        FollowUp.objects.create(
            review=review,
            owner=users["opcc"],
            due_on=days(-5),
            recommendation=recommendations["R4"],
            description="Ask the local authorities for their view of the joint missing "
            "children approach.",
        )
        FollowUp.objects.create(
            review=review,
            owner=users["lead"],
            due_on=datetime.date(2015, 9, 30),
            status=FollowUp.Status.DONE,
            completed_on=datetime.date(2015, 9, 24),
            recommendation=recommendations["R1"],
            description="Confirm the number of CSE investigator posts filled.",
            outcome="Posts filled; confirmed at the September performance board.",
        )

    investment, was = Investment.objects.get_or_create(
        office=office,
        force=force,
        title="Intelligence sharing with partners",
        defaults={
            "purpose": "Fund an analyst and system changes to find new opportunities to share "
            "intelligence with partner agencies, so that decisions about children at risk are "
            "based on the information available.",
            "amount": "48000.00",
            "awarded_on": datetime.date(2015, 7, 16),
            "status": Investment.Status.IN_DELIVERY,
            "outcome": "Information-sharing protocol drafted with children's services and health.",
        },
    )
    count("investments", was)
    if was:
        investment.recommendations.set([recommendations["R5"], recommendations["R6"]])

    seed_national(
        users=users, force=force, dorset=dorset, recommendations=recommendations, count=count
    )
    _date_creations_as_in_the_scenario(since=loading_since, today=today)
    return created


def _date_creations_as_in_the_scenario(*, since: datetime.datetime, today: datetime.date):
    """Date the first version of each recommendation, action and progress update this run
    created when the scenario has it recorded, not when the demo was loaded: a
    recommendation a week after its report was published, an action when its plan was
    submitted (else a month after the report), an update on the day it was written. The
    dashboard's trends and the register "as at" a past day then read the scenario's
    years, rather than one quarter in which everything was added at once. Later versions
    (R1 closed, say) keep their dates; a second run creates nothing, so moves nothing."""

    def midday(day: datetime.date) -> datetime.datetime:
        moment = datetime.datetime.combine(min(day, today), datetime.time(12))
        return min(timezone.make_aware(moment), since)

    week, month = datetime.timedelta(days=7), datetime.timedelta(days=30)
    published = dict(InspectionReport.objects.values_list("pk", "published_on"))
    plans = {
        plan.pk: plan.submitted_on or plan.report.published_on + month
        for plan in ActionPlan.objects.select_related("report")
    }
    recorded = [
        (Recommendation, lambda version: published[version.report_id] + week),
        (Action, lambda version: plans[version.plan_id]),
        (ProgressUpdate, lambda version: version.written_on),
    ]
    for model, recorded_on in recorded:
        history = model.history.model
        for version in model.history.filter(history_type="+", history_date__gte=since):
            history.objects.filter(history_id=version.history_id).update(
                history_date=midday(recorded_on(version))
            )


def _seed_extension_requests(*, plan, users, days) -> int:
    """Every moved target date has its request and the OPCC's decision (A5 and A6, agreed);
    one request was refused (A2) and one waits for the OPCC's decision (A4), so the review
    queue and the action pages show each state. Returns how many were made."""
    actions = {action.reference: action for action in plan.actions.all()}

    decided = [
        # (action, asked by, asked on, decided on, decision, comment)
        (
            "A5",
            "partner",
            -125,
            -121,
            ExtensionRequest.Decision.AGREED,
            "Agreed: the placement contract is outside the force's control.",
        ),
        (
            "A6",
            "lead2",
            -95,
            -88,
            ExtensionRequest.Decision.AGREED,
            "Agreed, with monthly backlog figures to the OPCC until the examiners are trained.",
        ),
    ]
    made = 0
    for reference, asker, asked_on, decided_on, decision, comment in decided:
        action = actions[reference]
        ExtensionRequest.objects.create(
            action=action,
            requested_by=users[asker],
            requested_at=_decided(days, asked_on),
            from_date=action.target_date,
            to_date=action.revised_target_date,
            reason=action.revision_reason,
            decision=decision,
            decided_by=users["opcc"],
            decided_at=_decided(days, decided_on),
            decision_comment=comment,
        )
        made += 1
    a2, a4 = actions["A2"], actions["A4"]
    ExtensionRequest.objects.create(
        action=a2,
        requested_by=users["lead"],
        requested_at=_decided(days, -20),
        from_date=a2.target_date,
        to_date=a2.target_date + datetime.timedelta(days=60),
        reason="The safeguarding hub's weekly review starts only when two analyst posts "
        "are filled.",
        decision=ExtensionRequest.Decision.REFUSED,
        decided_by=users["opcc"],
        decided_at=_decided(days, -17),
        decision_comment="Tracking CSE cases answers the inspection's first concern: keep the "
        "date, and use the interim spreadsheet tracker until the analysts start.",
    )
    ExtensionRequest.objects.create(
        action=a4,
        requested_by=users["lead"],
        requested_at=_decided(days, -2),
        from_date=a4.target_date,
        to_date=a4.target_date + datetime.timedelta(days=60),
        reason="The training provider cancelled two cohorts; the next places are in eight "
        "weeks' time.",
    )
    return made + 2


def _decided(days, n: int) -> datetime.datetime:
    """Mid-morning n days from today (`days(n)` is the date), at the latest now: when
    someone asked, or acted on an update, a request or an action."""
    moment = datetime.datetime.combine(days(min(n, 0)), datetime.time(10))
    return min(timezone.make_aware(moment), timezone.now())


def _create_demo_action(spec: DemoAction, *, plan, users, partner, recommendations, days):
    finished = spec.status == Action.Status.CLOSED
    action = Action.objects.create(
        plan=plan,
        reference=spec.reference,
        description=spec.description,
        owner=users["acc"],
        delivery_lead=users[spec.lead],
        partner_agency=partner if spec.partner else None,
        target_date=days(spec.target_days),
        revised_target_date=days(spec.revised_days) if spec.revised_days else None,
        revision_reason=spec.revision_reason,
        rag=spec.rag,
        success_measure=spec.success_measure,
        cadence=spec.cadence,
        next_update_due=None if finished else days(spec.next_update_days or 30),
        status=spec.status,
        completion_evidence="Delivered and tested at the post-inspection review."
        if finished or spec.status == Action.Status.PENDING_SIGN_OFF
        else "",
        completion_proposed_by=users[spec.lead]
        if finished or spec.status == Action.Status.PENDING_SIGN_OFF
        else None,
        # A finished action was proposed complete with its last update, on its target
        # date, and signed off a week later; one waiting for sign-off was proposed lately.
        completion_proposed_at=_decided(days, spec.target_days if finished else -2)
        if finished or spec.status == Action.Status.PENDING_SIGN_OFF
        else None,
        signed_off_by=users["opcc"] if finished else None,
        signed_off_at=_decided(days, spec.target_days + 7) if finished else None,
    )
    action.recommendations.set([recommendations[r] for r in spec.recommendations])
    author = users[spec.lead]
    step = 30 if spec.cadence == "monthly" else 91
    # Finished actions' updates lead up to their target date; live ones to the next due date.
    last_due = (spec.target_days - step) if finished else (spec.next_update_days or 30) - step
    history = [
        (last_due - 2 * step, 30, Rag.AMBER, "Scoping complete; resources agreed at the board."),
        (last_due - step, 55, Rag.AMBER, "Delivery under way; first milestones met."),
        (
            last_due,
            70,
            spec.rag if spec.rag != Rag.COMPLETE else Rag.GREEN,
            "Progress on track against the plan; evidence attached to the board minutes.",
        ),
    ]
    if finished:
        history.append(
            (
                spec.target_days,
                100,
                Rag.COMPLETE,
                "Complete. Impact confirmed by dip-sample and the post-inspection review.",
            )
        )

    for offset, percent, rag, narrative in history:
        written = min(offset, -1)
        ProgressUpdate.objects.create(
            action=action,
            author=author,
            written_on=days(written),
            narrative=narrative,
            rag=rag,
            percent_complete=percent,
            review_state=ProgressUpdate.Review.ACCEPTED,
            reviewed_by=users["opcc"],
            reviewed_at=_decided(days, written + 3),  # accepted a few days after it came in
        )
    if spec.reference == "A4":
        returned = ProgressUpdate.objects.create(
            action=action,
            author=author,
            written_on=days(-9),
            narrative="Training continuing.",
            rag=Rag.AMBER,
            percent_complete=72,
            review_state=ProgressUpdate.Review.RETURNED,
            reviewed_by=users["opcc"],
            reviewed_at=_decided(days, -7),  # returned before the lead resubmitted (day -2)
            review_comment="Please give the percentage of frontline staff trained so far and "
            "the date you expect to reach 95%.",
        )
        ProgressUpdate.objects.create(
            action=action,
            author=author,
            written_on=days(-2),
            resubmission_of=returned,
            narrative="81% of frontline officers and staff trained (2,940 of 3,630). At the "
            "current rate 95% is reached in six weeks.",
            rag=Rag.AMBER,
            percent_complete=81,
        )
    return action
