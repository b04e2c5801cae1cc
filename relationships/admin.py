from django.contrib import admin

from relationships.models import (
    AccessAssignment,
    AdminRelationship,
    AdminRelationshipNotice,
    AdminRole,
    RelationshipTemplate,
    SecurityGroup,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Relationships change only through their flows, where each change is audited."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AdminRole)
class AdminRoleAdmin(ReadOnlyAdmin):
    list_display = ["name_en", "name_ja", "id", "description_en"]
    search_fields = ["name_en", "name_ja", "id"]


@admin.register(AdminRelationship)
class AdminRelationshipAdmin(ReadOnlyAdmin):
    list_display = [
        "display_name",
        "customer",
        "partner",
        "status",
        "duration_days",
        "auto_extend",
        "approved_at",
        "ends_at",
    ]
    list_filter = ["status", "auto_extend", ("ends_at", admin.DateFieldListFilter), "partner__kind"]
    search_fields = ["display_name", "customer__company_name", "partner__legal_name"]
    list_select_related = ["customer", "partner"]
    date_hierarchy = "created_at"
    # The link hashes are secrets: excluded from every admin page.
    exclude = ["approval_token_hash", "termination_token_hash"]


@admin.register(SecurityGroup)
class SecurityGroupAdmin(ReadOnlyAdmin):
    list_display = ["name", "organisation", "created_at"]
    search_fields = ["name", "organisation__legal_name"]
    list_select_related = ["organisation"]


@admin.register(RelationshipTemplate)
class RelationshipTemplateAdmin(ReadOnlyAdmin):
    list_display = ["name", "organisation", "duration_days", "auto_extend"]
    search_fields = ["name", "organisation__legal_name"]
    list_select_related = ["organisation"]


@admin.register(AccessAssignment)
class AccessAssignmentAdmin(ReadOnlyAdmin):
    list_display = ["group", "relationship", "created_at"]
    search_fields = ["group__name", "relationship__display_name"]
    list_select_related = ["group", "relationship"]


@admin.register(AdminRelationshipNotice)
class AdminRelationshipNoticeAdmin(ReadOnlyAdmin):
    list_display = ["relationship", "days_before", "ends_at", "sent_at"]
    list_filter = ["days_before"]
    search_fields = ["relationship__display_name"]
    list_select_related = ["relationship"]
