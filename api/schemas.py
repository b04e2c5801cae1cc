"""The request and response bodies, as the OpenAPI document describes them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

from ninja import Field, Schema


class OrganisationRef(Schema):
    id: UUID
    name: str
    partner_id: str


class OfferRef(Schema):
    id: UUID
    name: str


class Customer(Schema):
    id: UUID
    company_name: str
    primary_domain: str
    country: str
    reseller: OrganisationRef | None
    created_at: str = Field(..., description="ISO 8601, UTC")


class ScheduledChange(Schema):
    quantity: int
    offer: OfferRef
    term: str
    billing_frequency: str


class Subscription(Schema):
    id: UUID
    customer_id: UUID
    offer: OfferRef
    quantity: int
    status: Literal["active", "suspended", "cancelled", "upgraded", "expired"]
    version: int = Field(..., description="Send it back in If-Match to change the subscription")
    reseller_partner_id: str | None = Field(..., description="The credited location's MPN ID")
    support_contact: OrganisationRef | None
    term: str
    billing_frequency: str
    term_start: str
    term_end: str
    auto_renew: bool
    renewal_label: str
    renewal_date: str | None
    scheduled_change: ScheduledChange | None
    created_at: str


class Partnership(Schema):
    id: UUID
    reseller: OrganisationRef
    status: str
    created_at: str


class PartnershipRequest(Schema):
    id: UUID
    email: str
    status: str
    created_at: str
    sent_at: str | None
    expires_at: str
    accepted_at: str | None


class ActivityRecord(Schema):
    id: UUID
    verb: str
    actor: str | None
    object_type: str
    object_id: str
    object_repr: str
    before: Any = None
    after: Any = None
    created_at: str


class AdminRelationship(Schema):
    id: UUID
    customer_id: UUID
    partner: OrganisationRef
    display_name: str
    status: Literal[
        "created",
        "approval_pending",
        "active",
        "expiring",
        "expired",
        "termination_requested",
        "terminated",
    ]
    roles: list[str] = Field(..., description="Directory role IDs")
    duration_days: int
    auto_extend: bool
    created_at: str
    approved_at: str | None
    ends_at: str | None


class AdminRelationshipRequested(AdminRelationship):
    approval_url: str | None = Field(
        ...,
        description=(
            "The link the customer approves with, shown once (null when the reseller "
            "consents first)"
        ),
    )


class AdminRelationshipIn(Schema):
    customer_id: UUID
    partner_id: UUID | None = Field(
        None, description="Your organisation (default) or the customer's associated reseller"
    )
    display_name: str
    roles: list[str] = Field(..., description="Directory role IDs")
    duration_days: int = Field(..., description="1 to 730")
    auto_extend: bool = False


class PriceListEntry(Schema):
    id: UUID
    offer: OfferRef
    term: str
    billing_frequency: str
    cost: str = Field(..., description="Decimal, in the currency's minor units")
    reseller_price: str
    retail_price: str
    currency: str
    effective_from: str = Field(..., description="YYYY-MM-DD")


class ResellerPrice(Schema):
    provider: OrganisationRef
    offer: OfferRef
    term: str
    billing_frequency: str
    unit_price: str = Field(..., description="What the reseller pays, per licence and period")
    retail_price: str
    currency: str


class Statement(Schema):
    id: UUID
    provider: OrganisationRef
    reseller: OrganisationRef | None = Field(..., description="Null: the direct customers'")
    month: str = Field(..., description="YYYY-MM")
    currency: str
    status: Literal["open", "closed"]
    lines: int
    total: str
    cost: str | None = Field(..., description="The provider's only; null for a reseller")
    margin: str | None
    closed_at: str | None


class CustomerRef(Schema):
    id: UUID
    name: str


class StatementLine(Schema):
    id: UUID
    kind: str
    charged_on: str = Field(..., description="YYYY-MM-DD")
    customer: CustomerRef
    subscription_id: UUID
    reseller_partner_id: str | None
    offer: OfferRef
    term: str
    billing_frequency: str
    quantity: int
    days: int
    period_days: int
    unit_price: str
    amount: str
    unit_cost: str | None = Field(..., description="The provider's only; null for a reseller")
    cost: str | None
    margin: str | None
    currency: str


class Import(Schema):
    id: UUID
    kind: Literal["invites", "customers", "reassign"]
    status: Literal["validated", "queued", "running", "done", "cancelled"]
    file_name: str
    rows: int
    invalid_rows: int
    valid_rows: int
    done: int
    failed: int
    processed: int
    percent: int
    seconds_left: int | None = Field(..., description="An estimate while it runs")
    created_at: str
    started_at: str | None
    finished_at: str | None


class ResellerRelationshipRequest(Schema):
    id: UUID
    provider: OrganisationRef
    reseller: OrganisationRef
    requested_by: OrganisationRef = Field(..., description="The provider or the reseller")
    company_name: str
    primary_domain: str = Field(..., description="The domain of the company's existing tenant")
    contact_first_name: str
    contact_last_name: str
    contact_email: str
    language: str = Field(..., description="The language of the contact's email")
    status: Literal["pending", "accepted", "expired", "revoked"]
    customer_id: UUID | None = Field(..., description="The customer made when it was accepted")
    created_at: str
    expires_at: str
    accepted_at: str | None
    revoked_at: str | None


class ResellerRelationshipRequestCreated(ResellerRelationshipRequest):
    url: str = Field(
        ..., description="The link the company's contact accepts with (also emailed), shown once"
    )


class ResellerRelationshipRequestIn(Schema):
    partner_id: UUID = Field(
        ..., description="A provider's: one of its resellers; a reseller's: one of its providers"
    )
    company_name: str
    primary_domain: str = Field(..., description="The domain of the company's existing tenant")
    contact_first_name: str
    contact_last_name: str
    contact_email: str
    language: str = Field("en", description="en or ja: the language of the contact's email")


class ResellerRelationshipRequestPage(Schema):
    items: list[ResellerRelationshipRequest]
    continuation_token: str | None


class HandoverDecisions(Schema):
    leave: int = Field(..., description="Customers left as they are")
    provider: int = Field(..., description="Customers kept with the provider (no reseller)")
    reassign: int = Field(..., description="Customers reassigned to another reseller")


class HandoverOutcomes(Schema):
    applied: int
    unchanged: int
    failed: int


class HandoverProgress(Schema):
    step: Literal["handover", "undo"] = Field(..., description="The run shown: the undo once asked")
    total: int
    processed: int
    percent: int
    seconds_left: int | None = Field(..., description="An estimate while it runs")


class Handover(Schema):
    id: UUID
    partnership_id: UUID
    reseller: OrganisationRef
    status: Literal[
        "planned", "queued", "running", "finished", "cancelled", "discarded", "undoing", "undone"
    ]
    customers: int
    decisions: HandoverDecisions
    outcomes: HandoverOutcomes
    progress: HandoverProgress
    notify: bool = Field(..., description="The reseller and the customers are emailed")
    created_at: str
    started_at: str | None
    finished_at: str | None
    undo_deadline: str | None = Field(..., description="It can be undone until then")
    can_undo: bool
    undo_started_at: str | None
    undo_finished_at: str | None


class HandoverPage(Schema):
    items: list[Handover]
    continuation_token: str | None


class AdminRelationshipPage(Schema):
    items: list[AdminRelationship]
    continuation_token: str | None


class PriceListEntryPage(Schema):
    items: list[PriceListEntry]
    continuation_token: str | None


class ResellerPricePage(Schema):
    items: list[ResellerPrice]
    continuation_token: str | None


class ProviderPage(Schema):
    items: list[OrganisationRef]
    continuation_token: str | None


class StatementPage(Schema):
    items: list[Statement]
    continuation_token: str | None


class StatementLinePage(Schema):
    items: list[StatementLine]
    continuation_token: str | None


class ImportPage(Schema):
    items: list[Import]
    continuation_token: str | None


class CustomerPage(Schema):
    items: list[Customer]
    continuation_token: str | None


class SubscriptionPage(Schema):
    items: list[Subscription]
    continuation_token: str | None


class PartnershipPage(Schema):
    items: list[Partnership]
    continuation_token: str | None


class PartnershipRequestPage(Schema):
    items: list[PartnershipRequest]
    continuation_token: str | None


class ActivityRecordPage(Schema):
    items: list[ActivityRecord]
    continuation_token: str | None


class ProblemDetails(Schema):
    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[dict[str, Any]] | None = None


class PartnershipRequestIn(Schema):
    email: str
    any_address: bool = False


class OrderLineIn(Schema):
    offer_id: UUID
    quantity: int
    term: str = Field("", description="One of the offer's pairs, e.g. P1Y/annual; empty: its first")


class CustomerIn(Schema):
    company_name: str
    domain_prefix: str
    street: str
    city: str
    postal_code: str
    country: str
    contact_first_name: str
    contact_last_name: str
    contact_email: str
    contact_phone: str = ""
    language: str = "en"
    reseller_id: UUID | None = None
    lines: list[OrderLineIn]


class OrderIn(Schema):
    customer_id: UUID
    offer_id: UUID
    quantity: int
    reseller_id: UUID | None = None
    term: str = ""


class SubscriptionPatch(Schema):
    quantity: int | None = None
    status: Literal["active", "suspended", "cancelled"] | None = None
    reseller_partner_id: str | None = Field(
        None, description="A location MPN ID to credit; an empty string credits none"
    )
    support_contact_id: UUID | None = None
    auto_renew: bool | None = None
    discard_scheduled_change: bool = False


class DateRange(Schema):
    start: date
    end: date


class OverviewFigure(Schema):
    value: int | str = Field(description="A count, or an amount as a decimal string")
    previous: int | str | None = Field(
        description="The same figure one period earlier (30 days, or last month); null when unknown"
    )


class Overview(Schema):
    refreshed_at: datetime | None = Field(description="When the figures were counted")
    figures: dict[str, OverviewFigure]
    charts: dict[str, Any]
