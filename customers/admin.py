from django.contrib import admin

from customers.models import (
    Customer,
    ResellerRelationshipRequest,
    SetupInformation,
    TenantOwnerGrant,
)


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    # A changelist of a large table: no COUNT(*) of the whole table per request, and
    # the primary key's order (an index scan) unless a column is chosen.
    show_full_result_count = False
    ordering = ["-pk"]
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
    # A changelist of a large table: no COUNT(*) of the whole table per request, and
    # the primary key's order (an index scan) unless a column is chosen.
    show_full_result_count = False
    ordering = ["-pk"]
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


@admin.register(ResellerRelationshipRequest)
class ResellerRelationshipRequestAdmin(admin.ModelAdmin):
    show_full_result_count = False
    ordering = ["-pk"]
    list_display = [
        "company_name",
        "primary_domain",
        "provider",
        "reseller",
        "status",
        "created_at",
        "expires_at",
    ]
    list_filter = ["status"]
    search_fields = ["company_name", "primary_domain", "contact_email"]
    list_select_related = ["provider", "reseller"]
    raw_id_fields = ["provider", "reseller", "requested_by_org", "customer"]
    date_hierarchy = "created_at"
    # The token's hash is a secret; requests are made, revoked and accepted on the
    # portal's pages, where they are audited.
    exclude = ["token_hash"]
    readonly_fields = [
        "uuid",
        "status",
        "created_by",
        "created_at",
        "accepted_at",
        "customer",
        "revoked_at",
        "revoked_by",
    ]
