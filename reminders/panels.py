"""Who was told when: the reminder history panel on the action page (an upstream page:
see oversight.shared.panels)."""

import datetime
import logging
from dataclasses import dataclass

from django.db.models import Exists
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from oversight.models import (
    User,
)
from recommendations.models import Action, ExtensionRequest, ProgressUpdate
from recommendations.selectors import actions_visible_to
from reminders.due_items import content_type_id
from reminders.ledger import (
    NOT_MAILED,
    REASON_MAIL_OFF,
    REASON_NO_ADDRESS,
    REASON_NOT_CURRENT,
    STAGE_ORDER,
    what_label,
)
from reminders.models import Reminder
from reminders.selectors import reminder_chain_for

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ChainLine:
    what_label: str
    due_on: datetime.date
    stage: str
    stage_label: str
    recipient: str
    recorded_at: datetime.datetime
    sent_at: datetime.datetime | None
    note: str


# The ledger stores why a row was not mailed in English (reminders.ledger); the panel
# says it in the reader's language.
NOT_MAILED_NOTES = {
    REASON_MAIL_OFF: gettext_lazy(
        "In the app only: e-mail reminders are switched off in this person's preferences."
    ),
    REASON_NO_ADDRESS: gettext_lazy("In the app only: this person has no e-mail address."),
    REASON_NOT_CURRENT: gettext_lazy(
        "In the app only: no longer current when the digest went out."
    ),
}


def _chain_note(reminder: Reminder) -> str:
    if reminder.sent_at:
        return ""
    if reminder.last_error.startswith(NOT_MAILED):
        known = NOT_MAILED_NOTES.get(reminder.last_error)
        if known:
            return str(known)
        return _("In the app only: %(reason)s") % {
            "reason": reminder.last_error.removeprefix(NOT_MAILED)
        }
    if reminder.send_attempts:
        return ngettext(
            "Mail failed (%(count)d attempt); will be retried.",
            "Mail failed (%(count)d attempts); will be retried.",
            reminder.send_attempts,
        ) % {"count": reminder.send_attempts}
    return _("Not e-mailed yet.")


WAITING_FOR_SIGN_OFF = gettext_lazy("Waiting for OPCC sign-off")
WAITING_FOR_REVIEW = gettext_lazy("Waiting for the OPCC to review the update")


def _waiting_for(*, user: User, action: Action) -> str:
    """Whose move it is while it is the OPCC's (the reminders then go to the OPCC, not the
    lead); "" while it is the force's. At most one query."""
    if action.status == Action.Status.PENDING_SIGN_OFF:
        return WAITING_FOR_SIGN_OFF
    if (
        action.status in Action.LIVE_STATUSES
        and actions_visible_to(user)
        .filter(pk=action.pk, updates__review_state=ProgressUpdate.Review.SUBMITTED)
        .exists()
    ):
        return WAITING_FOR_REVIEW
    return ""


def reminder_chain_panel(*, user: User, obj=None) -> dict | None:
    """The action page's panel: whose move it is, and every reminder about the action and
    its requests to move the target date, oldest first. Scoped to the actions the user may
    see; two queries."""
    if obj is None:
        return None
    # The action's scope is tested once, by a subquery the database runs once for the
    # whole query, rather than nested in each subject's list of ids (Django took longer
    # to compile the two copies than PostgreSQL took to run them).
    reminders = reminder_chain_for(
        subjects=[
            (content_type_id(Action), [obj.pk]),
            (
                content_type_id(ExtensionRequest),
                ExtensionRequest.objects.filter(action=obj.pk).values("pk"),
            ),
        ]
    ).filter(Exists(actions_visible_to(user).filter(pk=obj.pk)))
    lines = [
        ChainLine(
            what_label=what_label(reminder.what),
            due_on=reminder.due_on,
            stage=reminder.stage,
            stage_label=reminder.get_stage_display(),
            recipient=f"{reminder.recipient} ({reminder.recipient.get_role_display()})",
            recorded_at=reminder.created_at,
            sent_at=reminder.sent_at,
            note=_chain_note(reminder),
        )
        for reminder in reminders
    ]
    chronological = list(reversed(STAGE_ORDER))
    lines.sort(
        key=lambda line: (
            line.due_on,
            line.what_label,
            chronological.index(line.stage),
            line.recipient,
        )
    )
    return {"lines": lines, "action": obj, "waiting_for": _waiting_for(user=user, action=obj)}
