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
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from oversight.models import (
    User,
)
from oversight.shared.language import language_for
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
        return _("due today")
    if days > 0:
        return ngettext("due in %(days)d day", "due in %(days)d days", days) % {"days": days}
    return ngettext("%(days)d day overdue", "%(days)d days overdue", -days) % {"days": -days}


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
        # Translators: a count and a reminder stage in a list, e.g. "2 overdue".
        _("%(count)d %(stage)s") % {"count": counts[stage], "stage": Stage(stage).label.lower()}
        for stage in STAGE_ORDER
        if counts[stage]
    ]
    return ngettext(
        "OPCC oversight: %(count)d reminder (%(stages)s)",
        "OPCC oversight: %(count)d reminders (%(stages)s)",
        len(lines),
    ) % {"count": len(lines), "stages": ", ".join(parts)}


def digest_message(
    *, recipient: User, reminders: list[Reminder], today: datetime.date
) -> EmailMultiAlternatives:
    """One e-mail for all of a person's reminders: plain text with an HTML alternative, in
    the language the person reads."""
    with translation.override(language_for(recipient)):
        return _digest_message(recipient=recipient, reminders=reminders, today=today)


def _digest_message(
    *, recipient: User, reminders: list[Reminder], today: datetime.date
) -> EmailMultiAlternatives:
    lines = digest_lines(reminders, today=today)
    notes = {
        Stage.RETURNED: _("The OPCC returned this with a reason; see what to add or correct."),
        Stage.DECIDED: _("The OPCC decided this; see the decision and its comment."),
        Stage.ESCALATED: ngettext(
            "Overdue by more than %(days)d day; the person responsible has been reminded.",
            "Overdue by more than %(days)d days; the person responsible has been reminded.",
            settings.REMINDER_ESCALATE_AFTER_DAYS,
        )
        % {"days": settings.REMINDER_ESCALATE_AFTER_DAYS},
        Stage.OVERDUE: _("The date has passed."),
        Stage.DUE_TODAY: "",
        Stage.DUE_SOON: ngettext(
            "Due within %(days)d day.",
            "Due within %(days)d days.",
            settings.REMINDER_DAYS_BEFORE,
        )
        % {"days": settings.REMINDER_DAYS_BEFORE},
    }
    sections = [
        (str(Stage(stage).label), notes[stage], [line for line in lines if line.stage == stage])
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
    with translation.override(language_for(recipient)):
        lines = _notice_lines(notices)
        if len(lines) == 1:
            subject = _("OPCC oversight: returned to you: %(title)s") % {"title": lines[0]["title"]}
        else:
            subject = _("OPCC oversight: %(count)d items returned to you") % {"count": len(lines)}
        return _notice_message(
            recipient=recipient, lines=lines, subject=subject, template="returned"
        )


def decision_message(*, recipient: User, notices: list[tuple]) -> EmailMultiAlternatives:
    """One e-mail, sent at once, for the OPCC's decisions on requests to move a target date:
    each with the date that now stands, the OPCC's comment and a link. `notices` is
    (ledger row, ReturnedItem from reminders.decided)."""
    with translation.override(language_for(recipient)):
        lines = _notice_lines(notices)
        if len(lines) == 1:
            subject = _("OPCC oversight: %(what)s: %(title)s") % {
                "what": lines[0]["what_label"].lower(),
                "title": lines[0]["title"],
            }
        else:
            subject = _("OPCC oversight: %(count)d decisions on requests to move target dates") % {
                "count": len(lines)
            }
        return _notice_message(
            recipient=recipient, lines=lines, subject=subject, template="decided"
        )
