"""Pages that help when something is refused: 403, 404, 405 and 500 in the site's layout,
with the navigation, a heading that says what happened and a way on; and the sign-out
address, opened in the browser, asks to confirm."""

import pytest
from django.db import connection
from django.test import RequestFactory
from django.urls import reverse

from oversight import urls
from recommendations.models import Recommendation

pytestmark = pytest.mark.django_db

NAVIGATION = '<nav class="navbar navbar-expand-lg navbar-dark app-navbar" aria-label="Main">'


@pytest.fixture(autouse=True)
def _production(settings):
    """Django shows its own debugging pages with DEBUG on; these are the others."""
    settings.DEBUG = False


def _paste_url(report) -> str:
    return reverse("recommendations:recommendation_paste", args=[report.pk])


def test_404_page_is_in_the_layout_with_a_way_on(client, opcc_staff):
    client.force_login(opcc_staff)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert NAVIGATION in page
    assert ">Recommendations</a>" in page  # the signed-in menu
    assert "<h1" in page and "Page not found" in page
    assert "may not be shared with your organisation" in page
    assert f'href="{reverse("home")}"' in page


def test_404_for_another_office_says_no_more_than_for_a_missing_page(
    client, opcc_staff_b, report_a
):
    client.force_login(opcc_staff_b)
    response = client.get(reverse("recommendations:report_detail", args=[report_a.pk]))
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    assert report_a.title not in response.content.decode()


def test_404_page_offers_a_signed_out_person_the_sign_in(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert NAVIGATION in page
    assert f'href="{reverse("login")}"' in page


def test_403_page_says_why_in_the_layout(client, read_only, report_a):
    client.force_login(read_only)
    response = client.get(_paste_url(report_a))
    assert response.status_code == 403
    page = response.content.decode()
    assert NAVIGATION in page
    assert "You cannot do this" in page
    assert "Only OPCC staff change recommendations." in page
    assert f'href="{reverse("home")}"' in page


def test_405_page_keeps_the_status_and_the_allow_header(client, opcc_staff, report_a):
    client.force_login(opcc_staff)
    response = client.put(_paste_url(report_a))
    assert response.status_code == 405
    assert response["Allow"] == "GET, POST"
    page = response.content.decode()
    assert NAVIGATION in page
    assert "This address cannot be used that way" in page
    assert f'href="{reverse("home")}"' in page


def test_405_for_a_button_opened_as_a_page_says_to_use_the_button(client, opcc_staff):
    client.force_login(opcc_staff)
    recommendation_move = reverse("recommendations:recommendation_transition", args=[1])
    response = client.get(recommendation_move, headers={"accept": "text/html"})
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert "use its button" in response.content.decode()


def test_405_for_a_program_stays_empty(client, opcc_staff, report_a):
    client.force_login(opcc_staff)
    response = client.put(_paste_url(report_a), headers={"accept": "application/json"})
    assert response.status_code == 405
    assert response["Allow"] == "GET, POST"
    assert response.content == b""


def test_405_page_has_the_content_security_policy(client, opcc_staff, report_a):
    client.force_login(opcc_staff)
    response = client.put(_paste_url(report_a))
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_500_page_is_in_the_layout_with_a_way_on(client, opcc_staff, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("oversight.views.redirect", broken)
    client.force_login(opcc_staff)
    client.raise_request_exception = False
    response = client.get(reverse("home"))
    assert response.status_code == 500
    page = response.content.decode()
    assert NAVIGATION in page
    assert "Something went wrong on our side" in page
    assert "a bug" not in page
    assert f'href="{reverse("home")}"' in page


def test_500_page_needs_neither_the_database_nor_the_request():
    from oversight.shared.error_pages import server_error

    def no_database(*args, **kwargs):
        raise AssertionError("the 500 page queried the database")

    with connection.execute_wrapper(no_database):
        response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()


def test_handlers_are_the_pages_in_the_layout():
    assert urls.handler403 == "oversight.shared.error_pages.forbidden"
    assert urls.handler404 == "oversight.shared.error_pages.not_found"
    assert urls.handler500 == "oversight.shared.error_pages.server_error"


def test_error_pages_leave_messages_for_the_next_page(client, opcc_staff, report_a):
    """A message queued for the page after a save is not used up by an error page."""
    client.force_login(opcc_staff)
    response = client.post(
        _paste_url(report_a),
        {"step": "confirm", "text": "1. Immediately, a.", "reference_0": "R1"}
        | {"timescale_0": "immediately"},
    )
    assert response.status_code == 302
    assert client.get("/no-such-page/").status_code == 404
    page = client.get(response["Location"]).content.decode()
    assert "1 recommendation added: R1." in page
    assert Recommendation.objects.count() == 1


# --- Signing out ------------------------------------------------------------------------


def test_opening_sign_out_asks_to_confirm_with_a_button(client, opcc_staff):
    client.force_login(opcc_staff)
    response = client.get(reverse("logout"))
    assert response.status_code == 200
    page = response.content.decode()
    assert NAVIGATION in page
    assert f'<form method="post" action="{reverse("logout")}"' in page
    assert '<button type="submit" class="btn btn-primary">Sign out</button>' in page
    assert client.get(reverse("home")).status_code == 302  # still signed in: sent on
    assert client.session.get("_auth_user_id") == str(opcc_staff.pk)


def test_confirming_sign_out_signs_out(client, opcc_staff):
    client.force_login(opcc_staff)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session


def test_opening_sign_out_when_signed_out_offers_the_sign_in(client):
    response = client.get(reverse("logout"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "You are not signed in" in page
    assert f'href="{reverse("login")}"' in page
