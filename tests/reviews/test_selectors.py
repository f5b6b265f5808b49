import datetime
from decimal import Decimal

import pytest

from reviews.models import ActionSample, Assurance, Investment
from reviews.selectors import (
    follow_ups_visible_to,
    investment_totals,
    investment_totals_by_area,
    investments_visible_to,
    latest_assurance_by_area,
    open_follow_ups_owned_by,
    report_reviews_and_assurance,
    review_evidence_visible_to,
    reviews_visible_to,
    sampleable_actions_for,
)
from tests import factories

# --- Scoping ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "sees_a", "sees_b"),
    [
        ("opcc_staff", True, False),
        ("read_only", True, False),
        ("plan_owner_a", True, False),
        ("police_lead_a", True, False),
        ("police_lead_b", False, True),
        ("opcc_staff_b", False, True),
        ("partner_lead", False, False),
    ],
)
def test_reviews_visible_to_scopes_by_office_or_force(
    request, persona, sees_a, sees_b, review_a, review_b
):
    visible = set(reviews_visible_to(request.getfixturevalue(persona)))
    assert (review_a in visible, review_b in visible) == (sees_a, sees_b)


def test_review_evidence_visible_to_follows_the_review(
    evidence_a, police_lead_a, police_lead_b, partner_lead
):
    assert list(review_evidence_visible_to(police_lead_a)) == [evidence_a]
    assert not review_evidence_visible_to(police_lead_b).exists()
    assert not review_evidence_visible_to(partner_lead).exists()


def test_follow_ups_visible_to_partner_lead_is_only_their_own(
    partner_lead, follow_up_a, partner_follow_up_a
):
    assert list(follow_ups_visible_to(partner_lead)) == [partner_follow_up_a]


def test_follow_ups_visible_to_police_lead_b_excludes_force_a(
    police_lead_b, follow_up_a, follow_up_b
):
    assert list(follow_ups_visible_to(police_lead_b)) == [follow_up_b]


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("opcc_staff", {"Missing children analyst"}),
        ("police_lead_a", {"Missing children analyst"}),
        ("police_lead_b", {"Custody diversion"}),
        ("partner_lead", set()),
    ],
)
def test_investments_visible_to_scopes_by_office_or_force(
    request, persona, expected, investment_a, investment_b
):
    user = request.getfixturevalue(persona)
    assert {i.title for i in investments_visible_to(user)} == expected


def test_open_follow_ups_owned_by_lists_open_ones_due_first(police_lead_a, review_a):
    later = factories.FollowUpFactory(
        review=review_a, owner=police_lead_a, due_on=datetime.date(2027, 2, 1)
    )
    sooner = factories.FollowUpFactory(
        review=review_a, owner=police_lead_a, due_on=datetime.date(2026, 12, 1)
    )
    factories.FollowUpFactory(
        review=review_a,
        owner=police_lead_a,
        status="done",
        completed_on=datetime.date(2026, 11, 1),
    )
    assert list(open_follow_ups_owned_by(police_lead_a)) == [sooner, later]


def test_sampleable_actions_for_offers_closed_unsampled_actions_only(
    opcc_staff, review_a, action_a, closed_action_a
):
    assert list(sampleable_actions_for(opcc_staff, review_a)) == [closed_action_a]
    ActionSample.objects.create(
        review=review_a, action=closed_action_a, verdict="effective", recorded_by=opcc_staff
    )
    assert not sampleable_actions_for(opcc_staff, review_a).exists()


# --- Latest assurance per priority area ------------------------------------------------


def test_latest_assurance_by_area_takes_the_latest_judged_review(
    opcc_staff, office_a, force_a, report_a, review_a, area_a
):
    newer = factories.DeepDiveReviewFactory(
        office=office_a,
        force=force_a,
        report=report_a,
        held_on=datetime.date(2027, 1, 1),
        performance_assurance=Assurance.NOT_ASSURED,
        performance_rationale="Worse.",
    )
    newer.priority_areas.add(area_a)
    planned = factories.DeepDiveReviewFactory(
        office=office_a, force=force_a, report=report_a, held_on=datetime.date(2027, 3, 1)
    )
    planned.priority_areas.add(area_a)  # no judgement yet: does not count
    rows = latest_assurance_by_area(opcc_staff, report=report_a)
    assert [(row.area, row.review) for row in rows] == [(area_a, newer)]


def test_latest_assurance_by_area_ignores_another_offices_newer_review_of_the_area(
    opcc_staff, force_a, report_a, review_a, area_a
):
    """Each area's newest review is picked among those the user sees: a newer judged review
    by another office overseeing the same force neither shows nor hides the office's own."""
    other_office = factories.OfficeFactory(name="Regional board")
    other_office.forces.add(force_a)
    theirs = factories.DeepDiveReviewFactory(
        office=other_office,
        force=force_a,
        report=report_a,
        held_on=datetime.date(2027, 6, 1),
        performance_assurance=Assurance.NOT_ASSURED,
        performance_rationale="Theirs.",
    )
    theirs.priority_areas.add(area_a)
    rows = latest_assurance_by_area(opcc_staff, report=report_a)
    assert [(row.area, row.review) for row in rows] == [(area_a, review_a)]


def test_latest_assurance_by_area_takes_the_later_recorded_of_two_on_one_day(
    opcc_staff, office_a, force_a, report_a, review_a, area_a
):
    same_day = [
        factories.DeepDiveReviewFactory(
            office=office_a,
            force=force_a,
            report=report_a,
            held_on=datetime.date(2027, 2, 1),
            performance_assurance=Assurance.ASSURED,
            performance_rationale="Fine.",
        )
        for _ in range(2)
    ]
    for review in same_day:
        review.priority_areas.add(area_a)
    rows = latest_assurance_by_area(opcc_staff, report=report_a)
    assert [(row.area, row.review) for row in rows] == [(area_a, same_day[1])]


def test_latest_assurance_by_area_leaves_out_areas_never_judged(opcc_staff, report_a, review_a):
    factories.PriorityAreaFactory(report=report_a, title="Not reviewed")
    assert [row.area.title for row in latest_assurance_by_area(opcc_staff)] == [
        "Children who go missing"
    ]


def test_latest_assurance_by_area_leaves_out_areas_of_a_force_the_office_no_longer_oversees(
    opcc_staff, office_a, force_a, review_a
):
    """The office's own deep dive stays its own, but the area it judged is of a report the
    office no longer sees once the force has passed to another office."""
    assert latest_assurance_by_area(opcc_staff) != []
    office_a.forces.remove(force_a)
    assert latest_assurance_by_area(opcc_staff) == []


@pytest.mark.parametrize("persona", ["police_lead_b", "opcc_staff_b", "partner_lead"])
def test_latest_assurance_by_area_is_scoped(request, persona, review_a):
    assert latest_assurance_by_area(request.getfixturevalue(persona)) == []


def test_report_reviews_and_assurance_agrees_with_latest_assurance_by_area(
    opcc_staff, office_a, force_a, report_a, review_a, area_a
):
    elsewhere = factories.InspectionReportFactory(force=force_a)
    newer = factories.DeepDiveReviewFactory(
        office=office_a,
        force=force_a,
        report=elsewhere,
        held_on=datetime.date(2027, 1, 1),
        plans_assurance=Assurance.NOT_ASSURED,
        plans_rationale="Slipping.",
    )
    newer.priority_areas.add(area_a)  # a deep dive on another report judging this area
    unjudged = factories.DeepDiveReviewFactory(
        office=office_a, force=force_a, report=report_a, held_on=datetime.date(2027, 2, 1)
    )
    result = report_reviews_and_assurance(opcc_staff, report=report_a)
    assert result.reviews == [unjudged, review_a]  # on the report, newest first
    assert [(row.area, row.review) for row in result.assurance] == [
        (row.area, row.review) for row in latest_assurance_by_area(opcc_staff, report=report_a)
    ]
    assert [row.review for row in result.assurance] == [newer]


@pytest.mark.parametrize("persona", ["police_lead_b", "opcc_staff_b", "partner_lead"])
def test_report_reviews_and_assurance_is_scoped(request, persona, report_a, review_a):
    result = report_reviews_and_assurance(request.getfixturevalue(persona), report=report_a)
    assert (result.reviews, result.assurance) == ([], [])


# --- Investment per priority area ------------------------------------------------------


def test_investment_totals_by_area_counts_an_investment_once_per_area(
    opcc_staff, report_a, area_a, recommendation_a, investment_a
):
    second = factories.RecommendationFactory(report=report_a)
    second.priority_areas.add(area_a)
    investment_a.recommendations.add(second)  # two recommendations, same area
    rows = investment_totals_by_area(opcc_staff, report=report_a)
    assert [(row.area, row.total) for row in rows] == [(area_a, Decimal("25000.00"))]


def test_investment_totals_by_area_adds_investments_and_skips_withdrawn(
    opcc_staff, office_a, force_a, report_a, area_a, recommendation_a, investment_a
):
    more = factories.InvestmentFactory(office=office_a, force=force_a, amount="5000.00")
    more.recommendations.add(recommendation_a)
    withdrawn = factories.InvestmentFactory(
        office=office_a, force=force_a, amount="999.00", status=Investment.Status.WITHDRAWN
    )
    withdrawn.recommendations.add(recommendation_a)
    [row] = investment_totals_by_area(opcc_staff, report=report_a)
    assert row.total == Decimal("30000.00")


def test_investment_totals_by_area_shows_recommendations_without_area_apart(
    opcc_staff, office_a, force_a, report_a
):
    unassigned = factories.RecommendationFactory(report=report_a)
    investment = factories.InvestmentFactory(office=office_a, force=force_a, amount="700.00")
    investment.recommendations.add(unassigned)
    [row] = investment_totals_by_area(opcc_staff, report=report_a)
    assert (row.area, row.total) == (None, Decimal("700.00"))


def test_investment_totals_by_area_is_scoped(police_lead_b, report_a, investment_a):
    assert investment_totals_by_area(police_lead_b, report=report_a) == []


def test_investment_totals_sums_all_and_live(opcc_staff, office_a, force_a, investment_a):
    factories.InvestmentFactory(
        office=office_a, force=force_a, amount="100.00", status=Investment.Status.WITHDRAWN
    )
    totals = investment_totals(investments_visible_to(opcc_staff))
    assert totals == {
        "total": Decimal("25100.00"),
        "live_total": Decimal("25000.00"),
        "count": 2,
    }
