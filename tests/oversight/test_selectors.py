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


def _signed_in_as(user):
    """The user as every page loads them (oversight.auth), with their office's forces."""
    from oversight.auth import OversightBackend

    return OversightBackend().get_user(user.pk)


def test_the_signed_in_user_arrives_with_their_office_s_forces(opcc_staff, force_a, force_b):
    from oversight.selectors import forces_visible_to, overseen_force_ids

    signed_in = _signed_in_as(opcc_staff)
    assert overseen_force_ids(signed_in) == [force_a.pk]
    assert list(forces_visible_to(signed_in)) == [force_a]
    # Loaded some other way (a task, a test): the office's lookup instead, same answer.
    assert list(forces_visible_to(opcc_staff)) == [force_a]


def test_an_office_with_no_forces_yet_sees_nothing(db, report_a):
    from oversight.models import User
    from oversight.selectors import overseen_force_ids
    from tests.factories import OfficeFactory, UserFactory

    office = OfficeFactory(name="OPCC with no forces yet")
    staff = _signed_in_as(UserFactory(role=User.Role.OPCC_STAFF, office=office))
    assert overseen_force_ids(staff) == []
    assert not reports_visible_to(staff).exists()
    assert not recommendations_visible_to(staff).exists()
    assert list(people_visible_to(staff)) == [staff]


def test_people_visible_to_opcc_are_the_same_signed_in_or_loaded_otherwise(
    opcc_staff, police_lead_a, partner_lead, police_lead_b
):
    """Signed in, the office's forces are named by the ids loaded with the user; loaded some
    other way (a task), looked up: the same people either way."""
    signed_in = _signed_in_as(opcc_staff)
    assert set(people_visible_to(signed_in)) == set(people_visible_to(opcc_staff))
    assert {opcc_staff, police_lead_a, partner_lead} <= set(people_visible_to(signed_in))
    assert police_lead_b not in set(people_visible_to(signed_in))


def test_scoping_names_the_forces_loaded_with_the_user_and_sees_a_change_at_once(
    client, opcc_staff, office_a, force_b, report_a, report_b
):
    """Pages name the signed-in user's forces in their queries instead of looking up the
    office's forces again in each; a force added to the office shows on the next page."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(opcc_staff)
    with CaptureQueriesContext(connection) as ctx:
        page = client.get("/reports/")
    html = page.content.decode()
    assert report_a.title in html and report_b.title not in html
    queries = [query["sql"] for query in ctx.captured_queries]
    office_lookups = [sql for sql in queries if "oversight_office_forces" in sql]
    assert len(office_lookups) == 1 and '"oversight_user"."id"' in office_lookups[0]

    office_a.forces.add(force_b)
    assert report_b.title in client.get("/reports/").content.decode()
    office_a.forces.remove(force_b)
    assert report_b.title not in client.get("/reports/").content.decode()
