"""A two-force world with one of everything, for the permission matrix and the bad-input
tests.

Force A carries distinctive marker strings in its texts so a test can search any page,
export, letter or notification for something a person may not read. Force B has a smaller
mirror of the same, so office B's staff and police lead B have data of their own.
"""

import datetime
import functools
import os
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client

from letters.models import Letter
from letters.services import letter_create, letter_issue
from oversight.models import User
from oversight.shared.uploads import check_upload
from recommendations import services_extensions, services_progress
from recommendations.models import Action, Rag
from reminders.models import Reminder
from reviews.models import ActionSample, Assurance, ReviewEvidence
from tests import factories

# What only force A's readers may read. Police lead B and office B's staff may read none
# of these; the partner lead may read none of POLICE_ONLY.
SECRET_REC = "SECRET-A-REC"
SECRET_REC_REFERENCE = "RSECRET1"
POLICE_ONLY_ACTION = "POLICE-ONLY-ACTION"
POLICE_ONLY_UPDATE = "POLICE-ONLY-UPDATE"
POLICE_ONLY_EVIDENCE = "police-only-evidence"
CLOSED_POLICE_ACTION = "CLOSED-POLICE-ACTION"
REVIEW_A = "REVIEW-A-THEME"
FOLLOW_UP_A = "FOLLOW-UP-A-MARK"
INVESTMENT_A = "INVESTMENT-A-MARK"
LETTER_A = "LETTER-A-OPENING"
SHARED_REC = "SHARED-A-REC"
PARTNER_ACTION = "PARTNER-ACTION-A"
PARTNER_UPDATE = "PARTNER-UPDATE-A"
FINDING_A = "FINDING-A-MARK"
CAUSE_A = "CAUSE-A-MARK"
REPORT_A_TITLE = "Child protection in force A"
NATIONAL_A_NOTE = "NATIONAL-A-NOTE"

POLICE_ONLY = [
    SECRET_REC,
    SECRET_REC_REFERENCE,
    POLICE_ONLY_ACTION,
    POLICE_ONLY_UPDATE,
    POLICE_ONLY_EVIDENCE,
    CLOSED_POLICE_ACTION,
    FOLLOW_UP_A,
    INVESTMENT_A,
    LETTER_A,
]
FORCE_A_ONLY = [
    NATIONAL_A_NOTE,  # why force A takes no action on the national recommendation
    *POLICE_ONLY,
    REVIEW_A,  # the partner lead sees the theme of the review it owns a follow-up from
    SHARED_REC,
    PARTNER_ACTION,
    PARTNER_UPDATE,
    FINDING_A,
    CAUSE_A,
    REPORT_A_TITLE,
]

PERSONAS = [
    "opcc_staff",
    "read_only",
    "plan_owner_a",
    "police_lead_a",
    "police_lead_b",
    "partner_lead",
    "opcc_staff_b",
]
ANONYMOUS = "anonymous"


def note_for(persona: str) -> str:
    """The marker in a persona's own notification; nobody else may see it."""
    return f"NOTE-{persona.upper()}-NOTE"


# What each persona may never see (besides the other personas' notifications).
FORBIDDEN = {
    "police_lead_b": FORCE_A_ONLY,
    "opcc_staff_b": FORCE_A_ONLY,
    "partner_lead": POLICE_ONLY,
}


def pdf_upload(name: str, text: str = "Evidence") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, factories.tiny_pdf(text), content_type="application/pdf")


@dataclass
class World:
    people: dict[str, User]
    force_a: object
    force_b: object
    report_a: object
    report_b: object
    area_a: object
    finding_a: object
    judgement_a: object
    cause_a: object
    rec_secret: object
    rec_shared: object
    rec_b: object
    plan_a: object
    plan_b: object
    action_police: object
    action_partner: object
    action_closed: object
    action_b: object
    action_pending: object
    action_closed_unsampled: object
    extension_pending: object  # lead A's request to move A4's target date, undecided
    report_a_unplanned: object
    afi_a: object
    update_returned: object
    update_submitted: object
    update_partner: object
    evidence_police: object
    evidence_partner: object
    letter_issued: object
    letter_draft: object
    letter_b: object
    letter_request: object
    review_a: object
    review_b: object
    line_a: object
    review_evidence_a: object
    follow_up_a: object
    partner_follow_up_a: object
    sample_a: object
    investment_a: object
    investment_b: object
    national_report: object = None
    national_rec: object = None
    meeting_a: object = None  # office A's Joint Audit Committee, with a draft pack
    pack_a: object = None
    public_slug: str = ""  # office B's public address, once publish_public_site has run
    reminders: dict[str, Reminder] = field(default_factory=dict)


def build_world(people: dict[str, User], *, issue_letter: bool = True) -> World:
    """The world. Without `issue_letter` the formal response is a single draft (no PDF is
    rendered: faster, for tests that do not need an issued letter)."""
    staff, staff_b = people["opcc_staff"], people["opcc_staff_b"]
    owner, lead = people["plan_owner_a"], people["police_lead_a"]
    lead_b, partner = people["police_lead_b"], people["partner_lead"]
    force_a, force_b = owner.force, lead_b.force
    agency = partner.partner_agency

    report_a = factories.InspectionReportFactory(force=force_a, title=REPORT_A_TITLE)
    # The inspectorate's own PDF, for the report file download.
    report_a.report_file.save("report-a.pdf", ContentFile(factories.tiny_pdf("Report")))
    report_b = factories.InspectionReportFactory(force=force_b, title="Child protection in force B")
    area_a = factories.PriorityAreaFactory(report=report_a, position=1, title="Missing children")
    finding_a = factories.FindingFactory(report=report_a, text=f"{FINDING_A}: slow referrals.")
    judgement_a = factories.JudgementFactory(report=report_a, topic="Protecting children")
    cause_a = factories.CauseOfConcernFactory(
        report=report_a, reference="C1", text=f"{CAUSE_A}: an inconsistent response."
    )
    rec_secret = factories.RecommendationFactory(
        report=report_a,
        reference=SECRET_REC_REFERENCE,
        position=1,
        text=f"{SECRET_REC}: the force should track every missing child immediately.",
        cause_of_concern=cause_a,
    )
    rec_secret.priority_areas.add(area_a)
    rec_shared = factories.RecommendationFactory(
        report=report_a,
        reference="R2",
        position=2,
        text=f"{SHARED_REC}: the force and children's services should share referrals.",
    )
    rec_shared.priority_areas.add(area_a)
    rec_b = factories.RecommendationFactory(
        report=report_b, reference="R1", text="Force B should improve its custody records."
    )

    plan_a = factories.ActionPlanFactory(report=report_a, owner=owner, title="Plan A")
    plan_b = factories.ActionPlanFactory(report=report_b, title="Plan B")
    action_police = factories.ActionFactory(
        plan=plan_a,
        reference="A1",
        description=f"{POLICE_ONLY_ACTION}: a covert tracking process.",
        delivery_lead=lead,
        owner=owner,
        recommendations=[rec_secret],
    )
    action_partner = factories.ActionFactory(
        plan=plan_a,
        reference="A2",
        description=f"{PARTNER_ACTION}: joint referral meetings.",
        delivery_lead=partner,
        partner_agency=agency,
        recommendations=[rec_shared],
    )
    action_closed = factories.ActionFactory(
        plan=plan_a,
        reference="A3",
        description=f"{CLOSED_POLICE_ACTION}: train the call handlers.",
        delivery_lead=lead,
        status=Action.Status.CLOSED,
        rag=Rag.COMPLETE,
        signed_off_by=staff,
        recommendations=[rec_secret],
    )
    action_pending = factories.ActionFactory(
        plan=plan_a,
        reference="A4",
        description=f"{POLICE_ONLY_ACTION}: proposed for completion.",
        delivery_lead=lead,
        status=Action.Status.PENDING_SIGN_OFF,
        completion_evidence="Audited in November.",
        completion_proposed_by=lead,
        recommendations=[rec_secret],
    )
    action_closed_unsampled = factories.ActionFactory(
        plan=plan_a,
        reference="A5",
        description=f"{CLOSED_POLICE_ACTION}: a second closed action, not sampled yet.",
        delivery_lead=lead,
        status=Action.Status.CLOSED,
        rag=Rag.COMPLETE,
        signed_off_by=staff,
        recommendations=[rec_secret],
    )
    # Published after report A: an area for improvement of report A may be carried into it.
    report_a_unplanned = factories.InspectionReportFactory(
        force=force_a,
        title="Custody in force A (no plan yet)",
        published_on=report_a.published_on + datetime.timedelta(days=30),
    )
    afi_a = factories.RecommendationFactory(
        report=report_a,
        reference="AFI1",
        position=3,
        kind="afi",
        text="The force should improve how it records the voice of the child.",
    )
    action_b = factories.ActionFactory(
        plan=plan_b,
        reference="B1",
        description="Force B reviews its custody records.",
        delivery_lead=lead_b,
        recommendations=[rec_b],
    )

    extension_pending = services_extensions.extension_request(
        action=action_pending,
        by=lead,
        to_date=action_pending.target_date + datetime.timedelta(days=90),
        reason=f"{POLICE_ONLY_ACTION}: the audit slipped a quarter.",
    )

    # Updates: one returned, its resubmission waiting with evidence; one from the partner.
    update_returned = services_progress.progress_update_submit(
        action=action_police,
        author=lead,
        narrative=f"{POLICE_ONLY_UPDATE}: first draft.",
        rag=Rag.AMBER,
        percent_complete=10,
    )
    services_progress.progress_update_return(
        update=update_returned, by=staff, reason="Add the numbers."
    )
    update_submitted = services_progress.progress_update_submit(
        action=action_police,
        author=lead,
        narrative=f"{POLICE_ONLY_UPDATE}: with the numbers.",
        rag=Rag.AMBER,
        percent_complete=20,
        uploads=[check_upload(pdf_upload(f"{POLICE_ONLY_EVIDENCE}.pdf"))],
        resubmission_of=update_returned,
    )
    update_partner = services_progress.progress_update_submit(
        action=action_partner,
        author=partner,
        narrative=f"{PARTNER_UPDATE}: meetings started.",
        rag=Rag.GREEN,
        percent_complete=30,
        uploads=[check_upload(pdf_upload("partner-minutes.pdf"))],
    )

    # Letters: version 1 issued through the service, version 2 a draft with a rendered PDF.
    letter_issued = letter_create(report=report_a, kind=Letter.Kind.FORMAL_RESPONSE, user=staff)
    letter_issued.opening = f"{LETTER_A}: this is the force's response."
    letter_issued.save()
    if issue_letter:
        letter_issued = letter_issue(letter=letter_issued, user=staff)
        letter_draft = letter_create(report=report_a, kind=Letter.Kind.FORMAL_RESPONSE, user=staff)
    else:
        letter_issued, letter_draft = None, letter_issued
    letter_draft.rendered_pdf.save("draft.pdf", ContentFile(factories.tiny_pdf("Draft")))
    Letter.objects.filter(pk=letter_draft.pk).update(render_state=Letter.RenderState.READY)
    letter_draft.refresh_from_db()
    letter_request = letter_create(report=report_a, kind=Letter.Kind.RESPONSE_REQUEST, user=staff)
    letter_b = letter_create(report=report_b, kind=Letter.Kind.FORMAL_RESPONSE, user=staff_b)

    review_a = factories.DeepDiveReviewFactory(
        office=staff.office,
        force=force_a,
        report=report_a,
        theme=REVIEW_A,
        performance_assurance=Assurance.PARTLY_ASSURED,
        performance_rationale="Inconsistent.",
    )
    review_a.priority_areas.add(area_a)
    line_a = factories.LineOfEnquiryFactory(review=review_a, position=1)
    review_b = factories.DeepDiveReviewFactory(office=staff_b.office, force=force_b, theme="B")
    upload = check_upload(pdf_upload("review-evidence.pdf"))
    review_evidence_a = ReviewEvidence(
        review=review_a,
        original_name=upload.original_name,
        content_type=upload.content_type,
        size=upload.size,
        sha256=upload.sha256,
        uploaded_by=staff,
    )
    review_evidence_a.file.save(upload.safe_name, upload.file, save=False)
    review_evidence_a.save()
    follow_up_a = factories.FollowUpFactory(
        review=review_a,
        owner=lead,
        recommendation=rec_secret,
        description=f"{FOLLOW_UP_A}: bring the data back.",
        due_on=datetime.date(2026, 12, 20),
    )
    partner_follow_up_a = factories.FollowUpFactory(
        review=review_a, owner=partner, description="Share the referral figures."
    )
    sample_a = ActionSample.objects.create(
        review=review_a,
        action=action_closed,
        verdict=ActionSample.Verdict.EFFECTIVE,
        recorded_by=staff,
    )
    investment_a = factories.InvestmentFactory(
        office=staff.office, force=force_a, title=INVESTMENT_A, amount="48000.00"
    )
    investment_a.recommendations.add(rec_secret)
    investment_b = factories.InvestmentFactory(
        office=staff_b.office, force=force_b, title="Custody investment", amount="1000.00"
    )

    world = World(
        people=people,
        force_a=force_a,
        force_b=force_b,
        report_a=report_a,
        report_b=report_b,
        area_a=area_a,
        finding_a=finding_a,
        judgement_a=judgement_a,
        cause_a=cause_a,
        rec_secret=rec_secret,
        rec_shared=rec_shared,
        rec_b=rec_b,
        plan_a=plan_a,
        plan_b=plan_b,
        action_police=action_police,
        action_partner=action_partner,
        action_closed=action_closed,
        action_b=action_b,
        action_pending=action_pending,
        action_closed_unsampled=action_closed_unsampled,
        extension_pending=extension_pending,
        report_a_unplanned=report_a_unplanned,
        afi_a=afi_a,
        update_returned=update_returned,
        update_submitted=update_submitted,
        update_partner=update_partner,
        evidence_police=update_submitted.evidence.get(),
        evidence_partner=update_partner.evidence.get(),
        letter_issued=letter_issued,
        letter_draft=letter_draft,
        letter_b=letter_b,
        letter_request=letter_request,
        review_a=review_a,
        review_b=review_b,
        line_a=line_a,
        review_evidence_a=review_evidence_a,
        follow_up_a=follow_up_a,
        partner_follow_up_a=partner_follow_up_a,
        sample_a=sample_a,
        investment_a=investment_a,
        investment_b=investment_b,
    )
    _add_national_report(world)
    _add_committee_pack(world)
    _add_notifications(world)
    for name in ("action_police", "action_partner", "action_b", "plan_a", "update_returned"):
        getattr(world, name).refresh_from_db()
    return world


def _add_committee_pack(world: World) -> None:
    """Office A's next Joint Audit Committee and a draft pack for it (not yet rendered)."""
    from letters.models import CommitteePack
    from oversight.models import CommitteeMeeting

    staff = world.people["opcc_staff"]
    world.meeting_a = CommitteeMeeting.objects.create(
        office=staff.office,
        committee=CommitteeMeeting.Committee.JOINT_AUDIT,
        meets_on=datetime.date.today() + datetime.timedelta(days=20),
    )
    world.pack_a = CommitteePack.objects.create(
        meeting=world.meeting_a,
        previous_meeting_on=datetime.date.today() - datetime.timedelta(days=70),
        created_by=staff,
        render_state=CommitteePack.RenderState.QUEUED,
    )


def _add_national_report(world: World) -> None:
    """A national thematic report entered by office A, answered by force A and force B; force
    A's response records no action, with a reason only force A's readers may see."""
    from oversight.models import NationalReport
    from recommendations.services import recommendation_transition
    from recommendations.services_national import (
        Addressees,
        national_recommendation_save,
        national_report_apply,
        national_report_create,
    )

    staff, staff_b = world.people["opcc_staff"], world.people["opcc_staff_b"]
    national = national_report_create(
        by=staff,
        fields={
            "title": "Domestic abuse: a national thematic inspection",
            "source": NationalReport.Source.HMICFRS,
            "programme": NationalReport.Programme.THEMATIC,
            "published_on": datetime.date(2026, 9, 1),
        },
    )
    national_rec = national_recommendation_save(
        national_report=national,
        by=staff,
        fields={"reference": "R1", "text": "Chief constables should review risk assessment."},
        addressees=Addressees("all"),
    )
    national_report_apply(national_report=national, forces=[world.force_a], by=staff)
    national_report_apply(national_report=national, forces=[world.force_b], by=staff_b)
    recommendation_transition(
        recommendation=national_rec.responses.get(report__force=world.force_a),
        to_status="no_action",
        by=staff,
        reason=f"{NATIONAL_A_NOTE}: already done locally.",
    )
    world.national_report, world.national_rec = national, national_rec


def _add_notifications(world: World) -> None:
    """One notification for each persona, about something that persona may read."""
    subjects = {
        "opcc_staff": world.rec_secret,
        "read_only": world.rec_secret,
        "plan_owner_a": world.action_police,
        "police_lead_a": world.action_police,
        "police_lead_b": world.action_b,
        "partner_lead": world.action_partner,
        "opcc_staff_b": world.rec_b,
    }
    for persona, subject in subjects.items():
        world.reminders[persona] = Reminder.objects.create(
            subject_type=ContentType.objects.get_for_model(subject),
            subject_id=subject.pk,
            what="update_due",
            due_on=datetime.date(2026, 12, 15),
            stage=Reminder.Stage.DUE_SOON,
            recipient=world.people[persona],
            title=f"{note_for(persona)}: {subject}",
            url=subject.get_absolute_url(),
        )


def publish_public_site(world: World, staff_b: User) -> None:
    """Office B publishes report B, with a public summary, and its formal response (issued
    first): force B's, so force A's markers stay off the public site."""
    from letters.public_snapshot import live_snapshot
    from letters.services_public import letter_publish, report_publish

    office = staff_b.office
    world.letter_b = letter_issue(letter=world.letter_b, user=staff_b)
    report_publish(
        office=office,
        report=world.report_b,
        by=staff_b,
        summaries={world.rec_b.pk: "Custody records are now checked every week."},
        expected_digest=live_snapshot(office=office, report=world.report_b).digest,
    )
    letter_publish(office=office, letter=world.letter_b, by=staff_b)
    world.public_slug = office.slug


# --- People and their test clients ----------------------------------------------------


def signed_in_clients(personas: dict[str, User]) -> dict[str, Client]:
    """A signed-in test client per persona, and one for an anonymous visitor."""
    clients = {ANONYMOUS: Client()}
    for name, user in personas.items():
        clients[name] = Client()
        clients[name].force_login(user)
    return clients


# --- Proving nothing changed -----------------------------------------------------------


@functools.cache
def _domain_tables() -> list[str]:
    from django.apps import apps

    # Left out: recommendations.TrendQuarter, DashboardTally and ReportChartTally, figures
    # worked out from the records and kept the first time a page reads them (as the page
    # cache keeps bodies), not records themselves.
    derived = {
        "recommendations_trendquarter",
        "recommendations_dashboardtally",
        "recommendations_reportcharttally",
    }
    tables = []
    for label in ("oversight", "recommendations", "reviews", "letters", "reminders"):
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            tables.append(model._meta.db_table)
    return sorted(set(tables) - derived)


def database_fingerprint() -> dict[str, str]:
    """An md5 of every row of every domain table (history and many-to-many tables too),
    in one query: equal fingerprints mean nothing was written."""
    tables = _domain_tables()
    columns = ", ".join(
        f"(SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM \"{table}\" t)"
        for table in tables
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns}")
        return dict(zip(tables, cursor.fetchone(), strict=True))


def rows_written() -> int:
    """The rows this transaction has inserted, updated or deleted in the domain tables so
    far, rolled-back savepoints' rows included: PostgreSQL's own running count. Where it
    has not moved, nothing was written, and the fingerprints need not be taken.

    The counting functions behind the pg_stat_xact_user_tables view, asked of the domain
    tables alone: the view reads every table in the catalogue first (0.9 ms a call against
    0.3 ms, twice for each of the permission matrix's 3,000 requests)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(sum(pg_stat_get_xact_tuples_inserted(t)"
            " + pg_stat_get_xact_tuples_updated(t) + pg_stat_get_xact_tuples_deleted(t)), 0)"
            " FROM unnest(%s::regclass[]) AS t",
            [_domain_tables()],
        )
        return cursor.fetchone()[0]


def changed_tables(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return [table for table in before if before[table] != after[table]]


def stored_files() -> set[str]:
    """Every file in the private storage (uploads, rendered and issued letters)."""
    root = str(settings.PRIVATE_MEDIA_ROOT)
    return {
        os.path.relpath(os.path.join(folder, name), root)
        for folder, _, names in os.walk(root)
        for name in names
    }
