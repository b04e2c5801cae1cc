"""Writes on customers: creation with its first order, the associated reseller, tenant owners,
reseller relationship requests to companies with a tenant elsewhere."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import asdict, dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher, make_password
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from customers import selectors
from customers.models import (
    Customer,
    ResellerRelationshipRequest,
    SetupInformation,
    TenantOwnerGrant,
)
from portal import audit
from portal.audit import Verb
from portal.emails import queue_email, recipient_language
from portal.errors import ServiceError
from portal.sealing import seal, unseal
from portal.tokens import hash_token
from relationships.services import terminate_for_reseller_on_customer
from subscriptions.models import Offer, Order, Subscription, SubscriptionChange
from subscriptions.services import LineRequest, NewOrder, order_lines_check, orders_place

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


# The temporary admin password is 24 random URL-safe characters (144 bits),
# never chosen by a person. Key stretching (PBKDF2's 870,000 iterations, about
# half a second of CPU here) makes guessing a weak password costly; a secret of
# 144 random bits cannot be guessed at any speed, so stretching it adds nothing
# but that half second per customer (83 minutes for a 10,000-row import). It is
# hashed with one salted PBKDF2-SHA256 iteration: the same format as the
# project's hasher, so Django's check_password verifies it (and, were it ever
# used to sign in, would re-hash it at full strength). Passwords people choose
# keep the project's hasher (settings.PASSWORD_HASHERS).
class _TemporaryPasswordHasher(PBKDF2PasswordHasher):
    iterations = 1


TEMPORARY_PASSWORD_HASHER = _TemporaryPasswordHasher()


@dataclass(frozen=True)
class CustomerRequest:
    """One customer to create: its details, associated reseller, first order lines and key."""

    details: CustomerDetails
    reseller: object | None  # partners.Organisation
    lines: list[tuple]  # (offer, quantity[, "term/frequency"])
    idempotency_key: uuid.UUID | None
    # A company whose tenant exists elsewhere keeps its own admin: no admin user,
    # temporary password or setup information, and no order while it orders nothing.
    own_admin: bool = False


def customer_create(
    *,
    provider,
    actor,
    details: CustomerDetails,
    reseller,
    lines: list[tuple] = (),
    idempotency_key: uuid.UUID | None = None,
    own_admin: bool = False,
    keep_setup_information: bool = True,
) -> CustomerCreated:
    """Create a customer and its first order; a used key returns the first.

    No admin relationship comes with it: one is requested and the customer approves it.
    ``keep_setup_information``: hold the temporary password for the Setup
    information page (an import shows it in its results file instead).
    ``own_admin``: a company whose tenant exists elsewhere keeps its own admin, so no
    admin user, temporary password or setup information is made, and no order when it
    orders nothing yet (``lines`` empty, no key).
    """
    request = CustomerRequest(details, reseller, list(lines), idempotency_key, own_admin)
    try:
        with transaction.atomic():
            [result] = customers_create(provider=provider, actor=actor, requests=[request])
            if isinstance(result, ServiceError):
                raise result
            if keep_setup_information and result.temporary_password is not None:
                _keep_setup_information(
                    customer=result.customer, user=actor, password=result.temporary_password
                )
            return result
    except IntegrityError as exc:
        existing = (
            selectors.customer_for_order_key(provider=provider, idempotency_key=idempotency_key)
            if idempotency_key is not None
            else None
        )
        if existing is not None:
            return CustomerCreated(existing, None)
        if not selectors.domain_is_taken(details.primary_domain):
            raise
        raise _domain_taken(details.primary_domain) from exc


def _domain_taken(domain: str) -> CustomerError:
    return CustomerError(
        _("The domain %(domain)s has just been taken. Choose another one.") % {"domain": domain}
    )


def customers_create(
    *, provider, actor, requests: list[CustomerRequest]
) -> list[CustomerCreated | ServiceError]:
    """Create customers with their first orders, a few statements for all of them.

    The wizard creates one, an import a batch: the same checks and writes. One
    answer per request, in order: the customer created (with its temporary
    password), the customer an earlier call created with the same key (password
    None), or the error that kept this one from being created (nothing of it
    written). Runs in the caller's transaction: a domain or key taken by a
    concurrent writer since the check raises IntegrityError for the whole call.
    """
    answers: list[CustomerCreated | ServiceError | None] = [None] * len(requests)
    keys = [r.idempotency_key for r in requests if r.idempotency_key is not None]
    earlier = {
        order.idempotency_key: order.customer
        for order in Order.objects.for_org(provider)
        .filter(idempotency_key__in=keys)
        .select_related("customer")
    }
    domains = [r.details.primary_domain for r in requests]
    taken = set(
        Customer.objects.filter(primary_domain__in=domains).values_list("primary_domain", flat=True)
    )
    new: list[tuple[int, CustomerRequest, list[LineRequest]]] = []
    for index, request in enumerate(requests):
        if request.idempotency_key is not None and request.idempotency_key in earlier:
            answers[index] = CustomerCreated(earlier[request.idempotency_key], None)
            continue
        domain = request.details.primary_domain
        if domain in taken:
            answers[index] = _domain_taken(domain)
            continue
        line_requests = [
            LineRequest(offer=o, quantity=q, reseller=request.reseller, term_pair=t)
            for o, q, t in (line if len(line) == 3 else (*line, "") for line in request.lines)
        ]
        try:
            order_lines_check(line_requests)
        except ServiceError as error:
            answers[index] = error
            continue
        taken.add(domain)
        new.append((index, request, line_requests))
    passwords = [
        None if request.own_admin else secrets.token_urlsafe(TEMPORARY_PASSWORD_BYTES)
        for _index, request, _lines in new
    ]
    customers = Customer.objects.bulk_create(
        [
            Customer(
                provider=provider,
                reseller=request.reseller,
                created_by=actor,
                admin_username=""
                if request.own_admin
                else f"admin@{request.details.primary_domain}",
                admin_password_hash=""
                if request.own_admin
                else make_password(password, hasher=TEMPORARY_PASSWORD_HASHER),
                **asdict(request.details),
            )
            for (_index, request, _lines), password in zip(new, passwords, strict=True)
        ]
    )
    audit.record_many(
        [
            audit.build(
                org=provider,
                actor=actor,
                verb=Verb.CUSTOMER_CREATED,
                obj=customer,
                after={
                    "domain": customer.primary_domain,
                    "reseller": request.reseller.partner_id if request.reseller else None,
                    **({"own_admin": True} if request.own_admin else {}),
                },
            )
            for customer, (_index, request, _lines) in zip(customers, new, strict=True)
        ]
    )
    orders_place(
        provider=provider,
        actor=actor,
        orders=[
            NewOrder(customer, line_requests, request.idempotency_key)
            for customer, (_index, request, line_requests) in zip(customers, new, strict=True)
            # The first order (empty for an import row without lines) holds the key; a
            # company that keeps its own admin and orders nothing yet has none.
            if line_requests or not request.own_admin
        ],
    )
    for customer, password, (index, _request, _lines) in zip(
        customers, passwords, new, strict=True
    ):
        answers[index] = CustomerCreated(customer, password)
    return answers


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


# Reseller relationship requests: a company with a tenant elsewhere joins a provider
# through one of its resellers ---------------------------------------------------------

RELATIONSHIP_REQUEST_TTL = timedelta(days=30)


class RelationshipRequestUnavailable(ServiceError):
    """A request link that cannot be used (unknown 404; used, revoked or expired 410)."""

    status = 410


@dataclass(frozen=True)
class RelationshipRequestDetails:
    """Who the request is for: the company, its existing domain and its contact."""

    company_name: str
    primary_domain: str
    contact_first_name: str
    contact_last_name: str
    contact_email: str
    language: str


@dataclass(frozen=True)
class PreparedRelationshipRequest:
    """A request just made, with its link's token (handed out once, never stored)."""

    relationship_request: ResellerRelationshipRequest
    token: str

    @property
    def url(self) -> str:
        return relationship_request_url(self.token)


def relationship_request_url(token: str) -> str:
    return f"{settings.SITE_URL}{reverse('customers:relationship_request_link', args=[token])}"


def _partnered(*, provider, reseller) -> bool:
    return selectors.active_partners(provider=provider).filter(pk=reseller.pk).exists()


def _request_events(relationship_request, *, actor, verb, before=None, after=None) -> None:
    """One event in the provider's log and one in the reseller's: the request is both of theirs."""
    for org in (relationship_request.provider, relationship_request.reseller):
        audit.record(
            org=org, actor=actor, verb=verb, obj=relationship_request, before=before, after=after
        )


def _expire_lapsed_requests(*, provider, domain: str, actor) -> None:
    """Mark pending requests for ``domain`` past their expiry as expired, freeing it for a new one."""
    lapsed = (
        ResellerRelationshipRequest.objects.for_org(provider)
        .select_for_update()
        .select_related("provider", "reseller")
        .filter(
            primary_domain=domain,
            status=ResellerRelationshipRequest.Status.PENDING,
            expires_at__lte=timezone.now(),
        )
    )
    for relationship_request in lapsed:
        relationship_request.status = ResellerRelationshipRequest.Status.EXPIRED
        relationship_request.save(update_fields=["status"])
        _request_events(
            relationship_request,
            actor=actor,
            verb=Verb.RESELLER_RELATIONSHIP_REQUEST_EXPIRED,
            before={"status": "pending"},
            after={"status": "expired"},
        )


@transaction.atomic
def reseller_relationship_request_send(
    *, provider, reseller, actor, actor_org, details: RelationshipRequestDetails
) -> PreparedRelationshipRequest:
    """Make a one-time request link for a company's contact and email it in the contact's language.

    ``actor_org`` is the provider, or the reseller asking for one of its providers.
    """
    if actor_org.pk not in (provider.pk, reseller.pk):
        raise CustomerError(_("Only the provider or the reseller can make this request."))
    if not _partnered(provider=provider, reseller=reseller):
        raise CustomerError(
            _("%(reseller)s is not an active indirect reseller of %(provider)s.")
            % {"reseller": reseller.legal_name, "provider": provider.display_name},
            field="partner",
        )
    domain = details.primary_domain.strip().lower()
    if selectors.domain_is_taken(domain):
        raise CustomerError(
            _("%(domain)s is already a customer's domain.") % {"domain": domain},
            field="primary_domain",
        )
    _expire_lapsed_requests(provider=provider, domain=domain, actor=actor)
    token = secrets.token_urlsafe(32)  # 256 bits
    try:
        with transaction.atomic():
            relationship_request = ResellerRelationshipRequest.objects.create(
                provider=provider,
                reseller=reseller,
                requested_by_org=actor_org,
                company_name=details.company_name,
                primary_domain=domain,
                contact_first_name=details.contact_first_name,
                contact_last_name=details.contact_last_name,
                contact_email=details.contact_email.strip().lower(),
                language=details.language,
                token_hash=hash_token(token),
                created_by=actor,
                expires_at=timezone.now() + RELATIONSHIP_REQUEST_TTL,
            )
    except IntegrityError as exc:  # another member asked for this domain meanwhile
        raise CustomerError(
            _("A request for %(domain)s is already pending.") % {"domain": domain},
            field="primary_domain",
        ) from exc
    prepared = PreparedRelationshipRequest(relationship_request, token)
    queue_email(
        kind="reseller-relationship-request",
        to=relationship_request.contact_email,
        context={
            "relationship_request": relationship_request,
            "provider": provider,
            "reseller": reseller,
            "url": prepared.url,
        },
        org=actor_org,
        language=relationship_request.language,
    )
    _request_events(
        relationship_request,
        actor=actor,
        verb=Verb.RESELLER_RELATIONSHIP_REQUEST_SENT,
        after={
            "domain": domain,
            "email": relationship_request.contact_email,
            "provider": provider.partner_id,
            "reseller": reseller.partner_id,
            "expires_at": relationship_request.expires_at.isoformat(),
        },
    )
    return prepared


def _locked_request(relationship_request) -> ResellerRelationshipRequest:
    return (
        ResellerRelationshipRequest.objects.select_for_update(of=("self",))
        .select_related("provider", "reseller", "created_by")
        .get(pk=relationship_request.pk)
    )


@transaction.atomic
def reseller_relationship_request_revoke(*, relationship_request, actor):
    """Invalidate a pending request's link for good (the provider's or the reseller's staff)."""
    locked = _locked_request(relationship_request)
    if locked.status != ResellerRelationshipRequest.Status.PENDING:
        raise CustomerError(_("Only a pending request can be revoked."))
    before = {"status": locked.effective_status}
    locked.status = ResellerRelationshipRequest.Status.REVOKED
    locked.revoked_at = timezone.now()
    locked.revoked_by = actor
    locked.save(update_fields=["status", "revoked_at", "revoked_by"])
    _request_events(
        locked,
        actor=actor,
        verb=Verb.RESELLER_RELATIONSHIP_REQUEST_REVOKED,
        before=before,
        after={"status": "revoked"},
    )
    return locked


def relationship_request_for_token(token: str) -> ResellerRelationshipRequest:
    """The request a link names, or RelationshipRequestUnavailable (404) for a tampered one."""
    found = selectors.relationship_request_for_token(token)
    if found is None:
        raise RelationshipRequestUnavailable(
            _("This link is not valid. Check that you copied all of it."), status=404
        )
    return found


def check_relationship_request_usable(relationship_request: ResellerRelationshipRequest) -> None:
    """Raise RelationshipRequestUnavailable (410) unless the request can be accepted now."""
    status = relationship_request.effective_status
    if status == ResellerRelationshipRequest.Status.ACCEPTED:
        raise RelationshipRequestUnavailable(_("This request has already been accepted."))
    if status == ResellerRelationshipRequest.Status.REVOKED:
        raise RelationshipRequestUnavailable(
            _("This request was withdrawn. Ask the indirect provider or reseller for a new one.")
        )
    if status == ResellerRelationshipRequest.Status.EXPIRED:
        raise RelationshipRequestUnavailable(
            _("This request has expired. Ask the indirect provider or reseller for a new one.")
        )


@transaction.atomic
def reseller_relationship_request_accept(*, token: str) -> Customer:
    """The company accepts through the link: it becomes the provider's customer, associated
    with the reseller, with its own domain and admin; the link is used."""
    found = relationship_request_for_token(token)
    # The row lock makes two accepts at once queue up; the second finds it used.
    locked = _locked_request(found)
    check_relationship_request_usable(locked)
    provider, reseller = locked.provider, locked.reseller
    if not _partnered(provider=provider, reseller=reseller):
        raise CustomerError(
            _(
                "%(reseller)s is no longer an indirect reseller of %(provider)s, so this "
                "request cannot be accepted. Nothing was changed; ask them for a new request."
            )
            % {"reseller": reseller.legal_name, "provider": provider.display_name},
            status=409,
        )
    if selectors.domain_is_taken(locked.primary_domain):
        raise CustomerError(
            _(
                "%(domain)s is already a customer's domain, so this request cannot be "
                "accepted. Nothing was changed; contact %(provider)s."
            )
            % {"domain": locked.primary_domain, "provider": provider.display_name},
            status=409,
        )
    created = customer_create(
        provider=provider,
        actor=None,
        details=CustomerDetails(
            company_name=locked.company_name,
            primary_domain=locked.primary_domain,
            street="",
            city="",
            postal_code="",
            country="",
            contact_first_name=locked.contact_first_name,
            contact_last_name=locked.contact_last_name,
            contact_email=locked.contact_email,
            contact_phone="",
            language=locked.language,
        ),
        reseller=reseller,
        own_admin=True,
    )
    locked.status = ResellerRelationshipRequest.Status.ACCEPTED
    locked.accepted_at = timezone.now()
    locked.customer = created.customer
    locked.save(update_fields=["status", "accepted_at", "customer"])
    _request_events(
        locked,
        actor=None,
        verb=Verb.RESELLER_RELATIONSHIP_REQUEST_ACCEPTED,
        before={"status": "pending"},
        after={"status": "accepted", "customer": str(created.customer.uuid)},
    )
    requester = locked.created_by
    if requester is not None and requester.is_active:
        queue_email(
            kind="reseller-relationship-accepted",
            to=requester.email,
            context={
                "relationship_request": locked,
                "customer": created.customer,
                "provider": provider,
                "reseller": reseller,
                "url": settings.SITE_URL
                + reverse("customers:customer_detail", args=[created.customer.uuid]),
            },
            org=locked.requested_by_org,
            language=recipient_language(requester.language, locked.requested_by_org.country),
        )
    return created.customer
