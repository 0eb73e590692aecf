"""Database connections across fork: a child never uses or closes what its parent opened.

A psycopg pool's connections are sockets its worker threads look after; after ``fork`` the
child has the sockets but not the threads. Closing them in the child would send PostgreSQL
a Terminate on the parent's sockets, and using them would interleave two processes'
statements on one backend. So a forked child (gunicorn ``--preload``, Celery prefork,
multiprocessing) forgets every pool and connection it inherited, without touching them, and
opens its own pool at its first query. The inherited objects are kept referenced so that
garbage collection never closes them either.
"""

import os

from django.db import connections
from django.db.backends.postgresql.base import DatabaseWrapper as PostgresWrapper

_inherited: list[object] = []


def forget_inherited_connections() -> None:
    """Drop (without closing) the pools and connections this process inherited."""
    _inherited.extend(PostgresWrapper._connection_pools.values())
    PostgresWrapper._connection_pools.clear()
    for conn in connections.all(initialized_only=True):
        if conn.connection is not None:
            _inherited.append(conn.connection)
            conn.connection = None


def install_fork_guard() -> None:
    os.register_at_fork(after_in_child=forget_inherited_connections)
