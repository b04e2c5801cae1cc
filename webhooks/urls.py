from django.urls import path

from webhooks import views

app_name = "webhooks"

urlpatterns = [
    path("settings/webhooks/", views.webhook_list, name="webhook_list"),
    path("settings/webhooks/<uuid:webhook_id>/", views.webhook_detail, name="webhook_detail"),
    path(
        "settings/webhooks/<uuid:webhook_id>/rotate/",
        views.webhook_rotate,
        name="webhook_rotate",
    ),
    path("settings/webhooks/<uuid:webhook_id>/test/", views.webhook_test, name="webhook_test"),
    path(
        "settings/webhooks/<uuid:webhook_id>/deliveries/<uuid:delivery_id>/redeliver/",
        views.webhook_redeliver,
        name="webhook_redeliver",
    ),
]
