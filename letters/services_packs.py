"""Committee meetings and their packs: set a meeting, prepare a pack for it, render it on
the worker, issue it (rendered once more without the draft mark, then frozen)."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from letters.models import CommitteePack
from letters.permissions import can_manage_packs
from letters.tasks import render_pack
from oversight.models import CommitteeMeeting, Force, InspectionReport, PriorityArea, User
from oversight.shared.background import enqueue


def meeting_create(*, by: User, committee: str, meets_on: datetime.date) -> CommitteeMeeting:
    """A meeting of one of the office's committees, on a day it does not already meet."""
    if not by.office_id or not can_manage_packs(by, by.office):
        raise PermissionDenied("Only OPCC staff set their office's committee meetings.")
    meeting = CommitteeMeeting(office=by.office, committee=committee, meets_on=meets_on)
    meeting.full_clean(exclude=["office"], validate_unique=False)
    try:
        with transaction.atomic():
            meeting.save()
    except IntegrityError:
        raise ValidationError(
            {
                "meets_on": f"The {meeting.get_committee_display()} already meets on "
                f"{meets_on:%-d %B %Y}. Choose that meeting, or another date."
            }
        ) from None
    return meeting


def previous_meeting_day(meeting: CommitteeMeeting) -> datetime.date:
    """The same committee's previous meeting, or three months before this one."""
    previous = (
        CommitteeMeeting.objects.filter(
            office=meeting.office, committee=meeting.committee, meets_on__lt=meeting.meets_on
        )
        .order_by("-meets_on")
        .values_list("meets_on", flat=True)
        .first()
    )
    return previous or meeting.meets_on - datetime.timedelta(days=91)


def pack_create(
    *,
    meeting: CommitteeMeeting,
    by: User,
    previous_meeting_on: datetime.date,
    forces: list[Force] = (),
    sources: list[str] = (),
    priority_areas: list[PriorityArea] = (),
) -> CommitteePack:
    """A new draft pack (the next version for the meeting), rendered on the worker once
    this transaction commits."""
    if not can_manage_packs(by, meeting.office):
        raise PermissionDenied("Only the office's OPCC staff prepare its committee packs.")
    if previous_meeting_on >= meeting.meets_on:
        raise ValidationError(
            {
                "previous_meeting_on": "The previous meeting must be before this one "
                f"({meeting.meets_on:%-d %B %Y}). Choose an earlier date."
            }
        )
    overseen = set(meeting.office.forces.values_list("pk", flat=True))
    if any(force.pk not in overseen for force in forces):
        raise ValidationError({"forces": "Choose only forces your office oversees."})
    unknown = set(sources) - set(InspectionReport.Source.values)
    if unknown:
        raise ValidationError({"sources": "Choose sources from the list."})
    if any(area.report.force_id not in overseen for area in priority_areas):
        raise ValidationError({"priority_areas": "Choose priority areas of forces you oversee."})
    with transaction.atomic():
        CommitteeMeeting.objects.select_for_update().get(pk=meeting.pk)
        latest = meeting.packs.aggregate(latest=Max("version"))["latest"] or 0
        pack = CommitteePack.objects.create(
            meeting=meeting,
            version=latest + 1,
            previous_meeting_on=previous_meeting_on,
            sources=sorted(sources),
            created_by=by,
        )
        pack.forces.set(forces)
        pack.priority_areas.set(priority_areas)
        _queue(pack, by)
    pack.refresh_from_db()
    return pack


def _queue(pack: CommitteePack, by: User) -> None:
    CommitteePack.objects.filter(pk=pack.pk).update(
        render_state=CommitteePack.RenderState.QUEUED,
        render_progress=0,
        render_step="Waiting for the worker",
        render_error="",
        render_requested_by=by,
        render_requested_at=timezone.now(),
    )
    # Sent on commit. If the broker is down the pack stays "queued", and the stalled-render
    # sweep (letters.tasks.letters_requeue_stalled_renders) sends it again.
    enqueue(render_pack, pack.pk, by.pk)


def _locked_draft(pack: CommitteePack, by: User) -> CommitteePack:
    current = CommitteePack.objects.select_for_update().select_related("meeting__office")
    current = current.get(pk=pack.pk)
    if not can_manage_packs(by, current.meeting.office):
        raise PermissionDenied("Only the office's OPCC staff render and issue its packs.")
    if current.status != CommitteePack.Status.DRAFT:
        raise ValidationError(
            f"Version {current.version} was issued on {current.issued_at:%-d %B %Y}; an issued "
            "pack is never changed. Prepare a new version instead."
        )
    if current.issued_by_id:
        raise ValidationError("This pack is being issued. Wait for the worker to finish.")
    return current


@transaction.atomic
def pack_request_render(*, pack: CommitteePack, by: User) -> CommitteePack:
    """Render the draft again with today's data."""
    current = _locked_draft(pack, by)
    if current.render_state in (
        CommitteePack.RenderState.QUEUED,
        CommitteePack.RenderState.RENDERING,
    ):
        raise ValidationError("This pack is already being rendered. Wait for it to finish.")
    _queue(current, by)
    current.refresh_from_db()
    return current


@transaction.atomic
def pack_issue(*, pack: CommitteePack, by: User) -> CommitteePack:
    """Issue the pack: the worker renders it once more from the data as it is now, without
    the draft mark, stores its PDF and workbook with their SHA-256, and freezes it."""
    current = _locked_draft(pack, by)
    if current.render_state != CommitteePack.RenderState.READY:
        raise ValidationError(
            "Render the draft and check it before issuing: there is no finished draft yet."
        )
    CommitteePack.objects.filter(pk=current.pk).update(issued_by=by)
    _queue(current, by)
    current.refresh_from_db()
    return current
