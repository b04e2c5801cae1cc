from django.contrib import admin

from subscriptions.models import (
    Offer,
    OfferTerm,
    Order,
    OrderLine,
    RenewalReminder,
    ScheduledChange,
    SeatAddition,
    Subscription,
    SubscriptionChange,
)


class OfferTermInline(admin.TabularInline):
    """The (term, billing frequency) pairs the offer is sold in; the first is the default."""

    model = OfferTerm
    extra = 1
    fields = ["position", "term", "billing_frequency"]


@admin.register(OfferTerm)
class OfferTermAdmin(admin.ModelAdmin):
    list_display = ["offer", "term", "billing_frequency", "position"]
    list_filter = ["term", "billing_frequency"]
    search_fields = ["offer__name", "offer__sku"]
    list_select_related = ["offer"]
    raw_id_fields = ["offer"]


@admin.register(Offer)
class OfferAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "sku",
        "kind",
        "min_licences",
        "max_licences",
        "billing_term",
        "is_active",
    ]
    list_filter = ["is_active", "billing_term", "kind"]
    search_fields = ["name", "sku"]
    readonly_fields = ["uuid", "created_at"]
    filter_horizontal = ["upgrades_to"]
    inlines = [OfferTermInline]


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    raw_id_fields = ["offer", "reseller"]


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    # A changelist of a large table: no COUNT(*) of the whole table per request, and
    # the primary key's order (an index scan) unless a column is chosen.
    show_full_result_count = False
    ordering = ["-pk"]
    list_display = ["uuid", "customer", "provider", "submitted_by", "created_at"]
    search_fields = ["customer__company_name", "uuid"]
    list_filter = ["provider"]
    list_select_related = ["customer", "provider", "submitted_by"]
    raw_id_fields = ["customer", "provider"]
    readonly_fields = ["uuid", "idempotency_key", "submitted_by", "created_at"]
    date_hierarchy = "created_at"
    inlines = [OrderLineInline]


@admin.register(OrderLine)
class OrderLineAdmin(admin.ModelAdmin):
    # A changelist of a large table: no COUNT(*) of the whole table per request, and
    # the primary key's order (an index scan) unless a column is chosen.
    show_full_result_count = False
    ordering = ["-pk"]
    list_display = ["order", "offer", "quantity", "reseller"]
    search_fields = ["order__customer__company_name", "offer__name"]
    list_select_related = ["order__customer", "offer", "reseller"]
    raw_id_fields = ["order", "offer", "reseller"]


class SubscriptionChangeInline(admin.TabularInline):
    model = SubscriptionChange
    extra = 0
    can_delete = False
    readonly_fields = ["field", "before", "after", "actor", "created_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    # A changelist of a large table: no COUNT(*) of the whole table per request, and
    # the primary key's order (an index scan) unless a column is chosen.
    show_full_result_count = False
    ordering = ["-pk"]
    list_display = [
        "customer",
        "offer",
        "quantity",
        "status",
        "term",
        "billing_frequency",
        "term_end",
        "auto_renew",
        "reseller_location",
        "support_contact",
        "created_at",
    ]
    list_filter = ["status", "term", "billing_frequency", "auto_renew", "offer", "provider"]
    search_fields = ["customer__company_name", "customer__primary_domain", "offer__name"]
    list_select_related = ["customer", "offer", "reseller_location", "support_contact"]
    raw_id_fields = [
        "customer",
        "provider",
        "offer",
        "order_line",
        "reseller_location",
        "support_contact",
        "upgraded_to",
    ]
    readonly_fields = ["uuid", "version", "created_at", "updated_at"]
    date_hierarchy = "created_at"
    inlines = [SubscriptionChangeInline]


@admin.register(SubscriptionChange)
class SubscriptionChangeAdmin(admin.ModelAdmin):
    # A changelist of a large table: no COUNT(*) of the whole table per request, and
    # the primary key's order (an index scan) unless a column is chosen.
    show_full_result_count = False
    ordering = ["-pk"]
    list_display = ["subscription", "field", "before", "after", "actor", "created_at"]
    list_filter = ["field"]
    search_fields = ["subscription__customer__company_name"]
    list_select_related = ["subscription__customer", "subscription__offer", "actor"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class _ReadOnlyAdmin(admin.ModelAdmin):
    """Written by the portal's services and jobs only: operators look, never edit."""

    # A changelist of a large table: no COUNT(*) of the whole table per request, and
    # the primary key's order (an index scan) unless a column is chosen.
    show_full_result_count = False
    ordering = ["-pk"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SeatAddition)
class SeatAdditionAdmin(_ReadOnlyAdmin):
    list_display = ["subscription", "seats", "seats_removed", "added_at", "window_closes_at"]
    search_fields = ["subscription__customer__company_name"]
    list_select_related = ["subscription__customer", "subscription__offer"]
    date_hierarchy = "added_at"


@admin.register(ScheduledChange)
class ScheduledChangeAdmin(_ReadOnlyAdmin):
    list_display = [
        "subscription",
        "status",
        "offer",
        "quantity",
        "term",
        "billing_frequency",
        "created_by",
        "created_at",
    ]
    list_filter = ["status", "term", "billing_frequency"]
    search_fields = ["subscription__customer__company_name", "offer__name"]
    list_select_related = ["subscription__customer", "subscription__offer", "offer", "created_by"]


@admin.register(RenewalReminder)
class RenewalReminderAdmin(_ReadOnlyAdmin):
    list_display = ["subscription", "days_before", "term_end", "sent_at", "recipients"]
    list_filter = ["days_before"]
    search_fields = ["subscription__customer__company_name"]
    list_select_related = ["subscription__customer", "subscription__offer"]
