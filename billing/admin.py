from django.contrib import admin
from django.utils import timezone

from billing.models import (
    Charge,
    PartnershipTier,
    PriceListEntry,
    ProviderCurrency,
    ResellerPrice,
    Statement,
    Tier,
    TierPrice,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Money already moved: operators read it, never write it (a correction is an adjustment)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ProviderCurrency)
class ProviderCurrencyAdmin(admin.ModelAdmin):
    list_display = ["provider", "currency"]
    list_filter = ["currency"]
    search_fields = ["provider__legal_name", "provider__partner_id"]
    raw_id_fields = ["provider"]


@admin.register(PriceListEntry)
class PriceListEntryAdmin(admin.ModelAdmin):
    list_display = [
        "offer",
        "provider",
        "term",
        "billing_frequency",
        "cost",
        "reseller_price",
        "retail_price",
        "effective_from",
    ]
    list_filter = ["term", "billing_frequency", "effective_from"]
    search_fields = ["offer__name", "offer__sku", "provider__legal_name"]
    list_select_related = ["offer", "provider"]
    raw_id_fields = ["provider", "offer", "created_by"]
    readonly_fields = ["uuid", "created_by", "created_at"]

    def has_change_permission(self, request, obj=None):
        # An entry in effect is history: never edited in place.
        if obj is not None and obj.effective_from <= timezone.localdate():
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)


class TierPriceInline(admin.TabularInline):
    model = TierPrice
    extra = 0
    raw_id_fields = ["offer"]
    readonly_fields = ["created_at"]


@admin.register(Tier)
class TierAdmin(admin.ModelAdmin):
    list_display = ["name", "provider", "percent_off"]
    search_fields = ["name", "provider__legal_name"]
    list_select_related = ["provider"]
    raw_id_fields = ["provider"]
    readonly_fields = ["uuid"]
    inlines = [TierPriceInline]


@admin.register(TierPrice)
class TierPriceAdmin(admin.ModelAdmin):
    list_display = ["tier", "offer", "price", "effective_from"]
    search_fields = ["tier__name", "offer__name", "offer__sku"]
    list_filter = ["effective_from"]
    list_select_related = ["tier", "offer"]
    raw_id_fields = ["tier", "offer"]
    readonly_fields = ["created_at"]


@admin.register(PartnershipTier)
class PartnershipTierAdmin(admin.ModelAdmin):
    list_display = ["reseller", "provider", "tier"]
    search_fields = ["reseller__legal_name", "provider__legal_name", "tier__name"]
    list_select_related = ["reseller", "provider", "tier"]
    raw_id_fields = ["provider", "reseller", "tier"]


@admin.register(ResellerPrice)
class ResellerPriceAdmin(admin.ModelAdmin):
    list_display = ["reseller", "provider", "offer", "price", "effective_from"]
    search_fields = ["reseller__legal_name", "offer__name", "offer__sku"]
    list_filter = ["effective_from"]
    list_select_related = ["reseller", "provider", "offer"]
    raw_id_fields = ["provider", "reseller", "offer"]
    readonly_fields = ["uuid", "created_at"]


@admin.register(Charge)
class ChargeAdmin(ReadOnlyAdmin):
    list_display = [
        "charged_on",
        "kind",
        "provider",
        "reseller",
        "offer",
        "quantity",
        "unit_price",
        "amount",
        "currency",
    ]
    list_filter = ["kind", "month", "currency"]
    search_fields = ["location_mpn_id", "customer__company_name", "offer__name", "uuid"]
    list_select_related = ["provider", "reseller", "offer"]
    raw_id_fields = ["provider", "subscription", "customer", "reseller", "offer", "statement"]


@admin.register(Statement)
class StatementAdmin(ReadOnlyAdmin):
    list_display = ["month", "provider", "reseller", "status", "lines", "total", "currency"]
    list_filter = ["status", "month"]
    search_fields = ["provider__legal_name", "reseller__legal_name", "uuid"]
    list_select_related = ["provider", "reseller"]
    raw_id_fields = ["provider", "reseller"]
