"""'My actions': the police and partner leads' home page."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from oversight.shared import panels
from recommendations import services_progress
from recommendations.models import Action, ActionPlan, Rag
from recommendations.my_actions import MY_ACTIONS_PER_PAGE, MY_ACTIONS_RETURNED_LIMIT
from tests import factories

TODAY = datetime.date(2026, 11, 10)
RETURNED_AT = datetime.datetime(2026, 11, 9, 12, tzinfo=datetime.UTC)
URL = reverse("recommendations:my_actions")


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fixed_today():
    with time_machine.travel(datetime.datetime(2026, 11, 10, 10, 0, tzinfo=datetime.UTC)):
        yield


def _action(plan, lead, reference, *, due, target=datetime.date(2027, 6, 1), **fields):
    return factories.ActionFactory(
        plan=plan,
        reference=reference,
        delivery_lead=lead,
        next_update_due=due,
        target_date=target,
        **fields,
    )


def _order(content: str, *markers: str) -> list[int]:
    return [content.index(marker) for marker in markers]


def test_due_and_overdue_come_first_then_the_rest(client, plan_a, police_lead_a):
    later = _action(plan_a, police_lead_a, "A1", due=TODAY + datetime.timedelta(days=40))
    overdue = _action(plan_a, police_lead_a, "A2", due=TODAY - datetime.timedelta(days=6))
    target_passed = _action(
        plan_a,
        police_lead_a,
        "A3",
        due=TODAY + datetime.timedelta(days=50),
        target=TODAY - datetime.timedelta(days=3),
    )
    soon = _action(plan_a, police_lead_a, "A4", due=TODAY + datetime.timedelta(days=3))
    client.force_login(police_lead_a)
    content = client.get(URL).content.decode()
    due_section, rest_section = content.index("Due or overdue"), content.index("Everything else")
    positions = _order(content, *(f'id="action-{a.pk}"' for a in (overdue, target_passed, soon)))
    assert due_section < positions[0] < positions[1] < positions[2] < rest_section
    assert rest_section < content.index(f'id="action-{later.pk}"')
    assert "Overdue by 6 days" in content
    assert "Passed 3 days ago" in content
    assert "Due in 3 days" in content


def test_each_action_has_one_click_to_post_an_update(client, action_a, police_lead_a):
    client.force_login(police_lead_a)
    content = client.get(URL).content.decode()
    assert reverse("recommendations:update_create", args=[action_a.pk]) in content


def test_rag_is_shown_with_its_word_and_revised_target_with_the_original(
    client, action_a, police_lead_a
):
    Action.objects.filter(pk=action_a.pk).update(
        rag=Rag.RED, revised_target_date=datetime.date(2027, 9, 30), revision_reason="Delay."
    )
    client.force_login(police_lead_a)
    content = client.get(URL).content.decode()
    assert '<span class="rag rag-red">Red</span>' in content
    assert "30 Sep 2027" in content
    assert "Revised" in content
    assert "<del>31 Mar 2027</del>" in content


def test_returned_update_is_at_the_very_top_with_its_reason(
    client, action_a, police_lead_a, opcc_staff
):
    overdue = _action(action_a.plan, police_lead_a, "A5", due=TODAY - datetime.timedelta(days=9))
    update = services_progress.progress_update_submit(
        action=action_a,
        author=police_lead_a,
        narrative="Training.",
        rag="amber",
        percent_complete=5,
    )
    services_progress.progress_update_return(
        update=update, by=opcc_staff, reason="Give the numbers."
    )
    client.force_login(police_lead_a)
    content = client.get(URL).content.decode()
    assert "Give the numbers." in content
    assert content.index("Returned to you") < content.index(f'id="action-{overdue.pk}"')
    assert "1 to resubmit" in content


def test_a_resubmitted_update_no_longer_asks_for_resubmission(
    client, action_a, police_lead_a, opcc_staff
):
    update = services_progress.progress_update_submit(
        action=action_a,
        author=police_lead_a,
        narrative="Training.",
        rag="amber",
        percent_complete=5,
    )
    services_progress.progress_update_return(
        update=update, by=opcc_staff, reason="Give the numbers."
    )
    services_progress.progress_update_submit(
        action=action_a,
        author=police_lead_a,
        narrative="81% trained.",
        rag="amber",
        percent_complete=81,
        resubmission_of=update,
    )
    client.force_login(police_lead_a)
    content = client.get(URL).content.decode()
    assert "Returned to you" not in content
    assert "Update with the OPCC for review" in content


def test_closed_and_not_needed_actions_are_left_out(client, plan_a, police_lead_a, opcc_staff):
    _action(
        plan_a,
        police_lead_a,
        "A1",
        due=None,
        status=Action.Status.NOT_NEEDED,
        status_reason="Covered elsewhere.",
    )
    live = _action(plan_a, police_lead_a, "A2", due=TODAY)
    client.force_login(police_lead_a)
    content = client.get(URL).content.decode()
    assert f'id="action-{live.pk}"' in content
    assert "Do the thing" in content
    assert content.count('class="list-group-item action-card') == 1


def test_lead_sees_only_their_own_actions(
    client, action_a, partner_action_a, action_b, police_lead_a2, police_lead_b
):
    client.force_login(police_lead_b)
    content = client.get(URL).content.decode()
    assert f'id="action-{action_b.pk}"' in content
    assert f'id="action-{action_a.pk}"' not in content
    client.force_login(police_lead_a2)
    content = client.get(URL).content.decode()
    assert f'id="action-{action_a.pk}"' not in content


def test_partner_lead_sees_their_agency_actions_and_no_police_only_one(
    client, action_a, partner_action_a, partner_lead
):
    client.force_login(partner_lead)
    content = client.get(URL).content.decode()
    assert f'id="action-{partner_action_a.pk}"' in content
    assert f'id="action-{action_a.pk}"' not in content
    assert action_a.description not in content


def test_plan_owner_sees_every_action_of_the_plans_they_own(
    client, action_a, partner_action_a, action_b, plan_owner_a
):
    client.force_login(plan_owner_a)
    content = client.get(URL).content.decode()
    assert f'id="action-{action_a.pk}"' in content
    assert f'id="action-{partner_action_a.pk}"' in content
    assert f'id="action-{action_b.pk}"' not in content


def test_lead_with_nothing_assigned_is_told_what_will_appear(client, police_lead_a2, report_a):
    client.force_login(police_lead_a2)
    content = client.get(URL).content.decode()
    assert "When the plan owner assigns an action to you" in content
    assert report_a.title in content


def test_anonymous_is_sent_to_login(client, db):
    assert client.get(URL)["Location"].startswith(reverse("login"))


# --- Query counts ---------------------------------------------------------------------


def _world(plan: ActionPlan, lead, reviewer, count: int, prefix: str = "Q") -> None:
    """`count` actions for the lead, each with three updates (accepted, returned, submitted)."""
    for n in range(count):
        action = _action(plan, lead, f"{prefix}{n}", due=TODAY + datetime.timedelta(days=n - 5))
        for state in ("accepted", "returned", "submitted"):
            factories.ProgressUpdateFactory(
                action=action,
                review_state=state,
                reviewed_by=None if state == "submitted" else reviewer,
                review_comment="Add numbers." if state == "returned" else "",
            )


def _count_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL).status_code == 200
    return len(queries)


@pytest.mark.parametrize("count", [2, 30])
def test_my_actions_runs_a_fixed_number_of_queries(
    client, plan_a, police_lead_a, opcc_staff, django_assert_num_queries, monkeypatch, count
):
    # Panels other apps add to the page have their own tests; count this page's own work.
    monkeypatch.setitem(panels._registry, "my_actions", [])
    _world(plan_a, police_lead_a, opcc_staff, count)
    client.force_login(police_lead_a)
    # 1 session, 2 user (with organisation and unread notifications), 3 due and other
    # totals, 4 the page of actions with plan, report, lead, agency and latest-update
    # annotations, 5 their
    # recommendations, 6 the ids of returned updates still owed (with their total; none
    # here, so no query for the updates themselves), 7 returned
    # completions (with their total), 8 reports with their plans.
    with django_assert_num_queries(8):
        response = client.get(URL)
    assert response.status_code == 200
    assert response.content.decode().count("action-card") >= min(count, MY_ACTIONS_PER_PAGE)


@pytest.mark.parametrize("count", [2, 30])
def test_my_actions_with_returned_updates_owed_adds_one_query_for_them(
    client, plan_a, police_lead_a, opcc_staff, django_assert_num_queries, monkeypatch, count
):
    monkeypatch.setitem(panels._registry, "my_actions", [])
    for n in range(count):
        action = _action(plan_a, police_lead_a, f"Q{n}", due=TODAY + datetime.timedelta(days=n))
        factories.ProgressUpdateFactory(
            action=action,
            review_state="returned",
            reviewed_by=opcc_staff,
            review_comment="More.",
            # The later the action, the longer ago its update was returned.
            reviewed_at=RETURNED_AT - datetime.timedelta(hours=n),
        )
    client.force_login(police_lead_a)
    # As above, with 6 the ids of the returned updates still owed (with their total) and
    # 7 those updates with their action, plan, report, force, author and reviewer.
    with django_assert_num_queries(9):
        response = client.get(URL)
    mine = response.context["mine"]
    assert mine.returned_total == count
    assert len(mine.returned_updates) == min(count, MY_ACTIONS_RETURNED_LIMIT)
    # Returned longest ago first.
    assert [update.action.reference for update in mine.returned_updates] == [
        f"Q{n}" for n in reversed(range(count))
    ][:MY_ACTIONS_RETURNED_LIMIT]
    assert response.content.decode().count("returned-card") == min(count, MY_ACTIONS_RETURNED_LIMIT)


def test_my_actions_queries_do_not_grow_with_panels_either(
    client, plan_a, police_lead_a, opcc_staff
):
    client.force_login(police_lead_a)
    _world(plan_a, police_lead_a, opcc_staff, 2)
    few = _count_queries(client)
    _world(plan_a, police_lead_a, opcc_staff, 28, prefix="R")
    assert _count_queries(client) == few


def test_many_actions_come_a_page_at_a_time_due_first(client, plan_a, police_lead_a):
    for n in range(MY_ACTIONS_PER_PAGE + 3):
        _action(plan_a, police_lead_a, f"L{n:02d}", due=TODAY + datetime.timedelta(days=60))
    overdue = _action(plan_a, police_lead_a, "Z1", due=TODAY - datetime.timedelta(days=2))
    client.force_login(police_lead_a)
    first = client.get(URL)
    second = client.get(URL, {"page": 2})
    mine = first.context["mine"]
    assert [row.action for row in mine.due] == [overdue]
    assert (mine.due_total, mine.rest_total) == (1, MY_ACTIONS_PER_PAGE + 3)
    assert len(mine.due) + len(mine.rest) == MY_ACTIONS_PER_PAGE
    assert len(second.context["mine"].rest) == 4
    assert "Page 1 of 2" in first.content.decode()


def test_an_action_pending_sign_off_says_it_waits_for_the_opcc(client, action_a, police_lead_a):
    services_progress.action_propose_completion(
        action=action_a, by=police_lead_a, completion_evidence="All staff trained."
    )
    client.force_login(police_lead_a)
    content = client.get(URL).content.decode()
    assert "Waiting for OPCC sign-off" in content


def test_an_update_under_review_says_it_waits_for_the_opcc(client, action_a, police_lead_a):
    services_progress.progress_update_submit(
        action=action_a,
        author=police_lead_a,
        narrative="Training.",
        rag="amber",
        percent_complete=5,
    )
    client.force_login(police_lead_a)
    content = client.get(URL).content.decode()
    assert "Waiting for the OPCC to review your update" in content


def test_a_returned_completion_is_returned_to_the_delivery_lead_and_the_proposer(
    client, action_a, police_lead_a, plan_owner_a, opcc_staff
):
    services_progress.action_propose_completion(
        action=action_a, by=plan_owner_a, completion_evidence="All staff trained."
    )
    services_progress.action_return_completion(
        action=action_a, by=opcc_staff, reason="Show the audit of case files."
    )
    for person in (police_lead_a, plan_owner_a):
        client.force_login(person)
        content = client.get(URL).content.decode()
        assert "Returned to you" in content
        assert "Show the audit of case files." in content
        assert "1 to resubmit" in content


def test_an_update_the_plan_owner_wrote_is_returned_to_the_delivery_lead_too(
    client, action_a, police_lead_a, plan_owner_a, opcc_staff
):
    update = services_progress.progress_update_submit(
        action=action_a, author=plan_owner_a, narrative="Training.", rag="amber", percent_complete=5
    )
    services_progress.progress_update_return(
        update=update, by=opcc_staff, reason="Give the numbers."
    )
    client.force_login(police_lead_a)
    content = client.get(URL).content.decode()
    assert "Returned to you" in content
    assert f"The update by {plan_owner_a}" in content


def test_returned_work_names_each_action_with_its_plan_and_force(
    client, action_a, partner_action_a, police_lead_a, plan_owner_a, opcc_staff
):
    update = services_progress.progress_update_submit(
        action=action_a,
        author=police_lead_a,
        narrative="Training.",
        rag="amber",
        percent_complete=5,
    )
    services_progress.progress_update_return(update=update, by=opcc_staff, reason="Numbers.")
    services_progress.action_propose_completion(
        action=partner_action_a, by=plan_owner_a, completion_evidence="Done."
    )
    services_progress.action_return_completion(
        action=partner_action_a, by=opcc_staff, reason="Show the audit."
    )
    client.force_login(plan_owner_a)
    content = client.get(URL).content.decode()
    start = content.index("Returned to you")
    returned = content[start : content.index("</section>", start)]
    for action in (action_a, partner_action_a):
        plan = action.plan
        name = f"{action.reference} ({plan.title or plan.report.title}, {plan.force.name})"
        assert f">{name}</a>" in returned.replace("&#x27;", "'")


def test_a_plan_owners_card_names_the_lead_the_agency_and_the_recommendation(
    client, partner_action_a, plan_owner_a, partner_lead, agency, recommendation_a
):
    Action.objects.filter(pk=partner_action_a.pk).update(
        status=Action.Status.PAUSED, status_reason="Waiting for the new system."
    )
    client.force_login(plan_owner_a)
    content = client.get(URL).content.decode()
    card = content[content.index(f'id="action-{partner_action_a.pk}"') :]
    card = card[: card.index("</li>")]
    assert f"lead: {partner_lead}" in card
    assert f" · {escape(agency)}" in card
    assert (
        f'<span class="badge text-bg-light border me-1">{recommendation_a.reference}</span>' in card
    )
    assert "action-status-paused" in card  # the status shows when it is not "in progress"
    # A paused action takes no update: the card opens the action instead.
    assert reverse("recommendations:update_create", args=[partner_action_a.pk]) not in card
    assert f'href="{partner_action_a.get_absolute_url()}">Open<' in card


def test_the_lead_is_not_named_on_their_own_card_nor_an_in_progress_status(
    client, action_a, police_lead_a
):
    client.force_login(police_lead_a)
    content = client.get(URL).content.decode()
    card = content[content.index(f'id="action-{action_a.pk}"') :]
    card = card[: card.index("</li>")]
    assert "lead: " not in card
    assert "action-status-" not in card


def test_a_card_escapes_what_people_typed(client, action_a, police_lead_a):
    hostile = '<script>alert("x")</script>'
    Action.objects.filter(pk=action_a.pk).update(description=f"Train {hostile}", reference="A<1>")
    action_a.plan.report.__class__.objects.filter(pk=action_a.plan.report_id).update(
        title=f"Report {hostile}"
    )
    client.force_login(police_lead_a)
    content = client.get(URL).content.decode()
    assert "<script>" not in content
    assert "Train &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in content
    assert "A&lt;1&gt;" in content


def test_the_cards_speak_welsh_to_a_welsh_reader(client, action_a, police_lead_a):
    police_lead_a.language = "cy"
    police_lead_a.save(update_fields=["language"])
    Action.objects.filter(pk=action_a.pk).update(target_date=TODAY - datetime.timedelta(days=3))
    client.force_login(police_lead_a)
    content = client.get(URL).content.decode()
    card = content[content.index(f'id="action-{action_a.pk}"') :]
    card = card[: card.index("</li>")]
    for welsh in ["Diweddariad nesaf", "Targed", "Postio diweddariad", "Aeth heibio 3"]:
        assert welsh in card
