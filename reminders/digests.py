"""One digest per person: the lines, the subject and the message of a reminder e-mail."""

import datetime
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from oversight.models import (
    User,
)
from reminders.ledger import STAGE_ORDER, Stage, what_label
from reminders.models import Reminder

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DigestLine:
    stage: str
    stage_label: str
    what_label: str
    title: str
    due_on: datetime.date
    when: str
    link: str


def _when(due_on: datetime.date, today: datetime.date) -> str:
    days = (due_on - today).days
    if days == 0:
        return "due today"
    if days > 0:
        return f"due in {days} day{'s' if days != 1 else ''}"
    return f"{-days} day{'s' if days != -1 else ''} overdue"


def absolute_url(path: str) -> str:
    return settings.SITE_URL + (path or reverse("reminders:notifications"))


def digest_lines(reminders: Iterable[Reminder], *, today: datetime.date) -> list[DigestLine]:
    lines = [
        DigestLine(
            stage=reminder.stage,
            stage_label=Stage(reminder.stage).label,
            what_label=what_label(reminder.what),
            title=reminder.title,
            due_on=reminder.due_on,
            when=_when(reminder.due_on, today),
            link=absolute_url(reminder.url),
        )
        for reminder in reminders
    ]
    lines.sort(key=lambda line: (STAGE_ORDER.index(line.stage), line.due_on, line.title))
    return lines


def digest_subject(lines: list[DigestLine]) -> str:
    counts = defaultdict(int)
    for line in lines:
        counts[line.stage] += 1
    parts = [
        f"{counts[stage]} {Stage(stage).label.lower()}" for stage in STAGE_ORDER if counts[stage]
    ]
    noun = "reminder" if len(lines) == 1 else "reminders"
    return f"OPCC oversight: {len(lines)} {noun} ({', '.join(parts)})"


def digest_message(
    *, recipient: User, reminders: list[Reminder], today: datetime.date
) -> EmailMultiAlternatives:
    """One e-mail for all of a person's reminders: plain text with an HTML alternative."""
    lines = digest_lines(reminders, today=today)
    notes = {
        Stage.RETURNED: "The OPCC returned this with a reason; see what to add or correct.",
        Stage.DECIDED: "The OPCC decided this; see the decision and its comment.",
        Stage.ESCALATED: f"Overdue by more than {settings.REMINDER_ESCALATE_AFTER_DAYS} days; "
        "the person responsible has been reminded.",
        Stage.OVERDUE: "The date has passed.",
        Stage.DUE_TODAY: "",
        Stage.DUE_SOON: f"Due within {settings.REMINDER_DAYS_BEFORE} days.",
    }
    sections = [
        (Stage(stage).label, notes[stage], [line for line in lines if line.stage == stage])
        for stage in STAGE_ORDER
    ]
    context = {
        "recipient": recipient,
        "today": today,
        "lines": lines,
        "sections": [section for section in sections if section[2]],
        "notifications_url": absolute_url(reverse("reminders:notifications")),
        "preferences_url": absolute_url(reverse("reminders:preferences")),
        "weekly": recipient.digest_frequency == User.DigestFrequency.WEEKLY,
    }
    message = EmailMultiAlternatives(
        subject=digest_subject(lines),
        body=render_to_string("reminders/email/digest.txt", context),
        to=[recipient.email],
    )
    message.attach_alternative(
        render_to_string("reminders/email/digest.html", context), "text/html"
    )
    return message


def _notice_lines(notices: list[tuple]) -> list[dict]:
    return [
        {
            "what_label": what_label(row.what),
            "title": item.title,
            "reason": item.reason,
            "returned_by": item.returned_by,
            "link": absolute_url(row.url),
        }
        for row, item in notices
    ]


def _notice_message(
    *, recipient: User, lines: list[dict], subject: str, template: str
) -> EmailMultiAlternatives:
    context = {
        "recipient": recipient,
        "lines": lines,
        "notifications_url": absolute_url(reverse("reminders:notifications")),
        "preferences_url": absolute_url(reverse("reminders:preferences")),
    }
    message = EmailMultiAlternatives(
        subject=subject[:200],
        body=render_to_string(f"reminders/email/{template}.txt", context),
        to=[recipient.email],
    )
    message.attach_alternative(
        render_to_string(f"reminders/email/{template}.html", context), "text/html"
    )
    return message


def returned_message(*, recipient: User, notices: list[tuple]) -> EmailMultiAlternatives:
    """One e-mail, sent at once, for the work returned to a person: each item with the
    OPCC's reason and a link. `notices` is (ledger row, reminders.returned.ReturnedItem)."""
    lines = _notice_lines(notices)
    if len(lines) == 1:
        subject = f"OPCC oversight: returned to you: {lines[0]['title']}"
    else:
        subject = f"OPCC oversight: {len(lines)} items returned to you"
    return _notice_message(recipient=recipient, lines=lines, subject=subject, template="returned")


def decision_message(*, recipient: User, notices: list[tuple]) -> EmailMultiAlternatives:
    """One e-mail, sent at once, for the OPCC's decisions on requests to move a target date:
    each with the date that now stands, the OPCC's comment and a link. `notices` is
    (ledger row, ReturnedItem from reminders.decided)."""
    lines = _notice_lines(notices)
    if len(lines) == 1:
        subject = f"OPCC oversight: {lines[0]['what_label'].lower()}: {lines[0]['title']}"
    else:
        subject = f"OPCC oversight: {len(lines)} decisions on requests to move target dates"
    return _notice_message(recipient=recipient, lines=lines, subject=subject, template="decided")
