"""Rendered page bodies cached for the one user they were rendered for, dropped whenever
the data behind them changes.

The busiest pages (the register, the dashboard) redo the same queries and the same
rendering each time somebody opens them, while the data changes a few times an hour. A
body is cached under a key made of the page, the user (id, role, office, force, partner
agency: what decides what they may see), the language it is in, the day (overdue flags
turn at midnight) and the query string, so it is only ever shown to the user it was
rendered for. Its value carries the data generation it was rendered at: a counter that
every change to the domain bumps (any save, delete or many-to-many change of a model in
DOMAIN_APPS, through signals; bulk updates call bump_generation() themselves). A body of
an older generation is never shown, so nothing is stale after a change is committed.

After a change, many people may ask for the same page at once: the first takes a lock (in
the cache) and renders; the others wait up to WAIT_FOR_RENDER_SECONDS for its body and
render it themselves only if it does not come.

The generation is bumped at once (so the request that made the change sees it) and again
when the transaction commits (so a request that read the old rows while the change was
being made cannot have its body taken as current).

The cache must be one every process shares: Redis (CACHE_URL). Without CACHE_URL the
page cache is off (PAGE_CACHE_SECONDS=0), because a per-process cache would not see
another process's bumps. Bodies must hold nothing per request: no CSRF token, no CSP
nonce, no flash messages (the page around them is rendered each time). If the cache is
unreachable, bodies are rendered afresh; a bump lost while it was unreachable leaves bodies
cached before the outage current until PAGE_CACHE_SECONDS runs out.
"""

import contextlib
import datetime
import hashlib
import logging
import time
from collections.abc import Callable

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone, translation

logger = logging.getLogger(__name__)

GENERATION_KEY = "pagecache:generation"
# A render in progress holds a lock this long at most; others wait this long for it.
RENDER_LOCK_SECONDS = 10
WAIT_FOR_RENDER_SECONDS = 2.0
DOMAIN_APPS = {"oversight", "recommendations", "reviews", "letters", "reminders"}
# Changes no cached body shows: notifications (the unread count is outside the bodies).
IGNORED_MODELS = {"Reminder"}


def enabled() -> bool:
    return settings.PAGE_CACHE_SECONDS > 0


def _bump() -> None:
    try:
        cache.add(GENERATION_KEY, 0, timeout=None)
        try:
            cache.incr(GENERATION_KEY)
        except ValueError:  # evicted between add and incr: start again
            cache.set(GENERATION_KEY, 1, timeout=None)
    except Exception:  # the cache is down: nothing is served from it until it is back
        logger.warning("Could not bump the page cache generation", exc_info=True)


def bump_generation() -> None:
    """Drop every cached body: now, and again when the current transaction commits."""
    if not enabled():
        return
    _bump()
    transaction.on_commit(_bump)


def _scope(user) -> str:
    return f"{user.pk}.{user.role}.{user.office_id}.{user.force_id}.{user.partner_agency_id}"


def page_key(request, page: str, *, today: datetime.date | None = None) -> str:
    """The cache key of `page` for this request's user, language, day and query string."""
    today = today or timezone.localdate()
    query = hashlib.sha256(request.GET.urlencode().encode()).hexdigest()[:32]
    language = translation.get_language()
    return f"pagecache:{page}:{_scope(request.user)}:{language}:{today.isoformat()}:{query}"


def cached_body(
    request, page: str, build: Callable[[], str], *, today: datetime.date | None = None
) -> str:
    """The body of `page` for this user and query string: from the cache when it was
    rendered at the current generation, otherwise from build() (then cached)."""
    if not enabled():
        return build()
    key = page_key(request, page, today=today)
    try:
        found = cache.get_many([GENERATION_KEY, key])
        generation = found.get(GENERATION_KEY)
        if generation is None:
            cache.add(GENERATION_KEY, 0, timeout=None)
            generation = cache.get(GENERATION_KEY, 0)
    except Exception:  # the cache is down: the page is rendered as if there were none
        logger.warning("Page cache unavailable; rendering %s afresh", page, exc_info=True)
        return build()
    cached = found.get(key)
    if cached is not None and cached[0] == generation:
        return cached[1]
    # One render after a change: the first request takes the lock and renders; those
    # arriving meanwhile wait a moment for its body instead of rendering it all at once.
    lock = f"{key}:rendering:{generation}"
    try:
        leader = cache.add(lock, 1, timeout=RENDER_LOCK_SECONDS)
    except Exception:
        leader = True
    if not leader:
        body = _rendered_meanwhile(key, generation)
        if body is not None:
            return body
    try:
        body = build()
        try:
            cache.set(key, (generation, body), timeout=settings.PAGE_CACHE_SECONDS)
        except Exception:
            logger.warning("Could not cache %s", page, exc_info=True)
        return body
    finally:
        if leader:
            with contextlib.suppress(Exception):  # it expires by itself
                cache.delete(lock)


def _rendered_meanwhile(key: str, generation: int) -> str | None:
    """The body another request is rendering, once it is cached (at this generation or
    a later one); None if that render ends without one or does not finish within
    WAIT_FOR_RENDER_SECONDS (the caller then renders it itself)."""
    lock = f"{key}:rendering:{generation}"
    deadline = time.monotonic() + WAIT_FOR_RENDER_SECONDS
    while time.monotonic() < deadline:
        time.sleep(0.02)
        try:
            found = cache.get_many([key, lock])
        except Exception:
            return None
        cached = found.get(key)
        if cached is not None and cached[0] >= generation:
            return cached[1]
        if lock not in found:  # the render ended without a body: it failed
            return None
    return None


def _saved(sender, update_fields=None, **kwargs) -> None:
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return  # signing in changes nothing a page shows
    bump_generation()


def _deleted(sender, **kwargs) -> None:
    bump_generation()


def _m2m_changed(sender, action, **kwargs) -> None:
    if action.startswith("post_"):
        bump_generation()


def domain_models() -> list:
    """The models whose changes drop the cached bodies, with their many-to-many link
    tables (a link added or removed changes what a page shows)."""
    models = []
    for label in DOMAIN_APPS:
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            name = model.__name__
            if name in IGNORED_MODELS or name.startswith("Historical"):
                continue
            models.append(model)
    return models


def connect_signals() -> None:
    """Called from OversightConfig.ready(). Connected model by model, so deleting rows of
    other models (sessions, say) keeps Django's fast delete."""
    for model in domain_models():
        uid = f"pagecache-{model._meta.label_lower}"
        post_save.connect(_saved, sender=model, dispatch_uid=f"{uid}-saved")
        post_delete.connect(_deleted, sender=model, dispatch_uid=f"{uid}-deleted")
        m2m_changed.connect(_m2m_changed, sender=model, dispatch_uid=f"{uid}-m2m")
