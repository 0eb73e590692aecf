import pytest
from django.test import Client

from tests.metrics.scrape import TOKEN


@pytest.fixture
def metrics_token(settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_NETWORKS = []
    return TOKEN


@pytest.fixture
def web():
    return Client()
