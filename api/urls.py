from django.urls import path

from api import views

app_name = "api"

urlpatterns = [
    path("api/v1/docs/", views.api_docs, name="docs"),
    path("settings/api-keys/", views.api_key_list, name="api_key_list"),
    path(
        "settings/api-keys/<uuid:api_key_id>/revoke/", views.api_key_revoke, name="api_key_revoke"
    ),
]
