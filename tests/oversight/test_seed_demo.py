from django.core.management import call_command

from oversight.models import InspectionReport, PartnerAgency, PriorityArea, User
from recommendations.models import Action, ProgressUpdate, Recommendation
from reviews.models import DeepDiveReview, FollowUp, Investment


def test_seed_demo_builds_the_scenario(db):
    call_command("seed_demo", quiet_logins=True)
    report = InspectionReport.objects.get(
        title="National child protection inspection: Devon and Cornwall Police"
    )
    assert report.follow_up_reports.count() == 1
    assert PriorityArea.objects.filter(report=report).count() == 6
    assert Recommendation.objects.filter(report=report).count() == 10
    assert Action.objects.count() == 14
    assert set(Action.objects.values_list("status", flat=True)) >= {
        "closed",
        "in_progress",
        "pending_sign_off",
    }
    assert Action.objects.filter(rag="red", revised_target_date__isnull=False).count() == 2
    assert ProgressUpdate.objects.count() > 14
    assert DeepDiveReview.objects.get().performance_assurance == "partly_assured"
    assert FollowUp.objects.count() == 3
    assert Investment.objects.get().recommendations.count() == 2
    assert PartnerAgency.objects.count() == 2
    assert set(User.objects.values_list("role", flat=True)) == set(User.Role.values)


def test_seed_demo_twice_changes_nothing(db):
    call_command("seed_demo", quiet_logins=True)
    models = [InspectionReport, Recommendation, Action, ProgressUpdate, FollowUp, User]
    before = {m.__name__: m.objects.count() for m in models}
    history_before = Recommendation.history.count()
    call_command("seed_demo", quiet_logins=True)
    assert {m.__name__: m.objects.count() for m in models} == before
    assert Recommendation.history.count() == history_before


def test_demo_logins_work(client, db):
    call_command("seed_demo", quiet_logins=True)
    for username in ["admin", "opcc", "panel", "acc", "lead", "lead2", "partner"]:
        user = User.objects.get(username=username)
        assert user.check_password("oversight-demo")
        assert user.groups.count() == 1
    assert list(User.objects.filter(is_office_admin=True).values_list("username", flat=True)) == [
        "admin"
    ]
