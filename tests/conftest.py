import pytest
from rest_framework.test import APIClient

from continuity.celery import app as celery_app
from tests.factories import CustomerFactory, make_key


@pytest.fixture(autouse=True)
def eager_celery():
    """Tasks run in-process unless a test asks for the real worker."""
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = True


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
