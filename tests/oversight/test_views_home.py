import pytest
from django.urls import reverse

PERSONAS = ["opcc_staff", "read_only", "plan_owner_a", "police_lead_a", "partner_lead"]


def test_login_page_renders(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b"Sign in" in response.content


def test_home_redirects_anonymous_to_login(client, db):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("persona", PERSONAS)
def test_home_renders_for_each_persona(client, request, persona):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    response = client.get(reverse("home"), follow=True)
    assert response.status_code == 200
    assert user.get_role_display().encode() in response.content


def test_home_shows_only_reports_the_user_may_see(client, police_lead_b, report_a, report_b):
    client.force_login(police_lead_b)
    response = client.get(reverse("home"), follow=True)
    assert report_b.title.encode() in response.content
    assert report_a.title.encode() not in response.content


def test_healthz_reports_database_and_broker(client, db):
    response = client.get("/healthz/")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "eager"}


def test_healthz_reports_a_broker_that_is_down(client, db, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    from oversight.celery import app

    original = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    try:
        response = client.get("/healthz/")
    finally:
        app.conf.broker_url = original
    assert response.status_code == 200
    assert response.json()["broker"].startswith("down")


def test_healthz_refuses_post(client, db):
    assert client.post("/healthz/").status_code == 405


def test_pages_send_a_content_security_policy(client, db):
    response = client.get(reverse("login"))
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_pages_name_the_icon_and_the_old_address_is_sent_to_it(client, opcc_staff):
    import xml.etree.ElementTree as ElementTree

    from django.contrib.staticfiles import finders

    client.force_login(opcc_staff)
    page = client.get(reverse("oversight:report_list")).content.decode()
    assert '<link rel="icon" href="/static/img/favicon' in page
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].startswith("/static/img/favicon")
    # A real SVG drawing, not an empty file.
    drawing = ElementTree.parse(finders.find("img/favicon.svg")).getroot()
    assert drawing.tag == "{http://www.w3.org/2000/svg}svg"
    assert len(drawing) >= 2
