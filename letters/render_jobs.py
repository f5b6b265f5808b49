"""The worker's side of draft rendering: render a draft as the person who asked, and find
the renders that were lost on the way (broker down, worker died)."""

import datetime
import logging

from django.core.files.base import ContentFile
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.utils import timezone

from letters.models import Letter
from letters.rendering import letter_render_pdf
from letters.snapshot import letter_build_snapshot, letter_fingerprint
from oversight.models import User
from oversight.shared.uploads import delete_file_on_commit

logger = logging.getLogger(__name__)


def letter_render_draft(*, letter_id: int, user_id: int) -> None:
    """The worker's job: render the draft as the person who asked, then store the PDF.

    A failure to render is recorded on the letter (render_state failed, with the reason)
    rather than raised; database errors are raised so the task retries. If the letter was
    edited or issued while rendering, the result is thrown away.
    """
    with transaction.atomic():
        letter = (
            Letter.objects.select_for_update()
            .filter(pk=letter_id, status=Letter.Status.DRAFT)
            .first()
        )
        if letter is None or letter.render_state not in (
            Letter.RenderState.QUEUED,
            Letter.RenderState.RENDERING,
        ):
            return
        Letter.objects.filter(pk=letter_id).update(render_state=Letter.RenderState.RENDERING)
    fingerprint = letter_fingerprint(letter)
    user = User.objects.select_related("office").get(pk=user_id)
    try:
        snapshot = letter_build_snapshot(letter=letter, user=user)
        pdf = letter_render_pdf(snapshot, is_draft=True)
    except DatabaseError:
        raise  # the task retries
    except Exception as error:
        # Whatever else went wrong (a refused asset, a time limit) is shown on the page.
        logger.exception("Rendering letter %s failed", letter_id)
        Letter.objects.filter(pk=letter_id, status=Letter.Status.DRAFT).update(
            render_state=Letter.RenderState.FAILED,
            render_error=f"The PDF could not be made ({type(error).__name__}: {error}). "
            "Try again; if it fails again, tell the system administrator.",
        )
        return
    storage = letter.rendered_pdf.storage
    name = storage.save(
        f"letters/drafts/letter-{letter_id}-v{letter.version}.pdf", ContentFile(pdf)
    )
    with transaction.atomic():
        current = Letter.objects.select_for_update().filter(pk=letter_id).first()
        if (
            current is None
            or current.status != Letter.Status.DRAFT
            or current.render_state != Letter.RenderState.RENDERING
            or letter_fingerprint(current) != fingerprint
        ):
            delete_file_on_commit(storage, name)
            return
        Letter.objects.filter(pk=letter_id).update(
            rendered_pdf=name,
            rendered_at=timezone.now(),
            render_state=Letter.RenderState.READY,
            render_error="",
        )
        delete_file_on_commit(storage, current.rendered_pdf.name)


# A render still waiting this long after it was asked for was lost: the broker was down
# when the page sent it, or a worker died and its message never came back. A render takes
# at most a few minutes with its retries, so a slow one is seldom sent twice, and a second
# one is harmless: it finds the letter ready, or is thrown away as stale.
LETTER_RENDER_STALLED_AFTER = datetime.timedelta(minutes=10)
_WAITING_STATES = (Letter.RenderState.QUEUED, Letter.RenderState.RENDERING)


def letters_stalled_renders(*, now: datetime.datetime) -> list[tuple[int, int]]:
    """(letter id, requester id) of every draft render that has waited longer than
    LETTER_RENDER_STALLED_AFTER, oldest first. A render nobody can be named for (asked for
    before the requester was recorded, or that person's account was deleted) is marked
    failed, to be asked for again on the page."""
    stalled = Letter.objects.filter(
        Q(render_requested_at__lt=now - LETTER_RENDER_STALLED_AFTER)
        | Q(render_requested_at__isnull=True),
        status=Letter.Status.DRAFT,
        render_state__in=_WAITING_STATES,
    ).order_by("render_requested_at", "pk")
    waiting = []
    for letter_id, user_id in stalled.values_list("pk", "render_requested_by_id"):
        if user_id is None:
            Letter.objects.filter(pk=letter_id, render_state__in=_WAITING_STATES).update(
                render_state=Letter.RenderState.FAILED,
                render_error="The request for this PDF was lost. Render it again.",
            )
            continue
        waiting.append((letter_id, user_id))
    return waiting


def letter_render_resent(*, letter_id: int, now: datetime.datetime) -> None:
    """Count a resent render as asked for again, so the next run leaves it alone for
    another LETTER_RENDER_STALLED_AFTER."""
    Letter.objects.filter(pk=letter_id, render_state__in=_WAITING_STATES).update(
        render_requested_at=now
    )
