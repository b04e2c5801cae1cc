"""factory-boy factories for every model."""

import hashlib
import importlib
import secrets
import uuid
from datetime import timedelta

import factory
from django.apps import apps as django_apps
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

from customers.models import Customer, ResellerRelationshipRequest, TenantOwnerGrant
from partners.models import (
    Membership,
    Organisation,
    PartnerLocation,
    Partnership,
    PartnershipRequest,
)
from portal.models import ActivityEvent, OutboundEmail, StaffInvitation, User
from portal.roles import Role
from relationships.models import AdminRelationship, AdminRole, RelationshipTemplate, SecurityGroup
from subscriptions.models import (
    Offer,
    OfferTerm,
    Order,
    OrderLine,
    SeatAddition,
    Subscription,
    SubscriptionChange,
)
from subscriptions.terms import CANCELLATION_WINDOW, term_end_for

PASSWORD = "Test-Password-2026"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["email"]
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    username = factory.SelfAttribute("email")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    kind = Organisation.Kind.PROVIDER
    legal_name = factory.Sequence(lambda n: f"Organisation {n}")
    partner_id = factory.Sequence(lambda n: str(7_000_000 + n))
    contact_email = factory.Sequence(lambda n: f"contact{n}@org.example")
    country = "US"
    agreement_accepted_at = factory.LazyFunction(timezone.now)
    # Tests sign in with force_login; the MFA tests turn the requirement on.
    require_mfa = False


class ProviderFactory(OrganisationFactory):
    kind = Organisation.Kind.PROVIDER
    legal_name = factory.Sequence(lambda n: f"Provider {n}")
    directory_listed = True
    directory_name = factory.SelfAttribute("legal_name")
    directory_regions = "Europe"
    directory_website = "https://provider.example"
    directory_contact = "partners@provider.example"


class ResellerFactory(OrganisationFactory):
    class Meta:
        skip_postgeneration_save = True

    kind = Organisation.Kind.RESELLER
    legal_name = factory.Sequence(lambda n: f"Reseller {n}")

    @factory.post_generation
    def location(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            PartnerLocationFactory(organisation=obj)


class PartnerLocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerLocation

    organisation = factory.SubFactory(ResellerFactory, location=False)
    name = factory.Sequence(lambda n: f"Location {n}")
    location_partner_id = factory.Sequence(lambda n: str(8_000_000 + n))
    country = "US"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(ProviderFactory)
    role = Role.GLOBAL_ADMIN


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class PartnershipRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnershipRequest

    provider = factory.SubFactory(ProviderFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@reseller.example")
    subject = "Partnership request"
    message = "Please accept our partnership request."
    token_hash = factory.LazyFunction(lambda: token_hash(secrets.token_urlsafe(32)))
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=30))
    sent_at = factory.LazyFunction(timezone.now)


class PartnershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partnership

    provider = factory.SubFactory(ProviderFactory)
    reseller = factory.SubFactory(ResellerFactory)


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer
        skip_postgeneration_save = True

    provider = factory.SubFactory(ProviderFactory)
    reseller = None
    company_name = factory.Sequence(lambda n: f"Customer {n} Ltd")
    primary_domain = factory.Sequence(lambda n: f"customer{n}.onmicrosoft.example")
    street = "1 Main Street"
    city = "Seattle"
    postal_code = "98101"
    country = "US"
    contact_first_name = "Jordan"
    contact_last_name = "Lee"
    contact_email = factory.Sequence(lambda n: f"it{n}@customer.example")


def role_catalogue() -> dict[str, AdminRole]:
    """The directory roles by English name; seeded again when a transactional test flushed them."""
    if not AdminRole.objects.exists():
        seed = importlib.import_module("relationships.migrations.0002_role_catalogue")
        seed.seed_roles(django_apps, None)
    return {role.name_en: role for role in AdminRole.objects.all()}


class AdminRelationshipFactory(factory.django.DjangoModelFactory):
    """An active relationship (approved now, 730 days) with Directory Readers unless roles given."""

    class Meta:
        model = AdminRelationship
        skip_postgeneration_save = True

    customer = factory.SubFactory(CustomerFactory)
    partner = factory.SelfAttribute("customer.provider")
    display_name = factory.Sequence(lambda n: f"Admin access {n}")
    duration_days = 730
    auto_extend = False
    status = AdminRelationship.Status.ACTIVE
    approved_at = factory.LazyFunction(timezone.now)
    ends_at = factory.LazyAttribute(lambda o: o.approved_at + timedelta(days=o.duration_days))

    @factory.post_generation
    def roles(obj, create, extracted, **kwargs):
        if not create:
            return
        obj.roles.set(extracted or [role_catalogue()["Directory Readers"]])


class SecurityGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SecurityGroup

    organisation = factory.SubFactory(ProviderFactory)
    name = factory.Sequence(lambda n: f"Group {n}")


class RelationshipTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RelationshipTemplate
        skip_postgeneration_save = True

    organisation = factory.SubFactory(ProviderFactory)
    name = factory.Sequence(lambda n: f"Template {n}")
    duration_days = 365

    @factory.post_generation
    def roles(obj, create, extracted, **kwargs):
        if not create:
            return
        obj.roles.set(extracted or [role_catalogue()["Helpdesk Administrator"]])


class OfferFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Offer

    name = factory.Sequence(lambda n: f"Offer {n}")
    sku = factory.Sequence(lambda n: f"SKU{n:06d}")
    min_licences = 1
    max_licences = 300


class OfferTermFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OfferTerm

    offer = factory.SubFactory(OfferFactory)
    term = "P1Y"
    billing_frequency = "annual"


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    customer = factory.SubFactory(CustomerFactory)
    provider = factory.SelfAttribute("customer.provider")
    idempotency_key = factory.LazyFunction(uuid.uuid4)


class OrderLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderLine

    order = factory.SubFactory(OrderFactory)
    offer = factory.SubFactory(OfferFactory)
    quantity = 10


class SubscriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subscription
        skip_postgeneration_save = True

    customer = factory.SubFactory(CustomerFactory)
    provider = factory.SelfAttribute("customer.provider")
    offer = factory.SubFactory(OfferFactory)
    quantity = 10
    support_contact = factory.SelfAttribute("customer.provider")
    term = "P1M"
    billing_frequency = "monthly"
    term_start = factory.LazyFunction(timezone.now)
    term_end = factory.LazyAttribute(lambda o: term_end_for(o.term_start, o.term))

    @factory.post_generation
    def purchase_window(obj, create, extracted, **kwargs):
        """The purchased licences' cancellation window, as a purchase opens it
        (``purchase_window=False``: none, as for a subscription bought long ago)."""
        if create and extracted is not False:
            SeatAddition.objects.create(
                subscription=obj,
                seats=obj.quantity,
                added_at=obj.term_start,
                window_closes_at=obj.term_start + CANCELLATION_WINDOW,
            )


class SubscriptionChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SubscriptionChange

    subscription = factory.SubFactory(SubscriptionFactory)
    field = "quantity"
    before = "10"
    after = "12"


class OutboundEmailFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OutboundEmail

    kind = "test"
    to = factory.Sequence(lambda n: f"to{n}@example.test")
    subject = "Hello"
    body_text = "Body"


class ActivityEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActivityEvent

    organisation = factory.SubFactory(ProviderFactory)
    verb = "test.done"
    object_type = "organisation"


class StaffInvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffInvitation

    organisation = factory.SubFactory(ProviderFactory)
    email = factory.Sequence(lambda n: f"staff{n}@example.test")
    role = Role.SALES_AGENT
    token_hash = factory.LazyFunction(lambda: token_hash(secrets.token_urlsafe(32)))
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))


class TenantOwnerGrantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TenantOwnerGrant

    customer = factory.SubFactory(CustomerFactory)
    organisation = factory.SelfAttribute("customer.reseller")


class TOTPDeviceFactory(factory.django.DjangoModelFactory):
    """A confirmed authenticator app; its codes come from ``django_otp.oath.totp(device.bin_key)``."""

    class Meta:
        model = TOTPDevice

    user = factory.SubFactory(UserFactory)
    name = "Phone"
    confirmed = True
    key = factory.LazyFunction(default_key)


def sign_in_verified(client, user, device=None):
    """Sign ``client`` in as ``user`` in a session that passed the second step (with ``device``)."""
    device = device or TOTPDeviceFactory(user=user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.pop("mfa.step", None)
    session.save()
    return client


class ResellerRelationshipRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ResellerRelationshipRequest

    provider = factory.SubFactory(ProviderFactory)
    reseller = factory.SubFactory(ResellerFactory)
    requested_by_org = factory.SelfAttribute("provider")
    company_name = factory.Sequence(lambda n: f"Existing Company {n}")
    primary_domain = factory.Sequence(lambda n: f"existing{n}.onmicrosoft.example")
    contact_first_name = "Mio"
    contact_last_name = "Tanaka"
    contact_email = factory.Sequence(lambda n: f"it{n}@existing.example")
    language = "en"
    token_hash = factory.LazyFunction(lambda: token_hash(secrets.token_urlsafe(32)))
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=30))
