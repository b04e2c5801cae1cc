from django.contrib import admin

from overview.models import Summary


@admin.register(Summary)
class SummaryAdmin(admin.ModelAdmin):
    list_display = ("organisation", "refreshed_at")
    search_fields = ("organisation__legal_name", "organisation__partner_id")
    list_filter = ("organisation__kind",)
    readonly_fields = ("organisation", "refreshed_at", "figures", "charts", "history")
