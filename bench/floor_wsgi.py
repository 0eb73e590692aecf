"""The floor of bench/single_post.py: a WSGI app that stores one result per POST and no more.

No framework, authentication, validation or derivation: the body's one result goes into the
same table with one INSERT on a connection each gunicorn worker opens once (after the fork).

    DATABASE_URL=postgresql://… gunicorn bench.floor_wsgi:application
"""

import json
import os

import psycopg

INSERT = """
INSERT INTO incidents_proberesult
    (probe_id, location, observed_at, outcome, latency_ms, error, client_id, received_at)
VALUES (%s, %s, %s, %s, %s, '', %s, now())
"""
_connection: psycopg.Connection | None = None


def _db() -> psycopg.Connection:
    global _connection
    if _connection is None or _connection.closed:
        _connection = psycopg.connect(os.environ["DATABASE_URL"], autocommit=True)
    return _connection


def application(environ, start_response):
    if environ["REQUEST_METHOD"] != "POST":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"floor"]
    size = int(environ.get("CONTENT_LENGTH") or 0)
    result = json.loads(environ["wsgi.input"].read(size))["results"][0]
    _db().execute(
        INSERT,
        [
            result[name]
            for name in ("probe", "location", "observed_at", "outcome", "latency_ms", "id")
        ],
    )
    start_response("201 Created", [("Content-Type", "application/json")])
    return [b'{"accepted": 1, "duplicates": 0}']
