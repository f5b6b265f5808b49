"""Writes for extension requests: a delivery lead or plan owner asks to move an action's
target date with a reason, OPCC staff agree or refuse it, or whoever asked withdraws it.

Until a request is agreed the action's current target date stands, and with it the RAG,
overdue and reminders that read it. Agreeing sets the action's revised target date and
reason in the same transaction (the action's history records who agreed it); the original
target date never changes. Every request and decision is kept.

Nobody is told from here (recommendations cannot call reminders): the reminders app finds
the requests waiting (reminders.due_extensions) and the decisions made
(reminders.decided) by their state.

Each service owns its transaction, takes keyword-only arguments and raises
django.core.exceptions.ValidationError with a message that says what to do, or
PermissionDenied when the matching recommendations.permissions predicate says no.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from oversight.models import Force, User
from oversight.shared.dates import DateInRange
from recommendations.models import Action, ExtensionRequest
from recommendations.permissions import (
    can_decide_extensions,
    can_request_extension,
    can_withdraw_extension,
    refuse_unless,
)
from recommendations.services_actions import lock_action


def _day(day: datetime.date) -> str:
    return date_format(day, "j F Y")


def _locked(extension: ExtensionRequest) -> tuple[ExtensionRequest, Action]:
    """The request and its action, both locked for the rest of the transaction: the action
    first, as a new request locks it, so two writers never wait for each other."""
    action = lock_action(Action(pk=extension.action_id))
    extension = (
        ExtensionRequest.objects.select_for_update(of=("self",))
        .select_related("requested_by", "decided_by")
        .get(pk=extension.pk)
    )
    extension.action = action
    return extension, action


def _refuse_unless_pending(extension: ExtensionRequest) -> None:
    """A decision already made (a second click, or someone else first) is refused."""
    if extension.is_pending:
        return
    who = extension.decided_by or _("someone else")
    when = timezone.localdate(extension.decided_at)
    raise ValidationError(
        _("This request was already %(decision)s by %(who)s on %(date)s. Nothing was changed.")
        % {"decision": extension.get_decision_display().lower(), "who": who, "date": _day(when)}
    )


def _oversees(user: User, action: Action) -> bool:
    """Whether the user's office oversees the action's force."""
    return (
        user.office_id is not None
        and Force.objects.filter(pk=action.plan.force_id, offices=user.office_id).exists()
    )


def extension_request(
    *, action: Action, by: User, to_date: datetime.date, reason: str
) -> ExtensionRequest:
    """Ask to move the action's target date to `to_date`. The current target date (revised,
    else original) is recorded as the request's `from_date` and stands until OPCC staff
    agree. One request waits at a time."""
    reason = reason.strip()
    if not reason:
        raise ValidationError(
            {"reason": _("Say why the target date needs to move; the OPCC decides on this reason.")}
        )
    try:
        DateInRange()(to_date)
    except ValidationError as error:
        raise ValidationError({"to_date": error.messages}) from error
    with transaction.atomic():
        action = lock_action(action)
        refuse_unless(
            can_request_extension(by, action),
            "Only the action's delivery lead or the force's plan owner can ask to move its "
            "target date, and only while the action is live.",
        )
        if to_date == action.current_target_date:
            raise ValidationError(
                {
                    "to_date": _(
                        "%(date)s is already the target date. Choose the date you are asking to "
                        "move it to."
                    )
                    % {"date": _day(to_date)}
                }
            )
        if to_date < timezone.localdate():
            raise ValidationError(
                {
                    "to_date": _(
                        "The new target date cannot be in the past. Choose today or a later date."
                    )
                }
            )
        waiting = (
            action.extensions.filter(decision=ExtensionRequest.Decision.PENDING)
            .select_related("requested_by")
            .order_by("pk")
            .first()
        )
        if waiting is not None:
            raise ValidationError(
                _(
                    "A request to move the target date to %(date)s (%(who)s, %(asked_on)s) is "
                    "still waiting for the OPCC's decision. Wait for it, or withdraw that "
                    "request and ask again."
                )
                % {
                    "date": _day(waiting.to_date),
                    "who": waiting.requested_by or _("asked earlier"),
                    "asked_on": _day(timezone.localdate(waiting.requested_at)),
                }
            )
        extension = ExtensionRequest(
            action=action,
            requested_by=by,
            requested_at=timezone.now(),
            from_date=action.current_target_date,
            to_date=to_date,
            reason=reason,
        )
        extension._history_user = by
        extension.save()
    return extension


def extension_decide(
    *, extension: ExtensionRequest, by: User, agree: bool, comment: str = ""
) -> ExtensionRequest:
    """OPCC staff of an office overseeing the force agree the request (the action's revised
    target date becomes its `to_date`, with its reason) or refuse it with a comment the
    lead sees (the current date stands)."""
    comment = comment.strip()
    if not agree and not comment:
        raise ValidationError(
            {
                "comment": _(
                    "Say why the target date cannot move; the lead and the plan owner "
                    "see this comment."
                )
            }
        )
    with transaction.atomic():
        extension, action = _locked(extension)
        _refuse_unless_pending(extension)
        refuse_unless(
            can_decide_extensions(by) and _oversees(by, action),
            "Only OPCC staff of an office overseeing the force decide on requests to move a "
            "target date.",
        )
        if agree:
            if action.status in Action.FINISHED_STATUSES:
                raise ValidationError(
                    _(
                        "%(ref)s is %(status)s, so its target date no longer moves. Refuse the "
                        "request with a comment instead."
                    )
                    % {"ref": action.reference, "status": action.get_status_display().lower()}
                )
            action.revised_target_date = extension.to_date
            action.revision_reason = extension.reason
            action._history_user = by
            action._change_reason = f"Extension request agreed by {by}"
            action.save()
        extension.decision = (
            ExtensionRequest.Decision.AGREED if agree else ExtensionRequest.Decision.REFUSED
        )
        extension.decided_by = by
        extension.decided_at = timezone.now()
        extension.decision_comment = comment
        extension._history_user = by
        extension.save()
    return extension


def extension_withdraw(*, extension: ExtensionRequest, by: User) -> ExtensionRequest:
    """Whoever asked, or the force's plan owner, withdraws a request still waiting; the
    current target date stands and a new request may be made."""
    with transaction.atomic():
        extension, action = _locked(extension)
        _refuse_unless_pending(extension)
        refuse_unless(
            can_withdraw_extension(by, extension, action),
            "Only the person who asked, or the force's plan owner, can withdraw this request.",
        )
        extension.decision = ExtensionRequest.Decision.WITHDRAWN
        extension.decided_by = by
        extension.decided_at = timezone.now()
        extension._history_user = by
        extension.save()
    return extension
