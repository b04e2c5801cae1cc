"""The security suite's world: two complete tenants, every URL of the project, database snapshots.

``world("Home")`` builds one tenant graph: a provider with staff, a partnered
reseller with a location, a customer served through that reseller, its order
and subscription, a pending partnership request and a staff invitation (both
with known tokens), and activity. Tests request one tenant's objects as
another tenant's staff and compare the database before and after.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection
from django.middleware.csrf import CSRF_ALLOWED_CHARS
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils.crypto import get_random_string

from api import services as api_services
from jobs.kinds import RESULTS_SEALING_PURPOSE
from jobs.models import Job, JobRow
from mfa import services as mfa_services
from partners.handover import handover_plan
from partners.models import Organisation
from portal.roles import Role
from portal.sealing import seal
from tests import factories as f
from webhooks.models import WebhookDelivery, WebhookSubscription
from webhooks.signing import new_secret

PROJECT_APPS = (
    "portal",
    "partners",
    "customers",
    "subscriptions",
    "billing",
    "jobs",
    "relationships",
    "api",
    "webhooks",
    # Second factors: the walk also sees a device or recovery code written or removed.
    "otp_totp",
    "otp_static",
)
# Passkeys too; not the library's per-user WebAuthn handle, which a user's own
# first registration attempt creates (an opaque id, no tenant data).
PROJECT_MODELS = ("django_otp_webauthn.WebAuthnCredential",)


@dataclass
class World:
    """One tenant graph and the raw tokens of its one-time links."""

    provider: object
    provider_admin: object
    member: object
    reseller: object
    reseller_admin: object
    reseller_member: object
    location: object
    partnership: object
    customer: object
    offer: object
    upgrade_offer: object
    order: object
    subscription: object
    tenant_owner_grant: object
    partnership_request: object
    request_token: str
    staff_invitation: object
    staff_token: str
    job: object
    relationship: object
    approval_token: str
    termination_token: str
    reseller_relationship: object
    security_group: object
    template: object
    tier: object = None
    statement: object = None
    direct_statement: object = None
    api_key: object = None
    api_secret: str = ""
    webhook: object = None
    webhook_delivery: object = None
    relationship_request: object = None
    relationship_request_token: str = ""
    handover: object = None
    markers: list[str] = field(default_factory=list)

    def kwargs_for(self) -> dict[str, list[str]]:
        """For each URL kwarg name of the project, this tenant's ids that fit it."""
        return {
            "request_id": [str(self.partnership_request.uuid)],
            "partnership_id": [str(self.partnership.uuid)],
            "customer_id": [str(self.customer.uuid)],
            # The delegated admin holders of the customer: the provider and the reseller.
            "organisation_id": [str(self.reseller.uuid), str(self.provider.uuid)],
            "subscription_id": [str(self.subscription.uuid)],
            "invitation_uuid": [str(self.staff_invitation.uuid)],
            # An import, and the plan of a partnership's removal with handover (a job too).
            "job_id": [str(self.job.uuid), str(self.handover.uuid)],
            "membership_uuid": [
                str(self.member.membership.uuid),
                str(self.reseller_member.membership.uuid),
            ],
            "tier_id": [str(self.tier.uuid)],
            "reseller_id": [str(self.reseller.uuid)],
            "statement_id": [str(self.statement.uuid), str(self.direct_statement.uuid)],
            # The provider's own relationship and the one awaiting the reseller's consent.
            "relationship_id": [
                str(self.relationship.uuid),
                str(self.reseller_relationship.uuid),
            ],
            "group_id": [str(self.security_group.uuid)],
            "template_id": [str(self.template.uuid)],
            "api_key_id": [str(self.api_key.uuid)],
            "webhook_id": [str(self.webhook.uuid)],
            "delivery_id": [str(self.webhook_delivery.uuid)],
            "relationship_request_id": [str(self.relationship_request.uuid)],
            # The API names a handover by its own kwarg (its uuid is its job's).
            "handover_id": [str(self.handover.uuid)],
        }

    def query_ids(self) -> dict[str, str]:
        """This tenant's ids as the query and form fields of the project name them."""
        return {
            "reseller": str(self.reseller.uuid),
            "customer": str(self.customer.uuid),
            "subscription": str(self.subscription.uuid),
            "support_contact": str(self.reseller.uuid),
            "offer": str(self.offer.uuid),
            "location_partner_id": self.location.location_partner_id,
            "actor": str(self.member.membership.uuid),
            "membership": str(self.member.membership.uuid),
            "tier": str(self.tier.uuid),
            # The other party of a reseller relationship request.
            "partner": str(self.reseller.uuid),
        }


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def build_world(name: str) -> World:
    """A complete tenant whose names all start with ``name`` (so a leak is found by text)."""
    provider = f.ProviderFactory(legal_name=f"{name} Provider", directory_name=f"{name} Provider")
    provider_admin = f.MembershipFactory(
        organisation=provider, role=Role.GLOBAL_ADMIN, user__first_name=f"{name}Admin"
    ).user
    member = f.MembershipFactory(
        organisation=provider, role=Role.SALES_AGENT, user__first_name=f"{name}Member"
    ).user
    reseller = f.ResellerFactory(legal_name=f"{name} Reseller", location=False)
    location = f.PartnerLocationFactory(organisation=reseller, name=f"{name} Location")
    # Reseller staff sign in at the domain the invitations go to (they may accept them).
    reseller_admin = f.MembershipFactory(
        organisation=reseller,
        role=Role.GLOBAL_ADMIN,
        user__first_name=f"{name}ResellerAdmin",
        user__email=f"{name.lower()}-reseller-admin@reseller.example",
    ).user
    reseller_member = f.MembershipFactory(
        organisation=reseller,
        role=Role.ADMIN_AGENT,
        user__first_name=f"{name}ResellerMember",
        user__email=f"{name.lower()}-reseller-member@reseller.example",
    ).user
    partnership = f.PartnershipFactory(provider=provider, reseller=reseller)
    customer = f.CustomerFactory(
        provider=provider, reseller=reseller, company_name=f"{name} Customer"
    )
    offer = f.OfferFactory(name=f"{name} Offer")
    upgrade_offer = f.OfferFactory(name=f"{name} Upgrade Offer")
    offer.upgrades_to.add(upgrade_offer)
    order = f.OrderFactory(customer=customer)
    line = f.OrderLineFactory(order=order, offer=offer, reseller=reseller)
    subscription = f.SubscriptionFactory(
        customer=customer,
        offer=offer,
        order_line=line,
        reseller_location=location,
        support_contact=reseller,
    )
    f.SubscriptionChangeFactory(subscription=subscription, actor=provider_admin)
    # The reseller holds tenant-owner rights: its revoke URL names a real grant.
    tenant_owner_grant = f.TenantOwnerGrantFactory(
        customer=customer, organisation=reseller, granted_by=provider_admin
    )
    request_token = secrets.token_urlsafe(32)
    partnership_request = f.PartnershipRequestFactory(
        provider=provider,
        email=f"{name.lower()}-invitee@reseller.example",
        token_hash=token_hash(request_token),
        created_by=provider_admin,
    )
    # The member has an authenticator app and recovery codes (the MFA reset's target).
    f.TOTPDeviceFactory(user=member, name=f"{name} Phone")
    mfa_services.mfa_recovery_codes_generate(user=member)
    staff_token = secrets.token_urlsafe(32)
    staff_invitation = f.StaffInvitationFactory(
        organisation=provider,
        email=f"{name.lower()}-staff@provider.example",
        token_hash=token_hash(staff_token),
        invited_by=provider_admin,
    )
    # An approved relationship (both of its links known) and one awaiting the reseller.
    approval_token, termination_token = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    relationship = f.AdminRelationshipFactory(
        customer=customer,
        partner=provider,
        display_name=f"{name} Relationship",
        approval_token_hash=token_hash(approval_token),
        termination_token_hash=token_hash(termination_token),
        status="approval_pending",
        approved_at=None,
        ends_at=None,
    )
    reseller_relationship = f.AdminRelationshipFactory(
        customer=customer,
        partner=reseller,
        display_name=f"{name} Reseller Relationship",
        status="created",
        approved_at=None,
        ends_at=None,
    )
    security_group = f.SecurityGroupFactory(organisation=provider, name=f"{name} Group")
    security_group.members.add(member)
    template = f.RelationshipTemplateFactory(organisation=provider, name=f"{name} Template")
    for org, actor in ((provider, provider_admin), (reseller, reseller_admin)):
        f.ActivityEventFactory(
            organisation=org,
            actor=actor,
            verb="customer.created",
            object_type="customer",
            object_id=str(customer.uuid),
            object_repr=f"{name} Customer",
        )
    tier, statement, direct_statement = _billing(name, provider, reseller, offer, subscription)
    # A finished customers import whose results (with a sealed password) are not taken yet.
    job = Job.objects.create(
        organisation=provider,
        kind=Job.Kind.CUSTOMERS,
        created_by=provider_admin,
        status=Job.Status.DONE,
        file_name=f"{name} import.csv",
        total=1,
        done=1,
    )
    JobRow.objects.create(
        job=job,
        number=2,
        outcome=JobRow.Outcome.APPLIED,
        message="Created.",
        object_id=str(customer.uuid),
        secret=seal(f"admin@{name.lower()}\tsecret", purpose=RESULTS_SEALING_PURPOSE),
    )
    # The plan of the partnership's removal with a handover, not started.
    handover = handover_plan(partnership=partnership, actor=provider_admin, decision="leave")
    key = api_services.api_key_create(
        org=provider,
        actor=provider_admin,
        actor_role=Role.GLOBAL_ADMIN,
        name=f"{name} Key",
        role=Role.GLOBAL_ADMIN,
        scope="read_write",
    )
    webhook = WebhookSubscription.objects.create(
        organisation=provider,
        url=f"https://{name.lower()}.example/hooks",
        events=["customer-created"],
        secret=new_secret(),
    )
    webhook_delivery = WebhookDelivery.objects.create(
        subscription=webhook,
        message_id=f"msg_{name}",
        event_type="test",
        payload="{}",
        status="delivered",
    )
    # A pending reseller relationship request to a company with a tenant elsewhere.
    relationship_request_token = secrets.token_urlsafe(32)
    relationship_request = f.ResellerRelationshipRequestFactory(
        provider=provider,
        reseller=reseller,
        company_name=f"{name} Joining Company",
        primary_domain=f"{name.lower()}-joining.onmicrosoft.example",
        contact_email=f"{name.lower()}-joining@existing.example",
        token_hash=token_hash(relationship_request_token),
        created_by=provider_admin,
    )
    world = World(
        relationship_request=relationship_request,
        relationship_request_token=relationship_request_token,
        tier=tier,
        statement=statement,
        direct_statement=direct_statement,
        provider=provider,
        provider_admin=provider_admin,
        member=member,
        reseller=reseller,
        reseller_admin=reseller_admin,
        reseller_member=reseller_member,
        location=location,
        partnership=partnership,
        customer=customer,
        offer=offer,
        upgrade_offer=upgrade_offer,
        order=order,
        subscription=subscription,
        tenant_owner_grant=tenant_owner_grant,
        partnership_request=partnership_request,
        request_token=request_token,
        staff_invitation=staff_invitation,
        staff_token=staff_token,
        job=job,
        relationship=relationship,
        approval_token=approval_token,
        termination_token=termination_token,
        reseller_relationship=reseller_relationship,
        security_group=security_group,
        template=template,
        api_key=key.key,
        api_secret=key.secret,
        webhook=webhook,
        webhook_delivery=webhook_delivery,
        handover=handover,
    )
    world.markers = [
        f"{name} Customer",
        f"{name} Reseller",
        f"{name} Location",
        f"{name}Member",
        f"{name}ResellerMember",
        partnership_request.email,
        staff_invitation.email,
        f"{name} import.csv",
        customer.primary_domain,
        # The cost and the reseller's own price: never shown to another tenant.
        *(str(amount) for amount in world_amounts(name)),
        f"{name} Relationship",
        f"{name} Group",
        f"{name} Template",
        f"{name} Key",
        webhook.url,
        f"{name} Joining Company",
    ]
    return world


def world_amounts(name: str):
    """The world's cost and its reseller's own price: amounts no other world has."""
    from decimal import Decimal

    h = int(hashlib.sha256(name.encode()).hexdigest(), 16)
    return Decimal(f"{700 + h % 200}.{h // 200 % 90 + 10}"), Decimal(
        f"{400 + h // 20000 % 200}.{h // 4000000 % 90 + 10}"
    )


def _billing(name, provider, reseller, offer, subscription):
    """Prices (a cost and the reseller's own price no other world has), a tier, and a charge
    on the reseller's statement and on the direct customers' one."""
    import datetime as dt
    from decimal import Decimal

    from django.utils import timezone

    from billing import services as billing
    from billing.models import (
        PartnershipTier,
        PriceListEntry,
        ProviderCurrency,
        ResellerPrice,
        Tier,
    )

    ProviderCurrency.objects.create(provider=provider, currency="USD")
    since = timezone.localdate() - dt.timedelta(days=400)
    PriceListEntry.objects.create(
        provider=provider,
        offer=offer,
        term="P1M",
        billing_frequency="monthly",
        cost=world_amounts(name)[0],
        reseller_price=Decimal("950.00"),
        retail_price=Decimal("99.00"),
        effective_from=since,
    )
    tier = Tier.objects.create(provider=provider, name=f"{name} Tier", percent_off=Decimal("5"))
    PartnershipTier.objects.create(provider=provider, reseller=reseller, tier=tier)
    ResellerPrice.objects.create(
        provider=provider,
        reseller=reseller,
        offer=offer,
        price=world_amounts(name)[1],
        effective_from=since,
    )
    charge = billing.charge_record(
        subscription=subscription, kind="purchase", quantity=1, full_period=True
    )
    direct = f.SubscriptionFactory(
        customer=f.CustomerFactory(provider=provider, company_name=f"{name} Direct Customer"),
        offer=offer,
    )
    direct_charge = billing.charge_record(
        subscription=direct, kind="purchase", quantity=1, full_period=True
    )
    return tier, charge.statement, direct_charge.statement


def await_agreement(world: World) -> None:
    """The world's reseller has not accepted the partner agreement yet (reminder and accept apply)."""
    Organisation.objects.filter(pk=world.reseller.pk).update(agreement_accepted_at=None)
    world.reseller.refresh_from_db()


@pytest.fixture(autouse=True)
def _fresh_cache(fresh_cache):
    """Rate-limit counters live in the cache: every test starts from zero."""


@pytest.fixture
def home(db) -> World:
    """The tenant whose objects the tests try to reach."""
    return build_world("Homestead")


@pytest.fixture
def away(db) -> World:
    """Another, unrelated tenant: its staff are the outsiders."""
    return build_world("Awayfield")


def csrf_client(user=None) -> Client:
    """A client that enforces CSRF and sends a valid token with every request (as htmx does)."""
    client = Client(enforce_csrf_checks=True)
    if user is not None:
        client.force_login(user)
    token = get_random_string(32, allowed_chars=CSRF_ALLOWED_CHARS)
    client.cookies[settings.CSRF_COOKIE_NAME] = token
    client.defaults["HTTP_X_CSRFTOKEN"] = token
    return client


# The project's URL patterns -------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str
    route: str
    kwargs: tuple[str, ...]
    callback: object

    def __str__(self):
        return f"{self.name} ({self.route})"


def _walk(patterns, prefix="", namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            converters = getattr(pattern.pattern, "converters", None)
            kwargs = (
                tuple(converters)
                if converters is not None
                else tuple(pattern.pattern.regex.groupindex)
            )
            name = pattern.name or ""
            if namespace and name:
                name = f"{namespace}:{name}"
            yield Route(name, prefix + str(pattern.pattern), kwargs, pattern.callback)


def all_routes() -> list[Route]:
    """Every URL pattern of the project, includes resolved, from the URL resolver."""
    return list(_walk(get_resolver().url_patterns))


# Database snapshots -------------------------------------------------------------


def project_models():
    return [
        m
        for m in apps.get_models()
        if m._meta.app_label in PROJECT_APPS or m._meta.label in PROJECT_MODELS
    ]


def row_counts() -> dict[str, int]:
    """How many rows each model of the project holds (one query: the walk calls it often)."""
    models = project_models()
    quote = connection.ops.quote_name
    counts = ", ".join(f"(SELECT COUNT(*) FROM {quote(m._meta.db_table)})" for m in models)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {counts}")
        row = cursor.fetchone()
    return {m._meta.label: n for m, n in zip(models, row, strict=True)}


def rows_digest() -> dict[str, str]:
    """Per model, a checksum of every row's values (status and timestamps included)."""
    digest = {}
    for model in project_models():
        values = model._default_manager.order_by("pk").values_list()
        digest[model._meta.label] = hashlib.sha256(repr(list(values)).encode()).hexdigest()
    return digest


def count_delta(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    """The models whose row count changed, with the change."""
    return {label: after[label] - before[label] for label in after if after[label] != before[label]}
