"""Guarantee 3: each role may do what the permission matrix grants, and nothing else.

For each action of the matrix (portal.roles.PERMISSIONS) and each role, a
member of that role posts to the real endpoint: a granted action succeeds and
writes its rows; any other answers 403 and writes nothing.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from api.models import ApiKey
from billing.models import PartnershipTier, PriceListEntry
from customers.models import Customer, ResellerRelationshipRequest
from jobs.models import Job
from partners.models import Membership, Organisation, Partnership, PartnershipRequest
from portal.models import StaffInvitation, User
from portal.roles import PERMISSIONS, Perm, Role, role_has
from relationships.models import AdminRelationship, SecurityGroup
from subscriptions.models import Subscription
from tests import factories as f
from tests.security.conftest import await_agreement, csrf_client, rows_digest
from webhooks.models import WebhookSubscription

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Action:
    perm: str
    side: str  # whose member acts: "provider" or "reseller"
    # (client, world, user) -> response
    perform: Callable
    # (world, response) -> whether the action took effect
    succeeded: Callable
    # (world) -> None: the state in which the action applies, set before the rows are compared
    prepare: Callable = lambda home: None


def _request_partnership(client, home, user):
    return client.post(reverse("partners:request_new"), {"email": "new@reseller.example"})


def _remove_partnership(client, home, user):
    return client.post(reverse("partners:partnership_remove", args=[home.partnership.uuid]))


def _revoke_provider(client, home, user):
    return client.post(reverse("partners:provider_revoke", args=[home.partnership.uuid]))


def _submit_new_customer(client, home, user):
    """Submit the wizard's last step with a complete draft in the member's session."""
    key = str(uuid.uuid4())
    session = client.session
    session[f"customers.draft:{user.pk}:{home.provider.pk}"] = {
        "idempotency_key": key,
        "details": {
            "company_name": "Northwind Traders",
            "domain_prefix": "northwind",
            "street": "1 Harbour Road",
            "city": "Osaka",
            "postal_code": "530-0001",
            "country": "JP",
            "contact_first_name": "Aiko",
            "contact_last_name": "Sato",
            "contact_email": "it@northwind.example",
            "contact_phone": "",
            "language": "en",
            "reseller": str(home.reseller.uuid),
        },
        "lines": {f"offer_{home.offer.uuid}": "5"},
    }
    session.save()
    return client.post(reverse("customers:customer_new_review"), {"idempotency_key": key})


def _new_subscription(client, home, user):
    url = reverse("subscriptions:subscription_new", args=[home.customer.uuid])
    data = {"offer": str(home.offer.uuid), "quantity": "3", "idempotency_key": str(uuid.uuid4())}
    return client.post(url, data)


def _change_licences(client, home, user):
    url = reverse("subscriptions:subscription_quantity", args=[home.subscription.uuid])
    return client.post(url, {"quantity": "42", "version": str(home.subscription.version)})


def _auto_renew_off(client, home, user):
    url = reverse("subscriptions:subscription_auto_renew", args=[home.subscription.uuid])
    return client.post(url, {"version": str(home.subscription.version)})


def _schedule_change(client, home, user):
    url = reverse("subscriptions:subscription_scheduled_change", args=[home.subscription.uuid])
    data = {
        "version": str(home.subscription.version),
        "offer": str(home.offer.uuid),
        "quantity": "30",
        "term": "P1M/monthly",
    }
    return client.post(url, data)


def _invite_user(client, home, user):
    return client.post(
        reverse("user_invite"), {"email": "new@staff.example", "role": "sales_agent"}
    )


def _change_role(client, home, user):
    url = reverse("member_role", args=[home.member.membership.uuid])
    return client.post(url, {"role": Role.ADMIN_AGENT})


def _deactivate_member(client, home, user):
    return client.post(reverse("member_deactivate", args=[home.member.membership.uuid]))


def _accept_agreement(client, home, user):
    return client.post(reverse("partners:agreement_accept"), {"agreement": "on"})


def _view_activity(client, home, user):
    return client.get(reverse("activity_log"))


def _view_customers(client, home, user):
    return client.get(reverse("customers:customer_list"))


def _request_admin_relationship(client, home, user):
    url = reverse("relationships:relationship_request", args=[home.customer.uuid])
    data = {
        "partner": str(home.provider.uuid),
        "display_name": "Role matrix access",
        "roles": [role.pk for role in home.relationship.roles.all()],
        "duration_days": "90",
    }
    return client.post(url, data)


def _terminate_admin_relationship(client, home, user):
    url = reverse("relationships:relationship_terminate", args=[home.relationship.uuid])
    return client.post(url)


def _consent_to_admin_relationship(client, home, user):
    url = reverse("relationships:relationship_consent", args=[home.reseller_relationship.uuid])
    return client.post(url)


def _create_security_group(client, home, user):
    return client.post(reverse("relationships:security_group_list"), {"name": "Licensing"})


def _reset_mfa(client, home, user):
    return client.post(reverse("mfa:member_reset", args=[home.member.membership.uuid]))


def _require_mfa(client, home, user):
    return client.post(reverse("mfa:org_requirement"), {"require_mfa": "on"})


def _check_import_file(client, home, user):
    content = b"Email\r\nnew-import@reseller.example\r\n"
    upload = SimpleUploadedFile("invites.csv", content, content_type="text/csv")
    return client.post(reverse("jobs:import_new"), {"kind": "invites", "file": upload})


def _request_reseller_relationship(partner):
    def perform(client, home, user):
        data = {
            "partner": str(getattr(home, partner).uuid),
            "company_name": "Matrix Coffee",
            "primary_domain": "matrix-coffee.onmicrosoft.example",
            "contact_first_name": "Mio",
            "contact_last_name": "Tanaka",
            "contact_email": "it@matrix-coffee.example",
            "language": "ja",
        }
        return client.post(reverse("customers:relationship_request_new"), data)

    return perform


def _reseller_relationship_requested(home, response):
    return ResellerRelationshipRequest.objects.filter(company_name="Matrix Coffee").exists()


def _redirected(response):
    return response.status_code == 302


def _create_api_key(client, home, user):
    return client.post(
        reverse("api:api_key_list"),
        {"name": "Matrix key", "role": Role.SALES_AGENT, "scope": "read"},
    )


def _add_webhook(client, home, user):
    return client.post(
        reverse("webhooks:webhook_list"),
        {"url": "https://matrix.example/hooks", "events": ["customer-created"]},
    )


ACTIONS = {
    "view customers": Action(
        Perm.VIEW, "provider", _view_customers, lambda home, r: r.status_code == 200
    ),
    "request a partnership": Action(
        Perm.REQUEST_PARTNERSHIP,
        "provider",
        _request_partnership,
        lambda home, r: PartnershipRequest.objects.filter(email="new@reseller.example").exists(),
    ),
    "remove a partnership": Action(
        Perm.REMOVE_PARTNERSHIP,
        "provider",
        _remove_partnership,
        lambda home, r: Partnership.objects.get(pk=home.partnership.pk).status == "removed",
    ),
    "revoke a provider (reseller side)": Action(
        Perm.AUTHORISE_PROVIDER,
        "reseller",
        _revoke_provider,
        lambda home, r: Partnership.objects.get(pk=home.partnership.pk).status == "removed",
    ),
    "submit the add-customer wizard": Action(
        Perm.ADD_CUSTOMER,
        "provider",
        _submit_new_customer,
        lambda home, r: (
            _redirected(r) and Customer.objects.filter(company_name="Northwind Traders").exists()
        ),
    ),
    "add a subscription": Action(
        Perm.MANAGE_SUBSCRIPTIONS,
        "provider",
        _new_subscription,
        lambda home, r: (
            _redirected(r)
            and Subscription.objects.filter(customer=home.customer, quantity=3).exists()
        ),
    ),
    "change licences": Action(
        Perm.MANAGE_SUBSCRIPTIONS,
        "provider",
        _change_licences,
        lambda home, r: Subscription.objects.get(pk=home.subscription.pk).quantity == 42,
    ),
    "turn auto-renew off": Action(
        Perm.MANAGE_SUBSCRIPTIONS,
        "provider",
        _auto_renew_off,
        lambda home, r: not Subscription.objects.get(pk=home.subscription.pk).auto_renew,
    ),
    "schedule a change for the renewal": Action(
        Perm.MANAGE_SUBSCRIPTIONS,
        "provider",
        _schedule_change,
        lambda home, r: home.subscription.scheduled_changes.filter(
            status="pending", quantity=30
        ).exists(),
    ),
    "invite a user": Action(
        Perm.MANAGE_USERS,
        "provider",
        _invite_user,
        lambda home, r: StaffInvitation.objects.filter(email="new@staff.example").exists(),
    ),
    "change a role": Action(
        Perm.MANAGE_USERS,
        "provider",
        _change_role,
        lambda home, r: Membership.objects.get(user=home.member).role == Role.ADMIN_AGENT,
    ),
    "deactivate a user": Action(
        Perm.MANAGE_USERS,
        "provider",
        _deactivate_member,
        lambda home, r: not User.objects.get(pk=home.member.pk).is_active,
    ),
    "accept the partner agreement (reseller side)": Action(
        Perm.ACCEPT_AGREEMENT,
        "reseller",
        _accept_agreement,
        lambda home, r: (
            _redirected(r) and Organisation.objects.get(pk=home.reseller.pk).agreement_accepted
        ),
        prepare=await_agreement,
    ),
    "request an admin relationship": Action(
        Perm.MANAGE_ADMIN_RELATIONSHIPS,
        "provider",
        _request_admin_relationship,
        lambda home, r: AdminRelationship.objects.filter(
            display_name="Role matrix access"
        ).exists(),
    ),
    "terminate an admin relationship": Action(
        Perm.MANAGE_ADMIN_RELATIONSHIPS,
        "provider",
        _terminate_admin_relationship,
        lambda home, r: (
            _redirected(r)
            and AdminRelationship.objects.get(pk=home.relationship.pk).terminated_at is not None
        ),
    ),
    "consent to an admin relationship (reseller side)": Action(
        Perm.CONSENT_ADMIN_RELATIONSHIP,
        "reseller",
        _consent_to_admin_relationship,
        lambda home, r: (
            AdminRelationship.objects.get(pk=home.reseller_relationship.pk).status
            == "approval_pending"
        ),
    ),
    "create a security group": Action(
        Perm.MANAGE_SECURITY_GROUPS,
        "provider",
        _create_security_group,
        lambda home, r: SecurityGroup.objects.filter(name="Licensing").exists(),
    ),
    "reset a member's MFA": Action(
        Perm.MANAGE_MFA,
        "provider",
        _reset_mfa,
        lambda home, r: not TOTPDevice.objects.filter(user=home.member).exists(),
    ),
    "require MFA for all users": Action(
        Perm.MANAGE_MFA,
        "reseller",
        _require_mfa,
        lambda home, r: Organisation.objects.get(pk=home.reseller.pk).require_mfa,
    ),
    # Provider staff only: a reseller's members get 404 whatever their role (tests/jobs).
    "check a bulk import file": Action(
        Perm.RUN_BULK_IMPORTS,
        "provider",
        _check_import_file,
        lambda home, r: _redirected(r) and Job.objects.filter(kind="invites").exists(),
    ),
    "view the activity log": Action(
        Perm.VIEW_ACTIVITY, "provider", _view_activity, lambda home, r: r.status_code == 200
    ),
    "create an API key": Action(
        Perm.MANAGE_API_KEYS,
        "provider",
        _create_api_key,
        lambda home, r: ApiKey.objects.filter(name="Matrix key").exists(),
    ),
    "add a webhook": Action(
        Perm.MANAGE_WEBHOOKS,
        "reseller",
        _add_webhook,
        lambda home, r: WebhookSubscription.objects.filter(
            url="https://matrix.example/hooks"
        ).exists(),
    ),
}


def _schedule_price(client, home, user):
    from django.utils import timezone

    data = {
        "offer": str(home.offer.uuid),
        "term_pair": "P1M/monthly",
        "cost": "10.00",
        "reseller_price": "12.00",
        "retail_price": "15.00",
        "effective_from": (timezone.localdate() + timezone.timedelta(days=5)).isoformat(),
        "confirm": "on",
    }
    return client.post(reverse("billing:price_new"), data)


def _set_reseller_tier(client, home, user):
    url = reverse("billing:reseller_pricing", args=[home.reseller.uuid])
    return client.post(url, {"action": "tier", "tier": ""})


def _view_statements(client, home, user):
    return client.get(reverse("billing:statement_list"))


def _view_own_prices(client, home, user):
    return client.get(reverse("billing:price_list"))


ACTIONS.update(
    {
        "send a reseller relationship request": Action(
            Perm.REQUEST_RESELLER_RELATIONSHIP,
            "provider",
            _request_reseller_relationship("reseller"),
            _reseller_relationship_requested,
        ),
        "send a reseller relationship request (reseller side)": Action(
            Perm.REQUEST_RESELLER_RELATIONSHIP,
            "reseller",
            _request_reseller_relationship("provider"),
            _reseller_relationship_requested,
        ),
        "schedule a price": Action(
            Perm.EDIT_PRICES,
            "provider",
            _schedule_price,
            lambda home, r: PriceListEntry.objects.filter(
                provider=home.provider, reseller_price="12.00"
            ).exists(),
        ),
        "take a reseller out of its tier": Action(
            Perm.EDIT_PRICES,
            "provider",
            _set_reseller_tier,
            lambda home, r: not PartnershipTier.objects.filter(reseller=home.reseller).exists(),
        ),
        "view statements": Action(
            Perm.VIEW_BILLING,
            "provider",
            _view_statements,
            lambda home, r: r.status_code == 200,
        ),
        "view its own prices (reseller side)": Action(
            Perm.VIEW_BILLING,
            "reseller",
            _view_own_prices,
            lambda home, r: r.status_code == 200,
        ),
    }
)


def _view_overview(client, home, user):
    return client.get(reverse("overview:overview"))


ACTIONS.update(
    {
        "view the overview": Action(
            Perm.VIEW_OVERVIEW, "provider", _view_overview, lambda home, r: r.status_code == 200
        ),
        "view the overview (reseller side)": Action(
            Perm.VIEW_OVERVIEW, "reseller", _view_overview, lambda home, r: r.status_code == 200
        ),
    }
)


def test_every_permission_of_the_matrix_has_an_action():
    assert {action.perm for action in ACTIONS.values()} == set(PERMISSIONS)


@pytest.mark.parametrize("role", Role.values)
@pytest.mark.parametrize("name", ACTIONS)
def test_a_role_does_what_the_matrix_grants_and_nothing_else(home, name, role):
    action = ACTIONS[name]
    org = home.provider if action.side == "provider" else home.reseller
    user = f.MembershipFactory(organisation=org, role=role).user
    client = csrf_client(user)
    action.prepare(home)
    before = rows_digest()
    response = action.perform(client, home, user)
    if role_has(role, action.perm):
        assert response.status_code < 400, response.status_code
        assert action.succeeded(home, response), f"{name} as {role} did not take effect"
    else:
        assert response.status_code == 403
        assert rows_digest() == before
