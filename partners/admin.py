from django.contrib import admin, messages
from django.db.models import Q

from partners.models import (
    Handover,
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
    # A changelist of a large table: no COUNT(*) of the whole table per request, and
    # the primary key's order (an index scan) unless a column is chosen.
    show_full_result_count = False
    ordering = ["-pk"]
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

    @staticmethod
    def in_use(obj) -> bool:
        """Whether the organisation has partnerships or customers (it is then never deleted)."""
        from customers.models import Customer

        return (
            Partnership.objects.filter(Q(provider=obj) | Q(reseller=obj)).exists()
            or Customer.objects.filter(Q(provider=obj) | Q(reseller=obj)).exists()
        )

    def has_delete_permission(self, request, obj=None):
        if obj is not None and self.in_use(obj):
            return False
        return super().has_delete_permission(request, obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        if request.method == "GET" and obj is not None and self.in_use(obj):
            self.message_user(
                request,
                "This organisation has partnerships or customers, so it cannot be deleted. "
                "End its partnerships and move or remove its customers first; to stop its "
                "access, set its status to Deauthorised.",
                messages.WARNING,
            )
        return super().change_view(request, object_id, form_url, extra_context)

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
    # A changelist of a large table: no COUNT(*) of the whole table per request, and
    # the primary key's order (an index scan) unless a column is chosen.
    show_full_result_count = False
    ordering = ["-pk"]
    list_display = ["name", "organisation", "location_partner_id", "country", "created_at"]
    search_fields = ["name", "location_partner_id", "organisation__legal_name"]
    list_filter = ["country"]
    list_select_related = ["organisation"]
    raw_id_fields = ["organisation"]
    readonly_fields = ["uuid", "created_at"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    # A changelist of a large table: no COUNT(*) of the whole table per request, and
    # the primary key's order (an index scan) unless a column is chosen.
    show_full_result_count = False
    ordering = ["-pk"]
    list_display = ["user", "organisation", "role", "created_at"]
    list_filter = ["role", "organisation__kind"]
    search_fields = ["user__email", "organisation__legal_name"]
    list_select_related = ["user", "organisation"]
    raw_id_fields = ["user", "organisation"]
    readonly_fields = ["uuid", "created_at"]


@admin.register(PartnershipRequest)
class PartnershipRequestAdmin(admin.ModelAdmin):
    # A changelist of a large table: no COUNT(*) of the whole table per request, and
    # the primary key's order (an index scan) unless a column is chosen.
    show_full_result_count = False
    ordering = ["-pk"]
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
    # A changelist of a large table: no COUNT(*) of the whole table per request, and
    # the primary key's order (an index scan) unless a column is chosen.
    show_full_result_count = False
    ordering = ["-pk"]
    list_display = ["provider", "reseller", "status", "created_at", "removed_at"]
    list_filter = ["status"]
    search_fields = ["provider__legal_name", "reseller__legal_name", "reseller__partner_id"]
    list_select_related = ["provider", "reseller"]
    raw_id_fields = ["provider", "reseller", "request"]
    readonly_fields = ["uuid", "created_by", "created_at", "removed_by", "removed_at"]


@admin.register(Handover)
class HandoverAdmin(admin.ModelAdmin):
    list_display = ["provider", "reseller", "job", "undo_job", "notify", "created_at"]
    list_filter = ["notify"]
    search_fields = ["provider__legal_name", "reseller__legal_name", "reseller__partner_id"]
    list_select_related = ["provider", "reseller", "job", "undo_job"]
    raw_id_fields = ["provider", "reseller", "partnership", "job", "undo_job"]
    readonly_fields = ["uuid", "created_at"]
