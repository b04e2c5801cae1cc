from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from portal.models import ActivityEvent, OutboundEmail, StaffInvitation, User


@admin.register(User)
class PortalUserAdmin(UserAdmin):
    list_display = ["email", "first_name", "last_name", "is_active", "is_staff", "last_login"]
    list_filter = ["is_active", "is_staff", "is_superuser", "must_change_password"]
    search_fields = ["email", "first_name", "last_name"]
    show_full_result_count = False
    ordering = ["email"]
    readonly_fields = ["last_login", "date_joined"]
    fieldsets = [
        *UserAdmin.fieldsets,
        ("Portal", {"fields": ["must_change_password"]}),
    ]


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    # A changelist of a large table: no COUNT(*) of the whole table per request, and
    # the primary key's order (an index scan) unless a column is chosen.
    show_full_result_count = False
    ordering = ["-pk"]
    list_display = ["subject", "to", "kind", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["status", "kind"]
    search_fields = ["to", "subject"]
    date_hierarchy = "created_at"
    # Bodies may carry invite links (one-time secrets): never shown, never edited.
    exclude = ["body_text", "body_html"]
    readonly_fields = [
        "uuid",
        "organisation",
        "kind",
        "to",
        "subject",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "sent_at",
        "handed_over_at",
        "claimed_at",
        "claimed_by",
    ]

    def has_add_permission(self, request):
        return False


@admin.register(ActivityEvent)
class ActivityEventAdmin(admin.ModelAdmin):
    # A changelist of a large table: no COUNT(*) of the whole table per request, and
    # the primary key's order (an index scan) unless a column is chosen.
    show_full_result_count = False
    ordering = ["-pk"]
    list_display = [
        "created_at",
        "organisation",
        "actor",
        "verb",
        "object_type",
        "object_repr",
        "ip_address",
    ]
    list_filter = ["verb", "object_type"]
    search_fields = ["object_repr", "verb", "organisation__legal_name", "actor__email"]
    date_hierarchy = "created_at"
    list_select_related = ["organisation", "actor"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(StaffInvitation)
class StaffInvitationAdmin(admin.ModelAdmin):
    # A changelist of a large table: no COUNT(*) of the whole table per request, and
    # the primary key's order (an index scan) unless a column is chosen.
    show_full_result_count = False
    ordering = ["-pk"]
    list_display = ["email", "organisation", "role", "status", "created_at", "expires_at"]
    list_filter = ["status", "role"]
    search_fields = ["email", "organisation__legal_name"]
    list_select_related = ["organisation"]
    # The token hash is never shown; the audit fields are not editable.
    exclude = ["token_hash"]
    readonly_fields = [
        "uuid",
        "organisation",
        "email",
        "role",
        "status",
        "invited_by",
        "created_at",
        "expires_at",
        "accepted_at",
        "accepted_by",
        "revoked_at",
    ]

    def has_add_permission(self, request):
        return False
