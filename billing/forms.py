from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from subscriptions.models import TERM_PAIRS, BillingFrequency, Offer, Term


def term_pair_choices():
    terms, freqs = dict(Term.choices), dict(BillingFrequency.choices)
    return [(f"{t}/{b}", f"{terms[t]} · {freqs[b]}") for t, b in TERM_PAIRS]


class MoneyField(forms.DecimalField):
    """A non-negative amount; Decimal from the text typed, never a float."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", Decimal(0))
        kwargs.setdefault("max_digits", 15)
        kwargs.setdefault("decimal_places", 3)
        super().__init__(**kwargs)


class PriceFilterForm(forms.Form):
    q = forms.CharField(label=_("Search offers"), required=False, max_length=100)
    offer = forms.UUIDField(label=_("Offer"), required=False)
    term = forms.ChoiceField(
        label=_("Term"), required=False, choices=[("", _("All terms")), *Term.choices]
    )


class PriceEntryForm(forms.Form):
    offer = forms.ModelChoiceField(
        label=_("Offer"), queryset=Offer.objects.filter(is_active=True), to_field_name="uuid"
    )
    term_pair = forms.ChoiceField(label=_("Term and billing frequency"), choices=term_pair_choices)
    cost = MoneyField(label=_("Cost"))
    reseller_price = MoneyField(label=_("Reseller price"))
    retail_price = MoneyField(label=_("Suggested retail price"))
    effective_from = forms.DateField(
        label=_("Effective from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def term_and_frequency(self) -> tuple[str, str]:
        term, frequency = self.cleaned_data["term_pair"].split("/", 1)
        return term, frequency


class PriceImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file (UTF-8)"))


class TierForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    percent_off = forms.DecimalField(
        label=_("Percentage off the reseller price"),
        min_value=Decimal(0),
        max_value=Decimal(100),
        max_digits=5,
        decimal_places=2,
    )


class OfferPriceForm(forms.Form):
    offer = forms.ModelChoiceField(
        label=_("Offer"), queryset=Offer.objects.filter(is_active=True), to_field_name="uuid"
    )
    price = MoneyField(label=_("Price"))
    effective_from = forms.DateField(
        label=_("Effective from"), widget=forms.DateInput(attrs={"type": "date"})
    )


class ResellerTierForm(forms.Form):
    tier = forms.ModelChoiceField(
        label=_("Tier"),
        queryset=None,
        required=False,
        to_field_name="uuid",
        empty_label=_("No tier (list prices)"),
    )

    def __init__(self, *args, tiers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tier"].queryset = tiers
