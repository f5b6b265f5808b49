"""The worker's side of committee packs: build the content as the person who asked, render
the PDF and the workbook, store them with their checksums, and (for an issue) freeze the
pack. Progress is written to the pack as it goes, for the page to show. All of it is in the
language of the person who asked (language_for): the PDF's fixed wording, the steps and the
error they read."""

import datetime
import hashlib
import logging

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from letters.models import CommitteePack
from letters.pack_data import pack_build, summary_for_json
from letters.pack_rendering import pack_render_pdf
from letters.pack_workbook import pack_workbook_started
from oversight.models import CommitteeMeeting, User
from oversight.shared.language import language_for
from oversight.shared.uploads import delete_file_on_commit

logger = logging.getLogger(__name__)

_WAITING = (CommitteePack.RenderState.QUEUED, CommitteePack.RenderState.RENDERING)


def _progress(pack_id: int):
    def report(percent: int, step: str) -> None:
        CommitteePack.objects.filter(pk=pack_id, render_state__in=_WAITING).update(
            render_progress=percent, render_step=step
        )

    return report


def pack_render(*, pack_id: int, user_id: int, today: datetime.date | None = None) -> None:
    """Render the pack as the person who asked. A failure to render is recorded on the pack
    (with what to do) rather than raised; database errors are raised so the task retries."""
    with transaction.atomic():
        pack = (
            CommitteePack.objects.select_for_update()
            .select_related("meeting__office")
            .filter(pk=pack_id, status=CommitteePack.Status.DRAFT)
            .first()
        )
        if pack is None or pack.render_state not in _WAITING:
            return
        CommitteePack.objects.filter(pk=pack_id).update(
            render_state=CommitteePack.RenderState.RENDERING
        )
    user = User.objects.select_related("office").get(pk=user_id)
    with translation.override(language_for(user)):
        _render(pack, user, today=today)


def _render(pack: CommitteePack, user: User, *, today: datetime.date | None) -> None:
    pack_id = pack.pk
    issuing = pack.issued_by_id is not None
    report = _progress(pack_id)
    try:
        content = pack_build(pack, user, today=today, progress=report)
        report(60, _("Laying out the PDF and writing the workbook"))
        workbook = pack_workbook_started(content)  # in a process of its own, meanwhile
        pdf = pack_render_pdf(content, is_draft=not issuing)
        report(90, _("Finishing the workbook"))
        xlsx = workbook()
    except DatabaseError:
        raise
    except ValidationError as error:
        # The register cannot stand at the pack's day (a meeting before its history
        # starts): said as the register's form says it, with what to do.
        CommitteePack.objects.filter(pk=pack_id, status=CommitteePack.Status.DRAFT).update(
            render_state=CommitteePack.RenderState.FAILED,
            issued_by=None,
            render_error=" ".join(error.messages)
            + " "
            + _("This meeting's pack would stand at its day, so it cannot be made."),
        )
        return
    except Exception as error:
        logger.exception("Rendering committee pack %s failed", pack_id)
        CommitteePack.objects.filter(pk=pack_id, status=CommitteePack.Status.DRAFT).update(
            render_state=CommitteePack.RenderState.FAILED,
            issued_by=None,
            render_error=_(
                "The pack could not be made (%(error)s). Try again; if it fails again, tell "
                "the system administrator."
            )
            % {"error": f"{type(error).__name__}: {error}"},
        )
        return
    report(97, _("Saving"))
    storage = pack.pdf.storage
    stem = f"packs/pack-{pack_id}-v{pack.version}{'' if issuing else '-draft'}"
    pdf_name = storage.save(f"{stem}.pdf", ContentFile(pdf))
    xlsx_name = storage.save(f"{stem}.xlsx", ContentFile(xlsx))
    with transaction.atomic():
        current = CommitteePack.objects.select_for_update().filter(pk=pack_id).first()
        if (
            current is None
            or current.status != CommitteePack.Status.DRAFT
            or current.render_state != CommitteePack.RenderState.RENDERING
            or current.issued_by_id != pack.issued_by_id
        ):
            delete_file_on_commit(storage, pdf_name)
            delete_file_on_commit(storage, xlsx_name)
            return
        now = timezone.now()
        fields = {
            "pdf": pdf_name,
            "xlsx": xlsx_name,
            "pdf_checksum": hashlib.sha256(pdf).hexdigest(),
            "xlsx_checksum": hashlib.sha256(xlsx).hexdigest(),
            "snapshot": summary_for_json(content["summary"]),
            "as_at": content["summary"]["as_at"],
            "rendered_at": now,
            "render_state": CommitteePack.RenderState.READY,
            "render_progress": 100,
            "render_step": "",
            "render_error": "",
        }
        if issuing:
            fields.update(status=CommitteePack.Status.ISSUED, issued_at=now)
        for name, value in fields.items():
            setattr(current, name, value)
        current._history_user = current.issued_by if issuing else user
        current.save()
        if issuing:
            CommitteeMeeting.objects.filter(pk=current.meeting_id, pack_issued_at=None).update(
                pack_issued_at=now
            )
        for old in (pack.pdf.name, pack.xlsx.name):
            if old and old not in (pdf_name, xlsx_name):
                delete_file_on_commit(storage, old)


PACK_RENDER_STALLED_AFTER = datetime.timedelta(minutes=15)


def packs_stalled_renders(*, now: datetime.datetime) -> list[tuple[int, int]]:
    """(pack id, requester id) of every render waiting longer than PACK_RENDER_STALLED_AFTER;
    one nobody can be named for is marked failed, to be asked for again."""
    stalled = CommitteePack.objects.filter(
        Q(render_requested_at__lt=now - PACK_RENDER_STALLED_AFTER)
        | Q(render_requested_at__isnull=True),
        status=CommitteePack.Status.DRAFT,
        render_state__in=_WAITING,
    ).order_by("render_requested_at", "pk")
    waiting = []
    for pack_id, user_id in stalled.values_list("pk", "render_requested_by_id"):
        if user_id is None:
            CommitteePack.objects.filter(pk=pack_id, render_state__in=_WAITING).update(
                render_state=CommitteePack.RenderState.FAILED,
                issued_by=None,
                render_error="The request for this pack was lost. Render it again.",
            )
            continue
        waiting.append((pack_id, user_id))
    return waiting


def pack_render_resent(*, pack_id: int, now: datetime.datetime) -> None:
    CommitteePack.objects.filter(pk=pack_id, render_state__in=_WAITING).update(
        render_requested_at=now
    )
