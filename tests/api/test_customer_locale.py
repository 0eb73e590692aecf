"""Customer.locale through the API: optional, ``en`` by default, one of the offered choices."""

import pytest

from continuity.models import Customer

pytestmark = pytest.mark.django_db


def test_locale_defaults_to_english_and_can_be_set(staff_client):
    created = staff_client.post(
        "/api/v1/customers/", {"slug": "acme", "name": "Acme"}, format="json"
    )
    assert created.status_code == 201
    assert created.json()["locale"] == "en"
    changed = staff_client.patch(
        f"/api/v1/customers/{created.json()['id']}/", {"locale": "zh-hans"}, format="json"
    )
    assert changed.status_code == 200
    assert changed.json()["locale"] == "zh-hans"
    assert Customer.objects.get().locale == "zh-hans"


@pytest.mark.parametrize("locale", ["fr", "DE", "zh_Hans", "", None, 7])
def test_an_unoffered_locale_is_a_400_that_changes_nothing(staff_client, locale):
    response = staff_client.post(
        "/api/v1/customers/", {"slug": "acme", "name": "Acme", "locale": locale}, format="json"
    )
    assert response.status_code == 400
    assert "locale" in response.json()
    assert not Customer.objects.exists()


def test_the_schema_lists_the_locales(staff_client):
    schema = staff_client.get("/api/schema/?format=json").json()
    fields = schema["components"]["schemas"]["Customer"]["properties"]
    assert (
        fields["locale"]["allOf"][0]["$ref"].endswith("/LocaleEnum") or "enum" in fields["locale"]
    )
    assert schema["components"]["schemas"]["LocaleEnum"]["enum"] == ["en", "zh-hans", "de"]
