from django.urls import path

from billing import views

app_name = "billing"

urlpatterns = [
    path("prices/", views.price_list, name="price_list"),
    path("prices/new/", views.price_new, name="price_new"),
    path("prices/export.csv", views.price_export, name="price_export"),
    path("prices/import/", views.price_import, name="price_import"),
    path("tiers/", views.tier_list, name="tier_list"),
    path("tiers/<uuid:tier_id>/", views.tier_detail, name="tier_detail"),
    path("resellers/<uuid:reseller_id>/", views.reseller_pricing, name="reseller_pricing"),
    path("statements/", views.statement_list, name="statement_list"),
    path("statements/<uuid:statement_id>/", views.statement_detail, name="statement_detail"),
    path(
        "statements/<uuid:statement_id>/statement.csv",
        views.statement_csv,
        name="statement_csv",
    ),
    path(
        "statements/<uuid:statement_id>/statement.pdf",
        views.statement_pdf,
        name="statement_pdf",
    ),
]
