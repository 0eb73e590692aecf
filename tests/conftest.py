import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from continuity import keycache
from continuity.celery import app as celery_app
from tests.factories import CustomerFactory, make_key


@pytest.fixture(autouse=True)
def eager_celery():
    """Tasks run in-process unless a test asks for the real worker."""
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = True


@pytest.fixture(autouse=True)
def fresh_cache():
    """Request limits count in the cache: every test starts with none used, and with no API
    key remembered from an earlier test."""
    cache.clear()
    keycache.clear()


@pytest.fixture
def api():
    def client_for(key: str | None = None) -> APIClient:
        client = APIClient()
        if key:
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
        return client

    return client_for


@pytest.fixture
def staff_client(db, api):
    return api(make_key(scopes=("read", "write", "ingest"), name="staff"))


@pytest.fixture
def customer(db):
    return CustomerFactory()


@pytest.fixture
def customer_client(db, api, customer):
    return api(make_key(customer=customer, scopes=("read", "write", "ingest")))


@pytest.fixture
def smtp(settings):
    """A real SMTP server on localhost, with Django's SMTP backend pointed at it."""
    from tests.smtp import smtp_server

    with smtp_server() as (inbox, port):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = port
        settings.EMAIL_USE_TLS = False
        inbox.port = port
        yield inbox
