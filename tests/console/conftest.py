"""Console test fixtures: a seeded world at a frozen instant, and clients per role."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.test import Client

from tests.console import seed

NOW = datetime(2026, 10, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def world(db, frozen):
    return seed.customer_world(1, now=NOW)


@pytest.fixture
def people(db):
    return seed.users()


def _client(user=None, **kwargs) -> Client:
    client = Client(**kwargs)
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def operator_client(people):
    return _client(people.operator)


@pytest.fixture
def readonly_client(people):
    return _client(people.readonly)


@pytest.fixture
def outsider_client(people):
    return _client(people.outsider)


@pytest.fixture
def anonymous_client():
    return _client()
