"""Page querysets built once per person, day and language in a process, then cloned for
each request, as Django's generic views clone their class's `queryset`.

Building a page's queryset (its scope, annotations, subqueries and prefetches) takes
Django's ORM as long as reading the rows: 2.8 ms of the recommendation page's Python on
every request, for a queryset that comes out the same for the same person on the same day.
What is kept is the unevaluated queryset, never rows: every request clones it, narrows the
clone (to one row, say) and reads the database afresh.

A kept queryset may depend only on what its key holds: the person's scope as the
selectors read it (`scope_key`), the day, the active language and the function's own
arguments. A builder that reads the database in Python to decide what it builds (rather
than in the SQL it builds) must not be kept.
"""

import copy
import datetime
import functools
import hashlib
import itertools
import re
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connections
from django.db.models import QuerySet
from django.db.models.sql.compiler import SQLCompiler
from django.utils import timezone
from django.utils.translation import get_language

# Each kept function's most recent (person, day, language) querysets, and the most recent
# compiled reads. A kept queryset with its compiled read takes 10-155 KB (the recommendation
# page's the most): a process keeps some 30 MB at most, for the people it served last.
KEPT_PER_FUNCTION = 64


def scope_key(user) -> tuple:
    """What the *_visible_to selectors read of a person to build their scope: the
    account, its role and organisation, and the forces their office oversees as they
    arrived with the signed-in user (oversight.auth; None when the scope asks the
    database instead)."""
    if not user.is_authenticated:
        return ("anonymous",)
    return (
        user.pk,
        user.role,
        user.office_id,
        user.force_id,
        user.partner_agency_id,
        getattr(user, "overseen_forces", None),
    )


class _Kept:
    """One function's kept querysets, the most recently used KEPT_PER_FUNCTION of them."""

    def __init__(self):
        self.querysets: OrderedDict[tuple, QuerySet] = OrderedDict()
        self.lock = threading.Lock()
        _kept.append(self)

    def clone(self, key: tuple, build: Callable[[], QuerySet]) -> QuerySet:
        with self.lock:
            queryset = self.querysets.get(key)
            if queryset is not None:
                self.querysets.move_to_end(key)
        if queryset is None:
            queryset = build()
            with self.lock:
                self.querysets[key] = queryset
                while len(self.querysets) > KEPT_PER_FUNCTION:
                    self.querysets.popitem(last=False)
        clone = queryset.all()
        clone.built_key = (self, key)
        return clone


_kept: list[_Kept] = []


def built_once_per_person[**P, Q: QuerySet](build: Callable[P, Q]) -> Callable[P, Q]:
    """`build(user, *args, today=None)` kept per scope_key(user), args, day and language;
    each call returns a fresh clone."""
    kept = _Kept()

    @functools.wraps(build)
    def keeping(user, *args, today: datetime.date | None = None):
        today = today or timezone.localdate()
        key = (scope_key(user), args, today, get_language())
        return kept.clone(key, lambda: build(user, *args, today=today))

    return keeping


def built_once[**P, Q: QuerySet](build: Callable[P, Q]) -> Callable[P, Q]:
    """`build(*args)` kept per args (hashable), for a queryset that is the same for everyone
    (the signed-in user's load, say); each call returns a fresh clone."""
    kept = _Kept()

    @functools.wraps(build)
    def keeping(*args):
        return kept.clone(args, lambda: build(*args))

    return keeping


_built_for = _Kept()


def built_once_for(
    user, key: tuple, build: Callable[[], QuerySet], *, today: datetime.date | None = None
) -> QuerySet:
    """`build()` kept per scope_key(user), `key`, day and language; each call returns a
    fresh clone. For a queryset built from what a request asks (a filter's cleaned
    choices, say): `key` must hold everything `build` reads but the person, the day and the
    language, and tell apart everything that builds differently."""
    today = today or timezone.localdate()
    return _built_for.clone((key, scope_key(user), today, get_language()), build)


def forget_all() -> None:
    """Drop every kept queryset and its compiled read (tests, which change the panels or
    settings a build reads)."""
    for kept in _kept:
        with kept.lock:
            kept.querysets.clear()
    with _compiled_lock:
        _compiled.clear()


# --- Rows by key, compiled once --------------------------------------------
#
# A detail page reads one row of a kept queryset by its primary key. Compiling that read
# is the same work every time but for the key: the recommendation page's took 2 ms of
# Python, and PostgreSQL then planned it in 1-2 ms, against 0.3 ms to run it. So the read
# is compiled once per kept queryset (with a key no row has in the key's place), and on
# PostgreSQL prepared once per connection (PREPARE): the database plans it for the first
# reads, then keeps a plan for it if that plan is as good, as a primary key's lookup's is.

# A key no row has, compiled in the read's key's place.
_PLACEHOLDER = -2_147_483_001
KEPT_COMPILED = 256


@dataclass(frozen=True)
class _Compiled:
    compiler: SQLCompiler  # what compiled the read: it makes the rows into objects
    sql: str
    params: tuple
    slots: tuple[tuple[int, int], ...]  # (parameter, value read in its place)
    statement: str | None  # the prepared statement's name, on PostgreSQL
    queryset: QuerySet  # what was compiled, with placeholders
    # The converters of the read's columns, worked out on the first read (see _read).
    converters: dict = field(default_factory=dict, compare=False, repr=False)


_compiled: OrderedDict[tuple, _Compiled] = OrderedDict()
_compiled_lock = threading.Lock()
# Statements prepared on one connection before they are all dropped (DEALLOCATE ALL) and
# prepared again as they are read: a connection kept open for long holds no more.
PREPARED_PER_CONNECTION = 200


def rows_of(queryset: QuerySet) -> list:
    """The rows of `queryset`, with its prefetches: what list(queryset) gives. A kept
    queryset's read (built_once_per_person, built_once) is compiled once and, on
    PostgreSQL, prepared once per connection."""
    return rows_where(queryset, None, None)


def rows_where(queryset: QuerySet, lookup: str | None, value: int | None) -> list:
    """The rows of `queryset` whose `lookup` ("pk", or a relation: "recommendations") is
    `value`, with their prefetches: what list(queryset.filter(**{lookup: value})) gives. A
    kept queryset's read (built_once_per_person, built_once) is compiled once and, on
    PostgreSQL, prepared once per connection."""
    built_key = getattr(queryset, "built_key", None)
    if lookup is None:
        read = queryset.all()  # a clone of its own, whose query is read as compiled
    elif built_key is None or not _is_key(value):
        return list(queryset.filter(**{lookup: value}))
    else:
        read = queryset.filter(**{lookup: value})
    if built_key is None or read.query.is_empty():
        return list(read)
    key = (built_key, read.db, lookup)
    compiled = _kept_compiled(key)
    if compiled is None:
        if lookup is None:
            compiled = _compile(key, queryset.all(), [])
        else:
            compiled = _compile(key, queryset.filter(**{lookup: _PLACEHOLDER}), [_PLACEHOLDER])
    return _read(read, compiled, [] if lookup is None else [value])


def rows_for_ids[Q: QuerySet](
    user, build: Callable[..., Q], ids: list[int], *, today: datetime.date | None = None
) -> list:
    """What list(build(user, ids, today=today)) gives, for a `build` that narrows its rows
    to `ids` (a page's rows, say) and reads nothing else that changes: compiled once per
    person (scope_key), day, language and number of ids, with ids no row has in their
    places, and on PostgreSQL prepared once per connection."""
    today = today or timezone.localdate()
    if not ids or not all(_is_key(i) for i in ids):
        return list(build(user, ids, today=today))
    key = (build, scope_key(user), today, get_language(), len(ids))
    compiled = _kept_compiled(key)
    if compiled is None:
        placeholders = [_PLACEHOLDER - index for index in range(len(ids))]
        compiled = _compile(key, build(user, placeholders, today=today), placeholders)
    return _read(compiled.queryset.all(), compiled, ids)


def _is_key(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _kept_compiled(key: tuple) -> _Compiled | None:
    with _compiled_lock:
        compiled = _compiled.get(key)
        if compiled is not None:
            _compiled.move_to_end(key)
        return compiled


def _compile(key: tuple, queryset: QuerySet, placeholders: list[int]) -> _Compiled:
    """`queryset` compiled with `placeholders` (keys no row has) where each read's values
    go, and kept under `key`."""
    compiler = queryset.query.get_compiler(using=queryset.db)
    sql, params = compiler.as_sql()
    place = {placeholder: index for index, placeholder in enumerate(placeholders)}
    slots = tuple(
        (at, place[param])
        for at, param in enumerate(params)
        if isinstance(param, int) and param in place
    )
    if {index for _, index in slots} != set(range(len(placeholders))):
        raise ValueError("A value the read narrows by is not among its parameters.")
    # One statement for each text, named after it: people of the same scope's shape share
    # it, and nothing is kept per text ever compiled.
    statement = None
    if compiler.connection.vendor == "postgresql":
        statement = statement_name(sql)
    with _compiled_lock:
        compiled = _Compiled(compiler, sql, tuple(params), slots, statement, queryset)
        _compiled[key] = compiled
        while len(_compiled) > KEPT_COMPILED:
            _compiled.popitem(last=False)
    return compiled


def statement_name(sql: str) -> str:
    """The prepared statement's name for `sql`: the same for the same text in every
    process, and (96 bits of its digest) never another text's."""
    return "kept_read_" + hashlib.sha256(sql.encode()).hexdigest()[:24]


def _read(read: QuerySet, compiled: _Compiled, values: list) -> list:
    """`read`'s rows, read by the compiled SQL with `values` in the placeholders' places."""
    connection = connections[read.db]
    params = list(compiled.params)
    for at, index in compiled.slots:
        params[at] = values[index]
    if compiled.statement is not None and _prepared(connection, compiled):
        sql = f"EXECUTE {compiled.statement}({', '.join(['%s'] * len(params))})"
    else:
        sql = compiled.sql
    compiler = copy.copy(compiled.compiler)
    compiler.connection = connection
    compiler.as_sql = lambda *args, **kwargs: (sql, params)
    compiler.get_converters = functools.partial(_kept_converters, compiled, compiler)
    # This clone's own query (never shared): its rows are read through the kept compiler.
    read.query.get_compiler = lambda *args, **kwargs: compiler
    return list(read)


def _kept_converters(compiled: _Compiled, compiler: SQLCompiler, expressions: list) -> dict:
    """What compiler.get_converters(expressions) gives (each column's converters from the
    database's and the fields' values), worked out once per compiled read and connection
    rather than on every read: some 40 µs for the signed-in user's 46 columns, on every page.
    They depend only on the columns, which are the compiled read's own, and on the
    connection they were asked of; they are given the connection again with each value."""
    key = tuple(map(id, expressions))
    kept = compiled.converters.get(key)
    if kept is None or kept[0]() is not compiler.connection:
        converters = type(compiler).get_converters(compiler, expressions)
        kept = compiled.converters[key] = (weakref.ref(compiler.connection), converters)
    return kept[1]


def _prepared(connection, compiled: _Compiled) -> bool:
    """Whether the statement is prepared on this connection, preparing it if need be.
    PREPARE outlasts a rolled-back transaction and lasts as long as the connection, so
    what is prepared is remembered per open connection. It is sent on the connection's
    own cursor, as set-up rather than as one of the page's queries. A statement PostgreSQL
    cannot prepare (a parameter whose type it cannot tell) is read unprepared."""
    if not connection.settings_dict["CONN_MAX_AGE"]:
        return False  # closed after each request: nothing prepared would be used again
    connection.ensure_connection()
    raw = connection.connection
    prepared = getattr(connection, "kept_statements", None)
    if prepared is None or prepared[0] is not raw:
        prepared = connection.kept_statements = (raw, {})
    known = prepared[1].get(compiled.statement)
    if known is not None:
        return known
    if len(prepared[1]) >= PREPARED_PER_CONNECTION:
        with raw.cursor() as cursor:
            cursor.execute("DEALLOCATE ALL")
        prepared[1].clear()
    # Within a transaction, a savepoint keeps a refused PREPARE from ending it.
    in_transaction = not connection.get_autocommit()
    with raw.cursor() as cursor:
        if in_transaction:
            cursor.execute("SAVEPOINT kept_read_prepare")
        try:
            cursor.execute(f"PREPARE {compiled.statement} AS {numbered(compiled.sql)}")
        except connection.Database.Error:
            if in_transaction:
                cursor.execute("ROLLBACK TO SAVEPOINT kept_read_prepare")
            prepared[1][compiled.statement] = False
            return False
        if in_transaction:
            cursor.execute("RELEASE SAVEPOINT kept_read_prepare")
    prepared[1][compiled.statement] = True
    return True


def numbered(sql: str) -> str:
    """The driver's placeholders (%s, and %% for a percent sign) as PostgreSQL's own ($1,
    $2, …), for PREPARE."""
    numbers = itertools.count(1)
    return re.sub(r"%[%s]", lambda m: "%" if m.group() == "%%" else f"${next(numbers)}", sql)
