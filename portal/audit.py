"""Activity events: every state change writes one, through ``record``, with a ``Verb``."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

request_ip: ContextVar[str | None] = ContextVar("request_ip", default=None)
# Set by the API for a request made with a key: the key, named, is the actor.
request_actor_label: ContextVar[str] = ContextVar("request_actor_label", default="")


class Verb(models.TextChoices):
    """Every verb an activity event is written with, and its label in the Activity log.

    A service writes ``Verb.X``, never a string of its own; a verb missing
    here fails the test suite (tests/portal/test_activity_verbs.py).
    """

    # Partnerships and their requests
    PARTNERSHIP_REQUEST_CREATED = "partnership_request.created", _("Partnership request prepared")
    PARTNERSHIP_REQUEST_SENT = "partnership_request.sent", _("Partnership request sent")
    PARTNERSHIP_REQUEST_RESENT = "partnership_request.resent", _("Partnership request sent again")
    PARTNERSHIP_REQUEST_REVOKED = "partnership_request.revoked", _("Partnership request revoked")
    PARTNERSHIP_REQUEST_EXPIRED = "partnership_request.expired", _("Partnership request expired")
    PARTNERSHIP_REQUEST_ACCEPTED = (
        "partnership_request.accepted",
        _("Partnership request accepted"),
    )
    PARTNERSHIP_REQUEST_ENROLMENT_MAILED = (
        "partnership_request.enrolment_mailed",
        _("Enrolment confirmation link emailed"),
    )
    PARTNERSHIP_CREATED = "partnership.created", _("Partnership begun")
    PARTNERSHIP_REMOVED = "partnership.removed", _("Partnership removed")
    PARTNERSHIP_REVOKED = "partnership.revoked", _("Indirect provider's authorisation revoked")
    PARTNERSHIP_AGREEMENT_REMINDER_SENT = (
        "partnership.agreement_reminder_sent",
        _("Agreement reminder sent"),
    )
    PARTNERSHIP_RESTORED = "partnership.restored", _("Partnership restored")
    # Removal with a guided handover (partners.handover)
    HANDOVER_PLANNED = "partnership_handover.planned", _("Partnership handover prepared")
    HANDOVER_DECISION_CHANGED = (
        "partnership_handover.decision_changed",
        _("Handover decision changed"),
    )
    HANDOVER_STARTED = "partnership_handover.started", _("Partnership removal and handover started")
    HANDOVER_CUSTOMER = "partnership_handover.customer", _("Customer handed over")
    HANDOVER_CANCELLED = "partnership_handover.cancelled", _("Partnership handover cancelled")
    HANDOVER_FINISHED = "partnership_handover.finished", _("Partnership handover finished")
    HANDOVER_UNDO_STARTED = "partnership_handover.undo_started", _("Undo of a handover started")
    HANDOVER_CUSTOMER_RESTORED = (
        "partnership_handover.customer_restored",
        _("Customer's handover undone"),
    )
    HANDOVER_UNDONE = "partnership_handover.undone", _("Partnership handover undone")
    ORGANISATION_ENROLLED = "organisation.enrolled", _("Reseller enrolled")
    ORGANISATION_AGREEMENT_ACCEPTED = (
        "organisation.agreement_accepted",
        _("Partner agreement accepted"),
    )
    # Customers
    CUSTOMER_CREATED = "customer.created", _("Customer added")
    CUSTOMER_RESELLER_CHANGED = "customer.reseller_changed", _("Associated reseller changed")
    CUSTOMER_RESELLER_RELATIONSHIP_REMOVED = (
        "customer.reseller_relationship_removed",
        _("Reseller relationship removed"),
    )
    CUSTOMER_TENANT_OWNER_GRANTED = "customer.tenant_owner_granted", _("Tenant owner granted")
    CUSTOMER_TENANT_OWNER_REVOKED = "customer.tenant_owner_revoked", _("Tenant owner revoked")
    CUSTOMER_SETUP_INFORMATION_SHOWN = (
        "customer.setup_information_shown",
        _("Setup information shown"),
    )
    # Written before admin relationships replaced delegated admin: older events still read.
    CUSTOMER_DELEGATED_ADMIN_GRANTED = (
        "customer.delegated_admin_granted",
        _("Delegated admin granted"),
    )
    CUSTOMER_DELEGATED_ADMIN_REMOVED = (
        "customer.delegated_admin_removed",
        _("Delegated admin removed"),
    )
    # Reseller relationship requests to companies with a tenant elsewhere
    RESELLER_RELATIONSHIP_REQUEST_SENT = (
        "reseller_relationship_request.sent",
        _("Reseller relationship request sent"),
    )
    RESELLER_RELATIONSHIP_REQUEST_REVOKED = (
        "reseller_relationship_request.revoked",
        _("Reseller relationship request revoked"),
    )
    RESELLER_RELATIONSHIP_REQUEST_EXPIRED = (
        "reseller_relationship_request.expired",
        _("Reseller relationship request expired"),
    )
    RESELLER_RELATIONSHIP_REQUEST_ACCEPTED = (
        "reseller_relationship_request.accepted",
        _("Reseller relationship request accepted"),
    )
    # Admin relationships (granular delegated admin)
    ADMIN_RELATIONSHIP_CREATED = (
        "admin_relationship.created",
        _("Admin relationship awaiting reseller consent"),
    )
    ADMIN_RELATIONSHIP_REQUESTED = (
        "admin_relationship.requested",
        _("Admin relationship approval requested"),
    )
    ADMIN_RELATIONSHIP_APPROVED = "admin_relationship.approved", _("Admin relationship approved")
    ADMIN_RELATIONSHIP_EXPIRING = "admin_relationship.expiring", _("Admin relationship expiring")
    ADMIN_RELATIONSHIP_EXTENDED = (
        "admin_relationship.extended",
        _("Admin relationship extended automatically"),
    )
    ADMIN_RELATIONSHIP_EXPIRED = "admin_relationship.expired", _("Admin relationship expired")
    ADMIN_RELATIONSHIP_TERMINATION_REQUESTED = (
        "admin_relationship.termination_requested",
        _("Admin relationship termination requested"),
    )
    ADMIN_RELATIONSHIP_TERMINATED = (
        "admin_relationship.terminated",
        _("Admin relationship terminated"),
    )
    ADMIN_RELATIONSHIP_NOTICE_SENT = (
        "admin_relationship.notice_sent",
        _("Admin relationship end notice sent"),
    )
    ACCESS_ASSIGNMENT_CHANGED = "access_assignment.changed", _("Access assignment changed")
    SECURITY_GROUP_CREATED = "security_group.created", _("Security group created")
    SECURITY_GROUP_DELETED = "security_group.deleted", _("Security group deleted")
    SECURITY_GROUP_MEMBERS_CHANGED = (
        "security_group.members_changed",
        _("Security group members changed"),
    )
    RELATIONSHIP_TEMPLATE_CREATED = (
        "relationship_template.created",
        _("Admin relationship template saved"),
    )
    RELATIONSHIP_TEMPLATE_DELETED = (
        "relationship_template.deleted",
        _("Admin relationship template deleted"),
    )
    # Orders and subscriptions
    ORDER_SUBMITTED = "order.submitted", _("Order submitted")
    SUBSCRIPTION_CREATED = "subscription.created", _("Subscription added")
    SUBSCRIPTION_QUANTITY_CHANGED = "subscription.quantity_changed", _("Licence count changed")
    SUBSCRIPTION_SUSPENDED = "subscription.suspended", _("Subscription suspended")
    SUBSCRIPTION_REACTIVATED = "subscription.reactivated", _("Subscription reactivated")
    SUBSCRIPTION_CANCELLED = "subscription.cancelled", _("Subscription cancelled")
    SUBSCRIPTION_RESELLER_CHANGED = (
        "subscription.reseller_changed",
        _("Credited reseller (MPN ID) changed"),
    )
    SUBSCRIPTION_SUPPORT_CONTACT_CHANGED = (
        "subscription.support_contact_changed",
        _("Designated support contact changed"),
    )
    SUBSCRIPTION_UPGRADED = "subscription.upgraded", _("Subscription upgraded")
    SUBSCRIPTION_AUTO_RENEW_CHANGED = "subscription.auto_renew_changed", _("Auto-renew changed")
    SUBSCRIPTION_CHANGE_SCHEDULED = (
        "subscription.change_scheduled",
        _("Change scheduled for the renewal"),
    )
    SUBSCRIPTION_SCHEDULED_CHANGE_EDITED = (
        "subscription.scheduled_change_edited",
        _("Scheduled change edited"),
    )
    SUBSCRIPTION_SCHEDULED_CHANGE_CANCELLED = (
        "subscription.scheduled_change_cancelled",
        _("Scheduled change cancelled"),
    )
    SUBSCRIPTION_RENEWED = "subscription.renewed", _("Subscription renewed")
    SUBSCRIPTION_EXPIRED = "subscription.expired", _("Subscription expired")
    SUBSCRIPTION_RENEWAL_REMINDER_SENT = (
        "subscription.renewal_reminder_sent",
        _("Renewal reminder sent"),
    )
    # Prices and statements
    PRICE_SCHEDULED = "price.scheduled", _("Price list entry added")
    TIER_SAVED = "tier.saved", _("Reseller tier saved")
    TIER_PRICE_SET = "tier.price_set", _("Tier price set")
    RESELLER_TIER_SET = "reseller.tier_set", _("Reseller's tier changed")
    RESELLER_PRICE_SET = "reseller.price_set", _("Reseller's own price set")
    STATEMENT_CLOSED = "statement.closed", _("Monthly statement closed")
    # Bulk imports
    IMPORT_STARTED = "import.started", _("Import started")
    IMPORT_CANCELLED = "import.cancelled", _("Import cancelled")
    IMPORT_FINISHED = "import.finished", _("Import finished")
    IMPORT_RESULTS_DOWNLOADED = "import.results_downloaded", _("Import results downloaded")
    # Staff and members
    STAFF_INVITATION_SENT = "staff_invitation.sent", _("Staff invitation sent")
    STAFF_INVITATION_REVOKED = "staff_invitation.revoked", _("Staff invitation revoked")
    STAFF_INVITATION_ACCEPTED = "staff_invitation.accepted", _("Staff invitation accepted")
    MEMBERSHIP_ROLE_CHANGED = "membership.role_changed", _("Role changed")
    USER_DEACTIVATED = "user.deactivated", _("User deactivated")
    USER_REACTIVATED = "user.reactivated", _("User reactivated")
    USER_PASSWORD_CHANGED = "user.password_changed", _("Password changed")
    # Multi-factor authentication
    MFA_DEVICE_ADDED = "mfa.device_added", _("MFA device added")
    MFA_DEVICE_REMOVED = "mfa.device_removed", _("MFA device removed")
    MFA_RECOVERY_CODES_GENERATED = "mfa.recovery_codes_generated", _("Recovery codes generated")
    MFA_RECOVERY_CODE_USED = "mfa.recovery_code_used", _("Recovery code used")
    MFA_RESET = "mfa.reset", _("MFA reset")
    # The API and webhooks
    API_KEY_CREATED = "api_key.created", _("API key created")
    API_KEY_REVOKED = "api_key.revoked", _("API key revoked")
    WEBHOOK_CREATED = "webhook.created", _("Webhook added")
    WEBHOOK_UPDATED = "webhook.updated", _("Webhook changed")
    WEBHOOK_SECRET_ROTATED = "webhook.secret_rotated", _("Webhook signing secret rotated")
    WEBHOOK_DISABLED = "webhook.disabled", _("Webhook disabled after failing")
    ORGANISATION_MFA_REQUIREMENT_CHANGED = (
        "organisation.mfa_requirement_changed",
        _("MFA requirement changed"),
    )


def verb_label(verb: str) -> str:
    """The verb's label in the current language (an unknown verb, from older data, as it is)."""
    try:
        return str(Verb(verb).label)
    except ValueError:
        return verb


def build(*, org, actor, verb: Verb, obj=None, before: Any = None, after: Any = None):
    """An unsaved activity event, for a job that writes many at once (``record_many``)."""
    from portal.models import ActivityEvent

    # A member is a verb; a string is checked (Verb.values builds its list on each call).
    if not isinstance(verb, Verb) and verb not in Verb.values:
        raise ValueError(f"{verb!r} is not an activity verb: add it to portal.audit.Verb")
    event = ActivityEvent(
        organisation=org,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        verb=verb,
        object_type=obj._meta.model_name if obj is not None else "",
        object_id=str(getattr(obj, "uuid", None) or getattr(obj, "pk", "") or ""),
        object_repr=str(obj)[:250] if obj is not None else "",
        before=before,
        after=after,
        ip_address=request_ip.get(),
        actor_label=request_actor_label.get(),
    )
    event.subject = obj  # not stored: record_many hands it to the webhooks
    return event


# The Activity log's names of the objects events are about (ActivityEvent.object_type).
OBJECT_TYPES = {
    "partnership": _("Partnership"),
    "partnershiprequest": _("Partnership request"),
    "resellerrelationshiprequest": _("Reseller relationship request"),
    "handover": _("Partnership handover"),
    "organisation": _("Organisation"),
    "customer": _("Customer"),
    "subscription": _("Subscription"),
    "scheduledchange": _("Scheduled change"),
    "order": _("Order"),
    "membership": _("User"),
    "staffinvitation": _("Staff invitation"),
    "tenantownergrant": _("Tenant owner rights"),
    "delegatedadmin": _("Delegated admin"),
    "user": _("User"),
}

# The page of an object, by its type: the URL name taking the object's uuid.
OBJECT_PAGES = {
    "customer": ("customers:customer_detail", "customer_id"),
    "subscription": ("subscriptions:subscription_detail", "subscription_id"),
    "partnership": ("partners:reseller_detail", "partnership_id"),
    # A handover's uuid is its job's (partners.handover).
    "handover": ("partners:handover_detail", "job_id"),
}


def object_type_label(object_type: str) -> str:
    """The object type's name in the viewer's language (the raw type if it has none)."""
    label = OBJECT_TYPES.get(object_type)
    return str(label) if label is not None else object_type


def record_many(events: list) -> None:
    """Write events made by ``build`` in one statement (a batch job's many state changes)."""
    from portal.models import ActivityEvent

    ActivityEvent.objects.bulk_create(events)
    # The webhook deliveries of these changes, in the same transaction (an outbox).
    from webhooks.services import deliveries_for_events

    deliveries_for_events([(event, getattr(event, "subject", None)) for event in events])


def record(
    *,
    org,
    actor,
    verb: Verb,
    obj=None,
    before: Any = None,
    after: Any = None,
    object_type: str | None = None,
):
    """Write one activity event for ``org`` (the client IP comes from the current request)."""
    from portal.models import ActivityEvent

    if not isinstance(verb, Verb) and verb not in Verb.values:
        # A verb without a label would show untranslated in the Activity log.
        raise ValueError(f"{verb!r} is not an activity verb: add it to portal.audit.Verb")

    actor_obj = actor if getattr(actor, "is_authenticated", False) else None
    event = ActivityEvent.objects.create(
        organisation=org,
        actor=actor_obj,
        verb=verb,
        object_type=object_type or (obj._meta.model_name if obj is not None else ""),
        object_id=str(getattr(obj, "uuid", None) or getattr(obj, "pk", "") or ""),
        object_repr=str(obj)[:250] if obj is not None else "",
        before=before,
        after=after,
        ip_address=request_ip.get(),
        actor_label=request_actor_label.get(),
    )
    # The webhook deliveries of this change, in the same transaction (an outbox).
    from webhooks.services import deliveries_for_event

    deliveries_for_event(event=event, obj=obj)
    return event
