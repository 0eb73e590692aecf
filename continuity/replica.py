"""Reads a streaming replica may serve (``DATABASE_REPLICA_URL``), and what keeps them honest.

Nothing goes to the replica by default. Code opts in at its entry points — the ``sla/``
endpoint, the console's pages, report rendering — with :func:`reading_from_replica`, and
:class:`ReplicaRouter` sends the ORM's reads inside that scope to the ``replica`` alias.
Writes, and every read outside a scope (API CRUD, ingest, derivation, authentication,
sessions, audit), stay on the primary.

A replica replays the primary's WAL a moment late, so three rules keep a figure read back
after one's own write from being stale:

- a client that wrote (any non-GET request) is pinned to the primary for
  ``REPLICA_PIN_SECONDS``: by a signed cookie (browsers) and, for API keys and signed-in
  users, by a mark in the cache (shared by every process when ``CACHE_URL`` is Redis);
- inside a scope, a transaction of one's own or any write sends the reads that follow to
  the primary;
- a background job (report rendering) asks for a replica that has replayed everything the
  primary had committed when the job started (``caught_up=True``), else reads the primary.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import MiddlewareNotUsed
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

REPLICA = "replica"
ROUTER = "continuity.replica.ReplicaRouter"
PIN_COOKIE = "continuity_wrote"
_PIN_SALT = "continuity.replica.pin"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


@dataclass
class _Scope:
    use_replica: bool


_scope: ContextVar[_Scope | None] = ContextVar("reading_from_replica", default=None)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES and ROUTER in settings.DATABASE_ROUTERS


def _principal(request: HttpRequest) -> str | None:
    """Whom a pin belongs to: the API key, else the signed-in user."""
    key = getattr(request, "auth", None)
    if getattr(key, "pk", None) is not None:
        return f"key:{key.pk}"
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.pk is not None:
        return f"user:{user.pk}"
    return None


def _pin_cache_key(principal: str) -> str:
    return f"replica-pin:{principal}"


def pinned_to_primary(request: HttpRequest) -> bool:
    """Did this client write in the last ``REPLICA_PIN_SECONDS``?"""
    seconds = settings.REPLICA_PIN_SECONDS
    if request.get_signed_cookie(PIN_COOKIE, default=None, salt=_PIN_SALT, max_age=seconds):
        return True
    principal = _principal(request)
    return principal is not None and cache.get(_pin_cache_key(principal)) is not None


def pin_to_primary(request: HttpRequest, response: HttpResponse) -> None:
    seconds = settings.REPLICA_PIN_SECONDS
    if seconds == 0:
        return
    response.set_signed_cookie(
        PIN_COOKIE,
        "1",
        salt=_PIN_SALT,
        max_age=seconds,
        httponly=True,
        secure=settings.SESSION_COOKIE_SECURE,
        samesite="Lax",
    )
    principal = _principal(request)
    if principal is not None:
        cache.set(_pin_cache_key(principal), 1, timeout=seconds)


def replica_caught_up() -> bool:
    """Has the replica replayed every transaction the primary had committed by now?"""
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        (primary_lsn,) = cursor.fetchone()
    with connections[REPLICA].cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(pg_last_wal_replay_lsn() >= %s::pg_lsn, false)", [primary_lsn]
        )
        (caught_up,) = cursor.fetchone()
    return bool(caught_up)


def _replica_answers() -> bool:
    """Connect to the replica (a no-op when connected); a replica that is down is skipped."""
    try:
        connections[REPLICA].ensure_connection()
    except OperationalError as exc:
        logger.warning("the read replica is unreachable, reading the primary: %s", exc)
        return False
    return True


@contextmanager
def reading_from_replica(
    request: HttpRequest | None = None, *, caught_up: bool = False
) -> Iterator[bool]:
    """Let the reads inside go to the replica; yields whether they will.

    ``request``: a client pinned to the primary (it wrote a moment ago) reads the primary.
    ``caught_up``: read the replica only if it has replayed all the primary has committed.
    A replica that cannot be reached is skipped (logged as a warning).
    Without a replica configured this does nothing and runs no query.
    """
    if not replica_configured():
        yield False
        return
    use = not (request is not None and pinned_to_primary(request))
    if use:
        use = _replica_answers()
    if use and caught_up:
        use = replica_caught_up()
    token = _scope.set(_Scope(use_replica=use))
    try:
        yield use
    finally:
        _scope.reset(token)


def replica_reads(view: Callable) -> Callable:
    """A view (function taking the request first) whose reads the replica may serve."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        with reading_from_replica(request):
            return view(request, *args, **kwargs)

    return wrapped


class ReplicaRouter:
    """Installed only when ``DATABASE_REPLICA_URL`` is set (settings.DATABASE_ROUTERS)."""

    def db_for_read(self, model, **hints) -> str:
        scope = _scope.get()
        if scope is None or not scope.use_replica:
            return DEFAULT_DB_ALIAS
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS  # a transaction of our own: its writes are on the primary
        return REPLICA

    def db_for_write(self, model, **hints) -> str:
        scope = _scope.get()
        if scope is not None:
            scope.use_replica = False  # what follows may read what this writes
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool | None:
        if {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, REPLICA}:
            return True
        return None

    def allow_migrate(self, db, app_label, **hints) -> bool | None:
        return False if db == REPLICA else None


class ReplicaPinMiddleware:
    """Pins a client that sent a write to the primary for ``REPLICA_PIN_SECONDS``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        if not replica_configured():
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.method not in _SAFE_METHODS:
            pin_to_primary(request, response)
        return response
