"""A leaver's actions and plans: listed on the person's page, handed to someone else.

Police lead A leads A1 in force A's plan and wrote an update still waiting for review;
then leaves. Office A's administrator (or force A's plan owner) hands the work over.
"""

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from oversight.models import User
from oversight.shared import panels
from recommendations import services_handover
from recommendations.models import Action, ActionPlan, ProgressUpdate
from recommendations.panels import person_panel
from tests import factories, leavers

PANEL = "recommendations/_panel_person.html"


@pytest.fixture
def admin_a(office_a):
    return leavers.office_admin(office_a, "admin_a")


@pytest.fixture
def admin_b(office_b):
    return leavers.office_admin(office_b, "admin_b")


@pytest.fixture
def leaver(action_a, police_lead_a, admin_a):
    """Police lead A, who leads A1 and wrote an update still waiting for review, has left."""
    factories.ProgressUpdateFactory(action=action_a, author=police_lead_a)
    return leavers.deactivate(police_lead_a, by=admin_a)


@pytest.fixture
def plan_owner_a2(force_a):
    return leavers.person("acc_a2", User.Role.PLAN_OWNER, force=force_a)


def person_page(person) -> str:
    return reverse("accounts:person_detail", args=[person.pk])


def reassign(client, action, *, field="delivery_lead", person, was):
    return client.post(
        reverse("recommendations:action_reassign", args=[action.pk]),
        {"field": field, "person": person.pk, "was": was.pk},
    )


def render_panel(context) -> str:
    return render_to_string(PANEL, {"panel": context})


# --- The panel on the person's page ----------------------------------------------------


def test_person_panel_is_registered_for_the_person_page():
    assert PANEL in [panel.template for panel in panels._registry["person"]]


def test_the_person_page_lists_what_the_leaver_leaves(client, admin_a, leaver, action_a):
    client.force_login(admin_a)

    response = client.get(person_page(leaver))

    html = response.content.decode()
    assert f"What {leaver} leaves in the action plans" in html
    assert reverse("recommendations:action_reassign", args=[action_a.pk]) in html
    # One action: no "hand all of them over".
    assert reverse("recommendations:actions_hand_over", args=[leaver.pk]) not in html


def test_person_panel_lists_live_actions_plans_and_updates_awaiting_review(
    admin_a, leaver, action_a, plan_a, plan_owner_a, police_lead_a2
):
    # Finished work and reviewed updates are not left behind.
    factories.ActionFactory(
        plan=plan_a,
        reference="A8",
        delivery_lead=leaver,
        status=Action.Status.CLOSED,
        signed_off_by=admin_a,
    )
    factories.ProgressUpdateFactory(
        action=action_a,
        author=leaver,
        review_state=ProgressUpdate.Review.ACCEPTED,
        reviewed_by=admin_a,
    )

    context = person_panel(user=admin_a, obj=leaver)

    left = context["left"]
    assert [(row.item, row.role) for row in left.actions] == [(action_a, "delivery_lead")]
    [row] = left.actions
    assert set(row.choices) == {plan_owner_a, police_lead_a2}
    assert row.can_reassign
    assert left.plans == []
    assert [update.action for update in left.updates] == [action_a]
    assert context["is_leaver"] and context["per_item_controls"]
    html = render_panel(context)
    assert "A1 (Child protection in force A, Force A Police)" in html
    assert "the OPCC still reviews these" in html
    assert reverse("recommendations:action_reassign", args=[action_a.pk]) in html
    assert f'<option value="{police_lead_a2.pk}">' in html
    assert "A8" not in html


def test_person_panel_offers_plans_to_plan_owners_of_the_force_only(
    admin_a, report_a, plan_owner_a, plan_owner_a2, police_lead_a2
):
    plan = factories.ActionPlanFactory(report=report_a, owner=plan_owner_a2)
    leavers.deactivate(plan_owner_a2, by=admin_a)

    context = person_panel(user=admin_a, obj=plan_owner_a2)

    [row] = context["left"].plans
    assert row.item == plan
    assert row.choices == [plan_owner_a]
    assert reverse("recommendations:plan_reassign", args=[plan.pk]) in render_panel(context)


def test_person_panel_offers_a_partner_actions_lead_to_the_agency_and_the_force(
    admin_a, partner_action_a, partner_lead, agency, police_lead_a, plan_owner_a
):
    colleague = leavers.person("partner_a2", User.Role.PARTNER_LEAD, partner_agency=agency)
    leavers.deactivate(partner_lead, by=admin_a)

    [row] = person_panel(user=admin_a, obj=partner_lead)["left"].actions

    assert set(row.choices) == {colleague, police_lead_a, plan_owner_a}


def test_person_panel_for_someone_still_here_has_no_item_by_item_controls(
    admin_a, action_a, police_lead_a
):
    context = person_panel(user=admin_a, obj=police_lead_a)

    assert not context["is_leaver"] and not context["per_item_controls"]
    html = render_panel(context)
    assert "can still sign in" in html
    assert reverse("recommendations:action_reassign", args=[action_a.pk]) not in html
    # Handing everything over at once stays possible, folded away.
    assert "<details" in html
    assert reverse("recommendations:actions_hand_over", args=[police_lead_a.pk]) in html


def test_person_panel_is_none_with_nothing_to_show(admin_a, police_lead_a2):
    assert person_panel(user=admin_a, obj=police_lead_a2) is None


def test_person_panel_shows_nothing_another_office_cannot_see(admin_b, leaver):
    assert person_panel(user=admin_b, obj=leaver) is None


def test_person_panel_for_read_only_lists_without_controls(read_only, leaver, action_a):
    context = person_panel(user=read_only, obj=leaver)

    [row] = context["left"].actions
    assert (row.can_reassign, row.choices) == (False, [])
    assert not context["per_item_controls"]
    html = render_panel(context)
    assert "<form" not in html
    assert "A1 (Child protection in force A" in html


def _departing_plan_owner_with(n: int, *, force, start: int, departing):
    """`n` more plans, each with a live action owned and led by `departing` and an
    update of theirs waiting for review."""
    for i in range(start, start + n):
        report = factories.InspectionReportFactory(force=force, title=f"Report {i}")
        plan = factories.ActionPlanFactory(report=report, owner=departing, title=f"Plan {i}")
        action = factories.ActionFactory(
            plan=plan, reference=f"A{i}", owner=departing, delivery_lead=departing
        )
        factories.ProgressUpdateFactory(action=action, author=departing)


def _panel_queries(user, person) -> int:
    with CaptureQueriesContext(connection) as queries:
        render_panel(person_panel(user=user, obj=person))
    return len(queries)


def test_person_panel_runs_a_fixed_number_of_queries(
    admin_a, force_a, plan_owner_a, plan_owner_a2, police_lead_a2, django_assert_num_queries
):
    _departing_plan_owner_with(2, force=force_a, start=1, departing=plan_owner_a2)
    leavers.deactivate(plan_owner_a2, by=admin_a)
    # live actions held (with plan, report, force, people, agency); plans owned (with
    # report, force); updates waiting for review (with action, plan, report, force);
    # whether the administrator looks after the person; who could take the work on.
    with django_assert_num_queries(5):
        render_panel(person_panel(user=admin_a, obj=plan_owner_a2))
    few = _panel_queries(admin_a, plan_owner_a2)

    _departing_plan_owner_with(18, force=force_a, start=3, departing=plan_owner_a2)
    context = person_panel(user=admin_a, obj=plan_owner_a2)
    assert (len(context["left"].actions), len(context["left"].plans)) == (40, 20)

    assert _panel_queries(admin_a, plan_owner_a2) == few == 5


# --- Handing one action over -----------------------------------------------------------


def test_action_reassign_hands_the_role_over_with_history(
    client, admin_a, leaver, action_a, police_lead_a2
):
    client.force_login(admin_a)

    response = reassign(client, action_a, person=police_lead_a2, was=leaver)

    assert response.status_code == 302
    assert response["Location"] == person_page(leaver)
    action_a.refresh_from_db()
    assert action_a.delivery_lead == police_lead_a2
    latest = action_a.history.latest()
    assert latest.history_user == admin_a
    assert latest.prev_record.delivery_lead_id == leaver.pk
    # No longer left behind.
    assert person_panel(user=admin_a, obj=leaver)["left"].actions == []


def test_action_reassign_by_the_forces_plan_owner(client, plan_owner_a, leaver, action_a):
    client.force_login(plan_owner_a)

    response = reassign(client, action_a, person=plan_owner_a, was=leaver)

    assert response.status_code == 302
    assert response["Location"] == action_a.get_absolute_url()
    action_a.refresh_from_db()
    assert action_a.delivery_lead == plan_owner_a
    assert action_a.history.latest().history_user == plan_owner_a


def test_action_reassign_owner_role(client, admin_a, plan_owner_a, plan_owner_a2, action_a):
    Action.objects.filter(pk=action_a.pk).update(owner=plan_owner_a2)
    leavers.deactivate(plan_owner_a2, by=admin_a)
    client.force_login(admin_a)

    response = reassign(client, action_a, field="owner", person=plan_owner_a, was=plan_owner_a2)

    assert response.status_code == 302
    action_a.refresh_from_db()
    assert action_a.owner == plan_owner_a


def test_action_reassign_refuses_someone_who_cannot_hold_the_role(
    client, admin_a, leaver, action_a, opcc_staff
):
    client.force_login(admin_a)
    versions = action_a.history.count()

    response = reassign(client, action_a, person=opcc_staff, was=leaver)

    assert response.status_code == 400
    assert (
        f"{opcc_staff} cannot be A1&#x27;s delivery lead. Choose an active police lead or plan "
        "owner of Force A Police." in response.content.decode()
    )
    action_a.refresh_from_db()
    assert action_a.delivery_lead == leaver
    assert action_a.history.count() == versions


def test_action_reassign_service_refuses_a_partner_lead_on_a_police_only_action(
    admin_a, leaver, action_a, partner_lead
):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        services_handover.action_reassign(
            action=action_a, field="delivery_lead", person=partner_lead, by=admin_a
        )

    assert "Choose an active police lead or plan owner of Force A Police" in str(refused.value)
    action_a.refresh_from_db()
    assert action_a.delivery_lead == leaver


def test_action_reassign_refuses_another_leaver(client, admin_a, leaver, action_a, police_lead_a2):
    leavers.deactivate(police_lead_a2, by=admin_a)
    client.force_login(admin_a)

    response = reassign(client, action_a, person=police_lead_a2, was=leaver)

    assert response.status_code == 400
    assert "Choose someone from the list" in response.content.decode()
    action_a.refresh_from_db()
    assert action_a.delivery_lead == leaver


def test_action_reassign_refuses_a_page_opened_before_someone_else_handed_it_over(
    client, admin_a, leaver, action_a, police_lead_a2, plan_owner_a
):
    Action.objects.filter(pk=action_a.pk).update(delivery_lead=plan_owner_a)
    client.force_login(admin_a)

    response = reassign(client, action_a, person=police_lead_a2, was=leaver)

    assert response.status_code == 400
    assert "someone changed it after you opened the page" in response.content.decode()
    action_a.refresh_from_db()
    assert action_a.delivery_lead == plan_owner_a


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("police_lead_b", 404),
        ("admin_b", 404),
        ("read_only", 403),
        ("opcc_staff", 403),  # OPCC staff who are not administrators only see
        ("police_lead_a2", 403),
    ],
)
def test_action_reassign_refuses_people_who_may_not(
    request, client, persona, status, leaver, action_a, police_lead_a2
):
    client.force_login(request.getfixturevalue(persona))

    response = reassign(client, action_a, person=police_lead_a2, was=leaver)

    assert response.status_code == status
    action_a.refresh_from_db()
    assert action_a.delivery_lead == leaver


@pytest.mark.parametrize(
    "url_name", ["action_reassign", "plan_reassign", "actions_hand_over"], ids=str
)
def test_handover_urls_refuse_get(client, admin_a, leaver, action_a, plan_a, url_name):
    client.force_login(admin_a)
    pk = {"action_reassign": action_a.pk, "plan_reassign": plan_a.pk}.get(url_name, leaver.pk)

    assert client.get(reverse(f"recommendations:{url_name}", args=[pk])).status_code == 405


def test_handover_urls_send_anonymous_visitors_to_sign_in(client, leaver, action_a):
    response = client.post(reverse("recommendations:action_reassign", args=[action_a.pk]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- Handing all of a person's actions over --------------------------------------------


@pytest.fixture
def leaver_owning_a5(leaver, plan_a):
    """The leaver also owns A5, which only a plan owner may own."""
    factories.ActionFactory(plan=plan_a, reference="A5", owner=leaver, delivery_lead=leaver)
    return leaver


def hand_over_all(client, holder, person):
    return client.post(
        reverse("recommendations:actions_hand_over", args=[holder.pk]), {"person": person.pk}
    )


def test_actions_hand_over_moves_every_role_to_one_person(
    client, admin_a, leaver_owning_a5, plan_owner_a
):
    client.force_login(admin_a)

    response = hand_over_all(client, leaver_owning_a5, plan_owner_a)

    assert response.status_code == 302
    assert not Action.objects.filter(owner=leaver_owning_a5).exists()
    assert not Action.objects.filter(delivery_lead=leaver_owning_a5).exists()
    a5 = Action.objects.get(reference="A5")
    assert (a5.owner, a5.delivery_lead) == (plan_owner_a, plan_owner_a)
    assert a5.history.latest().history_user == admin_a
    assert person_panel(user=admin_a, obj=leaver_owning_a5)["left"].actions == []


def test_actions_hand_over_offers_only_who_can_take_all(admin_a, leaver_owning_a5, plan_owner_a):
    context = person_panel(user=admin_a, obj=leaver_owning_a5)

    assert context["left"].everyone_can_take == [plan_owner_a]


def test_actions_hand_over_refuses_someone_who_cannot_take_them_all(
    client, admin_a, leaver_owning_a5, police_lead_a2
):
    client.force_login(admin_a)

    response = hand_over_all(client, leaver_owning_a5, police_lead_a2)

    assert response.status_code == 400
    assert "cannot take over A5 (owner): nothing was handed over" in response.content.decode()
    assert Action.objects.filter(delivery_lead=leaver_owning_a5).count() == 2
    assert not Action.objects.filter(delivery_lead=police_lead_a2).exists()


@pytest.mark.parametrize(
    ("persona", "status"),
    [("police_lead_b", 404), ("admin_b", 404), ("read_only", 403), ("opcc_staff", 403)],
)
def test_actions_hand_over_refuses_people_who_may_not(
    request, client, persona, status, leaver, plan_owner_a
):
    client.force_login(request.getfixturevalue(persona))

    assert hand_over_all(client, leaver, plan_owner_a).status_code == status
    assert Action.objects.filter(delivery_lead=leaver).count() == 1


# --- Handing a plan over ---------------------------------------------------------------


@pytest.fixture
def departed_owners_plan(report_a, plan_owner_a2, admin_a):
    plan = factories.ActionPlanFactory(report=report_a, owner=plan_owner_a2)
    leavers.deactivate(plan_owner_a2, by=admin_a)
    return plan


def reassign_plan(client, plan, *, person, was):
    return client.post(
        reverse("recommendations:plan_reassign", args=[plan.pk]),
        {"person": person.pk, "was": was.pk},
    )


def test_plan_reassign_hands_the_plan_over_with_history(
    client, admin_a, departed_owners_plan, plan_owner_a, plan_owner_a2
):
    client.force_login(admin_a)

    response = reassign_plan(client, departed_owners_plan, person=plan_owner_a, was=plan_owner_a2)

    assert response.status_code == 302
    departed_owners_plan.refresh_from_db()
    assert departed_owners_plan.owner == plan_owner_a
    latest = departed_owners_plan.history.latest()
    assert (latest.history_user, latest.prev_record.owner_id) == (admin_a, plan_owner_a2.pk)


def test_plan_reassign_refuses_someone_who_is_not_a_plan_owner_of_the_force(
    client, admin_a, departed_owners_plan, police_lead_a2, plan_owner_a2
):
    client.force_login(admin_a)

    response = reassign_plan(client, departed_owners_plan, person=police_lead_a2, was=plan_owner_a2)

    assert response.status_code == 400
    assert "Choose an active plan owner of Force A Police." in response.content.decode()
    departed_owners_plan.refresh_from_db()
    assert departed_owners_plan.owner == plan_owner_a2


def test_plan_reassign_refuses_a_closed_plan(
    client, admin_a, departed_owners_plan, plan_owner_a, plan_owner_a2
):
    ActionPlan.objects.filter(pk=departed_owners_plan.pk).update(status=ActionPlan.Status.CLOSED)
    client.force_login(admin_a)

    response = reassign_plan(client, departed_owners_plan, person=plan_owner_a, was=plan_owner_a2)

    assert response.status_code == 403


@pytest.mark.parametrize(
    ("persona", "status"),
    [("police_lead_b", 404), ("admin_b", 404), ("read_only", 403), ("police_lead_a", 403)],
)
def test_plan_reassign_refuses_people_who_may_not(
    request, client, persona, status, departed_owners_plan, plan_owner_a, plan_owner_a2
):
    client.force_login(request.getfixturevalue(persona))

    response = reassign_plan(client, departed_owners_plan, person=plan_owner_a, was=plan_owner_a2)

    assert response.status_code == status
    departed_owners_plan.refresh_from_db()
    assert departed_owners_plan.owner == plan_owner_a2


def test_the_person_page_with_its_panels_runs_as_many_queries_for_20_items_as_for_2(
    client, admin_a, force_a, plan_owner_a2
):
    _departing_plan_owner_with(2, force=force_a, start=1, departing=plan_owner_a2)
    leavers.deactivate(plan_owner_a2, by=admin_a)
    client.force_login(admin_a)

    def page_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(person_page(plan_owner_a2)).status_code == 200
        return len(queries)

    few = page_queries()
    _departing_plan_owner_with(18, force=force_a, start=3, departing=plan_owner_a2)

    assert page_queries() == few
