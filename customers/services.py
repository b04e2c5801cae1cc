"""Writes on customers: creation with its first order, the associated reseller, tenant owners."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import asdict, dataclass
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from customers import selectors
from customers.models import Customer, SetupInformation, TenantOwnerGrant
from portal import audit
from portal.audit import Verb
from portal.errors import ServiceError
from portal.sealing import seal, unseal
from relationships.services import terminate_for_reseller_on_customer
from subscriptions.models import Offer, Subscription, SubscriptionChange
from subscriptions.services import LineRequest, order_submit

TEMPORARY_PASSWORD_BYTES = 18  # 24 URL-safe characters
# How long the temporary password waits for the setup page (shown right after Submit).
SETUP_INFORMATION_TTL = timedelta(minutes=15)
SEALING_PURPOSE = "customers.setup-information"


class CustomerError(ServiceError):
    """A change that cannot be made (the message says why, to the user)."""


@dataclass(frozen=True)
class CustomerDetails:
    """What the first step of the new-customer wizard collects about the company."""

    company_name: str
    primary_domain: str
    street: str
    city: str
    postal_code: str
    country: str
    contact_first_name: str
    contact_last_name: str
    contact_email: str
    contact_phone: str
    language: str


@dataclass(frozen=True)
class CustomerCreated:
    """The customer, and its temporary admin password when this call created it (else None)."""

    customer: Customer
    temporary_password: str | None


class _AlreadySubmitted(Exception):
    """The order key was used by a concurrent submit: undo this one and answer with that one."""


def customer_create(
    *,
    provider,
    actor,
    details: CustomerDetails,
    reseller,
    lines: list[tuple],
    idempotency_key: uuid.UUID,
) -> CustomerCreated:
    """Create a customer and its first order; a used key returns the first.

    No admin relationship comes with it: one is requested and the customer approves it.
    """
    existing = selectors.customer_for_order_key(provider=provider, idempotency_key=idempotency_key)
    if existing is not None:
        return CustomerCreated(existing, None)
    try:
        return _customer_create(
            provider=provider,
            actor=actor,
            details=details,
            reseller=reseller,
            lines=lines,
            idempotency_key=idempotency_key,
        )
    except (IntegrityError, _AlreadySubmitted) as exc:
        existing = selectors.customer_for_order_key(
            provider=provider, idempotency_key=idempotency_key
        )
        if existing is not None:
            return CustomerCreated(existing, None)
        if not selectors.domain_is_taken(details.primary_domain):
            raise
        raise CustomerError(
            _("The domain %(domain)s has just been taken. Choose another one.")
            % {"domain": details.primary_domain}
        ) from exc


@transaction.atomic
def _customer_create(*, provider, actor, details, reseller, lines, idempotency_key):
    password = secrets.token_urlsafe(TEMPORARY_PASSWORD_BYTES)
    customer = Customer.objects.create(
        provider=provider,
        reseller=reseller,
        created_by=actor,
        admin_username=f"admin@{details.primary_domain}",
        admin_password_hash=make_password(password),
        **asdict(details),
    )
    audit.record(
        org=provider,
        actor=actor,
        verb=Verb.CUSTOMER_CREATED,
        obj=customer,
        after={
            "domain": customer.primary_domain,
            "reseller": reseller.partner_id if reseller else None,
        },
    )
    _order, created = order_submit(
        provider=provider,
        customer=customer,
        lines=[
            LineRequest(offer=o, quantity=q, reseller=reseller, term_pair=t)
            for o, q, t in (line if len(line) == 3 else (*line, "") for line in lines)
        ],
        idempotency_key=idempotency_key,
        actor=actor,
    )
    if not created:
        raise _AlreadySubmitted
    _keep_setup_information(customer=customer, user=actor, password=password)
    return CustomerCreated(customer, password)


def _keep_setup_information(*, customer, user, password: str) -> None:
    """Hold the temporary password, encrypted, for the setup page to show it once to ``user``."""
    now = timezone.now()
    SetupInformation.objects.filter(expires_at__lte=now).delete()  # nobody came for these
    SetupInformation.objects.create(
        customer=customer,
        shown_to=user,
        sealed_password=seal(password, purpose=SEALING_PURPOSE),
        expires_at=now + SETUP_INFORMATION_TTL,
    )


@transaction.atomic
def setup_information_take(*, customer, user) -> str | None:
    """The temporary password of ``customer`` for ``user``, once: it is deleted as it is read.

    None for anyone but the member who added the customer, after the first
    read, and after it expired. The row lock makes two reads at once show it once.
    """
    held = (
        SetupInformation.objects.select_for_update()
        .filter(customer=customer, shown_to=user)
        .first()
    )
    if held is None:
        return None
    held.delete()
    if held.expires_at <= timezone.now():
        return None
    password = unseal(
        held.sealed_password,
        purpose=SEALING_PURPOSE,
        max_age_seconds=int(SETUP_INFORMATION_TTL.total_seconds()),
    )
    if password is not None:
        audit.record(
            org=customer.provider,
            actor=user,
            verb=Verb.CUSTOMER_SETUP_INFORMATION_SHOWN,
            obj=customer,
            after={"admin_username": customer.admin_username},
        )
    return password


@transaction.atomic
def customer_change_reseller(*, customer: Customer, reseller, actor) -> Customer:
    """Associate another active partner; the former one keeps its admin relationships until ended."""
    before = customer.reseller
    if before == reseller:
        return customer
    customer.reseller = reseller
    customer.save(update_fields=["reseller"])
    audit.record(
        org=customer.provider,
        actor=actor,
        verb=Verb.CUSTOMER_RESELLER_CHANGED,
        obj=customer,
        before={"reseller": before.partner_id if before else None},
        after={"reseller": reseller.partner_id, "name": reseller.legal_name},
    )
    return customer


@transaction.atomic
def reseller_relationship_remove(*, customer: Customer, actor) -> None:
    """End the associated reseller's roles on a customer without active subscriptions.

    Its admin relationships on the customer are terminated with it.
    """
    reseller = customer.reseller
    if reseller is None:
        raise CustomerError(_("This customer has no associated reseller."))
    if customer.subscriptions.filter(status=Subscription.Status.ACTIVE).exists():
        raise CustomerError(
            _("The customer has active subscriptions; the reseller relationship stays.")
        )
    terminated = terminate_for_reseller_on_customer(
        customer=customer, reseller=reseller, actor=actor
    )
    _hand_support_back_to_provider(customer=customer, organisation=reseller, actor=actor)
    customer.reseller = None
    customer.save(update_fields=["reseller"])
    audit.record(
        org=customer.provider,
        actor=actor,
        verb=Verb.CUSTOMER_RESELLER_RELATIONSHIP_REMOVED,
        obj=customer,
        before={"reseller": reseller.partner_id, "name": reseller.legal_name},
        after={"reseller": None, "admin_relationships_terminated": terminated},
    )


def _hand_support_back_to_provider(*, customer: Customer, organisation, actor) -> None:
    """Make the provider the support contact wherever ``organisation`` was, with history."""
    subscriptions = list(customer.subscriptions.filter(support_contact=organisation))
    if not subscriptions:
        return
    Subscription.objects.filter(pk__in=[s.pk for s in subscriptions]).update(
        support_contact=customer.provider, version=F("version") + 1
    )
    SubscriptionChange.objects.bulk_create(
        SubscriptionChange(
            subscription=subscription,
            actor=actor,
            field="support_contact",
            before=str(organisation),
            after=str(customer.provider),
        )
        for subscription in subscriptions
    )


def _tenant_owner_event(*, customer: Customer, organisation, actor, verb: str, side: str) -> None:
    """Write ``verb`` in the provider's log and in the reseller's, naming the reseller."""
    named = {side: {"organisation": organisation.partner_id, "name": organisation.legal_name}}
    for org in (customer.provider, organisation):
        audit.record(org=org, actor=actor, verb=verb, obj=customer, **named)


@transaction.atomic
def tenant_owner_grant(*, customer: Customer, actor) -> TenantOwnerGrant:
    """Give the customer's associated reseller tenant-owner rights on its Azure tenant."""
    reseller = customer.reseller
    if reseller is None:
        raise CustomerError(_("This customer has no associated reseller to grant rights to."))
    if not customer.subscriptions.filter(
        offer__kind=Offer.Kind.AZURE_PLAN, status=Subscription.Status.ACTIVE
    ).exists():
        raise CustomerError(_("Tenant owner rights need an active Azure plan subscription."))
    if TenantOwnerGrant.objects.active().filter(customer=customer, organisation=reseller).exists():
        raise CustomerError(
            _("%(reseller)s already holds tenant owner rights.") % {"reseller": reseller}
        )
    try:
        with transaction.atomic():
            grant = TenantOwnerGrant.objects.create(
                customer=customer, organisation=reseller, granted_by=actor
            )
    except IntegrityError as exc:
        # A concurrent grant won the one-active-grant constraint.
        raise CustomerError(
            _("%(reseller)s already holds tenant owner rights.") % {"reseller": reseller}
        ) from exc
    _tenant_owner_event(
        customer=customer,
        organisation=reseller,
        actor=actor,
        verb=Verb.CUSTOMER_TENANT_OWNER_GRANTED,
        side="after",
    )
    return grant


@transaction.atomic
def tenant_owner_revoke(*, grant: TenantOwnerGrant, actor) -> None:
    """End an organisation's tenant-owner rights; the grant is kept as a revoked record."""
    updated = TenantOwnerGrant.objects.filter(pk=grant.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=actor
    )
    if not updated:
        raise CustomerError(_("These tenant owner rights were already revoked."))
    _tenant_owner_event(
        customer=grant.customer,
        organisation=grant.organisation,
        actor=actor,
        verb=Verb.CUSTOMER_TENANT_OWNER_REVOKED,
        side="before",
    )
