import datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from oversight.shared.concurrency import version_of
from recommendations.models import Action, Rag
from reviews.models import ActionSample, FollowUp, Investment

TODAY = datetime.date(2026, 11, 20)


# --- Follow-ups ------------------------------------------------------------------------


def test_follow_up_create_saves_and_returns_to_the_review(
    client, opcc_staff, review_a, police_lead_a, recommendation_a
):
    client.force_login(opcc_staff)
    response = client.post(
        reverse("reviews:follow_up_create", args=[review_a.pk]),
        {
            "description": "Bring the tracker data.",
            "owner": police_lead_a.pk,
            "due_on": "2026-12-21",
            "recommendation": recommendation_a.pk,
        },
    )
    follow_up = FollowUp.objects.get()
    assert response.status_code == 302
    assert response["Location"] == follow_up.get_absolute_url()
    assert (follow_up.owner, follow_up.recommendation) == (police_lead_a, recommendation_a)


def test_follow_up_create_offers_only_people_the_office_may_pick(
    client, opcc_staff, review_a, police_lead_a, police_lead_b
):
    client.force_login(opcc_staff)
    response = client.get(reverse("reviews:follow_up_create", args=[review_a.pk]))
    content = response.content.decode()
    assert f'value="{police_lead_a.pk}"' in content
    assert f'value="{police_lead_b.pk}"' not in content


def test_follow_up_create_refuses_an_owner_from_another_force(
    client, opcc_staff, review_a, police_lead_b
):
    client.force_login(opcc_staff)
    response = client.post(
        reverse("reviews:follow_up_create", args=[review_a.pk]),
        {"description": "X", "owner": police_lead_b.pk, "due_on": "2026-12-21"},
    )
    assert response.status_code == 400
    assert not FollowUp.objects.exists()


@time_machine.travel(TODAY)
def test_follow_up_update_by_owner_marks_it_done(client, police_lead_a, follow_up_a):
    client.force_login(police_lead_a)
    response = client.post(
        reverse("reviews:follow_up_update", args=[follow_up_a.pk]),
        {"status": "done", "outcome": "Presented.", "version": version_of(follow_up_a)},
    )
    assert response.status_code == 302
    follow_up_a.refresh_from_db()
    assert (follow_up_a.status, follow_up_a.completed_on) == ("done", TODAY)


def test_follow_up_update_done_without_outcome_says_what_to_do(client, police_lead_a, follow_up_a):
    client.force_login(police_lead_a)
    response = client.post(
        reverse("reviews:follow_up_update", args=[follow_up_a.pk]),
        {"status": "done", "outcome": "", "version": version_of(follow_up_a)},
    )
    assert response.status_code == 400
    assert "Say what came of it" in response.content.decode()
    follow_up_a.refresh_from_db()
    assert follow_up_a.status == "open"


def test_follow_up_update_by_partner_owner_does_not_link_the_hidden_review(
    client, partner_lead, partner_follow_up_a
):
    client.force_login(partner_lead)
    page = client.get(reverse("reviews:follow_up_update", args=[partner_follow_up_a.pk]))
    assert partner_follow_up_a.review.get_absolute_url() not in page.content.decode()
    response = client.post(
        reverse("reviews:follow_up_update", args=[partner_follow_up_a.pk]),
        {"status": "in_progress", "outcome": "", "version": version_of(partner_follow_up_a)},
    )
    assert response.status_code == 302
    assert response["Location"] != partner_follow_up_a.get_absolute_url()


def test_follow_up_edit_by_staff_reassigns(client, opcc_staff, follow_up_a, police_lead_a2):
    client.force_login(opcc_staff)
    response = client.post(
        reverse("reviews:follow_up_edit", args=[follow_up_a.pk]),
        {
            "description": follow_up_a.description,
            "owner": police_lead_a2.pk,
            "due_on": "2027-01-05",
            "recommendation": "",
            "status": "in_progress",
            "outcome": "",
            "version": version_of(follow_up_a),
        },
    )
    assert response.status_code == 302
    follow_up_a.refresh_from_db()
    assert (follow_up_a.owner, follow_up_a.status) == (police_lead_a2, "in_progress")


# --- Samples ---------------------------------------------------------------------------


def test_sample_create_offers_closed_actions_only(
    client, opcc_staff, review_a, action_a, closed_action_a
):
    client.force_login(opcc_staff)
    content = client.get(reverse("reviews:sample_create", args=[review_a.pk])).content.decode()
    assert f'value="{closed_action_a.pk}"' in content
    assert f'value="{action_a.pk}"' not in content


def test_sample_create_not_effective_without_reason_is_refused(
    client, opcc_staff, review_a, closed_action_a
):
    client.force_login(opcc_staff)
    response = client.post(
        reverse("reviews:sample_create", args=[review_a.pk]),
        {"action": closed_action_a.pk, "verdict": "not_effective", "reason": ""},
    )
    assert response.status_code == 400
    assert "Say why the action was not effective." in response.content.decode()
    assert not ActionSample.objects.exists()
    closed_action_a.refresh_from_db()
    assert closed_action_a.status == Action.Status.CLOSED


def test_sample_create_not_effective_reopens_the_action(
    client, opcc_staff, review_a, closed_action_a
):
    client.force_login(opcc_staff)
    response = client.post(
        reverse("reviews:sample_create", args=[review_a.pk]),
        {"action": closed_action_a.pk, "verdict": "not_effective", "reason": "No change seen."},
        follow=True,
    )
    assert "reopened" in response.content.decode()
    closed_action_a.refresh_from_db()
    assert (closed_action_a.status, closed_action_a.rag) == (Action.Status.IN_PROGRESS, Rag.RED)
    assert closed_action_a.return_reason == "No change seen."


def test_review_page_names_a_sampled_action_with_its_plan_and_force(
    client, opcc_staff, review_a, closed_action_a, report_a
):
    client.force_login(opcc_staff)
    client.post(
        reverse("reviews:sample_create", args=[review_a.pk]),
        {"action": closed_action_a.pk, "verdict": "effective", "reason": ""},
    )
    content = client.get(review_a.get_absolute_url()).content.decode()
    assert f"A9 ({report_a.title}, {report_a.force.name})</a>" in content


def test_sample_create_with_nothing_to_sample_says_so(client, opcc_staff, review_a):
    client.force_login(opcc_staff)
    response = client.get(reverse("reviews:sample_create", args=[review_a.pk]))
    assert "no closed action left to sample" in response.content.decode()


# --- Investments -----------------------------------------------------------------------


def investment_post(**overrides) -> dict:
    data = {
        "title": "Analyst",
        "amount": "48000",
        "awarded_on": "2026-07-16",
        "status": "approved",
        "purpose": "Share intelligence with partners.",
        "outcome": "",
    }
    data.update(overrides)
    return data


def test_investment_create_saves_it(client, opcc_staff, recommendation_a):
    client.force_login(opcc_staff)
    response = client.post(
        reverse("reviews:investment_create"),
        investment_post(recommendations=[recommendation_a.pk]),
    )
    investment = Investment.objects.get()
    assert response.status_code == 302
    assert investment.amount == Decimal("48000")
    assert list(investment.recommendations.all()) == [recommendation_a]


@pytest.mark.parametrize("amount", ["0", "-100", "0.00"])
def test_investment_create_refuses_an_amount_not_above_zero(client, opcc_staff, amount):
    client.force_login(opcc_staff)
    response = client.post(reverse("reviews:investment_create"), investment_post(amount=amount))
    assert response.status_code == 400
    assert "Enter an amount greater than zero" in response.content.decode()
    assert not Investment.objects.exists()


def test_investment_create_does_not_offer_other_forces_recommendations(
    client, opcc_staff, recommendation_a, recommendation_b
):
    client.force_login(opcc_staff)
    content = client.get(reverse("reviews:investment_create")).content.decode()
    assert f'value="{recommendation_a.pk}"' in content
    assert f'value="{recommendation_b.pk}"' not in content


def test_investment_edit_saves_changes(client, opcc_staff, investment_a):
    client.force_login(opcc_staff)
    response = client.post(
        reverse("reviews:investment_edit", args=[investment_a.pk]),
        investment_post(status="completed", version=version_of(investment_a)),
    )
    assert response.status_code == 302
    investment_a.refresh_from_db()
    assert investment_a.status == "completed"


def test_investment_list_shows_totals(client, read_only, investment_a, investment_b):
    client.force_login(read_only)
    content = client.get(reverse("reviews:investment_list")).content.decode()
    assert "£25,000" in content
    assert "Custody diversion" not in content


def test_investment_detail_lists_recommendations(client, police_lead_a, investment_a):
    client.force_login(police_lead_a)
    content = client.get(investment_a.get_absolute_url()).content.decode()
    assert "R1" in content
    assert "Edit investment" not in content
