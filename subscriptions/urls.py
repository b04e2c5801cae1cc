from django.urls import path

from subscriptions import views

app_name = "subscriptions"

urlpatterns = [
    path("", views.subscription_list, name="subscription_list"),
    path("support/", views.support_queue, name="support_queue"),
    path("export.csv", views.subscription_export, name="export"),
    path("check-id/", views.check_id, name="check_id"),
    path("partner-locations/", views.partner_locations, name="partner_locations"),
    path("new/<uuid:customer_id>/", views.subscription_new, name="subscription_new"),
    path("<uuid:subscription_id>/", views.subscription_detail, name="subscription_detail"),
    path(
        "<uuid:subscription_id>/licences/",
        views.subscription_quantity,
        name="subscription_quantity",
    ),
    path(
        "<uuid:subscription_id>/upgrade/",
        views.subscription_upgrade,
        name="subscription_upgrade",
    ),
    path(
        "<uuid:subscription_id>/reseller/",
        views.subscription_reseller,
        name="subscription_reseller",
    ),
    path(
        "<uuid:subscription_id>/support-contact/",
        views.subscription_support_contact,
        name="subscription_support_contact",
    ),
    path(
        "<uuid:subscription_id>/suspend/", views.subscription_suspend, name="subscription_suspend"
    ),
    path(
        "<uuid:subscription_id>/reactivate/",
        views.subscription_reactivate,
        name="subscription_reactivate",
    ),
    path("<uuid:subscription_id>/cancel/", views.subscription_cancel, name="subscription_cancel"),
    path(
        "<uuid:subscription_id>/auto-renew/",
        views.subscription_auto_renew,
        name="subscription_auto_renew",
    ),
    path(
        "<uuid:subscription_id>/scheduled-change/",
        views.subscription_scheduled_change,
        name="subscription_scheduled_change",
    ),
    path(
        "<uuid:subscription_id>/scheduled-change/cancel/",
        views.subscription_scheduled_change_cancel,
        name="subscription_scheduled_change_cancel",
    ),
]
