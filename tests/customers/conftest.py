"""Fixtures for the customers screens: offers, step data, a wizard walked to its last step."""

import pytest
from django.urls import reverse

from tests import factories as f


@pytest.fixture
def offers(db):
    """Two orderable offers and one withdrawn from the catalogue."""
    return {
        "basic": f.OfferFactory(name="Business Basic", min_licences=1, max_licences=300),
        "e3": f.OfferFactory(name="Enterprise E3", min_licences=5, max_licences=50),
        "retired": f.OfferFactory(name="Retired Suite", is_active=False),
    }


@pytest.fixture
def details_data():
    """Valid step-1 data; a test overrides what it checks."""

    def make(**overrides):
        data = {
            "company_name": "Northwind Traders",
            "domain_prefix": "northwind",
            "street": "1 Harbour Road",
            "city": "Osaka",
            "postal_code": "530-0001",
            "country": "JP",
            "contact_first_name": "Aiko",
            "contact_last_name": "Sato",
            "contact_email": "it@northwind.example",
            "contact_phone": "+81 6 0000 0000",
            "language": "ja",
            "reseller": "",
        }
        data.update(overrides)
        return data

    return make


def line_field(offer):
    return f"offer_{offer.uuid}"


@pytest.fixture
def walk_to_review(details_data, offers):
    """Post steps 1 and 2 with ``client``; returns the review page response."""

    def walk(client, *, reseller=None, lines=None, **details):
        if reseller is not None:
            details["reseller"] = str(reseller.uuid)
        response = client.post(reverse("customers:customer_new"), details_data(**details))
        assert response.status_code == 302, response.content.decode()
        lines = lines or {offers["basic"]: 25, offers["e3"]: 10}
        response = client.post(
            reverse("customers:customer_new_subscriptions"),
            {line_field(offer): str(quantity) for offer, quantity in lines.items()},
        )
        assert response.status_code == 302, response.content.decode()
        return client.get(reverse("customers:customer_new_review"))

    return walk


def idempotency_key(review_response) -> str:
    return str(review_response.context["submit_form"].initial["idempotency_key"])
