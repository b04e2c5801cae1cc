from django.urls import path

from subscriptions import views

app_name = "subscriptions"

urlpatterns = [
    path("", views.subscription_list, name="subscription_list"),
    path("new/<uuid:customer_id>/", views.subscription_new, name="subscription_new"),
    path("<uuid:subscription_id>/", views.subscription_detail, name="subscription_detail"),
]
