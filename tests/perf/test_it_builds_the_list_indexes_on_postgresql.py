"""The list pages' indexes exist on PostgreSQL; the same migrations leave SQLite alone."""

import pytest
from django.db import connection

INDEXES = {
    "customers_customer": {
        "customer_provider_name_id_idx",
        "customer_reseller_name_id_idx",
        "customer_name_trgm_idx",
        "customer_domain_trgm_idx",
        # Sorted by date created (customers/0009_sort_indexes).
        "customer_provider_created_idx",
        "customer_reseller_created_idx",
        "customer_prov_res_created_idx",
        # One or two letters: the start of a value (customers/0011_short_search_indexes).
        "customer_provider_name_prefix_idx",
        "customer_provider_domain_prefix_idx",
        "customer_reseller_name_prefix_idx",
        "customer_reseller_domain_prefix_idx",
    },
    "subscriptions_subscription": {
        "subscription_provider_recent_idx",
        "subscription_support_recent_idx",
        # Sorted by renewal date (subscriptions/0007_sort_indexes).
        "subscription_provider_end_id_idx",
        "subscription_support_end_id_idx",
    },
    # Indirect resellers sorted by date partnered (partners/0009_sort_indexes).
    "partners_partnership": {"partnership_provider_created_idx"},
    "partners_organisation": {
        "org_name_trgm_idx",
        "org_partner_id_trgm_idx",
        "org_email_trgm_idx",
        "org_name_prefix_idx",
        "org_partner_id_prefix_idx",
        "org_email_prefix_idx",
    },
    "portal_activityevent": {"activity_org_verb_idx", "activity_org_object_type_idx"},
}


def _index_names(table):
    with connection.cursor() as cursor:
        return set(connection.introspection.get_constraints(cursor, table))


@pytest.mark.django_db
@pytest.mark.parametrize("table", sorted(INDEXES))
def test_the_list_indexes_exist_on_postgresql_only(table):
    names = _index_names(table)
    if connection.vendor == "postgresql":
        assert INDEXES[table] <= names
    else:
        assert not INDEXES[table] & names


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("table", "index"),
    [
        # A reseller's customers in the page's order, whatever the reseller's size.
        ("customers_customer", "customer_provider_reseller_name_idx"),
        # A provider's partners in name order.
        ("partners_organisation", "org_name_idx"),
    ],
)
def test_the_ordered_indexes_exist_on_every_database(table, index):
    assert index in _index_names(table)
