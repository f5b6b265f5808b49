"""Due items from committee meetings: the pack for the next meeting, due when the papers
go out (a week before), until one is issued or the meeting has been held."""

import datetime

from django.urls import NoReverseMatch, reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from oversight.models import CommitteeMeeting, User
from reminders.due_items import DueItem, content_type_id, ids, lazy_day, people_by

LABELS = {"committee_pack_due": gettext_lazy("Committee pack due")}


def pack_due_items(*, today: datetime.date, horizon: datetime.date) -> list[DueItem]:
    """Each meeting still to come whose papers are due by `horizon` and whose pack has not
    been issued: the office's OPCC staff are reminded (nobody to escalate to: they are the
    office). Two queries."""
    meetings = CommitteeMeeting.objects.filter(
        pack_issued_at__isnull=True,
        meets_on__gte=today,
        meets_on__lte=horizon + datetime.timedelta(days=CommitteeMeeting.PAPERS_DAYS_BEFORE),
    ).select_related("office")
    if not meetings:
        return []
    staff = people_by(
        User.objects.filter(
            role=User.Role.OPCC_STAFF,
            is_active=True,
            office__in={meeting.office_id for meeting in meetings},
        ).values_list("office_id", "pk", "manager_id")
    )
    try:
        url = reverse("letters:pack_list")
    except NoReverseMatch:
        url = ""
    meeting_type = content_type_id(CommitteeMeeting)
    return [
        DueItem(
            meeting_type,
            meeting.pk,
            "committee_pack_due",
            meeting.papers_due_on,
            format_lazy(
                gettext_lazy("Pack for the {meeting} (papers go out {day})"),
                meeting=meeting,
                day=lazy_day(meeting.papers_due_on, "j F"),
            ),
            url,
            ids(staff.get(meeting.office_id, set())),
        )
        for meeting in meetings
    ]
