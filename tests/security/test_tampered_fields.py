"""Guarantee 2: another tenant's id in a form field is refused, and nothing is written.

Every form that chooses a reseller, customer, offer, subscription, support
contact or location is posted with the other tenant's id (a form error or a
404, no row written), and the same post with the tenant's own id succeeds, so
the refusal is the scoping's and not a broken form. Every ModelChoiceField of
the project's forms is built as a tenant would see it and must not offer a
foreign row.
"""

import inspect
import uuid

import pytest
from django import forms
from django.urls import reverse

from customers import forms as customer_forms
from customers.models import TenantOwnerGrant
from partners import forms as partner_forms
from portal import forms as portal_forms
from subscriptions import forms as subscription_forms
from tests import factories as f
from tests.security.conftest import csrf_client, row_counts, rows_digest

pytestmark = pytest.mark.django_db

FORM_MODULES = (customer_forms, partner_forms, portal_forms, subscription_forms)


def details(**overrides):
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
        "language": "en",
        "reseller": "",
    }
    return {**data, **overrides}


def refused(response) -> bool:
    """A 404, or the page again with a form error (nothing accepted)."""
    if response.status_code == 404:
        return True
    if response.status_code not in (200, 400):
        return False
    contexts = response.context if isinstance(response.context, list) else [response.context]
    values = [v for context in contexts if context for v in context.flatten().values()]
    bound = [v for v in values if isinstance(v, forms.BaseForm) and v.is_bound]
    return any(form.errors for form in bound)


def post_refused(client, url, data):
    before = row_counts()
    response = client.post(url, data)
    assert refused(response), (url, response.status_code)
    assert row_counts() == before, url
    return response


@pytest.fixture
def provider_client(home):
    return csrf_client(home.provider_admin)


def test_the_wizard_refuses_another_tenants_reseller(home, away, provider_client):
    url = reverse("customers:customer_new")
    post_refused(provider_client, url, details(reseller=str(away.reseller.uuid)))
    assert provider_client.get(url, {"reseller": str(away.reseller.uuid)}).status_code == 404
    assert provider_client.get(reverse("customers:customer_new_subscriptions")).status_code == 302
    own = provider_client.post(url, details(reseller=str(home.reseller.uuid)))
    assert own.status_code == 302


def test_the_wizard_refuses_an_offer_that_cannot_be_ordered(home, provider_client):
    provider_client.post(reverse("customers:customer_new"), details())
    url = reverse("customers:customer_new_subscriptions")
    retired = f.OfferFactory(is_active=False)
    for offer_id in (retired.uuid, uuid.uuid4()):
        post_refused(provider_client, url, {f"offer_{offer_id}": "5"})
    assert provider_client.post(url, {f"offer_{home.offer.uuid}": "5"}).status_code == 302


def test_changing_a_customers_reseller_refuses_a_foreign_one(home, away, provider_client):
    url = reverse("customers:customer_change_reseller", args=[home.customer.uuid])
    post_refused(provider_client, url, {"reseller": str(away.reseller.uuid)})
    post_refused(provider_client, url, {"reseller": str(away.provider.uuid)})
    home.customer.refresh_from_db()
    assert home.customer.reseller == home.reseller


def test_a_new_subscription_refuses_foreign_reseller_offer_and_customer(
    home, away, provider_client
):
    retired = f.OfferFactory(is_active=False)
    url = reverse("subscriptions:subscription_new", args=[home.customer.uuid])

    def order(**overrides):
        data = {
            "offer": str(home.offer.uuid),
            "quantity": "5",
            "reseller": "",
            "idempotency_key": str(uuid.uuid4()),
        }
        return {**data, **overrides}

    post_refused(provider_client, url, order(reseller=str(away.reseller.uuid)))
    post_refused(provider_client, url, order(offer=str(retired.uuid)))
    foreign_customer = reverse("subscriptions:subscription_new", args=[away.customer.uuid])
    post_refused(provider_client, foreign_customer, order())
    assert provider_client.post(url, order(reseller=str(home.reseller.uuid))).status_code == 302


def test_the_support_contact_and_credited_location_refuse_foreign_ones(home, away, provider_client):
    subscription = home.subscription
    version = str(subscription.version)
    support = reverse("subscriptions:subscription_support_contact", args=[subscription.uuid])
    for org in (away.reseller, away.provider):
        post_refused(
            provider_client, support, {"support_contact": str(org.uuid), "version": version}
        )
    location = reverse("subscriptions:subscription_reseller", args=[subscription.uuid])
    post_refused(
        provider_client,
        location,
        {"location_partner_id": away.location.location_partner_id, "version": version},
    )
    check = provider_client.get(
        reverse("subscriptions:check_id"),
        {"location_partner_id": away.location.location_partner_id},
    )
    assert away.reseller.legal_name not in check.content.decode()
    subscription.refresh_from_db()
    assert subscription.support_contact == home.reseller
    assert subscription.reseller_location == home.location
    own = {"support_contact": str(home.provider.uuid), "version": version}
    assert provider_client.post(support, own).status_code == 302


def test_an_upgrade_refuses_an_offer_that_is_not_an_upgrade_target(home, away, provider_client):
    subscription = home.subscription
    url = reverse("subscriptions:subscription_upgrade", args=[subscription.uuid])
    retired_target = f.OfferFactory(is_active=False)
    home.offer.upgrades_to.add(retired_target)

    def upgrade(offer):
        return {"offer": str(offer.uuid), "quantity": "10", "version": str(subscription.version)}

    # Another tenant's offer, an offer upgrading to nothing listed here, a retired target, itself.
    for offer in (away.offer, away.upgrade_offer, retired_target, home.offer):
        post_refused(provider_client, url, upgrade(offer))
    foreign = reverse("subscriptions:subscription_upgrade", args=[away.subscription.uuid])
    post_refused(provider_client, foreign, upgrade(away.upgrade_offer))
    subscription.refresh_from_db()
    assert (subscription.status, subscription.offer) == ("active", home.offer)
    assert provider_client.post(url, upgrade(home.upgrade_offer)).status_code == 302
    subscription.refresh_from_db()
    assert subscription.status == "upgraded"
    assert subscription.upgraded_to.offer == home.upgrade_offer


def test_a_tenant_owner_grant_goes_only_to_the_customers_own_reseller(home, away, provider_client):
    f.SubscriptionFactory(customer=home.customer, offer__kind="azure_plan", offer__max_licences=1)
    home.tenant_owner_grant.delete()
    foreign = reverse("customers:tenant_owner_grant", args=[away.customer.uuid])
    post_refused(provider_client, foreign, {})
    url = reverse("customers:tenant_owner_grant", args=[home.customer.uuid])
    # The grantee is the customer's reseller, whatever organisation the post names.
    tampered = {"organisation": str(away.reseller.uuid), "reseller": str(away.reseller.uuid)}
    assert provider_client.post(url, tampered).status_code == 302
    grantees = TenantOwnerGrant.objects.values_list("organisation", flat=True)
    assert sorted(grantees) == sorted([home.reseller.pk, away.reseller.pk])
    assert TenantOwnerGrant.objects.get(customer=home.customer).organisation == home.reseller


def test_a_tenant_owner_revoke_refuses_foreign_customers_and_organisations(
    home, away, provider_client
):
    def revoke(customer, organisation):
        return reverse("customers:tenant_owner_revoke", args=[customer.uuid, organisation.uuid])

    for url in (
        revoke(home.customer, away.reseller),
        revoke(away.customer, away.reseller),
        revoke(away.customer, home.reseller),
        revoke(home.customer, home.provider),
    ):
        before = rows_digest()
        assert provider_client.post(url).status_code == 404, url
        assert rows_digest() == before, url
    assert provider_client.post(revoke(home.customer, home.reseller)).status_code == 302
    assert TenantOwnerGrant.objects.active().get().customer == away.customer


def test_an_object_of_the_tenant_with_a_foreign_one_in_the_same_path_is_a_404(
    home, away, provider_client
):
    """Each id of a path is checked, not only the first."""
    remove = reverse("customers:tenant_owner_revoke", args=[home.customer.uuid, away.reseller.uuid])
    before = row_counts()
    assert provider_client.post(remove).status_code == 404
    assert row_counts() == before


def test_a_partnership_request_refuses_another_requests_token(home, away, provider_client):
    url = reverse("partners:request_send", args=[home.partnership_request.uuid])
    data = {
        "token": away.request_token,
        "subject": "Hello",
        "body": f"http://testserver/invite/{away.request_token}/",
    }
    post_refused(provider_client, url, data)


def test_list_filters_with_foreign_ids_show_nothing_of_the_other_tenant(
    home, away, provider_client
):
    # The lists ignore a filter naming nothing of theirs; the activity log shows the
    # error above its default view and answers 400 (a page with an invalid filter).
    pages = [
        (reverse("customers:customer_list"), {"reseller": str(away.reseller.uuid)}, 200),
        (reverse("subscriptions:subscription_list"), {"reseller": str(away.reseller.uuid)}, 200),
        (reverse("activity_log"), {"actor": str(away.member.membership.uuid)}, 400),
    ]
    for url, query, status in pages:
        response = provider_client.get(url, query)
        assert response.status_code == status
        html = response.content.decode()
        assert not [marker for marker in away.markers if marker in html], url


# Every ModelChoiceField of the project, built as the views build it --------------


def tenant_forms(home):
    """How the views construct each form with a model choice, for the home provider."""
    provider = home.provider
    return {
        customer_forms.CustomerDetailsForm: lambda: customer_forms.CustomerDetailsForm(
            provider=provider
        ),
        customer_forms.ChangeResellerForm: lambda: customer_forms.ChangeResellerForm(
            provider=provider
        ),
        subscription_forms.SubscriptionNewForm: lambda: subscription_forms.SubscriptionNewForm(
            provider=provider
        ),
        subscription_forms.SupportContactForm: lambda: subscription_forms.SupportContactForm(
            subscription=home.subscription
        ),
        subscription_forms.UpgradeForm: lambda: subscription_forms.UpgradeForm(
            subscription=home.subscription
        ),
        subscription_forms.ScheduledChangeForm: lambda: subscription_forms.ScheduledChangeForm(
            subscription=home.subscription
        ),
        customer_forms.ResellerRelationshipRequestForm: (
            lambda: customer_forms.ResellerRelationshipRequestForm(org=provider)
        ),
    }


def forms_with_model_choices():
    found = set()
    for module in FORM_MODULES:
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            ours = issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__
            if ours and any(
                isinstance(fld, forms.ModelChoiceField) for fld in cls.base_fields.values()
            ):
                found.add(cls)
    return found


def test_every_model_choice_field_offers_only_the_tenants_rows(home, away):
    retired = f.OfferFactory(is_active=False)
    home.offer.upgrades_to.add(retired)
    never_partnered = f.ResellerFactory()
    foreign = {away.provider.pk, away.reseller.pk, never_partnered.pk}
    constructors = tenant_forms(home)
    assert forms_with_model_choices() == set(constructors), (
        "a form with a model choice is unchecked"
    )
    own_offered = 0
    for cls, build in constructors.items():
        form = build()
        for name, fld in form.fields.items():
            if not isinstance(fld, forms.ModelChoiceField):
                continue
            pks = set(fld.queryset.values_list("pk", flat=True))
            label = f"{cls.__name__}.{name}"
            if label == "UpgradeForm.offer":
                # Only the listed, orderable upgrades of the subscription's own offer.
                assert pks == {home.upgrade_offer.pk}, label
                own_offered += 1
            elif label == "ScheduledChangeForm.offer":
                # Its own offer (renewed as it is) and the orderable upgrades.
                assert pks == {home.offer.pk, home.upgrade_offer.pk}, label
                own_offered += 1
            elif fld.queryset.model._meta.label == "subscriptions.Offer":
                assert retired.pk not in pks, label
            else:
                assert not pks & foreign, f"{label} offers another tenant's rows"
                own_offered += home.reseller.pk in pks
    assert own_offered == len(constructors)
