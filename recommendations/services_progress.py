"""Writes for progress on an action: progress updates with their evidence and the OPCC's
review of them, and two-person closure (the lead proposes completion with evidence of
impact, OPCC staff sign it off or return it), and reopening a closed action that a
deep-dive sample found not effective.

Each service owns its transaction, takes keyword-only arguments and raises
django.core.exceptions.ValidationError with a message that says what to do, or
PermissionDenied when the matching recommendations.permissions predicate says no.
"""

import datetime
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from oversight.models import User
from oversight.shared.uploads import CheckedUpload
from recommendations.models import Action, Evidence, ProgressUpdate, Rag, Recommendation
from recommendations.permissions import (
    can_propose_completion,
    can_review_update,
    can_sign_off,
    can_update_action,
    refuse_unless,
)
from recommendations.services_actions import action_next_update_due, lock_action

_UPDATE_RAGS = (Rag.RED, Rag.AMBER, Rag.GREEN)


@contextmanager
def _stored_files_removed_on_failure() -> Iterator[list[str]]:
    """Files written to storage inside a transaction that then fails are deleted again, so
    a failed save leaves neither rows nor files behind. Put it outside the atomic block."""
    stored: list[str] = []
    try:
        yield stored
    except BaseException:
        for name in stored:
            default_storage.delete(name)
        raise


def _store_evidence(
    *,
    action: Action,
    update: ProgressUpdate | None,
    uploads: Sequence[CheckedUpload],
    by: User,
    stored: list[str],
) -> list[Evidence]:
    saved = []
    for upload in uploads:
        evidence = Evidence(
            action=action,
            update=update,
            original_name=upload.original_name,
            content_type=upload.content_type,
            size=upload.size,
            sha256=upload.sha256,
            uploaded_by=by,
        )
        upload.file.seek(0)
        evidence.file.save(upload.safe_name, upload.file, save=False)
        stored.append(evidence.file.name)
        evidence._history_user = by
        evidence.save()
        saved.append(evidence)
    return saved


def progress_update_submit(
    *,
    action: Action,
    author: User,
    narrative: str,
    rag: str,
    percent_complete: int,
    uploads: Sequence[CheckedUpload] = (),
    resubmission_of: ProgressUpdate | None = None,
    kept_evidence: Sequence[Evidence] = (),
) -> ProgressUpdate:
    """A new progress update with its evidence files, saved together or not at all. A
    returned update is never edited: the lead posts a new one that resubmits it, keeping
    the returned update's files it names in `kept_evidence` (linked to the new update as
    rows of its own over the same stored files; the returned update keeps its rows)."""
    narrative = narrative.strip()
    if not narrative:
        raise ValidationError({"narrative": _("Describe the progress made since the last update.")})
    if not 0 <= percent_complete <= 100:
        raise ValidationError({"percent_complete": _("Give a percentage from 0 to 100.")})
    if rag not in _UPDATE_RAGS:
        raise ValidationError(
            {
                "rag": _(
                    "Choose red, amber or green; blue (complete) is set when the OPCC signs the "
                    "action off.",
                )
            }
        )
    with _stored_files_removed_on_failure() as stored, transaction.atomic():
        action = lock_action(action)
        refuse_unless(
            can_update_action(author, action),
            "Only the action's delivery lead, its partner agency or the plan owner can post "
            "an update, and only while the action is live.",
        )
        if (
            resubmission_of is not None
            and not action.updates.filter(
                pk=resubmission_of.pk, review_state=ProgressUpdate.Review.RETURNED
            ).exists()
        ):
            raise ValidationError(_("Only a returned update of this action can be resubmitted."))
        if any(
            resubmission_of is None or evidence.update_id != resubmission_of.pk
            for evidence in kept_evidence
        ):
            raise ValidationError(
                _(
                    "Only the files of the update being resubmitted can be kept; attach others "
                    "as new files."
                )
            )
        update = ProgressUpdate(
            action=action,
            author=author,
            written_on=timezone.localdate(),
            narrative=narrative,
            rag=rag,
            percent_complete=percent_complete,
            resubmission_of=resubmission_of,
        )
        update._history_user = author
        update.save()
        _store_evidence(action=action, update=update, uploads=uploads, by=author, stored=stored)
        for kept in kept_evidence:
            evidence = Evidence(
                action=action,
                update=update,
                file=kept.file.name,
                original_name=kept.original_name,
                content_type=kept.content_type,
                size=kept.size,
                sha256=kept.sha256,
                uploaded_by_id=kept.uploaded_by_id,
            )
            evidence._history_user = author
            evidence.save()
    return update


def _locked_update_for_review(update: ProgressUpdate, by: User) -> ProgressUpdate:
    update = ProgressUpdate.objects.select_for_update().select_related("action").get(pk=update.pk)
    if update.review_state != ProgressUpdate.Review.SUBMITTED:
        reviewer = update.reviewed_by or _("someone else")
        raise ValidationError(
            _("This update was already %(state)s by %(reviewer)s. Nothing was changed.")
            % {"state": update.get_review_state_display().lower(), "reviewer": reviewer}
        )
    if update.author_id == by.pk:
        raise ValidationError(_("You wrote this update, so someone else must review it."))
    refuse_unless(can_review_update(by, update), "Only OPCC staff review progress updates.")
    return update


@transaction.atomic
def progress_update_accept(*, update: ProgressUpdate, by: User) -> ProgressUpdate:
    """Accept an update: its RAG becomes the action's and the next update falls due one
    cadence after it."""
    update = _locked_update_for_review(update, by)
    update.review_state = ProgressUpdate.Review.ACCEPTED
    update.reviewed_by = by
    update.reviewed_at = timezone.now()
    update.review_comment = ""
    update._history_user = by
    update.save()
    action = lock_action(update.action)
    if action.status not in Action.FINISHED_STATUSES:
        action.rag = update.rag
    action.next_update_due = action_next_update_due(action=action)
    action._history_user = by
    action.save()
    return update


@transaction.atomic
def progress_update_return(*, update: ProgressUpdate, by: User, reason: str) -> ProgressUpdate:
    """Return an update with a reason the lead sees; they resubmit a new update."""
    reason = reason.strip()
    if not reason:
        raise ValidationError(
            {"comment": _("Say what the lead should add or correct; they see this reason.")}
        )
    update = _locked_update_for_review(update, by)
    update.review_state = ProgressUpdate.Review.RETURNED
    update.reviewed_by = by
    update.reviewed_at = timezone.now()
    update.review_comment = reason
    update._history_user = by
    update.save()
    return update


def action_propose_completion(
    *,
    action: Action,
    by: User,
    completion_evidence: str,
    uploads: Sequence[CheckedUpload] = (),
) -> Action:
    """First of the two people: the lead says the action is done and shows its impact."""
    completion_evidence = completion_evidence.strip()
    if not completion_evidence:
        raise ValidationError(
            {
                "completion_evidence": _(
                    "Describe the evidence of impact: what changed, and how you know."
                )
            }
        )
    with _stored_files_removed_on_failure() as stored, transaction.atomic():
        action = lock_action(action)
        refuse_unless(
            can_propose_completion(by, action),
            "Only the action's lead or the plan owner can propose an action in progress "
            "for completion.",
        )
        action.status = Action.Status.PENDING_SIGN_OFF
        action.completion_evidence = completion_evidence
        action.completion_proposed_by = by
        action.completion_proposed_at = timezone.now()
        action.return_reason = ""
        action.next_update_due = action_next_update_due(action=action)
        action._history_user = by
        action.save()
        _store_evidence(action=action, update=None, uploads=uploads, by=by, stored=stored)
    return action


def _locked_action_pending_sign_off(action: Action, by: User) -> Action:
    action = lock_action(action)
    if action.status != Action.Status.PENDING_SIGN_OFF:
        raise ValidationError(
            _("%(ref)s is %(status)s, not waiting for sign-off. Nothing was changed.")
            % {"ref": action.reference, "status": action.get_status_display().lower()}
        )
    if action.completion_proposed_by_id == by.pk:
        raise ValidationError(
            _("You proposed this completion, so another member of OPCC staff must sign it off.")
        )
    refuse_unless(can_sign_off(by, action), "Only OPCC staff sign off completed actions.")
    return action


@transaction.atomic
def action_sign_off(*, action: Action, by: User) -> Action:
    """Second of the two people: OPCC staff confirm the action is complete."""
    action = _locked_action_pending_sign_off(action, by)
    action.status = Action.Status.CLOSED
    action.rag = Rag.COMPLETE
    action.signed_off_by = by
    action.signed_off_at = timezone.now()
    action.return_reason = ""
    action.next_update_due = None
    action._history_user = by
    action.save()
    return action


@transaction.atomic
def action_return_completion(*, action: Action, by: User, reason: str) -> Action:
    """OPCC staff are not satisfied: the action goes back to in progress with the reason."""
    reason = reason.strip()
    if not reason:
        raise ValidationError(
            {
                "reason": _(
                    "Say what is missing before the action can be signed off; the lead "
                    "sees this reason."
                )
            }
        )
    action = _locked_action_pending_sign_off(action, by)
    action.status = Action.Status.IN_PROGRESS
    action.return_reason = reason
    action.next_update_due = action_next_update_due(action=action)
    action._history_user = by
    action.save()
    return action


def action_reopen(*, action: Action, reason: str, by: User) -> Action:
    """Reopen a closed action that a deep-dive sample found not effective.

    The action goes back to in progress and red, the reason is kept as its return reason,
    the sign-off and the completion proposal are cleared (their history stays), and the next
    update falls due one cadence from today. A closed recommendation the action serves goes
    back to in progress too: it cannot stay closed while work on it is live again.
    """
    reason = reason.strip()
    if not reason:
        raise ValidationError(
            {"reason": _("Say why the action was not effective; the police lead sees this reason.")}
        )
    with transaction.atomic():
        action = Action.objects.select_for_update().get(pk=action.pk)
        if action.status != Action.Status.CLOSED:
            raise ValidationError(
                _("Only a closed action can be reopened; %(ref)s is %(status)s.")
                % {"ref": action.reference, "status": action.get_status_display().lower()}
            )
        action.status = Action.Status.IN_PROGRESS
        action.rag = Rag.RED
        action.return_reason = reason
        action.signed_off_by = None
        action.signed_off_at = None
        action.completion_proposed_by = None
        action.completion_proposed_at = None
        action.next_update_due = timezone.localdate() + datetime.timedelta(
            days=action.cadence_in_days
        )
        action._history_user = by
        action.save()
        closed = Recommendation.objects.select_for_update().filter(
            actions=action, status=Recommendation.Status.CLOSED
        )
        for recommendation in closed:
            recommendation.status = Recommendation.Status.IN_PROGRESS
            recommendation.signed_off_by = None
            recommendation.signed_off_at = None
            recommendation._history_user = by
            recommendation.save()
    return action
