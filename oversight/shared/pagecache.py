"""Rendered page bodies cached for the one user they were rendered for, dropped when data
that user can see changes.

The busiest pages (the register, the dashboard, "my actions") redo the same queries and
the same rendering each time somebody opens them, while the data changes a few times an
hour per force. A body is cached under a key made of the page, the user (id, role, office,
force, partner agency: what decides what they may see), the language it is in, the day
(overdue flags turn at midnight) and the query string, so it is only ever shown to the
user it was rendered for. Its value carries the generations it was rendered at, and it is
shown only while every one of them is unchanged.

Generations. A generation is a token in the cache, replaced (never counted up: one
set_many writes all of a change's tokens in one round trip) whenever something it stands
for changes:
- the global generation: anything that can alter every page (people, offices, forces,
  partner agencies, national reports shared by many forces, a model with no placement);
- one per force: a change that belongs to the force (its reports, recommendations, plans,
  actions, updates, evidence, extensions, deep dives...);
- one per office: bumped with each force the office oversees (the writer works out which
  offices those are), and by what the office owns itself (its deep dives, investments,
  meetings, public site);
- one per person: a change that names them outside their force or office (a follow-up
  they own);
- "any": bumped by every change but a global one.
A body depends on the global generation, the user's person generation and one more: an
office user's office (which stands for all the forces it oversees), a force user's
force, and "any" for partner leads and anyone else (their pages can reach across
forces). All of them and the body come back in one get_many. So a progress update in
force A drops the pages of force A's people and of the offices overseeing force A,
nobody else's (but partner leads'); a reader of every force (an office overseeing all
of them) is dropped by a change in any force.

Placements. Every save, delete or many-to-many change of a model in DOMAIN_APPS (through
signals; notifications and a person's own settings excepted) bumps the generations of
where it belongs; a link added or removed belongs where the row it was changed from
belongs. Which forces, offices and people that is, is domain knowledge this module must
not import: each domain app registers a placement function per model in its
AppConfig.ready() (`register(Model, place)`, in <app>/cache_scopes.py), and one function
that names the offices overseeing some forces (`register_offices_of`). A placement uses
what the instance holds (plan.force_id, report.force_id, review.office_id) and otherwise
one small indexed lookup; a model without one, or one whose lookup finds nothing (a row
deleted with its parent), bumps the global generation. Fields that move a row to another
force or person (a report's force, a follow-up's owner) are named with `moves=`: the
stored values are read before the save, so the old place is dropped too. The offices
overseeing a force are kept in the cache with the global generation they were read at
(an office's forces changing is a global change), so a save mostly needs no query for
them. Bulk writes that bypass the signals (QuerySet.update, bulk_create) call
bump_generation(Placement(forces=...)) themselves (the forces are enough), or
bump_generation() to drop every body.

After a change, many people may ask for the same page at once: the first takes a lock (in
the cache) and renders. The others are shown the body from before the change while it
renders, as a request that came a moment earlier would have been, if that body was
rendered in the last STALE_SECONDS; otherwise they wait up to WAIT_FOR_RENDER_SECONDS for
the new body and render it themselves only if it does not come. Whoever made a change in
the last WRITER_FRESH_SECONDS (noted when a request changes data, see
WriterMiddleware) is never shown a body from before the latest change: the page they open
next shows what they did.

A page whose data changes all the time (a reader of every force, while leads post their
updates) would otherwise be rendered again and again, one render after another. So after
a change in what a user sees, their body from before it is still shown until
PAGE_CACHE_RERENDER_FACTOR times its render time, and at least PAGE_CACHE_RERENDER_SECONDS,
have passed since that render began (a page that took 0.4 s is rendered at most every
1.6 s, a page that took 20 ms at most once a second), to everyone but whoever made the
change. A global change, or one naming the user, is shown at once.

A change bumps its generations at once (so the request that made it sees it on its next
page) and again when the transaction commits (so a request that read the old rows while
the change was being made cannot have its body taken as current). A generation missing
from the cache (evicted, or never bumped) is set to a new token before it is used, so a
body rendered before an eviction is never taken as current.

The cache must be one every process shares: Redis (CACHE_URL). Without CACHE_URL the
page cache is off (PAGE_CACHE_SECONDS=0), because a per-process cache would not see
another process's bumps. Bodies must hold nothing per request: no CSRF token, no CSP
nonce, no flash messages (the page around them is rendered each time). If the cache is
unreachable, bodies are rendered afresh; a bump lost while it was unreachable leaves bodies
cached before the outage current until PAGE_CACHE_SECONDS runs out.
"""

import contextlib
import contextvars
import copy
import datetime
import hashlib
import logging
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.utils import timezone, translation

logger = logging.getLogger(__name__)

GENERATION_KEY = "pagecache:generation"  # the global generation
ANY_KEY = "pagecache:generation:any"
# A render in progress holds a lock this long at most; others wait this long for it.
RENDER_LOCK_SECONDS = 10
WAIT_FOR_RENDER_SECONDS = 2.0
# While a page is being rendered again after a change, others asking for it are shown the
# body from before the change if it was rendered this recently...
STALE_SECONDS = 30
# ...but never someone who made a change this recently: they see their change.
WRITER_FRESH_SECONDS = 60
DOMAIN_APPS = {"oversight", "recommendations", "reviews", "letters", "reminders"}
# Changes no cached body shows: notifications (the unread count is outside the bodies),
# the trends' store of completed quarters and the dashboard's kept counts per force and
# per charted report (figures derived from changes that have already bumped; kept while a
# page renders).
IGNORED_MODELS = {"Reminder", "TrendQuarter", "DashboardTally", "ReportChartTally"}
# A person's own settings no body shows: signing in, their e-mail and language choices
# (the body's language is part of its key).
IGNORED_USER_FIELDS = {"last_login", "email_reminders", "digest_frequency", "language"}


@dataclass(frozen=True)
class Placement:
    """Whose bodies a change can alter: the forces it belongs to (and through them the
    offices overseeing them), offices that own it directly, and people it names outside
    those."""

    forces: frozenset[int] = frozenset()
    offices: frozenset[int] = frozenset()
    people: frozenset[int] = frozenset()

    def __or__(self, other: "Placement") -> "Placement":
        return Placement(
            self.forces | other.forces, self.offices | other.offices, self.people | other.people
        )


def placed(
    forces: Iterable[int | None] = (),
    offices: Iterable[int | None] = (),
    people: Iterable[int | None] = (),
) -> Placement | None:
    """A placement of the ids given (None values left out), or None (everyone) when it
    names nobody: a row not found, say."""
    placement = Placement(
        frozenset(pk for pk in forces if pk is not None),
        frozenset(pk for pk in offices if pk is not None),
        frozenset(pk for pk in people if pk is not None),
    )
    return placement if placement.forces or placement.offices or placement.people else None


# model -> function(instance) -> Placement | None (None: everyone)
_placements: dict[type, Callable] = {}
# model -> attnames whose stored values are placed too when a save changes them
_moves: dict[type, tuple[str, ...]] = {}
_offices_of: Callable[[set[int]], dict[int, set[int]]] | None = None


def register(model, place: Callable, *, moves: Iterable[str] = ()) -> None:
    """Called from a domain app's AppConfig.ready(): how to place a change to `model`.

    `place(instance)` returns a Placement (or None for everyone), using the instance's own
    fields and at most one small indexed query. `moves` names fields (attnames) that can
    move a row to another force or person: the values stored before a save are placed as
    well, read in one query when the save may change them."""
    _placements[model] = place
    moves = tuple(moves)
    if moves:
        _moves[model] = moves
        uid = f"pagecache-{model._meta.label_lower}-moves"
        pre_save.connect(_before_save, sender=model, dispatch_uid=uid)


def register_offices_of(offices_of: Callable[[set[int]], dict[int, set[int]]]) -> None:
    """Called from OversightConfig.ready(): `offices_of(force_ids)` maps each force to the
    offices overseeing it, in one query."""
    global _offices_of
    _offices_of = offices_of


def enabled() -> bool:
    return settings.PAGE_CACHE_SECONDS > 0


def _new_token() -> str:
    return secrets.token_hex(8)


def _force_key(pk: int) -> str:
    return f"pagecache:generation:force:{pk}"


def _office_key(pk: int) -> str:
    return f"pagecache:generation:office:{pk}"


def _person_key(pk: int) -> str:
    return f"pagecache:generation:person:{pk}"


def _offices_key(force: int) -> str:
    return f"pagecache:offices:{force}"


def _generation_keys(placement: Placement | None) -> list[str]:
    """The generations a change bumps: the global one for everyone, otherwise "any", its
    forces, the offices overseeing them or owning it, and the people it names."""
    if placement is None:
        return [GENERATION_KEY]
    offices = set(placement.offices)
    if placement.forces:
        overseeing = _overseeing_offices(placement.forces)
        if overseeing is None:
            return [GENERATION_KEY]
        offices |= overseeing
    return [
        ANY_KEY,
        *(_force_key(pk) for pk in sorted(placement.forces)),
        *(_office_key(pk) for pk in sorted(offices)),
        *(_person_key(pk) for pk in sorted(placement.people)),
    ]


def _overseeing_offices(forces: frozenset[int]) -> set[int] | None:
    """The offices overseeing `forces`: from the cache when read at the current global
    generation (which an office's forces changing bumps), otherwise in one query (then
    kept). None when they cannot be known: the change is then global."""
    if _offices_of is None:
        return None
    keys = {force: _offices_key(force) for force in forces}
    found = cache.get_many([GENERATION_KEY, *keys.values()])
    generation = found.get(GENERATION_KEY)
    offices, unknown = set(), set()
    for force, key in keys.items():
        kept = found.get(key)
        if generation is not None and kept is not None and kept[0] == generation:
            offices.update(kept[1])
        else:
            unknown.add(force)
    if unknown:
        # Read after the generation: an office's forces changing meanwhile bumps it again
        # (at once and at commit), so what is kept here is never taken as current after.
        looked_up = _offices_of(unknown)
        for force in unknown:
            offices.update(looked_up.get(force, ()))
        if generation is not None:
            cache.set_many(
                {keys[f]: (generation, tuple(sorted(looked_up.get(f, ())))) for f in unknown},
                timeout=settings.PAGE_CACHE_SECONDS,
            )
    return offices


def _bump(keys: list[str] | None = None) -> None:
    try:
        cache.set_many(dict.fromkeys(keys or [GENERATION_KEY], _new_token()), timeout=None)
    except Exception:  # the cache is down: nothing is served from it until it is back
        logger.warning("Could not bump the page cache generations", exc_info=True)


def bump_generation(placement: Placement | None = None) -> None:
    """Drop the cached bodies a change can alter, now and again when the current
    transaction commits: those of the placement's forces, offices and people (and every
    partner lead's), or, without a placement, everyone's. Placement(forces=...) is enough
    for a bulk write in some forces: the offices overseeing them are worked out here."""
    if not enabled():
        return
    try:
        keys = _generation_keys(placement)
    except Exception:
        logger.warning("Could not place a change; dropping every cached body", exc_info=True)
        keys = [GENERATION_KEY]
    _bump(keys)
    transaction.on_commit(lambda: _bump(keys))
    _note_current_writer()


def _scope(user) -> str:
    return f"{user.pk}.{user.role}.{user.office_id}.{user.force_id}.{user.partner_agency_id}"


def _user_generation_keys(user) -> list[str]:
    """The generations a user's bodies depend on: the global one, their own and the one of
    what they see (their office's, their force's, or "any" for everyone else)."""
    if getattr(user, "is_opcc", False) and user.office_id:
        seen = _office_key(user.office_id)
    elif getattr(user, "is_force_user", False) and user.force_id:
        seen = _force_key(user.force_id)
    else:  # partner leads see their agency's actions in any force
        seen = ANY_KEY
    return [GENERATION_KEY, seen, _person_key(user.pk)]


def page_key(request, page: str, *, today: datetime.date | None = None) -> str:
    """The cache key of `page` for this request's user, language, day and query string."""
    today = today or timezone.localdate()
    query = hashlib.sha256(request.GET.urlencode().encode()).hexdigest()[:32]
    language = translation.get_language()
    return f"pagecache:{page}:{_scope(request.user)}:{language}:{today.isoformat()}:{query}"


def _lock_key(key: str, generations: tuple) -> str:
    stamp = hashlib.sha256(repr(generations).encode()).hexdigest()[:16]
    return f"{key}:rendering:{stamp}"


def _writer_key(user_pk) -> str:
    return f"pagecache:wrote:{user_pk}"


def note_writer(user) -> None:
    """After a change made by `user`: for WRITER_FRESH_SECONDS, this person is shown only
    bodies rendered at the current generations."""
    if not enabled() or not getattr(user, "is_authenticated", False):
        return
    try:
        cache.set(_writer_key(user.pk), 1, timeout=WRITER_FRESH_SECONDS)
    except Exception:
        logger.warning("Could not note a writer for the page cache", exc_info=True)


# The request being answered on this thread, while WriterMiddleware runs it: a change
# made during it notes its user as a writer (once per request).
_current_request: contextvars.ContextVar = contextvars.ContextVar("pagecache_request")


class WriterMiddleware:
    """Keeps the request at hand while it is answered, so a change it makes notes its
    user as a writer (bump_generation), before the response leaves: the page they open
    next shows their change (see cached_body). Signing in or choosing a language changes
    no page's data and notes nobody."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            _current_request.reset(token)


def _note_current_writer() -> None:
    request = _current_request.get(None)
    if request is None or getattr(request, "_pagecache_writer_noted", False):
        return
    request._pagecache_writer_noted = True
    note_writer(getattr(request, "user", None))


def _look_up(key: str, generation_keys: list[str], *also: str) -> tuple[tuple, object, dict]:
    """The current generations of `generation_keys`, what is cached under `key` and under
    each of `also`, in one round trip (two more for a generation missing from the cache,
    set here)."""
    found = cache.get_many([*generation_keys, key, *also])
    missing = [k for k in generation_keys if k not in found]
    for missing_key in missing:
        token = _new_token()
        if cache.add(missing_key, token, timeout=None):
            found[missing_key] = token
    if any(k not in found for k in missing):  # another request set it meanwhile
        found.update(cache.get_many([k for k in missing if k not in found]))
    return (
        tuple(found.get(k) for k in generation_keys),
        found.get(key),
        {k: found[k] for k in also if k in found},
    )


def cached_body(
    request, page: str, build: Callable[[], str], *, today: datetime.date | None = None
) -> str:
    """The body of `page` for this user and query string: from the cache when it was
    rendered at the current generations, otherwise from build() (then cached). While
    another request renders it again after a change, the body from before is shown if it
    is recent, except to someone who has just posted a change (WriterMiddleware)."""
    if not enabled():
        return build()
    key = page_key(request, page, today=today)
    writer = _writer_key(request.user.pk)
    try:
        generations, cached, found = _look_up(key, _user_generation_keys(request.user), writer)
    except Exception:  # the cache is down: the page is rendered as if there were none
        logger.warning("Page cache unavailable; rendering %s afresh", page, exc_info=True)
        return build()
    if cached is not None and cached[0] == generations:
        return cached[1]
    if (
        cached is not None
        and writer not in found
        and _rendered_lately_for_its_cost(cached, generations)
    ):
        return cached[1]
    rendering = f"{key}:rendering"
    renderer = False
    if cached is not None and writer not in found and _recent(cached):
        # Somebody is already rendering this page again: meanwhile it is shown as it was
        # a moment before the change (as to a request that came a moment earlier), not
        # rendered once more by every request arriving during that render.
        try:
            renderer = cache.add(rendering, 1, timeout=RENDER_LOCK_SECONDS)
        except Exception:
            renderer = True
        if not renderer:
            return cached[1]
    try:
        return _render_once(key, generations, build, page)
    finally:
        if renderer:
            with contextlib.suppress(Exception):  # it expires by itself
                cache.delete(rendering)


def _rendered_lately_for_its_cost(cached: tuple, generations: tuple) -> bool:
    """Whether a body from before a change in what the user sees may still be shown: its
    render began less than PAGE_CACHE_RERENDER_FACTOR times its render time ago, or less
    than PAGE_CACHE_RERENDER_SECONDS ago. So a page whose data changes every moment (a
    reader of every force) is rendered again at a bounded rate, not all the time, however
    fast it renders. Never after a global change (people, offices, forces: what a user may
    see) or one that names the user: those are shown at once."""
    held = settings.PAGE_CACHE_RERENDER_FACTOR, settings.PAGE_CACHE_RERENDER_SECONDS
    if not any(held) or len(cached) < 4:
        return False
    global_then, _, person_then = cached[0]
    global_now, _, person_now = generations
    if global_then != global_now or person_then != person_now:
        return False
    rendered_at, render_seconds = cached[2], cached[3]
    factor, at_least = held
    return time.time() - rendered_at < min(max(factor * render_seconds, at_least), STALE_SECONDS)


def _recent(cached: tuple) -> bool:
    """Whether a cached body was rendered within STALE_SECONDS."""
    return len(cached) > 2 and time.time() - cached[2] < STALE_SECONDS


def _render_once(key: str, generations: tuple, build: Callable[[], str], page: str) -> str:
    """The body at these generations, rendered once: the first request takes the lock and
    renders; those arriving meanwhile wait a moment for its body instead of rendering it
    all at once, and render it themselves if it does not come."""
    lock = _lock_key(key, generations)
    try:
        leader = cache.add(lock, 1, timeout=RENDER_LOCK_SECONDS)
    except Exception:
        leader = True
    if not leader:
        body = _rendered_meanwhile(key, generations)
        if body is not None:
            return body
    try:
        started = time.time()  # the body shows the data as it was at least this recently
        body = build()
        cached = (generations, body, started, time.time() - started)
        try:
            cache.set(key, cached, timeout=settings.PAGE_CACHE_SECONDS)
        except Exception:
            logger.warning("Could not cache %s", page, exc_info=True)
        return body
    finally:
        if leader:
            with contextlib.suppress(Exception):  # it expires by itself
                cache.delete(lock)


def _rendered_meanwhile(key: str, generations: tuple) -> str | None:
    """The body another request is rendering at these generations, once it is cached;
    None if that render ends without one or does not finish within
    WAIT_FOR_RENDER_SECONDS (the caller then renders it itself)."""
    lock = _lock_key(key, generations)
    deadline = time.monotonic() + WAIT_FOR_RENDER_SECONDS
    while time.monotonic() < deadline:
        time.sleep(0.02)
        try:
            found = cache.get_many([key, lock])
        except Exception:
            return None
        cached = found.get(key)
        if cached is not None and cached[0] == generations:
            return cached[1]
        if lock not in found:  # the render ended without a body: it failed
            return None
    return None


# --- What a change belongs to ------------------------------------------------------------


def placement_of(model, instance) -> Placement | None:
    """Where a change to `instance` belongs; None (everyone) for a model without a
    placement or when it cannot be worked out."""
    place = _placements.get(model._meta.concrete_model)
    if place is None:
        return None
    try:
        return place(instance)
    except Exception:
        logger.warning("Could not place a change to %s", model.__name__, exc_info=True)
        return None


def _before_save(sender, instance, raw=False, update_fields=None, **kwargs) -> None:
    """Before a save that may move the row (see register(moves=)): where it was."""
    if not enabled() or raw or instance._state.adding or instance.pk is None:
        return
    fields = _moves[sender._meta.concrete_model]
    if update_fields is not None:
        named = set(update_fields)
        fields = tuple(f for f in fields if f in named or f.removesuffix("_id") in named)
        if not fields:
            return
    stored = sender._base_manager.filter(pk=instance.pk).values_list(*fields).first()
    if stored is None:
        return
    moved = {f: v for f, v in zip(fields, stored, strict=True) if getattr(instance, f) != v}
    if not moved:
        return
    before = copy.copy(instance)
    for field, value in moved.items():
        setattr(before, field, value)
    instance._pagecache_before = placement_of(sender, before)


def _saved(sender, instance, update_fields=None, **kwargs) -> None:
    if not enabled():
        return
    if (
        update_fields is not None
        and sender._meta.label == settings.AUTH_USER_MODEL
        and set(update_fields) <= IGNORED_USER_FIELDS
    ):
        return  # nothing a page body shows
    placement = placement_of(sender, instance)
    if hasattr(instance, "_pagecache_before"):
        before = instance.__dict__.pop("_pagecache_before")
        placement = None if placement is None or before is None else placement | before
    bump_generation(placement)


def _deleted(sender, instance, **kwargs) -> None:
    if enabled():
        bump_generation(placement_of(sender, instance))


def _m2m_changed(sender, instance, action, **kwargs) -> None:
    # A link belongs where the row it was changed from belongs (both ends are in the same
    # force: an action serves its own report's recommendations).
    if action.startswith("post_") and enabled():
        bump_generation(placement_of(type(instance), instance))


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
