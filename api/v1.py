"""The JSON API, version 1: the same selectors and services (and forms) the pages use."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import date, datetime, time, timedelta

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404, JsonResponse
from django.utils import timezone
from ninja import NinjaAPI, Query, Router, Status
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from api import representations as rep
from api import schemas as s
from api.auth import ApiKeyAuth
from api.models import IdempotentResponse
from api.pagination import page
from api.problems import Problem, problem_response
from billing import pricing
from billing import selectors as billing_selectors
from customers import selectors as customer_selectors
from customers import services as customer_services
from customers.forms import (
    CustomerDetailsForm,
    ResellerRelationshipRequestForm,
    SubscriptionLinesForm,
)
from customers.models import ResellerRelationshipRequest
from jobs import selectors as job_selectors
from overview import selectors as overview_selectors
from partners import handover as ho
from partners import services as partner_services
from partners.forms import PartnershipRequestEmailForm
from partners.models import Handover, Partnership, PartnershipRequest
from portal import ratelimit
from portal import selectors as portal_selectors
from portal.errors import ServiceError
from portal.roles import Perm
from portal.sealing import seal, unseal
from relationships import selectors as relationship_selectors
from relationships import services as relationship_services
from relationships.forms import RelationshipRequestForm
from subscriptions import selectors as subscription_selectors
from subscriptions import services as subscription_services
from subscriptions.forms import ResellerForm, SubscriptionNewForm, SupportContactForm
from subscriptions.models import ScheduledChange

ACTIVITY_MAX_DAYS = 90
ERRORS = dict.fromkeys((400, 401, 403, 404, 422, 429), s.ProblemDetails)
WRITE_ERRORS = {**ERRORS, 409: s.ProblemDetails}

api = NinjaAPI(
    title="Portal API",
    version="1",
    description=(
        "The partner portal's resources. Authenticate with `Authorization: Bearer <key>`; "
        "errors are RFC 9457 problem details; lists page with a continuation token."
    ),
    urls_namespace="api-v1",
    auth=ApiKeyAuth(),
    docs_url=None,
    openapi_url="/openapi.json",
)


# -- errors -------------------------------------------------------------------


@api.exception_handler(Problem)
def _problem(request, exc: Problem):
    return problem_response(exc, instance=request.path)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    response = problem_response(Problem("not-authenticated"), instance=request.path)
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(NinjaValidationError)
def _invalid(request, exc):
    errors = [
        {"field": ".".join(str(p) for p in e.get("loc", [])[1:]), "message": e.get("msg", "")}
        for e in exc.errors
    ]
    return problem_response(Problem("validation-error", errors=errors), instance=request.path)


@api.exception_handler(Http404)
def _not_found(request, exc):
    return problem_response(Problem("not-found"), instance=request.path)


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    return problem_response(Problem("forbidden"), instance=request.path)


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    slug = {405: "method-not-allowed", 404: "not-found", 403: "forbidden"}.get(
        exc.status_code, "validation-error"
    )
    return problem_response(Problem(slug, str(exc)), instance=request.path)


def _service_problem(exc: ServiceError) -> Problem:
    slug = "conflict" if exc.status == 409 else "refused"
    errors = [{"field": exc.field, "message": exc.message}] if exc.field else None
    return Problem(slug, exc.message, errors=errors)


@api.exception_handler(ServiceError)
def _refused(request, exc: ServiceError):
    return problem_response(_service_problem(exc), instance=request.path)


def _form_problem(form) -> Problem:
    errors = [
        {"field": "" if field == "__all__" else field, "message": str(message)}
        for field, messages in form.errors.items()
        for message in messages
    ]
    return Problem("validation-error", errors=errors)


# -- access -------------------------------------------------------------------


def _caller(request, perm: str, *, write: bool = False, kind: str | None = None):
    """The caller's organisation, if its key may do this (the pages' role matrix)."""
    caller = request.api
    if kind is not None and caller.org.kind != kind:
        raise Http404  # like the pages: the wrong kind of organisation sees nothing here
    if write and not caller.key.can_write:
        raise Problem("insufficient-scope")
    if perm not in caller.perms:
        raise PermissionDenied
    return caller


# A create's answer can hold a secret shown once (an invite, approval or request link):
# it is kept encrypted, and a retry is answered for a day.
IDEMPOTENCY_SECONDS = 24 * 3600
IDEMPOTENCY_SEALING_PURPOSE = "api-idempotent-response"


def _seal_body(body) -> dict:
    return {"sealed": seal(json.dumps(body), purpose=IDEMPOTENCY_SEALING_PURPOSE)}


def _unseal_body(stored: IdempotentResponse):
    """The stored answer's body, or None when it is older than the retry window."""
    if not (isinstance(stored.body, dict) and set(stored.body) == {"sealed"}):
        return stored.body  # kept before answers were sealed
    text = unseal(
        stored.body["sealed"],
        purpose=IDEMPOTENCY_SEALING_PURPOSE,
        max_age_seconds=IDEMPOTENCY_SECONDS,
    )
    return None if text is None else json.loads(text)


def _idempotent(request, create) -> Status:
    """Run ``create`` once per Idempotency-Key: a retry gets the first answer, body and status."""
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        return Status(*create(None))
    if len(key) > 200:
        raise Problem("validation-error", "The Idempotency-Key is longer than 200 characters.")
    api_key = request.api.key
    fingerprint = hashlib.sha256(request.body).hexdigest()
    stored = IdempotentResponse.objects.filter(api_key=api_key, key=key).first()
    if stored is None:
        # The key, hashed with the caller's, gives the services their own dedupe key too.
        service_key = uuid.uuid5(uuid.NAMESPACE_URL, f"{api_key.uuid}:{key}")
        try:
            with transaction.atomic():
                status, body = create(service_key)
                IdempotentResponse.objects.create(
                    api_key=api_key,
                    key=key,
                    path=f"{request.method} {request.path} {fingerprint}",
                    status=status,
                    body=_seal_body(body),
                )
            return Status(status, body)
        except IntegrityError:
            stored = IdempotentResponse.objects.filter(api_key=api_key, key=key).first()
            if stored is None:
                raise
    if stored.path != f"{request.method} {request.path} {fingerprint}":
        raise Problem("idempotency-key-reused")
    body = _unseal_body(stored)
    if body is None:
        raise Problem("idempotency-key-expired")
    return Status(stored.status, body)


# -- resellers and partnership requests ---------------------------------------

resellers = Router(tags=["resellers"])


@resellers.get("", response={200: s.PartnershipPage, **ERRORS}, summary="List resellers")
def list_resellers(
    request,
    status: str = Query("active", description="active or removed"),
    continuation_token: str | None = None,
    limit: int | None = None,
):
    """The provider's partnerships with indirect resellers."""
    caller = _caller(request, Perm.VIEW, kind="provider")
    partnerships = Partnership.objects.for_org(caller.org).select_related("reseller")
    partnerships = partnerships.filter(status=status)
    rows, token = page(
        partnerships, order=["-created_at", "-id"], cursor=continuation_token, limit=limit
    )
    return {"items": [rep.partnership(p) for p in rows], "continuation_token": token}


requests_router = Router(tags=["partnership requests"])


@requests_router.get(
    "", response={200: s.PartnershipRequestPage, **ERRORS}, summary="List partnership requests"
)
def list_partnership_requests(
    request, continuation_token: str | None = None, limit: int | None = None
):
    caller = _caller(request, Perm.VIEW, kind="provider")
    requests = PartnershipRequest.objects.for_org(caller.org)
    rows, token = page(
        requests, order=["-created_at", "-id"], cursor=continuation_token, limit=limit
    )
    return {"items": [rep.partnership_request(r) for r in rows], "continuation_token": token}


@requests_router.post(
    "",
    response={201: s.PartnershipRequest, **WRITE_ERRORS},
    summary="Send a partnership request (an invite)",
)
def create_partnership_request(request, body: s.PartnershipRequestIn):
    caller = _caller(request, Perm.REQUEST_PARTNERSHIP, write=True, kind="provider")

    def create(_service_key):
        form = PartnershipRequestEmailForm(body.dict(), provider=caller.org)
        if not form.is_valid():
            raise _form_problem(form)
        prepared = partner_services.partnership_request_prepare(
            provider=caller.org,
            actor=caller.user,
            email=form.cleaned_data["email"],
            any_address=form.cleaned_data["any_address"],
        )
        sent = partner_services.partnership_request_send(
            partnership_request=prepared.partnership_request,
            actor=caller.user,
            token=prepared.token,
            body=prepared.body,
        )
        return 201, rep.partnership_request(sent)

    return _idempotent(request, create)


# -- reseller relationship requests -------------------------------------------

relationship_requests = Router(tags=["reseller relationship requests"])
RELATIONSHIP_REQUEST_STATUSES = ("pending", "accepted", "expired", "revoked")


def _with_status(found, status: str):
    """The requests whose status, as the list shows it, is ``status`` (a lapsed pending
    request is expired)."""
    if not status:
        return found
    if status not in RELATIONSHIP_REQUEST_STATUSES:
        raise Problem("validation-error", "status is pending, accepted, expired or revoked.")
    now = timezone.now()
    pending = ResellerRelationshipRequest.Status.PENDING
    if status == "pending":
        return found.filter(status=pending, expires_at__gt=now)
    if status == "expired":
        return found.filter(Q(status=status) | Q(status=pending, expires_at__lte=now))
    return found.filter(status=status)


@relationship_requests.get(
    "",
    response={200: s.ResellerRelationshipRequestPage, **ERRORS},
    summary="List reseller relationship requests",
)
def list_relationship_requests(
    request,
    status: str = Query("", description="pending, accepted, expired or revoked"),
    continuation_token: str | None = None,
    limit: int | None = None,
):
    """A provider's: those made for it; a reseller's: those naming it."""
    caller = _caller(request, Perm.VIEW)
    found = _with_status(customer_selectors.relationship_requests(org=caller.org), status)
    rows, token = page(
        found.select_related("provider", "reseller", "requested_by_org", "customer"),
        order=["-created_at", "-id"],
        cursor=continuation_token,
        limit=limit,
    )
    return {
        "items": [rep.reseller_relationship_request(r) for r in rows],
        "continuation_token": token,
    }


@relationship_requests.get(
    "/{relationship_request_id}",
    response={200: s.ResellerRelationshipRequest, **ERRORS},
    summary="Get a reseller relationship request",
)
def get_relationship_request(request, relationship_request_id: uuid.UUID):
    caller = _caller(request, Perm.VIEW)
    return rep.reseller_relationship_request(
        customer_selectors.relationship_request_for_org(
            org=caller.org, uuid=relationship_request_id
        )
    )


def _request_email_refused(org, email: str) -> Problem | None:
    """The page's limits on invitations written to outsiders."""
    if not ratelimit.allow(ratelimit.PARTNERSHIP_REQUEST_PER_ORG, str(org.uuid)):
        return Problem("rate-limited", "Too many requests were sent. Try again in an hour.")
    if not ratelimit.allow(ratelimit.PARTNERSHIP_REQUEST_PER_RECIPIENT, email):
        return Problem("rate-limited", "Too many emails were sent to this address.")
    return None


@relationship_requests.post(
    "",
    response={201: s.ResellerRelationshipRequestCreated, **WRITE_ERRORS},
    summary="Ask a company with a tenant elsewhere to join through a reseller",
)
def create_relationship_request(request, body: s.ResellerRelationshipRequestIn):
    """Emails the company's contact a one-time link; the link is in the answer once, as on
    the page. A provider names one of its resellers, a reseller one of its providers."""
    caller = _caller(request, Perm.REQUEST_RESELLER_RELATIONSHIP, write=True)

    def create(_service_key):
        data = body.dict(exclude={"partner_id"})
        form = ResellerRelationshipRequestForm(
            {**data, "partner": str(body.partner_id)}, org=caller.org
        )
        if not form.is_valid():
            raise _form_problem(form)
        refused = _request_email_refused(caller.org, form.cleaned_data["contact_email"])
        if refused is not None:
            raise refused
        partner = form.cleaned_data["partner"]
        provider, reseller = (
            (caller.org, partner) if caller.org.is_provider else (partner, caller.org)
        )
        prepared = customer_services.reseller_relationship_request_send(
            provider=provider,
            reseller=reseller,
            actor=caller.user,
            actor_org=caller.org,
            details=form.details(),
        )
        body_out = rep.reseller_relationship_request(prepared.relationship_request)
        return 201, {**body_out, "url": prepared.url}

    return _idempotent(request, create)


@relationship_requests.post(
    "/{relationship_request_id}/revoke",
    response={200: s.ResellerRelationshipRequest, **WRITE_ERRORS},
    summary="Revoke a pending reseller relationship request (its link stops working)",
)
def revoke_relationship_request(request, relationship_request_id: uuid.UUID):
    caller = _caller(request, Perm.REQUEST_RESELLER_RELATIONSHIP, write=True)
    found = customer_selectors.relationship_request_for_org(
        org=caller.org, uuid=relationship_request_id
    )
    revoked = customer_services.reseller_relationship_request_revoke(
        relationship_request=found, actor=caller.user
    )
    return rep.reseller_relationship_request(revoked)


# -- customers ----------------------------------------------------------------

customers = Router(tags=["customers"])


@customers.get("", response={200: s.CustomerPage, **ERRORS}, summary="List customers")
def list_customers(
    request,
    reseller_id: uuid.UUID | None = None,
    q: str = Query("", max_length=100, description="Company name or domain contains"),
    continuation_token: str | None = None,
    limit: int | None = None,
):
    caller = _caller(request, Perm.VIEW)
    reseller = None
    if reseller_id is not None and caller.org.is_provider:
        reseller = customer_selectors.reseller_for_filter(provider=caller.org, uuid=reseller_id)
        if reseller is None:
            return {"items": [], "continuation_token": None}
    found = customer_selectors.customer_list(
        org=caller.org, q=q.replace("\x00", ""), reseller=reseller
    )
    rows, token = page(
        found.select_related("reseller"),
        order=["company_name", "id"],
        cursor=continuation_token,
        limit=limit,
    )
    return {"items": [rep.customer(c) for c in rows], "continuation_token": token}


@customers.get("/{customer_id}", response={200: s.Customer, **ERRORS}, summary="Get a customer")
def get_customer(request, customer_id: str):
    caller = _caller(request, Perm.VIEW)
    return rep.customer(customer_selectors.customer_for_org(org=caller.org, uuid=customer_id))


@customers.post(
    "", response={201: s.Customer, **WRITE_ERRORS}, summary="Create a customer with its first order"
)
def create_customer(request, body: s.CustomerIn):
    caller = _caller(request, Perm.ADD_CUSTOMER, write=True, kind="provider")

    def create(service_key):
        data = body.dict(exclude={"lines", "reseller_id"})
        data["reseller"] = str(body.reseller_id) if body.reseller_id else ""
        details = CustomerDetailsForm(data, provider=caller.org)
        offers = customer_selectors.orderable_offers()
        lines_data = {}
        for line in body.lines:
            lines_data[f"offer_{line.offer_id}"] = str(line.quantity)
            lines_data[f"term_{line.offer_id}"] = line.term
        lines = SubscriptionLinesForm(lines_data, offers=offers)
        if not details.is_valid():
            raise _form_problem(details)
        if not lines.is_valid():
            raise _form_problem(lines)
        created = customer_services.customer_create(
            provider=caller.org,
            actor=caller.user,
            details=details.details(),
            reseller=details.cleaned_data["reseller"],
            lines=lines.lines(),
            idempotency_key=service_key or uuid.uuid4(),
        )
        return 201, rep.customer(created.customer)

    return _idempotent(request, create)


def _subscription_page(request, subscriptions, continuation_token, limit):
    rows, token = page(
        subscriptions.select_related("customer", "offer", "reseller_location", "support_contact"),
        order=["-created_at", "-id"],
        cursor=continuation_token,
        limit=limit,
    )
    changes = {
        c.subscription_id: c
        for c in ScheduledChange.objects.pending()
        .filter(subscription__in=[r.pk for r in rows])
        .select_related("offer")
    }
    return {
        "items": [rep.subscription(r, change=changes.get(r.pk)) for r in rows],
        "continuation_token": token,
    }


@customers.get(
    "/{customer_id}/subscriptions",
    response={200: s.SubscriptionPage, **ERRORS},
    summary="List a customer's subscriptions",
)
def list_customer_subscriptions(
    request, customer_id: str, continuation_token: str | None = None, limit: int | None = None
):
    caller = _caller(request, Perm.VIEW)
    customer = customer_selectors.customer_for_org(org=caller.org, uuid=customer_id)
    found = subscription_selectors.subscription_list(org=caller.org).filter(customer=customer)
    return _subscription_page(request, found, continuation_token, limit)


# -- subscriptions ------------------------------------------------------------

subscriptions = Router(tags=["subscriptions"])


@subscriptions.get("", response={200: s.SubscriptionPage, **ERRORS}, summary="List subscriptions")
def list_subscriptions(
    request,
    reseller_partner_id: str = Query("", description="The credited location's MPN ID"),
    status: str = Query("", description="active, suspended, cancelled, upgraded or expired"),
    renews_before: date | None = Query(None, description="Term ends before this date"),
    continuation_token: str | None = None,
    limit: int | None = None,
):
    caller = _caller(request, Perm.VIEW)
    found = subscription_selectors.subscription_list(org=caller.org, status=status)
    if reseller_partner_id:
        found = found.filter(reseller_location__location_partner_id=reseller_partner_id)
    if renews_before is not None:
        end = datetime.combine(renews_before, time.min, timezone.get_current_timezone())
        found = found.filter(status__in=subscription_selectors.LIVE_STATUSES, term_end__lte=end)
    return _subscription_page(request, found, continuation_token, limit)


def _subscription_response(sub, status=200):
    sub = subscription_selectors.subscription_for_detail(org=sub.provider, subscription_id=sub.uuid)
    body = rep.subscription(sub)
    response = JsonResponse(body, status=status)
    response["ETag"] = f'"{sub.version}"'
    return response


@subscriptions.get(
    "/{subscription_id}", response={200: s.Subscription, **ERRORS}, summary="Get a subscription"
)
def get_subscription(request, subscription_id: str):
    caller = _caller(request, Perm.VIEW)
    sub = subscription_selectors.subscription_for_detail(
        org=caller.org, subscription_id=subscription_id
    )
    response = JsonResponse(rep.subscription(sub))
    response["ETag"] = f'"{sub.version}"'
    return response


def _if_match_version(request) -> int:
    value = request.headers.get("If-Match", "").strip().removeprefix("W/").strip('"')
    if not value:
        raise Problem("precondition-required")
    try:
        return int(value)
    except ValueError as exc:
        raise Problem("precondition-failed", "If-Match is not a version of this object.") from exc


_ACTION_FOR_STATUS = {"suspended": "suspend", "active": "reactivate", "cancelled": "cancel"}


@subscriptions.patch(
    "/{subscription_id}",
    response={200: s.Subscription, 412: s.ProblemDetails, 428: s.ProblemDetails, **WRITE_ERRORS},
    summary=(
        "Change a subscription (licence count, status, reseller MPN ID, support contact, "
        "auto-renew)"
    ),
)
def patch_subscription(request, subscription_id: str, body: s.SubscriptionPatch):
    """Send the subscription's ``version`` in ``If-Match``; a stale version answers 412."""
    caller = _caller(request, Perm.MANAGE_SUBSCRIPTIONS, write=True)
    sub = subscription_selectors.subscription_for_detail(
        org=caller.org, subscription_id=subscription_id
    )
    version = _if_match_version(request)
    fields = body.dict(exclude_unset=True)
    fields.pop("discard_scheduled_change", None)
    if not fields:
        raise Problem("validation-error", "Send at least one field to change.")
    try:
        with transaction.atomic():
            current = version
            if body.quantity is not None:
                sub = subscription_services.subscription_change_quantity(
                    subscription=sub,
                    quantity=body.quantity,
                    version=current,
                    org=caller.org,
                    actor=caller.user,
                    discard_scheduled=body.discard_scheduled_change,
                )
                current = sub.version
            if body.status is not None:
                sub = subscription_services.subscription_set_status(
                    subscription=sub,
                    action=_ACTION_FOR_STATUS[body.status],
                    version=current,
                    org=caller.org,
                    actor=caller.user,
                )
                current = sub.version
            if "reseller_partner_id" in fields:
                form = ResellerForm(
                    {"version": current, "location_partner_id": body.reseller_partner_id or ""},
                    provider=caller.org,
                )
                if not form.is_valid():
                    raise _form_problem(form)
                sub = subscription_services.subscription_set_reseller(
                    subscription=sub,
                    location=form.cleaned_data["location_partner_id"],
                    version=current,
                    org=caller.org,
                    actor=caller.user,
                )
                current = sub.version
            if body.support_contact_id is not None:
                form = SupportContactForm(
                    {"version": current, "support_contact": str(body.support_contact_id)},
                    subscription=sub,
                )
                if not form.is_valid():
                    raise _form_problem(form)
                sub = subscription_services.subscription_set_support_contact(
                    subscription=sub,
                    contact=form.cleaned_data["support_contact"],
                    version=current,
                    org=caller.org,
                    actor=caller.user,
                )
                current = sub.version
            if body.auto_renew is not None:
                sub = subscription_services.subscription_set_auto_renew(
                    subscription=sub,
                    auto_renew=body.auto_renew,
                    version=current,
                    org=caller.org,
                    actor=caller.user,
                )
    except subscription_services.StaleSubscription as exc:
        raise Problem("precondition-failed", exc.message) from exc
    return _subscription_response(sub)


# -- orders -------------------------------------------------------------------

orders = Router(tags=["orders"])


@orders.post("", response={201: s.Subscription, **WRITE_ERRORS}, summary="Order a subscription")
def create_order(request, body: s.OrderIn):
    """Order one offer for an existing customer; answers the new subscription."""
    caller = _caller(request, Perm.ADD_CUSTOMER, write=True, kind="provider")
    customer = customer_selectors.customer_for_org(org=caller.org, uuid=body.customer_id)

    def create(service_key):
        form = SubscriptionNewForm(
            {
                "offer": str(body.offer_id),
                "quantity": body.quantity,
                "reseller": str(body.reseller_id) if body.reseller_id else "",
                "term": body.term,
                "idempotency_key": str(service_key or uuid.uuid4()),
            },
            provider=caller.org,
        )
        if not form.is_valid():
            raise _form_problem(form)
        data = form.cleaned_data
        order, _created = subscription_services.order_submit(
            provider=caller.org,
            customer=customer,
            lines=[
                subscription_services.LineRequest(
                    offer=data["offer"],
                    quantity=data["quantity"],
                    reseller=data["reseller"],
                    term_pair=data["term"],
                )
            ],
            idempotency_key=data["idempotency_key"],
            actor=caller.user,
        )
        sub = (
            subscription_selectors.subscription_list(org=caller.org)
            .filter(order_line__order=order)
            .select_related("customer", "offer", "reseller_location", "support_contact")
            .first()
        )
        return 201, rep.subscription(sub)

    return _idempotent(request, create)


# -- activity records ---------------------------------------------------------

activity = Router(tags=["activity records"])


@activity.get("", response={200: s.ActivityRecordPage, **ERRORS}, summary="List activity records")
def list_activity_records(
    request,
    start_date: date | None = Query(None, description="From this date (default: 30 days ago)"),
    end_date: date | None = Query(None, description="Up to this date, included (default: today)"),
    continuation_token: str | None = None,
    limit: int | None = None,
):
    """At most 90 days at a time, as the partner centre allows."""
    caller = _caller(request, Perm.VIEW_ACTIVITY)
    end = end_date or timezone.localdate()
    start = start_date or portal_selectors.activity_default_start()
    if start > end:
        raise Problem("validation-error", "start_date is after end_date.")
    if (end - start) > timedelta(days=ACTIVITY_MAX_DAYS):
        raise Problem("validation-error", "Ask for at most 90 days at a time.")
    events = portal_selectors.activity_events(
        caller.org, portal_selectors.ActivityFilter(date_from=start, date_to=end)
    ).select_related("actor")
    rows, token = page(events, order=["-created_at", "-id"], cursor=continuation_token, limit=limit)
    return {"items": [rep.activity_record(e) for e in rows], "continuation_token": token}


# -- overview -------------------------------------------------------------------

overview = Router(tags=["overview"])


@overview.get("", response={200: s.Overview, **ERRORS}, summary="Get the overview's figures")
def get_overview(request):
    """The organisation's figures and chart rows as the last refresh counted them (every
    15 minutes); amounts only for a key whose role may view statements."""
    caller = _caller(request, Perm.VIEW_OVERVIEW)
    summary = overview_selectors.summary_for(org=caller.org)
    return overview_selectors.summary_data(summary=summary, perms=caller.perms)


# -- admin relationships -------------------------------------------------------

admin_relationships = Router(tags=["admin relationships"])


def _relationship_body(relationship, **extra) -> dict:
    return {**rep.admin_relationship(relationship), **extra}


@admin_relationships.get(
    "", response={200: s.AdminRelationshipPage, **ERRORS}, summary="List admin relationships"
)
def list_admin_relationships(
    request,
    status: str = Query("", description="created, approval_pending, active, expiring, …"),
    customer_id: uuid.UUID | None = None,
    continuation_token: str | None = None,
    limit: int | None = None,
):
    """A provider's: those on its customers (its own and its resellers'); a reseller's: its own."""
    caller = _caller(request, Perm.VIEW)
    found = relationship_selectors.relationship_list(
        org=caller.org, status=status, customer_id=customer_id
    )
    rows, token = page(
        found,
        order=["-created_at", "-id"],
        cursor=continuation_token,
        limit=limit,
    )
    return {"items": [rep.admin_relationship(r) for r in rows], "continuation_token": token}


@admin_relationships.get(
    "/{relationship_id}",
    response={200: s.AdminRelationship, **ERRORS},
    summary="Get an admin relationship",
)
def get_admin_relationship(request, relationship_id: uuid.UUID):
    caller = _caller(request, Perm.VIEW)
    return rep.admin_relationship(
        relationship_selectors.relationship_for_org(org=caller.org, uuid=relationship_id)
    )


@admin_relationships.post(
    "",
    response={201: s.AdminRelationshipRequested, **WRITE_ERRORS},
    summary="Request an admin relationship (the customer approves it by a link)",
)
def create_admin_relationship(request, body: s.AdminRelationshipIn):
    """For your organisation, or (a provider) for the customer's associated reseller, which
    consents first. The approval link is in the answer once, as on the page."""
    caller = _caller(request, Perm.MANAGE_ADMIN_RELATIONSHIPS, write=True)
    customer = customer_selectors.customer_for_org(org=caller.org, uuid=body.customer_id)

    def create(_service_key):
        form = RelationshipRequestForm(
            {
                "partner": str(body.partner_id or caller.org.uuid),
                "display_name": body.display_name,
                "roles": body.roles,
                "duration_days": body.duration_days,
                "auto_extend": body.auto_extend,
            },
            roles=relationship_selectors.role_catalogue(),
            templates=relationship_selectors.templates(org=caller.org),
            partners=relationship_selectors.relationship_partners(
                org=caller.org, customer=customer
            ),
        )
        if not form.is_valid():
            raise _form_problem(form)
        relationship, token = relationship_services.relationship_request(
            customer=customer,
            requester=caller.org,
            partner=form.partner_org,
            actor=caller.user,
            display_name=form.cleaned_data["display_name"],
            roles=list(form.cleaned_data["roles"]),
            duration_days=form.cleaned_data["duration_days"],
            auto_extend=form.cleaned_data["auto_extend"],
        )
        url = relationship_services.approval_url(token) if token else None
        return 201, _relationship_body(relationship, approval_url=url)

    return _idempotent(request, create)


@admin_relationships.post(
    "/{relationship_id}/terminate",
    response={200: s.AdminRelationship, **WRITE_ERRORS},
    summary="Terminate an admin relationship at once",
)
def terminate_admin_relationship(request, relationship_id: uuid.UUID):
    caller = _caller(request, Perm.MANAGE_ADMIN_RELATIONSHIPS, write=True)
    relationship = relationship_selectors.relationship_for_org(org=caller.org, uuid=relationship_id)
    ended = relationship_services.relationship_terminate(
        relationship=relationship, actor=caller.user
    )
    return rep.admin_relationship(ended)


# -- prices and statements ---------------------------------------------------

billing = Router(tags=["prices and statements"])


@billing.get(
    "/price-list",
    response={200: s.PriceListEntryPage, **ERRORS},
    summary="List the price list (a provider's, with its history)",
)
def list_price_list(
    request,
    q: str = Query("", max_length=100, description="Offer name or SKU contains"),
    offer_id: uuid.UUID | None = None,
    term: str = Query("", description="P1M, P1Y or P3Y"),
    continuation_token: str | None = None,
    limit: int | None = None,
):
    caller = _caller(request, Perm.VIEW_BILLING, kind="provider")
    entries = billing_selectors.price_entries(
        org=caller.org,
        q=q.replace("\x00", ""),
        offer=str(offer_id) if offer_id else "",
        term=term,
    )
    rows, token = page(
        entries,
        order=["offer_id", "term", "billing_frequency", "-effective_from", "id"],
        cursor=continuation_token,
        limit=limit,
    )
    currency = pricing.currency_of(caller.org)
    return {
        "items": [rep.price_list_entry(e, currency=currency) for e in rows],
        "continuation_token": token,
    }


@billing.get(
    "/providers",
    response={200: s.ProviderPage, **ERRORS},
    summary="List the indirect providers a reseller has authorised",
)
def list_providers(request, continuation_token: str | None = None, limit: int | None = None):
    caller = _caller(request, Perm.VIEW_BILLING, kind="reseller")
    rows, token = page(
        billing_selectors.providers_of(caller.org),
        order=["legal_name", "id"],
        cursor=continuation_token,
        limit=limit,
    )
    return {"items": [rep.organisation_ref(o) for o in rows], "continuation_token": token}


@billing.get(
    "/prices",
    response={200: s.ResellerPricePage, **ERRORS},
    summary="List what a reseller pays one of its providers today",
)
def list_reseller_prices(
    request,
    provider_id: uuid.UUID,
    q: str = Query("", max_length=100, description="Offer name or SKU contains"),
    term: str = Query("", description="P1M, P1Y or P3Y"),
    continuation_token: str | None = None,
    limit: int | None = None,
):
    """The reseller's own prices only: never the provider's cost or its other resellers'."""
    caller = _caller(request, Perm.VIEW_BILLING, kind="reseller")
    provider = billing_selectors.providers_of(caller.org).filter(uuid=provider_id).first()
    if provider is None:
        raise Http404
    entries = billing_selectors.entries_in_effect(
        provider=provider, on=timezone.localdate(), q=q.replace("\x00", ""), term=term
    )
    rows, token = page(
        entries,
        order=["offer_id", "term", "billing_frequency"],
        cursor=continuation_token,
        limit=limit,
    )
    prices = pricing.resolve_for_entries(
        provider=provider, reseller=caller.org, entries=rows, on=timezone.localdate()
    )
    return {
        "items": [rep.reseller_price(e, p, provider=provider) for e, p in prices],
        "continuation_token": token,
    }


def _month(value: str) -> date | None:
    if not value:
        return None
    try:
        return datetime.strptime(value, "%Y-%m").date()
    except ValueError as exc:
        raise Problem("validation-error", "month is YYYY-MM.") from exc


@billing.get("/statements", response={200: s.StatementPage, **ERRORS}, summary="List statements")
def list_statements(
    request,
    month: str = Query("", description="YYYY-MM"),
    status: str = Query("", description="open or closed"),
    reseller_id: uuid.UUID | None = Query(None, description="A provider's: one reseller's"),
    continuation_token: str | None = None,
    limit: int | None = None,
):
    """A provider's: every reseller's and its direct customers'; a reseller's: its own."""
    caller = _caller(request, Perm.VIEW_BILLING)
    found = billing_selectors.statements(org=caller.org)
    if (first := _month(month)) is not None:
        found = found.filter(month=first)
    if status:
        found = found.filter(status=status)
    if reseller_id is not None:
        found = found.filter(reseller__uuid=reseller_id)
    rows, token = page(
        found.select_related("provider", "reseller"),
        order=["-month", "id"],
        cursor=continuation_token,
        limit=limit,
    )
    rows = billing_selectors.with_open_totals(rows)
    with_cost = caller.org.is_provider
    return {
        "items": [rep.statement(r, with_cost=with_cost) for r in rows],
        "continuation_token": token,
    }


@billing.get(
    "/statements/{statement_id}", response={200: s.Statement, **ERRORS}, summary="Get a statement"
)
def get_statement(request, statement_id: uuid.UUID):
    caller = _caller(request, Perm.VIEW_BILLING)
    statement = billing_selectors.statement_for(org=caller.org, statement_id=statement_id)
    return rep.statement(statement, with_cost=caller.org.is_provider)


@billing.get(
    "/statements/{statement_id}/lines",
    response={200: s.StatementLinePage, **ERRORS},
    summary="List a statement's lines",
)
def list_statement_lines(
    request,
    statement_id: uuid.UUID,
    continuation_token: str | None = None,
    limit: int | None = None,
):
    caller = _caller(request, Perm.VIEW_BILLING)
    statement = billing_selectors.statement_for(org=caller.org, statement_id=statement_id)
    rows, token = page(
        billing_selectors.statement_charges(statement).select_related(
            "offer", "customer", "subscription"
        ),
        order=["charged_on", "id"],
        cursor=continuation_token,
        limit=limit,
    )
    with_cost = caller.org.is_provider
    return {
        "items": [rep.charge(c, with_cost=with_cost) for c in rows],
        "continuation_token": token,
    }


# -- bulk imports ------------------------------------------------------------

imports = Router(tags=["imports"])


@imports.get("", response={200: s.ImportPage, **ERRORS}, summary="List bulk imports")
def list_imports(request, continuation_token: str | None = None, limit: int | None = None):
    caller = _caller(request, Perm.RUN_BULK_IMPORTS, kind="provider")
    rows, token = page(
        job_selectors.jobs_for_list(org=caller.org),
        order=["-created_at", "-id"],
        cursor=continuation_token,
        limit=limit,
    )
    now = timezone.now()
    return {
        "items": [rep.job(j, seconds_left=job_selectors.seconds_left(j, now)) for j in rows],
        "continuation_token": token,
    }


@imports.get(
    "/{job_id}", response={200: s.Import, **ERRORS}, summary="Get an import's status and progress"
)
def get_import(request, job_id: uuid.UUID):
    caller = _caller(request, Perm.RUN_BULK_IMPORTS, kind="provider")
    job = job_selectors.job_for_detail(org=caller.org, job_id=job_id)
    return rep.job(job, seconds_left=job_selectors.seconds_left(job, timezone.now()))


# -- partnership handovers -----------------------------------------------------

handovers = Router(tags=["partnership handovers"])


@handovers.get(
    "", response={200: s.HandoverPage, **ERRORS}, summary="List partnership removals with handover"
)
def list_handovers(request, continuation_token: str | None = None, limit: int | None = None):
    """Each removal of a partnership with its customers' handover: status, progress, how
    many customers each decision concerns, and until when it can be undone."""
    caller = _caller(request, Perm.REMOVE_PARTNERSHIP, kind="provider")
    rows, token = page(
        Handover.objects.for_org(caller.org).select_related(
            "job", "undo_job", "reseller", "partnership"
        ),
        order=["-created_at", "-id"],
        cursor=continuation_token,
        limit=limit,
    )
    summaries = ho.plan_summaries(rows)
    now = timezone.now()
    return {
        "items": [rep.handover(h, summary=summaries[h.pk], now=now) for h in rows],
        "continuation_token": token,
    }


@handovers.get(
    "/{handover_id}",
    response={200: s.Handover, **ERRORS},
    summary="Get a partnership removal with handover",
)
def get_handover(request, handover_id: uuid.UUID):
    caller = _caller(request, Perm.REMOVE_PARTNERSHIP, kind="provider")
    return rep.handover(ho.handover_for_page(org=caller.org, job_id=handover_id))


api.add_router("/resellers", resellers)
api.add_router("/reseller-relationship-requests", relationship_requests)
api.add_router("/partnership-requests", requests_router)
api.add_router("/customers", customers)
api.add_router("/subscriptions", subscriptions)
api.add_router("/orders", orders)
api.add_router("/activity-records", activity)
api.add_router("/overview", overview)
api.add_router("/admin-relationships", admin_relationships)
api.add_router("", billing)
api.add_router("/imports", imports)
api.add_router("/handovers", handovers)
