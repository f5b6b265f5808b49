"""A person's dates as an iCalendar feed: what they must do and when, read through the
same `*_visible_to` functions as the pages, each event linking to its page.

- an action's next progress update and its target date, for the action's delivery lead
  and owner (the plan owner for an action nobody leads yet);
- the person's open deep-dive follow-ups;
- for OPCC staff, every outstanding deadline of the reports their office oversees: the
  statutory ones (section 55, the reply to a coroner), the force's action plan and the
  chief constable's formal response.

All-day events, one per date, with a stable UID so a calendar updates an event rather than
adding a second one when a date moves.
"""

import datetime
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from oversight.models import InspectionReport, User
from oversight.selectors import outstanding_deadline_condition, report_deadlines, reports_visible_to
from oversight.shared.language import language_for
from recommendations.action_names import action_name_of
from recommendations.models import Action
from recommendations.selectors import actions_visible_to
from reminders.models import CalendarFeed
from reviews.models import FollowUp
from reviews.selectors import follow_ups_visible_to

# How far back a feed reaches: overdue items stay on the calendar for this long.
PAST_DAYS = 90


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    on: datetime.date
    summary: str
    description: str
    url: str


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def calendar_feed_for_token(token: str) -> CalendarFeed | None:
    """The live link with this token, of a person who may still sign in; None otherwise."""
    return (
        CalendarFeed.objects.select_related("user", "user__office", "user__force")
        .filter(token_digest=token_digest(token), revoked_at__isnull=True, user__is_active=True)
        .first()
    )


def live_calendar_feed(user: User) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).first()


def _site(path: str) -> str:
    return settings.SITE_URL + path


def calendar_events(user: User, *, today: datetime.date) -> list[CalendarEvent]:
    """Three or four queries whatever the number of items."""
    since = today - datetime.timedelta(days=PAST_DAYS)
    events = []
    mine = Q(delivery_lead=user) | Q(owner=user) | Q(delivery_lead__isnull=True, plan__owner=user)
    actions = (
        actions_visible_to(user)
        .filter(mine, status__in=Action.LIVE_STATUSES)
        .annotate(current_target=Coalesce("revised_target_date", "target_date"))
        .filter(Q(next_update_due__gte=since) | Q(current_target__gte=since))
        .select_related("plan__report", "plan__force")
        .order_by("pk")
    )
    for action in actions:
        name = action_name_of(action)
        url = _site(action.get_absolute_url())
        if action.next_update_due and action.next_update_due >= since:
            events.append(
                CalendarEvent(
                    f"action-{action.pk}-update",
                    action.next_update_due,
                    _("Progress update due: %(action)s") % {"action": name},
                    action.description,
                    url,
                )
            )
        if action.current_target and action.current_target >= since:
            events.append(
                CalendarEvent(
                    f"action-{action.pk}-target",
                    action.current_target,
                    _("Target date: %(action)s") % {"action": name},
                    action.description,
                    url,
                )
            )
    follow_ups = (
        follow_ups_visible_to(user)
        .filter(owner=user, status__in=FollowUp.OPEN_STATUSES, due_on__gte=since)
        .select_related("review")
        .order_by("pk")
    )
    for follow_up in follow_ups:
        events.append(
            CalendarEvent(
                f"follow-up-{follow_up.pk}",
                follow_up.due_on,
                _("Deep-dive follow-up due: %(theme)s") % {"theme": follow_up.review.theme},
                follow_up.description,
                _site(follow_up.get_absolute_url()),
            )
        )
    if user.is_opcc_staff:
        reports = (
            reports_visible_to(user)
            .exclude(status=InspectionReport.Status.CLOSED)
            .filter(outstanding_deadline_condition())
            .select_related("force")
            .order_by("pk")
        )
        for report in reports:
            # The UID is made from the deadline's English name, so an event keeps its UID
            # whatever language the person reads.
            with translation.override(None):
                english = [str(d.what) for d in report_deadlines(report, today=today)]
            for deadline, name in zip(report_deadlines(report, today=today), english, strict=True):
                if deadline.is_done or deadline.due_on < since:
                    continue
                slug = "".join(ch for ch in name.lower() if ch.isalnum())
                values = {"what": deadline.what, "title": report.title, "force": report.force}
                events.append(
                    CalendarEvent(
                        f"report-{report.pk}-{slug}",
                        deadline.due_on,
                        (
                            _("Statutory deadline: %(what)s, %(title)s (%(force)s)")
                            if deadline.is_statutory
                            else _("Deadline: %(what)s, %(title)s (%(force)s)")
                        )
                        % values,
                        _("%(what)s for “%(title)s”.") % values,
                        _site(report.get_absolute_url()),
                    )
                )
    return sorted(events, key=lambda event: (event.on, event.summary))


def calendar_ics(user: User, *, today: datetime.date | None = None) -> bytes:
    """The person's calendar as iCalendar bytes, in the language the person reads."""
    with translation.override(language_for(user)):
        return _calendar_ics(user, today=today)


def _calendar_ics(user: User, *, today: datetime.date | None) -> bytes:
    from icalendar import Calendar, Event

    today = today or timezone.localdate()
    calendar = Calendar()
    calendar.add("prodid", "-//OPCC oversight//Calendar feed//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", _("OPCC oversight: %(person)s") % {"person": user})
    calendar.add("x-published-ttl", "PT6H")
    host = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0]
    stamp = timezone.now()
    for item in calendar_events(user, today=today):
        event = Event()
        event.add("uid", f"{item.uid}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", item.on)
        event.add("dtend", item.on + datetime.timedelta(days=1))
        event.add("summary", item.summary)
        event.add("description", f"{item.description}\n\n{item.url}")
        event.add("url", item.url)
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    return calendar.to_ical()
