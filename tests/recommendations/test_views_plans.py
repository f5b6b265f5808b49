"""Action plan pages: list, create, edit, status changes and the plan page."""

import csv
import io

import pytest
from django.urls import reverse

from oversight.models import User
from oversight.shared.concurrency import version_of
from recommendations.models import Action, ActionPlan
from tests import factories


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- List -----------------------------------------------------------------------------


def test_plan_list_shows_only_plans_the_user_may_see(client, plan_a, action_b, police_lead_b):
    client.force_login(police_lead_b)
    content = client.get(reverse("recommendations:plan_list")).content.decode()
    assert action_b.plan.get_absolute_url() in content
    assert plan_a.get_absolute_url() not in content


def test_plan_list_counts_only_the_partners_own_actions(
    client, action_a, partner_action_a, partner_lead
):
    client.force_login(partner_lead)
    response = client.get(reverse("recommendations:plan_list"))
    (plan,) = response.context["plans"]
    assert plan.action_count == 1  # the police-only action is not counted for a partner


def test_plan_list_runs_a_fixed_number_of_queries(
    client, opcc_staff, django_assert_num_queries, office_a
):
    for _ in range(3):
        report = factories.InspectionReportFactory(force=office_a.forces.get())
        factories.ActionFactory.create_batch(2, plan=factories.ActionPlanFactory(report=report))
    client.force_login(opcc_staff)
    # 1 session, 2 user (with organisation and unread notifications), 3 paginator count,
    # 4 plans with report, force, owner and action counts.
    with django_assert_num_queries(4):
        assert client.get(reverse("recommendations:plan_list")).status_code == 200


# --- Create and edit ------------------------------------------------------------------


def test_plan_owner_creates_a_plan_for_a_report_without_one(
    client, plan_owner_a, report_a, force_a
):
    other = factories.InspectionReportFactory(force=force_a, title="PEEL 2026")
    factories.ActionPlanFactory(report=other)
    client.force_login(plan_owner_a)
    url = reverse("recommendations:plan_create")
    form = client.get(url).context["form"]
    assert list(form.fields["report"].queryset) == [report_a]  # PEEL already has a plan
    response = client.post(url, {"report": report_a.pk, "title": "CP plan"})
    plan = ActionPlan.objects.get(report=report_a)
    assert response["Location"] == plan.get_absolute_url()
    assert plan.status == ActionPlan.Status.DRAFT
    assert plan.owner == plan_owner_a


def test_plan_create_offers_the_plan_owner_as_me_only_once(client, plan_owner_a, report_a, force_a):
    colleague = factories.UserFactory(role=User.Role.PLAN_OWNER, force=force_a)
    client.force_login(plan_owner_a)
    form = client.get(reverse("recommendations:plan_create")).context["form"]
    assert form.fields["owner"].empty_label == "Me"
    assert list(form.fields["owner"].queryset) == [colleague]


def test_plan_create_without_a_report_says_what_to_do(client, plan_owner_a, report_a):
    client.force_login(plan_owner_a)
    response = client.post(reverse("recommendations:plan_create"), {"title": "x"})
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    assert not ActionPlan.objects.exists()


def test_plan_owner_cannot_pick_another_forces_report(client, plan_owner_a, report_b):
    client.force_login(plan_owner_a)
    response = client.post(reverse("recommendations:plan_create"), {"report": report_b.pk})
    assert response.status_code == 400
    assert not ActionPlan.objects.exists()


def test_plan_owner_edits_the_plan(client, plan_a, plan_owner_a):
    client.force_login(plan_owner_a)
    response = client.post(
        reverse("recommendations:plan_edit", args=[plan_a.pk]),
        {
            "title": "Child protection plan",
            "owner": plan_owner_a.pk,
            "governance_board": "Safeguarding board",
            "version": version_of(plan_a),
        },
    )
    assert response.status_code == 302
    plan_a.refresh_from_db()
    assert plan_a.governance_board == "Safeguarding board"
    assert plan_a.history.latest().history_user == plan_owner_a


def test_stale_plan_edit_is_refused(client, plan_a, plan_owner_a):
    client.force_login(plan_owner_a)
    response = client.post(
        reverse("recommendations:plan_edit", args=[plan_a.pk]),
        {"title": "Mine", "version": "2000-01-01T00:00:00+00:00"},
    )
    assert response.status_code == 409
    plan_a.refresh_from_db()
    assert plan_a.title != "Mine"


# --- Status changes -------------------------------------------------------------------


def _transition(client, plan, to_status):
    return client.post(
        reverse("recommendations:plan_transition", args=[plan.pk]), {"to_status": to_status}
    )


def test_plan_owner_submits_and_opcc_accepts(client, plan_a, action_a, plan_owner_a, opcc_staff):
    ActionPlan.objects.filter(pk=plan_a.pk).update(status=ActionPlan.Status.DRAFT)
    client.force_login(plan_owner_a)
    page = client.get(plan_a.get_absolute_url()).content.decode()
    assert "Submit to the OPCC" in page
    assert _transition(client, plan_a, "submitted").status_code == 302
    assert _transition(client, plan_a, "active").status_code == 403
    client.force_login(opcc_staff)
    assert "Accept the plan" in client.get(plan_a.get_absolute_url()).content.decode()
    assert _transition(client, plan_a, "active").status_code == 302
    plan_a.refresh_from_db()
    assert plan_a.status == ActionPlan.Status.ACTIVE


def test_plan_page_shows_who_moved_the_plan(client, plan_a, action_a, plan_owner_a, opcc_staff):
    ActionPlan.objects.filter(pk=plan_a.pk).update(status=ActionPlan.Status.DRAFT)
    client.force_login(plan_owner_a)
    _transition(client, plan_a, "submitted")
    client.force_login(opcc_staff)
    _transition(client, plan_a, "active")
    history = client.get(plan_a.get_absolute_url()).content.decode()
    history = history[history.index('id="plan-history-heading"') :]
    assert history.index("Plan active") < history.index("Plan submitted")
    assert str(opcc_staff) in history and str(plan_owner_a) in history


def test_closing_a_plan_with_open_actions_says_which(client, plan_a, action_a, opcc_staff):
    client.force_login(opcc_staff)
    response = _transition(client, plan_a, "closed")
    assert response.status_code == 400
    assert "Still open: A1" in response.content.decode()
    plan_a.refresh_from_db()
    assert plan_a.status == ActionPlan.Status.ACTIVE


def test_read_only_and_leads_cannot_move_a_plan(client, plan_a, read_only, police_lead_a):
    for user in (read_only, police_lead_a):
        client.force_login(user)
        assert _transition(client, plan_a, "closed").status_code == 403
    plan_a.refresh_from_db()
    assert plan_a.status == ActionPlan.Status.ACTIVE


def test_an_unknown_status_is_a_bad_request(client, plan_a, plan_owner_a):
    client.force_login(plan_owner_a)
    assert _transition(client, plan_a, "exploded").status_code == 400


# --- The plan page --------------------------------------------------------------------


def test_partner_sees_only_their_agency_actions_on_the_plan(
    client, action_a, partner_action_a, partner_lead
):
    client.force_login(partner_lead)
    content = client.get(partner_action_a.plan.get_absolute_url()).content.decode()
    assert partner_action_a.description in content
    assert action_a.description not in content


def test_plan_page_shows_the_revised_target_with_the_original(client, action_a, police_lead_a):
    Action.objects.filter(pk=action_a.pk).update(
        revised_target_date="2027-09-30", revision_reason="Delay."
    )
    client.force_login(police_lead_a)
    content = client.get(action_a.plan.get_absolute_url()).content.decode()
    assert "30 Sep 2027" in content
    assert "<del>31 Mar 2027</del>" in content


def _actions_with_updates(plan, lead, reviewer, count, prefix):
    for n in range(count):
        action = factories.ActionFactory(plan=plan, reference=f"{prefix}{n}", delivery_lead=lead)
        for state in ("accepted", "returned", "submitted"):
            factories.ProgressUpdateFactory(
                action=action,
                review_state=state,
                reviewed_by=None if state == "submitted" else reviewer,
                review_comment="Add numbers." if state == "returned" else "",
            )


@pytest.mark.parametrize("count", [2, 30])
def test_plan_page_runs_a_fixed_number_of_queries(
    client, plan_a, police_lead_a, opcc_staff, django_assert_num_queries, count
):
    _actions_with_updates(plan_a, police_lead_a, opcc_staff, count, "Q")
    client.force_login(opcc_staff)
    # 1 session, 2 user (with organisation and unread notifications), 3 plan with report,
    # force and owner, 4 actions with plan, leads, agency, update count and latest-update
    # annotations, 5 their recommendations, 6 the plan's history with its users.
    with django_assert_num_queries(6):
        response = client.get(plan_a.get_absolute_url())
    content = response.content.decode()
    assert content.count('<tr id="action-') == count
    # Each row counts its own three updates.
    assert content.count("3 updates") == count


# --- CSV export -----------------------------------------------------------------------


def _export(client, plan) -> str:
    response = client.get(reverse("recommendations:plan_export", args=[plan.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="action-plan-')
    return b"".join(response.streaming_content).decode("utf-8-sig")


def test_export_has_every_visible_action_with_its_dates(client, action_a, opcc_staff):
    Action.objects.filter(pk=action_a.pk).update(
        revised_target_date="2027-09-30", revision_reason="Delay."
    )
    client.force_login(opcc_staff)
    rows = list(csv.reader(io.StringIO(_export(client, action_a.plan))))
    assert rows[0][:3] == ["Reference", "Action", "Recommendations"]
    (row,) = rows[1:]
    assert row[0] == "A1"
    assert row[2] == "R1"
    assert "2027-03-31" in row and "2027-09-30" in row and "Delay." in row


def test_partner_export_leaves_out_police_only_actions(
    client, action_a, partner_action_a, partner_lead
):
    client.force_login(partner_lead)
    content = _export(client, partner_action_a.plan)
    assert partner_action_a.description in content
    assert action_a.description not in content


def test_export_cells_cannot_run_as_formulas(client, action_a, opcc_staff):
    Action.objects.filter(pk=action_a.pk).update(description='=HYPERLINK("http://x","y")')
    client.force_login(opcc_staff)
    rows = list(csv.reader(io.StringIO(_export(client, action_a.plan))))
    assert rows[1][1] == '\'=HYPERLINK("http://x","y")'


def test_lead_of_another_force_cannot_export_the_plan(client, plan_a, police_lead_b):
    client.force_login(police_lead_b)
    response = client.get(reverse("recommendations:plan_export", args=[plan_a.pk]))
    assert response.status_code == 404
