"""Every list of relationships, groups and templates runs a constant number of queries, and pages."""

import pytest
from django.urls import reverse

from relationships.models import AccessAssignment, AdminRelationship
from tests import factories as f

pytestmark = pytest.mark.django_db


def _relationships(customer_for, partner, size):
    group = f.SecurityGroupFactory(organisation=partner)
    for n in range(size):
        relationship = f.AdminRelationshipFactory(customer=customer_for(n), partner=partner)
        assignment = AccessAssignment.objects.create(relationship=relationship, group=group)
        assignment.roles.set(relationship.roles.all())


@pytest.mark.parametrize("size", [3, 30])
def test_the_customer_page_lists_its_relationships_in_constant_queries(
    provider_client, provider, customer, size, django_assert_max_num_queries
):
    _relationships(lambda n: customer, provider, size)
    with django_assert_max_num_queries(11, info=str(size)):
        response = provider_client.get(reverse("customers:customer_detail", args=[customer.uuid]))
    assert response.content.decode().count("badge-active") == size


@pytest.mark.parametrize("size", [3, 60])
def test_the_relationship_list_runs_constant_queries_and_pages(
    reseller_client, reseller, provider, size, django_assert_max_num_queries
):
    _relationships(
        lambda n: f.CustomerFactory(provider=provider, reseller=reseller), reseller, size
    )
    url = reverse("relationships:relationship_list")
    with django_assert_max_num_queries(10, info=str(size)):
        html = reseller_client.get(url).content.decode()
    assert html.count("badge-active") == min(size, 25)
    assert ("Page 1 of 3" in html) is (size == 60)


@pytest.mark.parametrize("size", [3, 60])
def test_the_security_group_list_runs_constant_queries_and_pages(
    provider_client, provider, size, django_assert_max_num_queries
):
    member = f.MembershipFactory(organisation=provider).user
    for n in range(size):
        f.SecurityGroupFactory(organisation=provider, name=f"Group {n:03d}").members.add(member)
    with django_assert_max_num_queries(7, info=str(size)):
        html = provider_client.get(reverse("relationships:security_group_list")).content.decode()
    assert "Group 000" in html
    assert ("Page 1 of 3" in html) is (size == 60)


@pytest.mark.parametrize("size", [3, 60])
def test_the_template_list_runs_constant_queries_and_pages(
    provider_client, provider, size, django_assert_max_num_queries
):
    for n in range(size):
        f.RelationshipTemplateFactory(organisation=provider, name=f"Template {n:03d}")
    with django_assert_max_num_queries(7, info=str(size)):
        html = provider_client.get(reverse("relationships:template_list")).content.decode()
    assert "Template 000" in html
    assert ("Page 1 of 3" in html) is (size == 60)


@pytest.mark.parametrize("size", [3, 30])
def test_the_customers_filter_runs_constant_queries(
    provider_client, provider, size, django_assert_max_num_queries
):
    for _ in range(size):
        f.AdminRelationshipFactory(
            customer=f.CustomerFactory(provider=provider),
            partner=provider,
            status=AdminRelationship.Status.EXPIRING,
            duration_days=20,
        )
    with django_assert_max_num_queries(6, info=str(size)):
        response = provider_client.get(reverse("customers:customer_list"), {"expiring": "on"})
    assert response.status_code == 200
