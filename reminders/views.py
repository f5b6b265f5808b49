"""A person's own notifications (the reminders the sweep recorded for them) and their
reminder preferences. Nobody reads or changes anybody else's: every query starts from
`reminders_for(request.user)`, so another person's notification is a 404.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from reminders.calendar import calendar_feed_for_token, calendar_ics, live_calendar_feed
from reminders.forms import ReminderPreferencesForm
from reminders.ledger import what_label
from reminders.models import Reminder
from reminders.selectors import notifications_for, reminders_for
from reminders.services import (
    calendar_feed_create,
    calendar_feed_revoke,
    reminder_mark_read,
    reminder_preferences_update,
    reminders_mark_all_read,
)

NOTIFICATIONS_PER_PAGE = 25


@dataclass(frozen=True)
class NotificationLine:
    pk: int
    stage: str
    stage_label: str
    what_label: str
    title: str
    url: str
    due_on: datetime.date
    recorded_at: datetime.datetime
    is_unread: bool


def _line(reminder: Reminder) -> NotificationLine:
    return NotificationLine(
        pk=reminder.pk,
        stage=reminder.stage,
        stage_label=reminder.get_stage_display(),
        what_label=what_label(reminder.what),
        title=reminder.title,
        url=reminder.url,
        due_on=reminder.due_on,
        recorded_at=reminder.created_at,
        is_unread=reminder.read_at is None,
    )


def _back_to_list(request):
    """Back to the page of the list the person was on."""
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("reminders:notifications")
    return redirect(target)


@require_GET
@login_required
def notifications(request):
    unread_only = request.GET.get("show") == "unread"
    reminders = notifications_for(request.user)
    if unread_only:
        reminders = reminders.filter(read_at__isnull=True)
    page = Paginator(reminders, NOTIFICATIONS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page_obj": page,
        "lines": [_line(reminder) for reminder in page],
        "unread_only": unread_only,
        "today": timezone.localdate(),
    }
    return render(request, "reminders/notifications.html", context)


@require_POST
@login_required
def notification_read(request, pk: int):
    reminder = get_object_or_404(reminders_for(request.user), pk=pk)
    reminder_mark_read(user=request.user, reminder=reminder)
    return _back_to_list(request)


@require_POST
@login_required
def notifications_read_all(request):
    marked = reminders_mark_all_read(user=request.user)
    messages.success(
        request,
        ngettext(
            "Marked %(count)d notification as read.",
            "Marked %(count)d notifications as read.",
            marked,
        )
        % {"count": marked},
    )
    return _back_to_list(request)


@require_http_methods(["GET", "POST"])
@login_required
def preferences(request):
    user = request.user
    initial = {
        "email_reminders": user.email_reminders,
        "digest_frequency": user.digest_frequency,
        "language": user.language or settings.LANGUAGE_CODE,
    }
    form = ReminderPreferencesForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            reminder_preferences_update(
                user=user,
                email_reminders=form.cleaned_data["email_reminders"],
                digest_frequency=form.cleaned_data["digest_frequency"],
                language=form.cleaned_data["language"] or user.language,
            )
            messages.success(request, _("Your reminder preferences are saved."))
            return redirect("reminders:preferences")
        return render(request, "reminders/preferences.html", {"form": form}, status=400)
    return render(request, "reminders/preferences.html", {"form": form})


# --- The private calendar link ----------------------------------------------------------

CALENDAR_TOKEN_SESSION_KEY = "calendar_feed_token"


@login_required
@require_http_methods(["GET", "POST"])
def calendar_link(request):
    """GET: whether the person has a calendar link, and the link itself once, just after
    it was made. POST: make a new one ("create", replacing any other) or end it
    ("revoke")."""
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            ended = calendar_feed_revoke(user=request.user)
            messages.success(
                request,
                _("Your calendar link is ended: calendars subscribed to it get nothing more.")
                if ended
                else _("You had no calendar link to end."),
            )
        elif request.POST.get("action") == "create":
            _feed, token = calendar_feed_create(user=request.user)
            request.session[CALENDAR_TOKEN_SESSION_KEY] = token
            messages.success(request, _("Your new calendar link is below: copy it now."))
        else:
            messages.error(request, _("Choose “Make a calendar link” or “End the link”."))
            return render(
                request, "reminders/calendar_link.html", _calendar_context(request), status=400
            )
        return redirect("reminders:calendar_link")
    return render(request, "reminders/calendar_link.html", _calendar_context(request))


def _calendar_context(request) -> dict:
    token = request.session.pop(CALENDAR_TOKEN_SESSION_KEY, None)
    feed = live_calendar_feed(request.user)
    link = ""
    if token and feed is not None:
        link = request.build_absolute_uri(reverse("reminders:calendar_feed", args=[token]))
    return {
        "feed": feed,
        "link": link,
        "webcal": link.replace("https://", "webcal://").replace("http://", "webcal://"),
    }


@require_GET
def calendar_feed(request, token: str):
    """The calendar itself: no sign-in (a calendar application fetches it), the unguessable
    token is the key. An unknown, ended or leaver's link is a 404."""
    feed = calendar_feed_for_token(token)
    if feed is None:
        raise Http404("No such calendar link: it may have been ended.")
    response = HttpResponse(calendar_ics(feed.user), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="oversight.ics"'
    response["Cache-Control"] = "private, max-age=900"
    response["X-Content-Type-Options"] = "nosniff"
    response["Referrer-Policy"] = "no-referrer"
    return response
