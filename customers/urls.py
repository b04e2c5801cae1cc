from django.urls import path

from customers import views

app_name = "customers"

urlpatterns = [
    path("", views.customer_list, name="customer_list"),
    path("new/", views.customer_new, name="customer_new"),
    path("<uuid:customer_id>/", views.customer_detail, name="customer_detail"),
]
