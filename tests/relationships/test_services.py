"""Every allowed status change of an admin relationship, and a refusal (in both languages) for
each forbidden one."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone, translation

from portal.models import ActivityEvent
from relationships import services
from relationships.models import AdminRelationship, AdminRelationshipNotice
from relationships.services import LinkUnavailable, RelationshipError
from tests import factories as f
from tests.relationships.conftest import link_in

pytestmark = pytest.mark.django_db
Status = AdminRelationship.Status


def _request(customer, requester, partner, actor, catalogue, **terms):
    values = {
        "display_name": "Helpdesk access",
        "roles": [catalogue["Directory Readers"], catalogue["Helpdesk Administrator"]],
        "duration_days": 90,
        "auto_extend": False,
    }
    values.update(terms)
    return services.relationship_request(
        customer=customer, requester=requester, partner=partner, actor=actor, **values
    )


def _verbs(relationship):
    return list(
        ActivityEvent.objects.filter(
            object_id=str(relationship.uuid), organisation=relationship.customer.provider
        )
        .order_by("pk")
        .values_list("verb", flat=True)
    )


# Allowed changes --------------------------------------------------------------------------------


def test_a_provider_request_awaits_approval_and_emails_the_customer(
    customer, provider, provider_admin, roles, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        relationship, token = _request(customer, provider, provider, provider_admin, roles)
    assert relationship.status == Status.APPROVAL_PENDING
    assert token and relationship.approval_token_hash != token
    assert relationship.approval_token_hash == services.hash_token(token)
    assert [m.to for m in mail.outbox] == [["it@alpineski.example"]]
    assert services.approval_url(token) in mail.outbox[0].body
    assert "Helpdesk Administrator" in mail.outbox[0].body
    assert _verbs(relationship) == ["admin_relationship.requested"]


def test_a_request_for_the_reseller_awaits_its_consent_first(
    customer, provider, provider_admin, reseller, reseller_admin, roles, mailoutbox
):
    relationship, token = _request(customer, provider, reseller, provider_admin, roles)
    assert (relationship.status, token) == (Status.CREATED, None)
    assert mailoutbox == []
    token = services.relationship_consent(
        relationship=relationship, reseller=reseller, actor=reseller_admin
    )
    relationship.refresh_from_db()
    assert relationship.status == Status.APPROVAL_PENDING
    assert relationship.consented_by == reseller_admin
    assert relationship.approval_token_hash == services.hash_token(token)
    assert _verbs(relationship) == [
        "admin_relationship.created",
        "admin_relationship.requested",
    ]
    # The reseller's own log has both too.
    assert (
        ActivityEvent.objects.filter(
            organisation=reseller, object_id=str(relationship.uuid)
        ).count()
        == 2
    )


def test_approval_activates_it_for_its_duration(customer, provider, provider_admin, roles):
    relationship, token = _request(customer, provider, provider, provider_admin, roles)
    with time_machine.travel(timezone.now() + timedelta(days=3), tick=False):
        approved = services.relationship_approve(token=token)
        assert approved.status == Status.ACTIVE
        assert approved.approved_at == timezone.now()
        assert approved.ends_at == timezone.now() + timedelta(days=90)
    assert approved.approved_by == "it@alpineski.example"
    assert approved.termination_token_hash
    assert _verbs(approved)[-1] == "admin_relationship.approved"


def test_a_short_relationship_is_expiring_from_its_approval(
    customer, provider, provider_admin, roles
):
    _relationship, token = _request(
        customer, provider, provider, provider_admin, roles, duration_days=20
    )
    assert services.relationship_approve(token=token).status == Status.EXPIRING


def test_the_partner_terminates_it_at_once(
    customer, provider, provider_admin, roles, django_capture_on_commit_callbacks
):
    relationship = f.AdminRelationshipFactory(customer=customer, partner=provider)
    with django_capture_on_commit_callbacks(execute=True):
        services.relationship_terminate(relationship=relationship, actor=provider_admin)
        relationship.refresh_from_db()
        # Rights end at once: the relationship is no longer live while the directory catches up.
        assert relationship.status == Status.TERMINATION_REQUESTED
        assert not AdminRelationship.objects.live().filter(pk=relationship.pk).exists()
    relationship.refresh_from_db()
    assert relationship.status == Status.TERMINATED
    assert relationship.terminated_by == provider_admin
    assert _verbs(relationship) == [
        "admin_relationship.termination_requested",
        "admin_relationship.terminated",
    ]


def test_the_customer_terminates_it_through_the_confirmation_link(
    customer, provider, provider_admin, roles, django_capture_on_commit_callbacks
):
    relationship, token = _request(customer, provider, provider, provider_admin, roles)
    with django_capture_on_commit_callbacks(execute=True):
        services.relationship_approve(token=token)
    end_link = link_in(mail.outbox[-1].body, "/terminate/")
    end_token = end_link.rstrip("/").split("/")[-2]
    ended = services.relationship_terminate_by_customer(token=end_token)
    assert ended.status == Status.TERMINATION_REQUESTED
    assert ended.terminated_by is None and ended.terminated_by_name == "it@alpineski.example"


def test_a_terminated_link_can_be_used_once_only(customer, provider):
    relationship = f.AdminRelationshipFactory(
        customer=customer, partner=provider, termination_token_hash=services.hash_token("t" * 20)
    )
    services.relationship_terminate_by_customer(token="t" * 20)
    with pytest.raises(LinkUnavailable) as refused:
        services.relationship_terminate_by_customer(token="t" * 20)
    assert refused.value.status == 410
    relationship.refresh_from_db()
    assert relationship.status == Status.TERMINATION_REQUESTED


def test_an_auto_extend_relationship_is_extended_by_180_days(customer, provider):
    relationship = f.AdminRelationshipFactory(customer=customer, partner=provider, auto_extend=True)
    ends = relationship.ends_at
    extended = services.relationship_extend(relationship=relationship)
    assert extended.ends_at == ends + timedelta(days=180)
    assert _verbs(relationship) == ["admin_relationship.extended"]


# Refusals, each with its message in English and Japanese -------------------------------------

REFUSALS = {
    "duration 0": (
        {"duration_days": 0},
        "The duration must be from 1 to 730 days.",
        "期間は 1 日から 730 日の範囲で指定してください。",
    ),
    "duration 731": (
        {"duration_days": 731},
        "The duration must be from 1 to 730 days.",
        "期間は 1 日から 730 日の範囲で指定してください。",
    ),
    "a 51-character name": (
        {"display_name": "x" * 51},
        "The name can be at most 50 characters long.",
        "名前は 50 文字以内で入力してください。",
    ),
    "a duplicate name": (
        {"display_name": "helpdesk ACCESS"},
        "Your organisation already has an admin relationship named “helpdesk ACCESS”.",
        "あなたの組織には「helpdesk ACCESS」という名前の管理者の関係が既にあります。",
    ),
    "auto-extend with Global Administrator": (
        {"auto_extend": True, "global_admin": True},
        "A relationship with the Global Administrator role cannot be extended automatically.",
        "グローバル管理者ロールを含む関係は自動延長できません。",
    ),
    "no role": (
        {"roles": []},
        "Choose at least one role.",
        "ロールを 1 つ以上選択してください。",
    ),
}


@pytest.mark.parametrize("language", ["en", "ja"])
@pytest.mark.parametrize("name", REFUSALS)
def test_a_request_with_forbidden_terms_is_refused(
    customer, provider, provider_admin, roles, name, language
):
    f.AdminRelationshipFactory(customer=customer, partner=provider, display_name="Helpdesk access")
    terms, english, japanese = REFUSALS[name]
    terms = dict(terms)
    if terms.pop("global_admin", False):
        terms["roles"] = [roles["Global Administrator"], roles["User Administrator"]]
    terms.setdefault("display_name", "Licensing access")
    with translation.override(language), pytest.raises(RelationshipError) as refused:
        _request(customer, provider, provider, provider_admin, roles, **terms)
    assert refused.value.message == (english if language == "en" else japanese)
    assert AdminRelationship.objects.count() == 1


def test_a_50_character_name_and_the_bounds_of_the_duration_are_accepted(
    customer, provider, provider_admin, roles
):
    for n, days in enumerate((1, 730)):
        relationship, _token = _request(
            customer,
            provider,
            provider,
            provider_admin,
            roles,
            display_name=f"{n}" + "x" * 49,
            duration_days=days,
        )
        assert relationship.status == Status.APPROVAL_PENDING


LINK_REFUSALS = {
    Status.EXPIRED: (
        "This approval link has expired. Ask the partner to request the relationship again.",
        "この承認リンクは期限切れです。パートナーに関係をもう一度要求するよう依頼してください。",
    ),
    Status.TERMINATED: (
        "This admin relationship was terminated; it can no longer be approved.",
        "この管理者の関係は終了しているため、承認できません。",
    ),
    Status.ACTIVE: (
        "This admin relationship has already been approved.",
        "この管理者の関係は既に承認されています。",
    ),
}


@pytest.mark.parametrize("language", ["en", "ja"])
@pytest.mark.parametrize("status", LINK_REFUSALS)
def test_approving_an_expired_terminated_or_used_request_is_refused(
    customer, provider, status, language
):
    relationship = f.AdminRelationshipFactory(
        customer=customer,
        partner=provider,
        status=status,
        approval_token_hash=services.hash_token("a" * 20),
    )
    before = (relationship.status, relationship.ends_at)
    with translation.override(language), pytest.raises(LinkUnavailable) as refused:
        services.relationship_approve(token="a" * 20)
    assert refused.value.status == 410
    english, japanese = LINK_REFUSALS[status]
    assert refused.value.message == (english if language == "en" else japanese)
    relationship.refresh_from_db()
    assert (relationship.status, relationship.ends_at) == before


def test_a_request_unapproved_for_90_days_cannot_be_approved_even_before_the_job_runs(
    customer, provider, provider_admin, roles
):
    relationship, token = _request(customer, provider, provider, provider_admin, roles)
    later = timezone.now() + timedelta(days=90, seconds=1)
    with time_machine.travel(later), pytest.raises(LinkUnavailable, match="expired"):
        services.relationship_approve(token=token)
    relationship.refresh_from_db()
    assert relationship.status == Status.APPROVAL_PENDING


@pytest.mark.parametrize("language", ["en", "ja"])
def test_extending_a_terminated_relationship_is_refused(customer, provider, language):
    relationship = f.AdminRelationshipFactory(
        customer=customer, partner=provider, auto_extend=True, status=Status.TERMINATED
    )
    with translation.override(language), pytest.raises(RelationshipError) as refused:
        services.relationship_extend(relationship=relationship)
    expected = {
        "en": "Only an active admin relationship can be extended; this one is Terminated.",
        "ja": "延長できるのはアクティブな管理者の関係だけです。この関係の状態: 終了。",
    }
    assert refused.value.message == expected[language]


@pytest.mark.parametrize("language", ["en", "ja"])
def test_extending_one_with_global_administrator_is_refused(customer, provider, roles, language):
    relationship = f.AdminRelationshipFactory(
        customer=customer,
        partner=provider,
        auto_extend=True,
        roles=[roles["Global Administrator"]],
    )
    with translation.override(language), pytest.raises(RelationshipError) as refused:
        services.relationship_extend(relationship=relationship)
    assert (
        refused.value.message
        == {
            "en": "A relationship with the Global Administrator role cannot be extended automatically.",
            "ja": "グローバル管理者ロールを含む関係は自動延長できません。",
        }[language]
    )


@pytest.mark.parametrize("language", ["en", "ja"])
def test_terminating_a_terminated_relationship_is_refused(
    customer, provider, provider_admin, language
):
    relationship = f.AdminRelationshipFactory(
        customer=customer, partner=provider, status=Status.TERMINATED
    )
    with translation.override(language), pytest.raises(RelationshipError) as refused:
        services.relationship_terminate(relationship=relationship, actor=provider_admin)
    assert (
        refused.value.message
        == {
            "en": "This admin relationship has already ended (Terminated).",
            "ja": "この管理者の関係は既に終わっています (終了)。",
        }[language]
    )


@pytest.mark.parametrize("language", ["en", "ja"])
def test_consenting_twice_is_refused(customer, reseller, reseller_admin, language):
    relationship = f.AdminRelationshipFactory(
        customer=customer, partner=reseller, status=Status.APPROVAL_PENDING
    )
    with translation.override(language), pytest.raises(RelationshipError) as refused:
        services.relationship_consent(
            relationship=relationship, reseller=reseller, actor=reseller_admin
        )
    assert (
        refused.value.message
        == {
            "en": "This admin relationship no longer awaits your consent (it is Approval pending).",
            "ja": "この管理者の関係はもう同意を待っていません (状態: 承認待ち)。",
        }[language]
    )


@pytest.mark.parametrize("language", ["en", "ja"])
def test_a_reseller_cannot_ask_for_another_organisation(
    customer, provider, reseller, reseller_admin, roles, language
):
    with translation.override(language), pytest.raises(RelationshipError) as refused:
        _request(customer, reseller, provider, reseller_admin, roles)
    assert (
        refused.value.message
        == {
            "en": "A reseller can request admin rights for itself only.",
            "ja": "リセラーが要求できるのは自組織の管理者権限だけです。",
        }[language]
    )


def test_every_state_change_writes_one_event(customer, provider, provider_admin, roles):
    relationship, token = _request(customer, provider, provider, provider_admin, roles)
    services.relationship_approve(token=token)
    with time_machine.travel(timezone.now() + timedelta(days=61)):
        services.lifecycle_run()
    with time_machine.travel(timezone.now() + timedelta(days=91)):
        services.lifecycle_run()
    assert _verbs(relationship) == [
        "admin_relationship.requested",
        "admin_relationship.approved",
        "admin_relationship.expiring",
        "admin_relationship.notice_sent",
        "admin_relationship.expired",
    ]
    assert AdminRelationshipNotice.objects.filter(relationship=relationship).count() == 1
