from django.contrib import admin

from partners.models import (
    Membership,
    Organisation,
    PartnerLocation,
    Partnership,
    PartnershipRequest,
)


class PartnerLocationInline(admin.TabularInline):
    model = PartnerLocation
    extra = 0
    readonly_fields = ["uuid", "created_at"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = [
        "legal_name",
        "kind",
        "partner_id",
        "country",
        "status",
        "directory_listed",
        "created_at",
    ]
    list_filter = ["kind", "status", "directory_listed", "country"]
    search_fields = ["legal_name", "partner_id", "contact_email", "directory_name"]
    readonly_fields = ["uuid", "created_at", "agreement_accepted_at", "agreement_accepted_by"]
    inlines = [PartnerLocationInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "uuid",
                    "kind",
                    "legal_name",
                    "partner_id",
                    "contact_email",
                    "country",
                    "status",
                    "require_mfa",
                    "created_at",
                    "agreement_accepted_at",
                    "agreement_accepted_by",
                ]
            },
        ),
        (
            "Directory profile",
            {
                "fields": [
                    "directory_listed",
                    "directory_name",
                    "directory_regions",
                    "directory_website",
                    "directory_contact",
                    "directory_description",
                ]
            },
        ),
    ]


@admin.register(PartnerLocation)
class PartnerLocationAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "location_partner_id", "country", "created_at"]
    search_fields = ["name", "location_partner_id", "organisation__legal_name"]
    list_filter = ["country"]
    list_select_related = ["organisation"]
    raw_id_fields = ["organisation"]
    readonly_fields = ["uuid", "created_at"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "role", "created_at"]
    list_filter = ["role", "organisation__kind"]
    search_fields = ["user__email", "organisation__legal_name"]
    list_select_related = ["user", "organisation"]
    raw_id_fields = ["user", "organisation"]
    readonly_fields = ["uuid", "created_at"]


@admin.register(PartnershipRequest)
class PartnershipRequestAdmin(admin.ModelAdmin):
    list_display = [
        "email",
        "provider",
        "status",
        "created_at",
        "sent_at",
        "expires_at",
        "accepted_at",
    ]
    list_filter = ["status"]
    search_fields = ["email", "provider__legal_name"]
    list_select_related = ["provider"]
    date_hierarchy = "created_at"
    # The token hash is a secret: excluded from every admin page.
    exclude = ["token_hash"]
    readonly_fields = [
        "uuid",
        "provider",
        "created_by",
        "created_at",
        "sent_at",
        "accepted_at",
        "accepted_by",
        "accepted_org",
        "revoked_at",
    ]


@admin.register(Partnership)
class PartnershipAdmin(admin.ModelAdmin):
    list_display = ["provider", "reseller", "status", "created_at", "removed_at"]
    list_filter = ["status"]
    search_fields = ["provider__legal_name", "reseller__legal_name", "reseller__partner_id"]
    list_select_related = ["provider", "reseller"]
    raw_id_fields = ["provider", "reseller", "request"]
    readonly_fields = ["uuid", "created_by", "created_at", "removed_by", "removed_at"]
