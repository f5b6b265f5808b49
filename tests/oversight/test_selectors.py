from oversight.selectors import people_visible_to, reports_visible_to
from recommendations.selectors import actions_visible_to, recommendations_visible_to


def test_opcc_sees_reports_of_forces_it_oversees(opcc_staff, report_a, report_b):
    assert list(reports_visible_to(opcc_staff)) == [report_a]


def test_police_lead_sees_own_force_reports(police_lead_b, report_a, report_b):
    assert list(reports_visible_to(police_lead_b)) == [report_b]


def test_partner_sees_reports_with_its_actions(partner_lead, partner_action_a, report_b):
    assert list(reports_visible_to(partner_lead)) == [partner_action_a.plan.report]


def test_partner_does_not_see_police_only_actions(partner_lead, action_a, partner_action_a):
    assert list(actions_visible_to(partner_lead)) == [partner_action_a]


def test_police_lead_b_sees_nothing_of_force_a(police_lead_b, action_a, recommendation_a):
    assert not actions_visible_to(police_lead_b).exists()
    assert not recommendations_visible_to(police_lead_b).exists()


def test_anonymous_sees_nothing(report_a):
    from django.contrib.auth.models import AnonymousUser

    assert not reports_visible_to(AnonymousUser()).exists()


def test_people_visible_to_opcc_include_force_and_partner_staff(
    opcc_staff, police_lead_a, partner_lead, police_lead_b
):
    people = set(people_visible_to(opcc_staff))
    assert {opcc_staff, police_lead_a, partner_lead} <= people
    assert police_lead_b not in people
