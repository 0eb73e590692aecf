import pytest

from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/api/v1/sla/?customer=nobody&format=csv", 404),
        ("/api/v1/sla/?customer={other}&format=csv", 404),
        ("/api/v1/sla/?customer={own}&period=2026-13&format=csv", 400),
        ("/api/v1/outages/?state=sideways&format=csv", 400),
        ("/api/v1/outages/?workflow=abc&format=csv", 400),
        ("/api/v1/outages/1/?format=csv", 404),
        ("/api/v1/sla/?customer={own}&format=xml", 404),
        ("/api/v1/maintenance-windows/calendar.ics?customer={other}", 404),
        ("/api/v1/maintenance-windows/calendar.json?customer={own}", 404),
    ],
)
def test_bad_export_requests_get_a_json_error(customer_client, customer, url, status):
    other = CustomerFactory()
    response = customer_client.get(url.format(own=customer.slug, other=other.slug))
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert response.json()


@pytest.mark.parametrize(
    "url", ["/api/v1/sla/?customer={own}&format=csv", "/api/v1/outages/?format=csv"]
)
def test_exports_need_a_key(api, customer, url):
    response = api().get(url.format(own=customer.slug))
    assert response.status_code in (401, 403)
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"]


def test_staff_must_name_the_customer(staff_client):
    response = staff_client.get("/api/v1/sla/?format=csv")
    assert response.status_code == 400
    assert response.json() == {"customer": ["customer=<slug> is required."]}
