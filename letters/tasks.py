"""Celery tasks of the letters: thin adapters that take ids and call the render jobs.

The registered names are older than this app: beat's rows and queued messages carry them.
"""

import datetime

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from letters.pack_jobs import pack_render, pack_render_resent, packs_stalled_renders
from letters.render_jobs import letter_render_draft, letter_render_resent, letters_stalled_renders
from oversight.shared.background import send_now


@shared_task(
    name="recommendations.render_letter",
    soft_time_limit=120,
    time_limit=150,
    autoretry_for=(OperationalError,),
    retry_backoff=10,
    max_retries=3,
)
def render_letter(letter_id: int, user_id: int) -> None:
    """Render a draft letter's PDF as the person who asked for it (their scope decides
    what the letter may show). Queued by letter_request_render on commit."""
    letter_render_draft(letter_id=letter_id, user_id=user_id)


@shared_task(
    name="letters.render_pack",
    soft_time_limit=300,
    time_limit=330,
    autoretry_for=(OperationalError,),
    retry_backoff=10,
    max_retries=3,
)
def render_pack(pack_id: int, user_id: int) -> None:
    """Render (or issue) a committee pack as the person who asked for it. Queued on commit
    by letters.services_packs."""
    pack_render(pack_id=pack_id, user_id=user_id)


def letters_requeue_stalled_renders(*, now: datetime.datetime | None = None) -> int:
    """Send every draft letter or committee pack render that has waited too long to the
    worker again, as the person who asked for it; returns how many were sent. While the
    broker is still down nothing is sent and the next run tries again."""
    now = now or timezone.now()
    sent = 0
    for letter_id, user_id in letters_stalled_renders(now=now):
        if not send_now(render_letter, letter_id, user_id):
            return sent  # the broker is still down; the next run tries again
        letter_render_resent(letter_id=letter_id, now=now)
        sent += 1
    for pack_id, user_id in packs_stalled_renders(now=now):
        if not send_now(render_pack, pack_id, user_id):
            return sent
        pack_render_resent(pack_id=pack_id, now=now)
        sent += 1
    return sent


@shared_task(
    name="recommendations.requeue_stalled_letters",
    soft_time_limit=60,
    time_limit=90,
    # No retries: beat runs it every few minutes, and the next run is the retry.
)
def requeue_stalled_letters() -> int:
    """Send the draft renders that never ran to the worker again (beat, every 5 minutes):
    the catch-up for a render asked for while the broker was down or lost with a worker."""
    return letters_requeue_stalled_renders()
