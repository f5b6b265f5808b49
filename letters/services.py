"""Writes on letters: create, edit, render a draft, issue.

Issuing freezes a letter: the snapshot taken at issue time, the PDF rendered from it in the
same transaction and its SHA-256 are stored, and no service changes an issued letter again.
A change after that is a new version (`letter_create` copies the last one)."""

import hashlib
import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from letters.models import Letter
from letters.permissions import (
    letter_can_edit,
    letter_can_issue,
    letter_kinds_creatable_by,
    letter_kinds_for_report,
)
from letters.rendering import letter_render_pdf
from letters.selectors import letter_reports_visible_to
from letters.snapshot import (
    EDITABLE_FIELDS,
    letter_build_snapshot,
    letter_office,
    snapshot_missing_dispositions,
)
from letters.tasks import render_letter
from letters.text import long_date
from letters.wording import default_wording
from oversight.models import InspectionReport, User
from oversight.shared.background import enqueue
from oversight.shared.concurrency import lock_and_check_version
from oversight.shared.uploads import delete_file_on_commit

logger = logging.getLogger(__name__)


def _frozen_error(letter: Letter) -> ValidationError:
    return ValidationError(
        _(
            "Version %(version)s of this letter was issued on %(date)s and cannot change. "
            "Start a new version to make changes."
        )
        % {"version": letter.version, "date": long_date(timezone.localdate(letter.issued_at))}
    )


@transaction.atomic
def letter_create(*, report: InspectionReport, kind: str, user: User) -> Letter:
    """A new draft. The first version gets default wording; after an issued version the new
    draft copies its text (a re-issue). Only one draft of a kind at a time."""
    if kind not in letter_kinds_creatable_by(user):
        raise PermissionDenied(_("You may not write this kind of letter."))
    report = (
        letter_reports_visible_to(user)
        .select_for_update(of=("self",))
        .select_related("force")
        .get(pk=report.pk)
    )
    if kind not in letter_kinds_for_report([kind], report):
        raise ValidationError(
            _(
                "Section 55 covers HMICFRS and HMIC reports only; this report is from "
                "%(source)s. Choose another letter."
            )
            % {"source": report.get_source_display()}
        )
    latest = Letter.objects.filter(report=report, kind=kind).order_by("-version").first()
    if latest is not None and latest.status == Letter.Status.DRAFT:
        raise ValidationError(
            _(
                "There is already a draft of this letter (version %(version)s). Open it and "
                "carry on editing it."
            )
            % {"version": latest.version}
        )
    letter = Letter(report=report, kind=kind, letter_date=timezone.localdate())
    if latest is None:
        office = letter_office(report, user)
        if office is not None:
            letter.language = office.letter_language
        for name, value in default_wording(kind, report, office, letter.language).items():
            setattr(letter, name, value)
    else:
        letter.version = latest.version + 1
        for name in EDITABLE_FIELDS:
            if name != "letter_date":
                setattr(letter, name, getattr(latest, name))
    letter.full_clean()
    letter.save()
    return letter


@transaction.atomic
def letter_update(*, letter: Letter, user: User, expected_version: str, **fields) -> Letter:
    """Save the builder's fields on a draft. The draft PDF no longer matches, so it is
    dropped; render again to see the change."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {sorted(unknown)}")
    lock_and_check_version(letter, expected_version=expected_version)
    current = Letter.objects.get(pk=letter.pk)
    if current.status != Letter.Status.DRAFT:
        raise _frozen_error(current)
    if not letter_can_edit(user, current):
        raise PermissionDenied(_("You may not change this letter."))
    for name, value in fields.items():
        setattr(current, name, value)
    due_on = current.response_due_on
    if current.kind == Letter.Kind.RESPONSE_REQUEST and due_on and due_on < current.letter_date:
        raise ValidationError(
            {"response_due_on": _("The response cannot be due before the letter’s date.")}
        )
    old_pdf = current.rendered_pdf.name
    current.rendered_pdf = ""
    current.rendered_at = None
    current.render_state = Letter.RenderState.IDLE
    current.render_error = ""
    current.full_clean()
    current.save()
    delete_file_on_commit(current.rendered_pdf.storage, old_pdf)
    return current


@transaction.atomic
def letter_request_render(*, letter: Letter, user: User) -> Letter:
    """Queue a render of the draft on the worker, once this transaction commits."""

    current = Letter.objects.select_for_update().get(pk=letter.pk)
    if current.status != Letter.Status.DRAFT:
        raise _frozen_error(current)
    if not letter_can_edit(user, current):
        raise PermissionDenied(_("You may not render this letter."))
    # update(): a state change is not an edit, so an open builder form stays current.
    Letter.objects.filter(pk=current.pk).update(
        render_state=Letter.RenderState.QUEUED,
        render_error="",
        render_requested_by=user,
        render_requested_at=timezone.now(),
    )
    # Sent on commit. If the broker is down the letter stays "queued", and
    # letters.tasks.letters_requeue_stalled_renders sends it again once the broker is back.
    enqueue(render_letter, current.pk, user.pk)
    current.refresh_from_db()
    return current


@transaction.atomic
def letter_issue(*, letter: Letter, user: User) -> Letter:
    """Freeze the letter: the data as it is now, the PDF made from it and its SHA-256.

    A request for a formal response records the request and due dates on the report; the
    section 55 response its publication date, and the formal response the date received
    (each only when not set already).
    """
    current = Letter.objects.select_for_update().select_related("report").get(pk=letter.pk)
    if current.status != Letter.Status.DRAFT:
        raise _frozen_error(current)
    if not letter_can_issue(user, current):
        raise PermissionDenied(_("Only OPCC staff issue letters."))
    issued_at = timezone.now()
    snapshot = letter_build_snapshot(letter=current, user=user, taken_at=issued_at)
    problems = []
    if not current.signatory_name.strip():
        problems.append(_("Fill in who signs the letter."))
    if not current.addressee.strip():
        problems.append(_("Fill in who the letter is to."))
    if current.kind == Letter.Kind.RESPONSE_REQUEST and not current.response_due_on:
        problems.append(_("Set the date the formal response is due."))
    missing = snapshot_missing_dispositions(snapshot)
    if current.kind == Letter.Kind.SECTION_55 and missing:
        problems.append(
            _(
                "A section 55 response must say, for every recommendation, what action is "
                "taken or planned, or why none. These have no action and no stated reason: "
                "%(references)s. Add an action to the plan, or record the recommendation as "
                "no action (with the reason), superseded or closed."
            )
            % {"references": ", ".join(missing)}
        )
    if problems:
        raise ValidationError(problems)
    pdf = letter_render_pdf(snapshot, is_draft=False)
    storage = current.issued_pdf.storage
    name = storage.save(
        f"letters/issued/letter-{current.pk}-v{current.version}-issued.pdf", ContentFile(pdf)
    )
    try:
        current.issued_pdf = name
        current.checksum = hashlib.sha256(pdf).hexdigest()
        current.snapshot = snapshot
        current.status = Letter.Status.ISSUED
        current.issued_at = issued_at
        current.issued_by = user
        current.save()
        _record_on_report(current)
    except Exception:
        storage.delete(name)
        raise
    return current


def _record_on_report(letter: Letter) -> None:
    report = InspectionReport.objects.select_for_update().get(pk=letter.report_id)
    changed = []
    if letter.kind == Letter.Kind.RESPONSE_REQUEST:
        if letter.response_due_on < letter.letter_date:
            raise ValidationError(_("The response cannot be due before the letter’s date."))
        report.formal_response_requested_on = letter.letter_date
        report.formal_response_due_on = letter.response_due_on
        changed += ["formal_response_requested_on", "formal_response_due_on"]
    elif letter.kind == Letter.Kind.SECTION_55 and not report.section_55_published_on:
        report.section_55_published_on = letter.letter_date
        changed.append("section_55_published_on")
    elif letter.kind == Letter.Kind.FORMAL_RESPONSE and not report.formal_response_received_on:
        report.formal_response_received_on = letter.letter_date
        changed.append("formal_response_received_on")
    if changed:
        report.save(update_fields=[*changed, "updated_at"])
