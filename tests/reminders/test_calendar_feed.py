"""The private calendar link: each person's dates as iCalendar, parsed back with the
icalendar package; scoped like the pages; a revoked link, or a leaver's, refused."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from icalendar import Calendar

from oversight.models import InspectionReport
from reminders.calendar import calendar_events
from reminders.models import CalendarFeed
from reminders.services import calendar_feed_create, calendar_feed_revoke
from tests import factories

TODAY = datetime.date(2026, 11, 1)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime.datetime(2026, 11, 1, 12, 0), tick=False):
        yield


def _events(client, token) -> dict[str, dict]:
    response = client.get(reverse("reminders:calendar_feed", args=[token]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    return {
        str(event["summary"]): {
            "on": event.decoded("dtstart"),
            "url": str(event["url"]),
            "uid": str(event["uid"]),
        }
        for event in calendar.walk("VEVENT")
    }


@pytest.fixture
def dated(action_a, action_b, report_a, police_lead_a):
    action_a.next_update_due = datetime.date(2026, 11, 20)
    action_a.target_date = datetime.date(2027, 1, 31)
    action_a.save()
    action_b.next_update_due = datetime.date(2026, 11, 21)
    action_b.save()
    report_a.published_on = datetime.date(2026, 10, 1)
    report_a.source = InspectionReport.Source.HMICFRS
    report_a.save()
    review = factories.DeepDiveReviewFactory(
        office=factories.OfficeFactory(name="OPCC A"),
        force=report_a.force,
        theme="Missing children",
    )
    factories.FollowUpFactory(
        review=review,
        owner=police_lead_a,
        description="Bring the data",
        due_on=datetime.date(2026, 12, 5),
    )
    return action_a


def test_lead_feed_has_their_update_target_and_follow_up_dates(client, dated, police_lead_a):
    _, token = calendar_feed_create(user=police_lead_a)
    events = _events(client, token)
    update = next(v for k, v in events.items() if k.startswith("Progress update due: A1"))
    assert update["on"] == datetime.date(2026, 11, 20)
    assert update["url"].endswith(reverse("recommendations:action_detail", args=[dated.pk]))
    target = next(v for k, v in events.items() if k.startswith("Target date: A1"))
    assert target["on"] == datetime.date(2027, 1, 31)
    follow_up = next(v for k, v in events.items() if k.startswith("Deep-dive follow-up due"))
    assert follow_up["on"] == datetime.date(2026, 12, 5)
    # Nothing of force B's action, and no statutory deadlines for a police lead.
    assert not any("B1" in summary for summary in events)
    assert not any("Section 55" in summary for summary in events)
    # Stable UIDs: the same event keeps its UID when fetched again.
    assert _events(client, token)[next(iter(events))]["uid"] == next(iter(events.values()))["uid"]


def test_opcc_staff_feed_has_statutory_deadlines_of_their_forces_only(
    client, dated, opcc_staff, report_b
):
    _, token = calendar_feed_create(user=opcc_staff)
    events = _events(client, token)
    section_55 = next(v for k, v in events.items() if "Section 55 comments" in k)
    assert section_55["on"] == datetime.date(2026, 11, 26)
    assert next(k for k in events if "Section 55" in k).startswith("Statutory deadline:")
    assert not any(report_b.title in summary for summary in events)


def test_revoked_replaced_and_leavers_links_are_refused(client, dated, police_lead_a):
    _, first = calendar_feed_create(user=police_lead_a)
    _, second = calendar_feed_create(user=police_lead_a)
    url = lambda token: reverse("reminders:calendar_feed", args=[token])  # noqa: E731
    assert client.get(url(first)).status_code == 404
    assert client.get(url(second)).status_code == 200
    assert CalendarFeed.objects.filter(user=police_lead_a, revoked_at__isnull=True).count() == 1
    calendar_feed_revoke(user=police_lead_a)
    assert client.get(url(second)).status_code == 404
    _, third = calendar_feed_create(user=police_lead_a)
    police_lead_a.is_active = False
    police_lead_a.save()
    assert client.get(url(third)).status_code == 404
    assert client.get(url("not-a-token")).status_code == 404


def test_token_is_stored_only_as_its_digest_and_shown_once(client, police_lead_a):
    client.force_login(police_lead_a)
    page = reverse("reminders:calendar_link")
    response = client.post(page, {"action": "create"}, follow=True)
    link = response.context["link"]
    assert "/calendar/" in link and link.endswith(".ics")
    token = link.rsplit("/", 1)[1].removesuffix(".ics")
    assert not CalendarFeed.objects.filter(token_digest=token).exists()
    assert token not in client.get(page).content.decode()  # shown once
    assert client.post(page, {"action": "nonsense"}).status_code == 400


def test_feed_is_a_fixed_number_of_queries(dated, opcc_staff, django_assert_max_num_queries):
    for n in range(5):
        factories.InspectionReportFactory(force=dated.plan.force, title=f"More {n}")
    with django_assert_max_num_queries(4):
        events = calendar_events(opcc_staff, today=TODAY)
    assert len([event for event in events if "Force action plan" in event.summary]) >= 5
