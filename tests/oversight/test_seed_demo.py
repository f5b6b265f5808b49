import datetime

from django.core.management import call_command
from django.utils import timezone

from oversight.models import (
    Force,
    InspectionReport,
    NationalReport,
    PartnerAgency,
    PriorityArea,
    User,
)
from recommendations.models import (
    Action,
    ExtensionRequest,
    InspectorateStatusChange,
    NationalRecommendation,
    ProgressUpdate,
    Recommendation,
)
from recommendations.national_pages import side_by_side
from reviews.demo_content import DEMO_LOGINS
from reviews.models import DeepDiveReview, FollowUp, Investment


def test_seed_demo_builds_the_scenario(db):
    call_command("seed_demo", quiet_logins=True)
    report = InspectionReport.objects.get(
        title="National child protection inspection: Devon and Cornwall Police"
    )
    assert report.follow_up_reports.count() == 1
    assert PriorityArea.objects.filter(report=report).count() == 6
    assert Recommendation.objects.filter(report=report).count() == 10
    assert Action.objects.filter(plan__report=report).count() == 14
    assert set(Action.objects.values_list("status", flat=True)) >= {
        "closed",
        "in_progress",
        "pending_sign_off",
    }
    assert (
        Action.objects.filter(
            plan__report=report, rag="red", revised_target_date__isnull=False
        ).count()
        == 2
    )
    # Every moved date has its agreed request; one request was refused, one waits.
    extensions = ExtensionRequest.objects.filter(action__plan__report=report)
    assert sorted(extensions.values_list("action__reference", "decision")) == [
        ("A2", "refused"),
        ("A4", "pending"),
        ("A5", "agreed"),
        ("A6", "agreed"),
    ]
    for extension in extensions.filter(decision="agreed"):
        assert extension.action.revised_target_date == extension.to_date
    assert ProgressUpdate.objects.count() > 14
    assert DeepDiveReview.objects.get().performance_assurance == "partly_assured"
    assert FollowUp.objects.count() == 3
    assert Investment.objects.get().recommendations.count() == 2
    assert PartnerAgency.objects.count() == 2
    assert set(User.objects.values_list("role", flat=True)) == set(User.Role.values)


def test_seed_demo_twice_changes_nothing(db):
    call_command("seed_demo", quiet_logins=True)
    models = [
        InspectionReport,
        NationalReport,
        NationalRecommendation,
        Recommendation,
        Action,
        ProgressUpdate,
        ExtensionRequest,
        FollowUp,
        User,
    ]
    before = {m.__name__: m.objects.count() for m in models}
    history_before = Recommendation.history.count()
    call_command("seed_demo", quiet_logins=True)
    assert {m.__name__: m.objects.count() for m in models} == before
    assert Recommendation.history.count() == history_before


def test_demo_logins_work(client, db):
    call_command("seed_demo", quiet_logins=True)
    for username in [
        "admin",
        "opcc",
        "panel",
        "acc",
        "lead",
        "lead2",
        "partner",
        "dorset",
        "dorsetacc",
    ]:
        user = User.objects.get(username=username)
        assert user.check_password("oversight-demo")
        assert user.groups.count() == 1
    assert list(User.objects.filter(is_office_admin=True).values_list("username", flat=True)) == [
        "admin"
    ]


def test_seed_demo_adds_a_second_office_with_its_own_force(db):
    call_command("seed_demo", quiet_logins=True)
    dorset = User.objects.get(username="dorset")
    assert dorset.office.name == "Office of the Police and Crime Commissioner for Dorset"
    assert list(dorset.office.forces.values_list("name", flat=True)) == ["Dorset Police"]
    assert User.objects.get(username="dorsetacc").force.name == "Dorset Police"
    kinds = {login.organisation for login in DEMO_LOGINS}
    assert {"second_office", "second_force"} <= kinds


def test_seed_demo_national_report_is_answered_differently_by_each_force(db):
    call_command("seed_demo", quiet_logins=True)
    national_report = NationalReport.objects.get()
    assert national_report.published_on.isoformat() == "2021-09-17"
    assert "illustrative" in national_report.summary
    nationals = {n.reference: n for n in national_report.recommendations.all()}
    assert all(n.publisher_reference for n in nationals.values())
    assert {n.addressed_forces for n in nationals.values()} == {"all", "named", "none"}
    copies = InspectionReport.objects.filter(national_report=national_report)
    assert sorted(copies.values_list("force__name", flat=True)) == [
        "Devon & Cornwall Police",
        "Dorset Police",
    ]

    def statuses(force_name):
        return dict(
            Recommendation.objects.filter(
                report__national_report=national_report, report__force__name=force_name
            ).values_list("reference", "status")
        )

    ours, theirs = statuses("Devon & Cornwall Police"), statuses("Dorset Police")
    assert ours == {
        "R1": "in_progress",
        "R2": "open",
        "R3": "covered",
        "R4": "open",
        "R5": "for_information",
    }
    assert theirs == {
        "R1": "proposed_for_closure",
        "R2": "in_progress",
        "R3": "open",
        "R5": "for_information",
    }
    covered = Recommendation.objects.get(
        report__force__name="Devon & Cornwall Police", national_recommendation=nationals["R3"]
    )
    assert covered.covered_by.report.programme == "child_protection"
    assert InspectorateStatusChange.objects.filter(
        recommendation__national_recommendation=nationals["R1"]
    ).exists()
    reader = User.objects.get(username="panel")
    reader.office.forces.add(Force.objects.get(name="Dorset Police"))
    rows = side_by_side(reader, nationals["R1"], today=national_report.published_on)
    assert [(row.report.force.name, row.latest_update_on is not None) for row in rows] == [
        ("Devon & Cornwall Police", True),
        ("Dorset Police", True),
    ]


def test_seed_demo_offices_see_only_their_own_force_of_the_national_report(client, db):
    call_command("seed_demo", quiet_logins=True)
    national = NationalRecommendation.objects.get(reference="R1")
    for username, force_name in [("opcc", "Devon & Cornwall Police"), ("dorset", "Dorset Police")]:
        rows = side_by_side(
            User.objects.get(username=username), national, today=national.created_at.date()
        )
        assert [row.report.force.name for row in rows] == [force_name]


def test_seed_demo_has_reports_from_other_sources(db):
    call_command("seed_demo", quiet_logins=True)
    sources = set(InspectionReport.objects.values_list("source", flat=True))
    assert {"hmic", "hmicfrs", "iopc", "coroner"} <= sources
    iopc = InspectionReport.objects.get(source="iopc")
    assert iopc.recommendations.count() == 2
    assert not Recommendation.objects.filter(
        report__title__startswith="National child protection", publisher_reference=""
    ).exists()


def test_seed_demo_reviews_follow_the_updates_they_decide(db):
    """Each update the OPCC decided was decided after it was written and by now, the
    returned update the lead answered was returned before the resubmission was written,
    and a closed action was signed off after it was proposed complete (the demo's dates
    read as a story, not all as the day it was loaded)."""
    call_command("seed_demo", quiet_logins=True)
    now = timezone.now()
    reviewed = ProgressUpdate.objects.exclude(reviewed_at=None)
    assert reviewed.exists()
    for update in reviewed:
        assert update.written_on <= timezone.localdate(update.reviewed_at), update
        assert update.reviewed_at <= now, update
    resubmission = ProgressUpdate.objects.get(resubmission_of__isnull=False)
    returned_on = timezone.localdate(resubmission.resubmission_of.reviewed_at)
    assert returned_on < resubmission.written_on
    # A closed action was proposed complete no earlier than its last update, and signed
    # off after that, by now.
    closed = Action.objects.filter(status=Action.Status.CLOSED)
    assert closed.exists()
    for action in closed:
        last_written = max(u.written_on for u in action.updates.all())
        assert last_written <= timezone.localdate(action.completion_proposed_at), action
        assert action.completion_proposed_at < action.signed_off_at <= now, action


def test_seed_demo_records_its_rows_when_the_scenario_has_them(db):
    """The first version of each recommendation, action and update is dated in the
    scenario (a week after the report, the plan's submission, the day written), not the
    day the demo was loaded; later versions keep theirs, so R1 still closes today."""
    call_command("seed_demo", quiet_logins=True)
    today = timezone.localdate()
    for rec in Recommendation.objects.select_related("report"):
        first = rec.history.earliest("history_date")
        expected = min(rec.report.published_on + datetime.timedelta(days=7), today)
        assert timezone.localdate(first.history_date) == expected, rec
    for update in ProgressUpdate.objects.all():
        first = update.history.earliest("history_date")
        assert timezone.localdate(first.history_date) == min(update.written_on, today)
    r1 = Recommendation.objects.get(
        report__title="National child protection inspection: Devon and Cornwall Police",
        reference="R1",
    )
    assert timezone.localdate(r1.history.latest("history_date").history_date) == today
    assert r1.history.latest("history_date").status == Recommendation.Status.CLOSED
    # A second run creates nothing and moves nothing.
    dates = sorted(Recommendation.history.values_list("history_date", flat=True))
    call_command("seed_demo", quiet_logins=True)
    assert sorted(Recommendation.history.values_list("history_date", flat=True)) == dates
