"""Querysets built once per person, day and language (oversight.shared.built_querysets):
each person keeps their own scope, a change to it or to the data shows on the next page,
and nothing read is kept. Each test goes through one process's kept querysets, built by
its first request."""

import datetime

from django.urls import reverse

from oversight.auth import OversightBackend
from oversight.models import User
from recommendations.models import Recommendation
from recommendations.recommendation_page import recommendation_detail_queryset
from recommendations.register import recommendation_register
from tests import factories


def _detail(recommendation) -> str:
    return reverse("recommendations:recommendation_detail", args=[recommendation.pk])


def test_an_office_that_stops_overseeing_a_force_is_refused_its_recommendations_at_once(
    client, opcc_staff, office_a, force_b, recommendation_a, recommendation_b
):
    client.force_login(opcc_staff)
    assert client.get(_detail(recommendation_a)).status_code == 200
    assert client.get(_detail(recommendation_b)).status_code == 404

    office_a.forces.set([force_b])

    assert client.get(_detail(recommendation_a)).status_code == 404
    assert client.get(_detail(recommendation_b)).status_code == 200


def test_a_lead_moved_to_another_force_sees_only_their_new_force_at_once(
    client, police_lead_a, force_b, action_a, action_b, recommendation_a, recommendation_b
):
    client.force_login(police_lead_a)
    assert client.get(_detail(recommendation_a)).status_code == 200

    User.objects.filter(pk=police_lead_a.pk).update(force=force_b)

    assert client.get(_detail(recommendation_a)).status_code == 404
    assert client.get(_detail(recommendation_b)).status_code == 200


def test_a_partner_after_opcc_staff_sees_only_their_agencys_actions(
    client, opcc_staff, opcc_staff_b, partner_lead, recommendation_a, action_a, partner_action_a
):
    # One process's kept querysets serve all three in turn.
    client.force_login(opcc_staff)
    response = client.get(_detail(recommendation_a))
    assert [a.reference for a in response.context["actions"]] == ["A1", "A2"]

    client.force_login(opcc_staff_b)
    assert client.get(_detail(recommendation_a)).status_code == 404

    client.force_login(partner_lead)
    response = client.get(_detail(recommendation_a))
    assert [a.reference for a in response.context["actions"]] == ["A2"]
    assert f'id="action-{action_a.pk}"' not in response.content.decode()


def test_a_new_role_elsewhere_refuses_at_once(client, opcc_staff, force_b, recommendation_a):
    client.force_login(opcc_staff)
    assert client.get(_detail(recommendation_a)).status_code == 200

    User.objects.filter(pk=opcc_staff.pk).update(
        role=User.Role.POLICE_LEAD, office=None, force=force_b
    )

    assert client.get(_detail(recommendation_a)).status_code == 404


def test_rows_are_read_afresh_on_every_page(client, opcc_staff, recommendation_a):
    client.force_login(opcc_staff)
    client.get(_detail(recommendation_a))

    Recommendation.objects.filter(pk=recommendation_a.pk).update(text="Reworded by the office.")

    assert "Reworded by the office." in client.get(_detail(recommendation_a)).content.decode()


def test_each_call_is_a_fresh_unread_queryset_and_the_day_is_part_of_it(
    opcc_staff, recommendation_a
):
    due = datetime.date(2027, 3, 31)
    Recommendation.objects.filter(pk=recommendation_a.pk).update(
        due_on=due, status=Recommendation.Status.OPEN
    )
    on_the_day = recommendation_detail_queryset(opcc_staff, today=due)
    assert not on_the_day.get(pk=recommendation_a.pk).is_overdue
    again = recommendation_detail_queryset(opcc_staff, today=due)
    assert again is not on_the_day
    assert again._result_cache is None
    assert not again.get(pk=recommendation_a.pk).is_overdue

    the_day_after = recommendation_detail_queryset(
        opcc_staff, today=due + datetime.timedelta(days=1)
    )
    assert the_day_after.get(pk=recommendation_a.pk).is_overdue


def test_a_new_office_member_gets_their_own_scope(client, opcc_staff, force_b, recommendation_b):
    client.force_login(opcc_staff)
    assert client.get(_detail(recommendation_b)).status_code == 404
    office_b_member = factories.person_with_role(
        "opcc_b_new", User.Role.OPCC_STAFF, office=factories.OfficeFactory(forces=[force_b])
    )
    client.force_login(office_b_member)
    assert client.get(_detail(recommendation_b)).status_code == 200


def test_the_register_follows_the_forces_loaded_with_the_signed_in_user(
    opcc_staff, office_a, force_b, recommendation_a, recommendation_b
):
    backend = OversightBackend()
    signed_in = backend.get_user(opcc_staff.pk)
    assert list(recommendation_register(signed_in)) == [recommendation_a]

    office_a.forces.set([force_b])
    signed_in = backend.get_user(opcc_staff.pk)

    assert list(recommendation_register(signed_in)) == [recommendation_b]
