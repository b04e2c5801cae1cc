"""Reseller relationship requests and partnership handovers through the API: the pages'
services and rules, the link once, a foreign object a 404 like an unknown one."""

import datetime as dt
import uuid
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from customers.models import ResellerRelationshipRequest
from jobs import services as job_services
from partners import handover as ho
from partners.models import Partnership
from portal.models import ActivityEvent, OutboundEmail
from portal.roles import Role
from tests import factories as f

PATH = "/api/v1/reseller-relationship-requests"


@pytest.fixture
def reseller_api(reseller, make_key, api_client, fresh_cache):
    return api_client(make_key(reseller))


@pytest.fixture
def provider_admin(provider, member_factory):
    return member_factory(provider, Role.GLOBAL_ADMIN)


def _body(partner, **extra):
    return {
        "partner_id": str(partner.uuid),
        "company_name": "Fourth Coffee",
        "primary_domain": "FourthCoffee.onmicrosoft.example",
        "contact_first_name": "Mio",
        "contact_last_name": "Tanaka",
        "contact_email": "mio@fourthcoffee.example",
        "language": "ja",
        **extra,
    }


# -- reseller relationship requests ---------------------------------------------------


def test_a_provider_makes_a_request_and_gets_the_link_once(provider, reseller, admin_api):
    response = admin_api.post(PATH, _body(reseller))

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "pending" and body["primary_domain"] == (
        "fourthcoffee.onmicrosoft.example"
    )
    assert body["reseller"]["id"] == str(reseller.uuid)
    assert body["requested_by"]["id"] == str(provider.uuid)
    assert body["url"].startswith("http")
    made = ResellerRelationshipRequest.objects.get(uuid=body["id"])
    assert made.provider == provider and made.language == "ja"
    # The link is the one emailed to the contact; only its hash is stored.
    email = OutboundEmail.objects.get(kind="reseller-relationship-request")
    assert email.to == "mio@fourthcoffee.example" and body["url"] in email.body_text
    assert made.token_hash not in body["url"]
    got = admin_api.get(f"{PATH}/{made.uuid}")
    assert got.status_code == 200 and "url" not in got.json()
    assert got.json()["company_name"] == "Fourth Coffee"
    assert ActivityEvent.objects.filter(
        verb="reseller_relationship_request.sent", organisation=reseller
    ).exists()


def test_a_reseller_makes_a_request_for_one_of_its_providers(provider, reseller, reseller_api):
    response = reseller_api.post(PATH, _body(provider))

    assert response.status_code == 201
    body = response.json()
    assert body["provider"]["id"] == str(provider.uuid)
    assert body["requested_by"]["id"] == str(reseller.uuid)
    assert reseller_api.get(PATH).json()["items"][0]["id"] == body["id"]


def test_a_create_is_idempotent(provider, reseller, admin_api):
    headers = {"Idempotency-Key": "rr-1"}
    first = admin_api.post(PATH, _body(reseller), headers=headers)
    again = admin_api.post(PATH, _body(reseller), headers=headers)

    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert ResellerRelationshipRequest.objects.count() == 1
    assert OutboundEmail.objects.filter(kind="reseller-relationship-request").count() == 1
    other = admin_api.post(PATH, _body(reseller, company_name="Other KK"), headers=headers)
    assert other.status_code == 422 and other.json()["type"].endswith("idempotency-key-reused")


def test_the_kept_answer_holds_the_link_encrypted_and_answers_retries_for_a_day(
    provider, reseller, admin_api
):
    from api.models import IdempotentResponse

    headers = {"Idempotency-Key": "rr-sealed"}
    first = admin_api.post(PATH, _body(reseller), headers=headers)
    link = first.json()["url"]
    token = link.rstrip("/").rsplit("/", 1)[-1]

    kept = IdempotentResponse.objects.get(key="rr-sealed")
    assert token not in str(kept.body)  # a database reader gets no working link
    with time_machine.travel(timezone.now() + timedelta(hours=23)):
        assert admin_api.post(PATH, _body(reseller), headers=headers).json()["url"] == link
    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        late = admin_api.post(PATH, _body(reseller), headers=headers)
    assert late.status_code == 422
    assert late.json()["type"] == "/api/v1/problems/idempotency-key-expired"
    assert ResellerRelationshipRequest.objects.count() == 1


def test_bad_input_is_a_problem_and_saves_nothing(provider, reseller, admin_api):
    stranger = f.ResellerFactory(legal_name="Not Partnered")
    refused = admin_api.post(PATH, _body(stranger))
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["partner"]
    malformed = admin_api.post(PATH, _body(reseller, primary_domain="not a domain"))
    assert malformed.status_code == 422
    assert [e["field"] for e in malformed.json()["errors"]] == ["primary_domain"]
    customer = f.CustomerFactory(provider=provider)
    taken = admin_api.post(PATH, _body(reseller, primary_domain=customer.primary_domain))
    assert taken.status_code == 422
    assert not ResellerRelationshipRequest.objects.exists()
    assert not OutboundEmail.objects.filter(kind="reseller-relationship-request").exists()
    # A second pending request for the same domain.
    assert admin_api.post(PATH, _body(reseller)).status_code == 201
    again = admin_api.post(PATH, _body(reseller, contact_email="b@fourthcoffee.example"))
    assert again.status_code == 400 and again.json()["type"].endswith("refused")
    assert ResellerRelationshipRequest.objects.count() == 1


def test_the_emails_are_rate_limited_like_the_page(provider, reseller, admin_api, settings):
    from portal import ratelimit

    limit = ratelimit.PARTNERSHIP_REQUEST_PER_RECIPIENT
    for _ in range(limit.count):
        ratelimit.allow(limit, "mio@fourthcoffee.example")

    response = admin_api.post(PATH, _body(reseller))
    assert response.status_code == 429 and response.json()["type"].endswith("rate-limited")
    assert not ResellerRelationshipRequest.objects.exists()


def test_the_list_filters_by_status_and_pages(provider, reseller, admin_api):
    pending = f.ResellerRelationshipRequestFactory(provider=provider, reseller=reseller)
    lapsed = f.ResellerRelationshipRequestFactory(
        provider=provider, reseller=reseller, expires_at=timezone.now() - timedelta(days=1)
    )
    revoked = f.ResellerRelationshipRequestFactory(
        provider=provider, reseller=reseller, status="revoked", revoked_at=timezone.now()
    )

    def ids(**query):
        response = admin_api.get(PATH, **query)
        assert response.status_code == 200
        return {item["id"] for item in response.json()["items"]}

    assert ids() == {str(pending.uuid), str(lapsed.uuid), str(revoked.uuid)}
    assert ids(status="pending") == {str(pending.uuid)}
    assert ids(status="expired") == {str(lapsed.uuid)}
    assert ids(status="revoked") == {str(revoked.uuid)}
    assert ids(status="accepted") == set()
    assert admin_api.get(PATH, status="lost").status_code == 422
    first = admin_api.get(PATH, limit=2).json()
    second = admin_api.get(PATH, limit=2, continuation_token=first["continuation_token"]).json()
    assert second["continuation_token"] is None
    seen = [i["id"] for i in first["items"] + second["items"]]
    assert len(seen) == 3 and set(seen) == ids()


def test_the_list_reads_constant_queries(
    provider, reseller, admin_api, django_assert_max_num_queries
):
    f.ResellerRelationshipRequestFactory(provider=provider, reseller=reseller)
    with django_assert_max_num_queries(8) as few:
        admin_api.get(PATH)
    f.ResellerRelationshipRequestFactory.create_batch(12, provider=provider, reseller=reseller)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(admin_api.get(PATH).json()["items"]) == 13


def test_revoke_ends_a_pending_request_once(provider, reseller, admin_api):
    made = f.ResellerRelationshipRequestFactory(provider=provider, reseller=reseller)

    response = admin_api.post(f"{PATH}/{made.uuid}/revoke", {})

    assert response.status_code == 200 and response.json()["status"] == "revoked"
    made.refresh_from_db()
    assert made.status == "revoked" and made.revoked_at is not None
    again = admin_api.post(f"{PATH}/{made.uuid}/revoke", {})
    assert again.status_code == 400 and again.json()["type"].endswith("refused")


def test_a_reseller_sees_only_the_requests_naming_it(provider, reseller, reseller_api):
    mine = f.ResellerRelationshipRequestFactory(provider=provider, reseller=reseller)
    other = f.ResellerFactory()
    f.PartnershipFactory(provider=provider, reseller=other)
    theirs = f.ResellerRelationshipRequestFactory(provider=provider, reseller=other)

    assert [i["id"] for i in reseller_api.get(PATH).json()["items"]] == [str(mine.uuid)]
    assert reseller_api.get(f"{PATH}/{mine.uuid}").status_code == 200
    assert reseller_api.get(f"{PATH}/{theirs.uuid}").status_code == 404
    assert reseller_api.post(f"{PATH}/{theirs.uuid}/revoke", {}).status_code == 404
    assert ResellerRelationshipRequest.objects.get(pk=theirs.pk).status == "pending"


def test_a_foreign_request_answers_as_an_unknown_one(provider, admin_api):
    foreign = f.ResellerRelationshipRequestFactory()  # another provider's
    unknown = admin_api.get(f"{PATH}/{uuid.uuid4()}")
    for response in (
        admin_api.get(f"{PATH}/{foreign.uuid}"),
        admin_api.post(f"{PATH}/{foreign.uuid}/revoke", {}),
    ):
        assert response.status_code == unknown.status_code == 404
        assert response.json()["type"] == unknown.json()["type"]
    assert ResellerRelationshipRequest.objects.get(pk=foreign.pk).status == "pending"
    assert admin_api.get(PATH).json()["items"] == []


# -- partnership handovers -----------------------------------------------------------


def _handover(provider, reseller, actor, *, run=False, decision="provider"):
    location = reseller.locations.get()
    for name in ("Alpha KK", "Beta KK"):
        customer = f.CustomerFactory(provider=provider, reseller=reseller, company_name=name)
        f.SubscriptionFactory(customer=customer, reseller_location=location)
    partnership = Partnership.objects.get(provider=provider, reseller=reseller)
    handover = ho.handover_plan(partnership=partnership, actor=actor, decision=decision)
    if run:
        ho.handover_start(handover=handover, actor=actor)
        job_services.job_run(job_id=handover.job_id)
        handover.refresh_from_db()
    return handover


def test_a_planned_handover_then_finished_then_undone(
    provider, reseller, provider_admin, admin_api
):
    handover = _handover(provider, reseller, provider_admin)
    path = f"/api/v1/handovers/{handover.uuid}"

    planned = admin_api.get(path).json()
    assert planned["status"] == "planned" and planned["customers"] == 2
    assert planned["decisions"] == {"leave": 0, "provider": 2, "reassign": 0}
    assert planned["undo_deadline"] is None and planned["can_undo"] is False
    assert planned["reseller"]["id"] == str(reseller.uuid)

    ho.handover_start(handover=handover, actor=provider_admin)
    assert admin_api.get(path).json()["status"] == "queued"
    job_services.job_run(job_id=handover.job_id)
    finished = admin_api.get(path).json()
    assert finished["status"] == "finished" and finished["can_undo"] is True
    assert finished["outcomes"] == {"applied": 2, "unchanged": 0, "failed": 0}
    assert finished["progress"] == {
        "step": "handover",
        "total": 3,
        "processed": 3,
        "percent": 100,
        "seconds_left": None,
    }
    handover.refresh_from_db()
    deadline = handover.job.finished_at + timedelta(days=7)
    assert finished["undo_deadline"] == deadline.astimezone(dt.UTC).isoformat().replace(
        "+00:00", "Z"
    )

    ho.handover_undo(handover=handover, actor=provider_admin)
    assert admin_api.get(path).json()["status"] == "undoing"
    handover.refresh_from_db()
    job_services.job_run(job_id=handover.undo_job_id)
    undone = admin_api.get(path).json()
    assert undone["status"] == "undone" and undone["progress"]["step"] == "undo"
    assert undone["undo_finished_at"] is not None
    listed = admin_api.get("/api/v1/handovers").json()["items"]
    assert [i["id"] for i in listed] == [str(handover.uuid)]
    assert listed[0] == undone


def test_a_discarded_plan_is_told_apart_from_a_cancelled_run(
    provider, reseller, provider_admin, admin_api
):
    handover = _handover(provider, reseller, provider_admin)
    ho.handover_cancel(handover=handover, actor=provider_admin)
    assert admin_api.get(f"/api/v1/handovers/{handover.uuid}").json()["status"] == "discarded"


def test_the_handover_list_reads_constant_queries_and_pages(
    provider, provider_admin, admin_api, django_assert_max_num_queries
):
    def another():
        reseller = f.ResellerFactory()
        f.PartnershipFactory(provider=provider, reseller=reseller)
        return _handover(provider, reseller, provider_admin, run=True)

    another()
    with django_assert_max_num_queries(9) as few:
        assert len(admin_api.get("/api/v1/handovers").json()["items"]) == 1
    for _ in range(3):
        another()
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(admin_api.get("/api/v1/handovers").json()["items"]) == 4
    first = admin_api.get("/api/v1/handovers", limit=3).json()
    rest = admin_api.get(
        "/api/v1/handovers", limit=3, continuation_token=first["continuation_token"]
    ).json()
    assert len(first["items"]) == 3 and len(rest["items"]) == 1
    assert rest["continuation_token"] is None


def test_handovers_are_a_providers_only_and_its_own(
    provider,
    reseller,
    provider_admin,
    admin_api,
    reseller_api,
    other_provider,
    make_key,
    api_client,
):
    handover = _handover(provider, reseller, provider_admin)
    assert reseller_api.get("/api/v1/handovers").status_code == 404
    assert reseller_api.get(f"/api/v1/handovers/{handover.uuid}").status_code == 404
    foreign = api_client(make_key(other_provider))
    unknown = foreign.get(f"/api/v1/handovers/{uuid.uuid4()}")
    response = foreign.get(f"/api/v1/handovers/{handover.uuid}")
    assert response.status_code == unknown.status_code == 404
    assert response.json()["type"] == unknown.json()["type"]
    assert foreign.get("/api/v1/handovers").json()["items"] == []
    # An import's id is no handover.
    from jobs.models import Job

    job = Job.objects.create(
        organisation=provider, kind=Job.Kind.INVITES, created_by=provider_admin
    )
    assert admin_api.get(f"/api/v1/handovers/{job.uuid}").status_code == 404


def test_a_reseller_cannot_name_a_provider_it_is_not_with(reseller, other_provider, reseller_api):
    response = reseller_api.post(PATH, _body(other_provider))

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["partner"]
    assert not ResellerRelationshipRequest.objects.exists()
