"""Guarantee 11: random input into every form is never a server error and never half saved.

Hypothesis posts random text, numbers, unicode, NUL bytes and oversized values
into each form of the portal (and the query parameters of every search box and
filter). Each example must answer below 500, and the rows it wrote must be
either nothing or the complete set of rows of a successful action.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from partners.services import invite_url, partnership_request_prepare
from portal.roles import Role
from tests.security.conftest import await_agreement, count_delta, csrf_client, row_counts
from tests.security.routes import body_of

pytestmark = pytest.mark.django_db

fuzz = hypothesis_settings(
    max_examples=20,
    deadline=None,
    database=None,  # no example database written into the working tree
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

HTMX = {"HX-Request": "true"}
# Dates at the edges of the calendar and of the formats a date field reads.
DATE_EDGES = [
    "9999-12-31",
    "0001-01-01",
    "10000-01-01",
    "0000-00-00",
    "2026-02-29",
    "2024-02-29",
    "2026-13-01",
    "1900-01-01",
    "2999-12-31",
    "12/31/9999",
]
# Charsets Django refuses for a urlencoded body (only UTF-8 is read).
CHARSETS = ["iso-8859-1", "latin-1", "utf-16", "utf-16-le", "utf-32", "shift_jis", "cp1252"]
NASTY = [
    "",
    " ",
    "0",
    "-1",
    "\x00",
    "a\x00b",
    "NaN",
    "1e309",
    "9" * 40,
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "../../etc/passwd",
    "%00",
    "９９",
    "٣٣",
    "\u202e\u200b",
    "😀" * 10,
    "a@b",
    "x@example.test",
    *DATE_EDGES,
]

# Only text a browser can send: a lone surrogate (U+D800–U+DFFF) has no UTF-8 form, and the
# test client's encoder, not the portal, would fail on it.
characters = st.characters(codec="utf-8")

junk = st.one_of(
    st.text(characters, max_size=40),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats().map(str),
    st.sampled_from(NASTY),
    st.uuids().map(str),
    # Oversized: far past every max_length of the portal.
    st.builds(lambda ch, n: ch * n, characters, st.integers(300, 20_000)),
)


def fields(*names, **choices):
    """Every named field optional, each junk or (when given) one of its meaningful values."""
    optional = dict.fromkeys(names, junk)
    for name, values in choices.items():
        optional[name] = st.one_of(st.sampled_from(values), junk)
    return st.fixed_dictionaries({}, optional=optional)


def only(*labels, at_least=("portal.ActivityEvent",)):
    """A success writes exactly one row of each of ``labels`` and some of ``at_least``."""

    def complete(delta: dict[str, int]) -> bool:
        exact = all(delta.get(label) == 1 for label in labels)
        extra = set(delta) - set(labels) - set(at_least)
        return exact and not extra and all(delta.get(label, 0) >= 1 for label in at_least)

    return complete


def nothing(delta):
    return False


@dataclass(frozen=True)
class Target:
    """One form: who posts it where, and what a successful post writes."""

    method: str
    url: Callable  # (home) -> url
    client: Callable  # (home) -> client
    data: Callable  # (home) -> strategy of the form's data
    success: Callable = nothing  # (delta) -> whether the delta is a complete success
    headers: dict | None = None
    # An action without fields reads none of the junk: a few examples show it is ignored.
    examples: int = 20


def as_provider(home):
    return csrf_client(home.provider_admin)


def as_visitor(home):
    return csrf_client()


def as_reseller_awaiting_agreement(home):
    await_agreement(home)
    return csrf_client(home.reseller_admin)


def check(target: Target, home, client, data):
    before = row_counts()
    url = target.url(home)
    if target.method == "get":
        response = client.get(url, data, headers=target.headers)
    else:
        response = client.post(url, data, headers=target.headers)
    body_of(response)  # a streamed answer fails while streaming
    assert response.status_code < 500
    delta = count_delta(before, row_counts())
    assert not delta or target.success(delta), f"partial write {delta} for {data!r}"


def run(target: Target, home):
    client = target.client(home)

    @hypothesis_settings(fuzz, max_examples=target.examples)
    @given(data=target.data(home))
    def example(data):
        check(target, home, client, data)

    example()


def _offer_uuid(home):
    return str(home.offer.uuid)


TARGETS = {
    "partnership request: prepare": Target(
        "post",
        lambda home: reverse("partners:request_new"),
        as_provider,
        lambda home: fields("email"),
        only("partners.PartnershipRequest"),
    ),
    "invite link: enrol": Target(
        "post",
        lambda home: reverse("partners:invite_enrol", args=[home.request_token]),
        as_visitor,
        lambda home: fields(
            "company_name",
            "partner_id",
            "location_partner_id",
            "country",
            "first_name",
            "last_name",
            "email",
            "password",
            agreement=["on"],
            consent=["on"],
        ),
        only(
            "partners.Organisation",
            "partners.PartnerLocation",
            "partners.Membership",
            "partners.Partnership",
            "portal.User",
            "portal.OutboundEmail",
        ),
    ),
    "new customer: details": Target(
        "post",
        lambda home: reverse("customers:customer_new"),
        as_provider,
        lambda home: fields(
            "company_name",
            "domain_prefix",
            "street",
            "city",
            "postal_code",
            "contact_first_name",
            "contact_last_name",
            "contact_email",
            "contact_phone",
            country=["JP", "US"],
            language=["en", "ja"],
            reseller=[str(home.reseller.uuid)],
        ),
    ),
    "new customer: domain check": Target(
        "get",
        lambda home: reverse("customers:domain_check"),
        as_provider,
        lambda home: fields("domain_prefix"),
    ),
    "new subscription": Target(
        "post",
        lambda home: reverse("subscriptions:subscription_new", args=[home.customer.uuid]),
        as_provider,
        lambda home: fields(
            "quantity",
            offer=[_offer_uuid(home)],
            reseller=[str(home.reseller.uuid), ""],
            idempotency_key=[str(uuid.uuid4())],
        ),
        only(
            "subscriptions.Order",
            "subscriptions.OrderLine",
            "subscriptions.Subscription",
            at_least=("portal.ActivityEvent", "subscriptions.SubscriptionChange"),
        ),
    ),
    "licence change": Target(
        "post",
        lambda home: reverse("subscriptions:subscription_quantity", args=[home.subscription.uuid]),
        as_provider,
        lambda home: fields("quantity", version=["1", "2", "3"]),
        only("subscriptions.SubscriptionChange"),
    ),
    "upgrade": Target(
        "post",
        lambda home: reverse("subscriptions:subscription_upgrade", args=[home.subscription.uuid]),
        as_provider,
        lambda home: fields(
            "quantity",
            offer=[str(home.upgrade_offer.uuid), _offer_uuid(home)],
            version=["1", "2", "3"],
        ),
        only(
            "subscriptions.Subscription",
            at_least=("portal.ActivityEvent", "subscriptions.SubscriptionChange"),
        ),
    ),
    # The tenant-owner actions and the reminder take no field: extra ones must change nothing.
    "tenant owner grant": Target(
        "post",
        lambda home: reverse("customers:tenant_owner_grant", args=[home.customer.uuid]),
        as_provider,
        lambda home: fields("organisation", "reseller", "customer"),
        only("customers.TenantOwnerGrant"),
        examples=5,
    ),
    "tenant owner revoke": Target(
        "post",
        lambda home: reverse(
            "customers:tenant_owner_revoke", args=[home.customer.uuid, home.reseller.uuid]
        ),
        as_provider,
        lambda home: fields("organisation", "grant"),
        only(),
        examples=5,
    ),
    "agreement reminder": Target(
        "post",
        lambda home: reverse("partners:agreement_reminder", args=[home.partnership.uuid]),
        as_provider,
        lambda home: fields("reseller", "to"),
        only("portal.OutboundEmail"),
        examples=5,
    ),
    "partner agreement: accept": Target(
        "post",
        lambda home: reverse("partners:agreement_accept"),
        as_reseller_awaiting_agreement,
        lambda home: fields(agreement=["on", "true", "1"]),
        only(),
    ),
    "reseller (MPN ID) change": Target(
        "post",
        lambda home: reverse("subscriptions:subscription_reseller", args=[home.subscription.uuid]),
        as_provider,
        lambda home: fields(
            location_partner_id=[home.location.location_partner_id], version=["1", "2", "3"]
        ),
        only("subscriptions.SubscriptionChange"),
    ),
    "reseller (MPN ID) check": Target(
        "get",
        lambda home: reverse("subscriptions:check_id"),
        as_provider,
        lambda home: fields("location_partner_id"),
    ),
    "support contact change": Target(
        "post",
        lambda home: reverse(
            "subscriptions:subscription_support_contact", args=[home.subscription.uuid]
        ),
        as_provider,
        lambda home: fields(
            support_contact=[str(home.provider.uuid), str(home.reseller.uuid)],
            version=["1", "2", "3"],
        ),
        only("subscriptions.SubscriptionChange"),
    ),
    "user invite": Target(
        "post",
        lambda home: reverse("user_invite"),
        as_provider,
        lambda home: fields("email", role=Role.values),
        only("portal.StaffInvitation", "portal.OutboundEmail"),
    ),
    "role change": Target(
        "post",
        lambda home: reverse("member_role", args=[home.member.membership.uuid]),
        as_provider,
        lambda home: fields(role=Role.values),
        only(),
    ),
    "activity filters": Target(
        "get",
        lambda home: reverse("activity_log"),
        as_provider,
        lambda home: fields(
            "date_from",
            "date_to",
            "page",
            verb=["customer.created"],
            object_type=["customer"],
            actor=[str(home.member.membership.uuid)],
        ),
    ),
    "password reset": Target(
        "post",
        lambda home: reverse("password_reset"),
        as_visitor,
        lambda home: fields("email"),
        only("portal.OutboundEmail", at_least=()),
    ),
    "password change": Target(
        "post",
        lambda home: reverse("password_change"),
        as_provider,
        lambda home: fields("old_password", "new_password1", "new_password2"),
    ),
    "sign in": Target(
        "post",
        lambda home: reverse("login"),
        as_visitor,
        lambda home: fields("username", "password"),
    ),
}


@pytest.mark.parametrize("name", TARGETS)
def test_random_input_into_a_form_is_never_an_error_nor_half_saved(home, name):
    run(TARGETS[name], home)


def test_random_input_into_the_request_draft_is_never_an_error_nor_half_saved(home):
    prepared = partnership_request_prepare(
        provider=home.provider, actor=home.provider_admin, email="draft@reseller.example"
    )
    link = invite_url(prepared.token)
    target = Target(
        "post",
        lambda home: reverse("partners:request_send", args=[prepared.partnership_request.uuid]),
        as_provider,
        lambda home: fields(
            "subject",
            token=[prepared.token],
            body=[prepared.body, f"Hello {link}", f"{link} {link}x"],
        ),
        only("portal.OutboundEmail"),
    )
    run(target, home)


def test_random_input_into_the_wizard_steps_is_never_an_error_nor_half_saved(home):
    client = as_provider(home)
    details = {
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
    }
    assert client.post(reverse("customers:customer_new"), details).status_code == 302
    offer_field = f"offer_{home.offer.uuid}"
    lines = Target(
        "post",
        lambda home: reverse("customers:customer_new_subscriptions"),
        lambda home: client,
        lambda home: st.one_of(
            fields(offer_field),
            st.dictionaries(
                st.text(characters, max_size=40).map(lambda s: f"offer_{s}"), junk, max_size=3
            ),
        ),
    )
    run(lines, home)
    client.post(reverse("customers:customer_new_subscriptions"), {offer_field: "5"})
    submit = Target(
        "post",
        lambda home: reverse("customers:customer_new_review"),
        lambda home: client,
        lambda home: fields("idempotency_key"),
    )
    run(submit, home)


SEARCHES = {
    "partners:reseller_list": ("q", "status", "sort", "page", "requests_page"),
    "partners:directory": ("q", "page"),
    "customers:customer_list": ("q", "reseller", "page"),
    "subscriptions:subscription_list": ("q", "reseller", "status", "page"),
    "subscriptions:export": ("q", "reseller", "status"),
    "customers:export": ("q", "reseller"),
    "partners:reseller_export": ("q", "status", "agreement", "sort"),
    "user_list": ("q", "page"),
    "activity_log": ("verb", "actor", "object_type", "date_from", "date_to", "page"),
}


@pytest.mark.parametrize("name", SEARCHES)
def test_random_input_into_a_search_box_or_filter_is_never_an_error(home, name):
    """As the search box sends it while typing: an htmx request for the table."""
    target = Target(
        "get",
        lambda home: reverse(name),
        as_provider,
        lambda home: fields(*SEARCHES[name]),
        headers=HTMX,
    )
    run(target, home)


def test_random_input_into_the_reseller_side_searches_is_never_an_error(home):
    for name in ("subscriptions:support_queue", "partners:reseller_home"):
        target = Target(
            "get",
            lambda home, name=name: reverse(name),
            lambda home: csrf_client(home.reseller_admin),
            lambda home: fields("q", "page"),
            headers=HTMX,
        )
        run(target, home)


def test_a_nul_byte_or_an_oversized_search_is_never_an_error(home):
    """The values a database driver refuses, in every parameter, every time (not by chance)."""
    client = as_provider(home)
    for name, params in SEARCHES.items():
        for param in params:
            for value in ("\x00", "a\x00b", "x" * 20_000):
                response = client.get(reverse(name), {param: value}, headers=HTMX)
                body_of(response)
                assert response.status_code < 500, (name, param, value[:5])


DATE_PARAMS = {"activity_log": ("date_from", "date_to")}


def test_dates_at_the_edges_are_never_an_error(home):
    """Every date parameter with every edge date, as a page and as the htmx table."""
    client = as_provider(home)
    for name, params in DATE_PARAMS.items():
        for param in params:
            for value in DATE_EDGES:
                for headers in (None, HTMX):
                    response = client.get(reverse(name), {param: value}, headers=headers)
                    body_of(response)
                    assert response.status_code < 500, (name, param, value)


@pytest.mark.parametrize("charset", CHARSETS)
def test_a_form_in_any_charset_but_utf8_is_a_400_never_an_error(home, charset):
    """Every form of the portal, its body declared in a charset Django does not read."""
    for name, target in TARGETS.items():
        if target.method != "post":
            continue
        client = target.client(home)
        client.raise_request_exception = False
        before = row_counts()
        response = client.post(
            target.url(home),
            data=b"email=a%40example.test&q=x",
            content_type=f"application/x-www-form-urlencoded; charset={charset}",
        )
        assert response.status_code == 400, (name, charset, response.status_code)
        assert "Content-Security-Policy" in response, name
        assert not count_delta(before, row_counts()), name
