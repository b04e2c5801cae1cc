from django.urls import path

from customers import views

app_name = "customers"

urlpatterns = [
    path("", views.customer_list, name="customer_list"),
    path("export.csv", views.customer_export, name="export"),
    path("new/", views.customer_new, name="customer_new"),
    path("reseller-options/", views.reseller_filter_options, name="reseller_filter_options"),
    path(
        "change-reseller-options/",
        views.change_reseller_options,
        name="change_reseller_options",
    ),
    path("new/domain-check/", views.domain_check, name="domain_check"),
    path("new/subscriptions/", views.customer_new_subscriptions, name="customer_new_subscriptions"),
    path("new/review/", views.customer_new_review, name="customer_new_review"),
    path("new/cancel/", views.customer_new_cancel, name="customer_new_cancel"),
    path(
        "relationship-requests/",
        views.relationship_request_list,
        name="relationship_request_list",
    ),
    path(
        "relationship-requests/new/",
        views.relationship_request_new,
        name="relationship_request_new",
    ),
    path(
        "relationship-requests/<uuid:relationship_request_id>/revoke/",
        views.relationship_request_revoke,
        name="relationship_request_revoke",
    ),
    path(
        "reseller-relationship/<str:token>/",
        views.relationship_request_link,
        name="relationship_request_link",
    ),
    path("<uuid:customer_id>/", views.customer_detail, name="customer_detail"),
    path("<uuid:customer_id>/row/", views.customer_row, name="customer_row"),
    path("<uuid:customer_id>/setup/", views.customer_setup, name="customer_setup"),
    path(
        "<uuid:customer_id>/reseller/",
        views.customer_change_reseller,
        name="customer_change_reseller",
    ),
    path(
        "<uuid:customer_id>/reseller/remove/",
        views.reseller_relationship_remove,
        name="reseller_relationship_remove",
    ),
    path(
        "<uuid:customer_id>/tenant-owner/grant/",
        views.tenant_owner_grant,
        name="tenant_owner_grant",
    ),
    path(
        "<uuid:customer_id>/tenant-owner/<uuid:organisation_id>/revoke/",
        views.tenant_owner_revoke,
        name="tenant_owner_revoke",
    ),
]
