"""The notification list, marking as read, and reminder preferences."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from recommendations.models import Action
from reminders.models import Reminder

PERSONAS = ["opcc_staff", "read_only", "plan_owner_a", "police_lead_a", "partner_lead"]
LIST = reverse("reminders:notifications")
READ_ALL = reverse("reminders:notifications_read_all")
PREFERENCES = reverse("reminders:preferences")


def notify(user, *, title="A1: Deliver training (Force A Police)", stage="overdue", n=1):
    """Ledger rows for `user`, as the sweep records them."""
    action_type = ContentType.objects.get_for_model(Action)
    return Reminder.objects.bulk_create(
        Reminder(
            subject_type=action_type,
            subject_id=1000 + i,
            what="update_due",
            due_on=datetime.date(2026, 11, 20),
            stage=stage,
            recipient=user,
            title=f"{title} #{i}" if n > 1 else title,
            url="/actions/1/",
        )
        for i in range(n)
    )


# --- Access ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", LIST),
        ("post", reverse("reminders:notification_read", args=[1])),
        ("post", READ_ALL),
        ("get", PREFERENCES),
        ("post", PREFERENCES),
    ],
)
def test_notification_pages_redirect_anonymous_users_to_login(client, db, method, url):
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("post", LIST),
        ("get", reverse("reminders:notification_read", args=[1])),
        ("get", READ_ALL),
        ("delete", PREFERENCES),
    ],
)
def test_notification_pages_refuse_the_wrong_method(client, police_lead_a, method, url):
    client.force_login(police_lead_a)
    assert getattr(client, method)(url).status_code == 405


@pytest.mark.parametrize("persona", PERSONAS)
def test_everyone_sees_their_own_notifications_and_no_one_elses(
    client, request, persona, police_lead_b
):
    user = request.getfixturevalue(persona)
    notify(user, title="Mine: update due on A1")
    notify(police_lead_b, title="Someone else's: update due on B1")
    client.force_login(user)

    response = client.get(LIST)

    assert response.status_code == 200
    assert b"Mine: update due on A1" in response.content
    assert b"Someone else" not in response.content


@pytest.mark.parametrize("persona", PERSONAS)
def test_everyone_can_mark_their_own_notification_read(client, request, persona):
    user = request.getfixturevalue(persona)
    [reminder] = notify(user)
    client.force_login(user)

    response = client.post(reverse("reminders:notification_read", args=[reminder.pk]))

    assert response.status_code == 302
    reminder.refresh_from_db()
    assert reminder.read_at is not None


def test_someone_elses_notification_is_not_found(client, police_lead_a, police_lead_b):
    [theirs] = notify(police_lead_b)
    client.force_login(police_lead_a)

    response = client.post(reverse("reminders:notification_read", args=[theirs.pk]))

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


# --- The list --------------------------------------------------------------------------


def test_the_navigation_bar_counts_unread_notifications(client, police_lead_a):
    notify(police_lead_a, n=3)
    client.force_login(police_lead_a)

    response = client.get(LIST)

    assert b'3<span class="visually-hidden"> unread</span>' in response.content


def test_marking_read_returns_to_the_page_the_person_was_on(client, police_lead_a):
    first, _ = notify(police_lead_a, n=2)
    client.force_login(police_lead_a)

    response = client.post(
        reverse("reminders:notification_read", args=[first.pk]),
        {"next": f"{LIST}?show=unread"},
    )

    assert response["Location"] == f"{LIST}?show=unread"
    assert Reminder.objects.filter(read_at__isnull=True).count() == 1


def test_marking_read_never_redirects_off_the_site(client, police_lead_a):
    [reminder] = notify(police_lead_a)
    client.force_login(police_lead_a)

    response = client.post(
        reverse("reminders:notification_read", args=[reminder.pk]),
        {"next": "https://evil.example.com/"},
    )

    assert response["Location"] == LIST


def test_mark_all_read_marks_only_my_notifications(client, police_lead_a, police_lead_b):
    notify(police_lead_a, n=3)
    [theirs] = notify(police_lead_b)
    client.force_login(police_lead_a)

    response = client.post(READ_ALL, follow=True)

    assert b"Marked 3 notifications as read." in response.content
    assert not Reminder.objects.filter(recipient=police_lead_a, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_unread_filter_hides_what_was_read(client, police_lead_a):
    read, unread = notify(police_lead_a, n=2, title="Item")
    client.force_login(police_lead_a)
    client.post(reverse("reminders:notification_read", args=[read.pk]))

    response = client.get(LIST, {"show": "unread"})

    assert b"Item #1" in response.content
    assert b"Item #0" not in response.content


def test_the_most_urgent_come_first(client, police_lead_a):
    notify(police_lead_a, title="Soon: A3", stage="due_soon")
    notify(police_lead_a, title="Escalated: A1", stage="escalated")
    client.force_login(police_lead_a)

    content = client.get(LIST).content.decode()

    assert content.index("Escalated: A1") < content.index("Soon: A3")


def test_an_empty_list_says_when_reminders_appear(client, police_lead_a):
    client.force_login(police_lead_a)

    response = client.get(LIST)

    assert b"No notifications yet" in response.content


@pytest.mark.parametrize("rows", [2, 30])
def test_the_list_runs_the_same_queries_for_few_or_many_rows(
    client, police_lead_a, django_assert_num_queries, rows
):
    notify(police_lead_a, n=rows)
    client.force_login(police_lead_a)

    # session; user (with organisation and, for the navigation bar, the unread count);
    # count for the paginator; the page of notifications.
    with django_assert_num_queries(4):
        response = client.get(LIST)

    assert response.status_code == 200


# --- Preferences -----------------------------------------------------------------------


def test_preferences_show_the_current_choice(client, police_lead_a):
    client.force_login(police_lead_a)

    response = client.get(PREFERENCES)

    assert response.status_code == 200
    assert b'name="email_reminders"' in response.content
    assert b'id="id_email_reminders" checked' in response.content
    assert b'value="daily"' in response.content


@pytest.mark.parametrize("persona", PERSONAS)
def test_everyone_can_choose_a_weekly_digest_or_no_email(client, request, persona):
    user = request.getfixturevalue(persona)
    client.force_login(user)

    response = client.post(PREFERENCES, {"digest_frequency": "weekly"})

    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.email_reminders, user.digest_frequency) == (False, "weekly")


def test_an_unknown_frequency_is_refused_with_a_message(client, police_lead_a):
    client.force_login(police_lead_a)

    response = client.post(PREFERENCES, {"email_reminders": "on", "digest_frequency": "hourly"})

    assert response.status_code == 400
    assert b"Choose daily or weekly." in response.content
    police_lead_a.refresh_from_db()
    assert police_lead_a.digest_frequency == "daily"
