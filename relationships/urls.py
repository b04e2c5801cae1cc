from django.urls import path

from relationships import views

app_name = "relationships"

urlpatterns = [
    path("admin-relationships/", views.relationship_list, name="relationship_list"),
    path(
        "customers/<uuid:customer_id>/admin-relationships/new/",
        views.relationship_request,
        name="relationship_request",
    ),
    path(
        "admin-relationships/<uuid:relationship_id>/",
        views.relationship_detail,
        name="relationship_detail",
    ),
    path(
        "admin-relationships/<uuid:relationship_id>/terminate/",
        views.relationship_terminate,
        name="relationship_terminate",
    ),
    path(
        "admin-relationships/<uuid:relationship_id>/consent/",
        views.relationship_consent,
        name="relationship_consent",
    ),
    path(
        "admin-relationships/<uuid:relationship_id>/access/",
        views.relationship_assign,
        name="relationship_assign",
    ),
    path("admin-relationships/templates/", views.template_list, name="template_list"),
    path(
        "admin-relationships/templates/<uuid:template_id>/delete/",
        views.template_delete,
        name="template_delete",
    ),
    path("security-groups/", views.security_group_list, name="security_group_list"),
    path(
        "security-groups/<uuid:group_id>/",
        views.security_group_detail,
        name="security_group_detail",
    ),
    path(
        "security-groups/<uuid:group_id>/delete/",
        views.security_group_delete,
        name="security_group_delete",
    ),
    path("admin-approval/<str:token>/", views.approve, name="approve"),
    path(
        "admin-approval/<str:token>/terminate/", views.customer_terminate, name="customer_terminate"
    ),
]
