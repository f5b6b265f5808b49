"""A part of a page fetched by htmx after the session has ended: the browser is sent to sign
in (HX-Redirect) and back to the page it was on, rather than the sign-in page being swapped
into the part (oversight.accounts.middleware.SignInAgainFromHtmx)."""

from urllib.parse import urlencode

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
FIELDS = "/recommendations/bulk/fields/"


def _sign_in_then(page: str) -> str:
    return f"{LOGIN}?{urlencode({'next': page}, safe='/')}"


HTMX = {"HX-Request": "true", "HX-Current-URL": "http://testserver/recommendations/?status=open"}


def test_htmx_part_after_the_session_ended_sends_the_browser_to_sign_in_and_back(client):
    response = client.get(FIELDS, headers=HTMX)
    assert response.status_code == 200
    assert response["HX-Redirect"] == _sign_in_then("/recommendations/?status=open")
    assert response.content == b""  # nothing to swap into the panel


def test_htmx_post_after_the_session_ended_is_sent_to_sign_in_too(client, report_a):
    response = client.post(
        reverse("oversight:priority_area_create", args=[report_a.pk]),
        {"title": "Lost"},
        headers=HTMX | {"HX-Current-URL": f"http://testserver{report_a.get_absolute_url()}"},
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == _sign_in_then(report_a.get_absolute_url())


def test_without_the_current_page_it_is_the_sign_in_page_alone(client):
    response = client.get(FIELDS, headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == LOGIN


def test_an_ordinary_request_is_redirected_as_before(client):
    response = client.get(FIELDS)
    assert response.status_code == 302
    assert response["Location"] == _sign_in_then(FIELDS)
    assert "HX-Redirect" not in response


def test_an_htmx_request_redirected_elsewhere_is_left_alone(client, opcc_staff):
    client.force_login(opcc_staff)
    response = client.get(reverse("home"), headers=HTMX)
    assert response.status_code == 302
    assert response["Location"] == reverse("recommendations:dashboard")


def test_an_htmx_request_of_a_person_who_must_set_up_two_factor_is_sent_there(
    client, office_a, opcc_staff
):
    office_a.require_two_factor = True
    office_a.save(update_fields=["require_two_factor"])
    client.force_login(opcc_staff)
    response = client.get(FIELDS, headers=HTMX)
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("accounts:two_factor_needed")


def test_signed_in_htmx_part_is_served(client, opcc_staff):
    client.force_login(opcc_staff)
    response = client.get(FIELDS, headers=HTMX)
    assert response.status_code == 200
    assert "HX-Redirect" not in response
    assert b"bulk-change" in response.content
