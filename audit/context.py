"""Who changed what, through which channel: the context every audit event carries.

Each channel sets it in one place: HTTP requests in `AuditContextMiddleware` (the URL
prefix names the channel: `api`, `console`, `admin`), Celery tasks in the task signals
below (`system`). Writes outside any context (a shell, a migration) read as `system` with
no actor. The actor is resolved when a statement runs, not when the request starts,
because DRF authenticates an API key inside the view.
"""

import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager

import pghistory
from celery.signals import task_postrun, task_prerun
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection


class LazyActor:
    """An actor name worked out when the audit context is written to the database."""

    def __init__(self, resolve: Callable[[], str | None]):
        self.resolve = resolve


class ContextEncoder(DjangoJSONEncoder):
    """pghistory serialises the context before every write statement; resolve actors then."""

    def default(self, o):
        if isinstance(o, LazyActor):
            return o.resolve()
        return super().default(o)


_state = threading.local()


@contextmanager
def audit_context(*, channel: str, actor: str | LazyActor | None) -> Iterator[None]:
    """Attribute the writes inside to `actor` via `channel`; an outer context wins.

    Only PostgreSQL records events (the triggers live there), so elsewhere this does
    nothing: pghistory's statement prefix is PostgreSQL SQL.
    """
    if connection.vendor != "postgresql" or getattr(_state, "active", False):
        yield
        return
    _state.active = True
    try:
        with pghistory.context(channel=channel, actor=actor):
            yield
    finally:
        _state.active = False


_tasks: dict[str, ExitStack] = {}


def _task_started(task_id: str, task, **_) -> None:
    stack = ExitStack()
    stack.enter_context(audit_context(channel="system", actor=task.name))
    _tasks[task_id] = stack


def _task_finished(task_id: str, **_) -> None:
    stack = _tasks.pop(task_id, None)
    if stack is not None:
        stack.close()


def connect_celery_signals() -> None:
    task_prerun.connect(_task_started, weak=False, dispatch_uid="audit-task-started")
    task_postrun.connect(_task_finished, weak=False, dispatch_uid="audit-task-finished")
