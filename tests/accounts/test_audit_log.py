"""Sign-ins, failures, password changes and administration, recorded and readable by the
office administrator, and by nobody else's administrator."""

from django.test import Client
from django.urls import reverse

from oversight.accounts.models import AccountEvent

PASSWORD = "correct-horse-battery-staple"


def _sign_in(client, name, password):
    return client.post(reverse("login"), {"login": name, "password": password})


def test_sign_in_and_failed_sign_in_are_recorded(client, police_lead_a):
    _sign_in(Client(), police_lead_a.username, "wrong")
    _sign_in(client, police_lead_a.email, PASSWORD)
    failed = AccountEvent.objects.get(kind="sign_in_failed")
    assert (failed.subject, failed.attempted_name) == (police_lead_a, police_lead_a.username)
    assert failed.ip_address == "127.0.0.1"
    signed_in = AccountEvent.objects.get(kind="signed_in")
    assert (signed_in.subject, signed_in.actor) == (police_lead_a, police_lead_a)


def test_failed_sign_in_with_an_unknown_name_is_recorded_without_a_person(client, db):
    _sign_in(client, "nobody-here", "wrong")
    event = AccountEvent.objects.get(kind="sign_in_failed")
    assert event.subject is None and event.attempted_name == "nobody-here"


def test_lock_out_is_recorded(client, police_lead_a, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        _sign_in(client, police_lead_a.username, "wrong")
    assert AccountEvent.objects.filter(kind="locked_out", subject=police_lead_a).exists()


def test_activity_page_shows_own_peoples_events_only(
    client, office_admin, office_admin_b, police_lead_a, police_lead_b
):
    _sign_in(Client(), police_lead_a.username, "wrong-a")
    _sign_in(Client(), police_lead_b.username, "wrong-b")
    client.force_login(office_admin)
    page = client.get(reverse("accounts:activity")).content.decode()
    assert str(police_lead_a) in page
    assert str(police_lead_b) not in page
    client.force_login(office_admin_b)
    page = client.get(reverse("accounts:activity"), {"kind": "sign_in_failed"}).content.decode()
    assert str(police_lead_b) in page
    assert str(police_lead_a) not in page


def test_activity_page_runs_a_fixed_number_of_queries(
    admin_client, police_lead_a, django_assert_max_num_queries
):
    for _ in range(3):
        _sign_in(Client(), police_lead_a.username, "wrong")
    admin_client.get(reverse("accounts:activity"))
    with django_assert_max_num_queries(12) as few:
        admin_client.get(reverse("accounts:activity"))
    AccountEvent.objects.bulk_create(
        AccountEvent(kind="signed_out", subject=police_lead_a, actor=police_lead_a)
        for _ in range(40)
    )
    with django_assert_max_num_queries(len(few.captured_queries)):
        admin_client.get(reverse("accounts:activity"))
