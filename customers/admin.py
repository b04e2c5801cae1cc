from django.contrib import admin

from customers.models import Customer, SetupInformation, TenantOwnerGrant


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = [
        "company_name",
        "primary_domain",
        "provider",
        "reseller",
        "country",
        "created_at",
    ]
    list_filter = ["country", "provider"]
    search_fields = ["company_name", "primary_domain", "contact_email"]
    list_select_related = ["provider", "reseller"]
    raw_id_fields = ["provider", "reseller"]
    date_hierarchy = "created_at"
    # The temporary password hash is a secret: excluded from every admin page.
    exclude = ["admin_password_hash"]
    readonly_fields = ["uuid", "admin_username", "created_by", "created_at"]


@admin.register(TenantOwnerGrant)
class TenantOwnerGrantAdmin(admin.ModelAdmin):
    list_display = ["customer", "organisation", "granted_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["customer__company_name", "organisation__legal_name"]
    list_select_related = ["customer", "organisation"]
    raw_id_fields = ["customer", "organisation"]
    # Grants and revocations are made on the customer page, where they are audited.
    readonly_fields = ["granted_by", "granted_at", "revoked_by", "revoked_at"]


@admin.register(SetupInformation)
class SetupInformationAdmin(admin.ModelAdmin):
    """Temporary passwords waiting to be shown: who and until when, never the password."""

    list_display = ["customer", "shown_to", "expires_at"]
    search_fields = ["customer__company_name", "shown_to__email"]
    list_select_related = ["customer", "shown_to"]
    exclude = ["sealed_password"]
    readonly_fields = ["customer", "shown_to", "expires_at"]

    def has_add_permission(self, request):
        return False
