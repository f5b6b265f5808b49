"""A leaver's open deep-dive follow-ups: listed on the person's page, handed to someone on
the OPCC staff of the reviewing office.

Police lead A owns follow_up_a from office A's deep dive, then leaves.
"""

import datetime

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from oversight.shared import panels
from reviews.models import FollowUp
from reviews.panels import person_panel
from tests import factories, leavers

PANEL = "reviews/_panel_person.html"


@pytest.fixture
def admin_a(office_a):
    return leavers.office_admin(office_a, "admin_a")


@pytest.fixture
def admin_b(office_b):
    return leavers.office_admin(office_b, "admin_b")


@pytest.fixture
def leaver(follow_up_a, police_lead_a, admin_a):
    return leavers.deactivate(police_lead_a, by=admin_a)


def render_panel(context) -> str:
    return render_to_string(PANEL, {"panel": context})


def reassign(client, follow_up, *, person, was):
    return client.post(
        reverse("reviews:follow_up_reassign", args=[follow_up.pk]),
        {"person": person.pk, "was": was.pk},
    )


def hand_over_all(client, holder, person):
    return client.post(
        reverse("reviews:follow_ups_hand_over", args=[holder.pk]), {"person": person.pk}
    )


# --- The panel on the person's page ----------------------------------------------------


def test_follow_up_panel_is_registered_for_the_person_page():
    assert PANEL in [panel.template for panel in panels._registry["person"]]


def test_follow_up_panel_lists_open_follow_ups_with_office_staff_to_take_them(
    admin_a, leaver, follow_up_a, review_a, opcc_staff, read_only, opcc_staff_b
):
    factories.FollowUpFactory(
        review=review_a,
        owner=leaver,
        description="Already done.",
        status=FollowUp.Status.DONE,
        completed_on=datetime.date(2026, 11, 1),
    )

    context = person_panel(user=admin_a, obj=leaver)

    [row] = context["left"].rows
    assert row.follow_up == follow_up_a
    # Active OPCC staff of office A: not the read-only panel member, not office B.
    assert set(row.choices) == {opcc_staff, admin_a}
    html = render_panel(context)
    assert follow_up_a.description in html
    assert reverse("reviews:follow_up_reassign", args=[follow_up_a.pk]) in html
    assert "Already done." not in html


def test_follow_up_panel_is_none_with_nothing_to_show(admin_a, police_lead_a2):
    assert person_panel(user=admin_a, obj=police_lead_a2) is None


def test_follow_up_panel_shows_another_office_nothing(admin_b, leaver):
    assert person_panel(user=admin_b, obj=leaver) is None


def test_follow_up_panel_for_someone_still_here_folds_the_hand_over_away(
    admin_a, follow_up_a, police_lead_a
):
    context = person_panel(user=admin_a, obj=police_lead_a)

    assert not context["per_item_controls"]
    html = render_panel(context)
    assert reverse("reviews:follow_up_reassign", args=[follow_up_a.pk]) not in html
    assert "<details" in html


def _more_follow_ups(n: int, *, review, owner):
    for i in range(n):
        factories.FollowUpFactory(review=review, owner=owner, description=f"Follow-up {i}")


def _panel_queries(user, person) -> int:
    with CaptureQueriesContext(connection) as queries:
        render_panel(person_panel(user=user, obj=person))
    return len(queries)


def test_follow_up_panel_runs_a_fixed_number_of_queries(
    admin_a, review_a, police_lead_a, opcc_staff, django_assert_num_queries
):
    _more_follow_ups(2, review=review_a, owner=police_lead_a)
    leavers.deactivate(police_lead_a, by=admin_a)
    # open follow-ups (with review, office, recommendation); who could take them on.
    with django_assert_num_queries(2):
        render_panel(person_panel(user=admin_a, obj=police_lead_a))
    few = _panel_queries(admin_a, police_lead_a)

    _more_follow_ups(18, review=review_a, owner=police_lead_a)
    assert len(person_panel(user=admin_a, obj=police_lead_a)["left"].rows) == 20

    assert _panel_queries(admin_a, police_lead_a) == few == 2


# --- Handing over ----------------------------------------------------------------------


def test_follow_up_reassign_hands_it_over_with_history(
    client, admin_a, leaver, follow_up_a, opcc_staff
):
    client.force_login(admin_a)

    response = reassign(client, follow_up_a, person=opcc_staff, was=leaver)

    assert response.status_code == 302
    follow_up_a.refresh_from_db()
    assert follow_up_a.owner == opcc_staff
    latest = follow_up_a.history.latest()
    assert (latest.history_user, latest.prev_record.owner_id) == (admin_a, leaver.pk)
    assert person_panel(user=admin_a, obj=leaver) is None


def test_follow_up_reassign_refuses_someone_outside_the_offices_staff(
    client, admin_a, leaver, follow_up_a, police_lead_a2
):
    client.force_login(admin_a)
    versions = follow_up_a.history.count()

    response = reassign(client, follow_up_a, person=police_lead_a2, was=leaver)

    assert response.status_code == 400
    assert (
        f"{police_lead_a2} cannot own this follow-up. Choose an active member of OPCC staff "
        "of OPCC A." in response.content.decode()
    )
    follow_up_a.refresh_from_db()
    assert follow_up_a.owner == leaver
    assert follow_up_a.history.count() == versions


@pytest.mark.parametrize(
    ("persona", "status"),
    [("police_lead_b", 404), ("admin_b", 404), ("read_only", 403), ("partner_lead", 404)],
)
def test_follow_up_reassign_refuses_people_who_may_not(
    request, client, persona, status, leaver, follow_up_a, opcc_staff
):
    client.force_login(request.getfixturevalue(persona))

    response = reassign(client, follow_up_a, person=opcc_staff, was=leaver)

    assert response.status_code == status
    follow_up_a.refresh_from_db()
    assert follow_up_a.owner == leaver


@pytest.mark.parametrize("url_name", ["follow_up_reassign", "follow_ups_hand_over"], ids=str)
def test_follow_up_handover_urls_refuse_get(client, admin_a, leaver, follow_up_a, url_name):
    client.force_login(admin_a)
    pk = follow_up_a.pk if url_name == "follow_up_reassign" else leaver.pk

    assert client.get(reverse(f"reviews:{url_name}", args=[pk])).status_code == 405


def test_follow_ups_hand_over_moves_them_all(
    client, admin_a, leaver, review_a, follow_up_a, opcc_staff
):
    _more_follow_ups(2, review=review_a, owner=leaver)
    client.force_login(admin_a)

    response = hand_over_all(client, leaver, opcc_staff)

    assert response.status_code == 302
    assert FollowUp.objects.filter(owner=opcc_staff).count() == 3
    assert not FollowUp.objects.filter(owner=leaver).exists()


def test_follow_ups_hand_over_refuses_someone_who_cannot_take_them(
    client, admin_a, leaver, police_lead_a2
):
    client.force_login(admin_a)

    response = hand_over_all(client, leaver, police_lead_a2)

    assert response.status_code == 400
    assert "nothing was handed over" in response.content.decode()
    assert FollowUp.objects.filter(owner=leaver).count() == 1


@pytest.mark.parametrize(
    ("persona", "status"), [("police_lead_b", 404), ("admin_b", 404), ("read_only", 403)]
)
def test_follow_ups_hand_over_refuses_people_who_may_not(
    request, client, persona, status, leaver, opcc_staff
):
    client.force_login(request.getfixturevalue(persona))

    assert hand_over_all(client, leaver, opcc_staff).status_code == status
    assert FollowUp.objects.filter(owner=leaver).count() == 1
