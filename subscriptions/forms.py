"""One small form per subscription action."""

from collections.abc import Callable

from django import forms
from django.db.models import QuerySet
from django.urls import reverse_lazy
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from portal.forms import JINJA2_FORMS, FilterSelect, ListFilterForm
from subscriptions import selectors
from subscriptions.models import Offer, Subscription

# A licence count's errors in the domain's words (not Django's "Ensure this value is…").
LICENCE_ERRORS = {
    "invalid": _("Enter the number of licences as a whole number."),
    "min_value": _("Enter at least one licence."),
}


class OrganisationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.legal_name} ({obj.partner_id})"


class OfferChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return _("%(name)s (%(min)s–%(max)s licences)") % {
            "name": obj.name,
            "min": obj.min_licences,
            "max": obj.max_licences,
        }


def _set_choices(
    form: forms.Form, name: str, *, read: list | None, queryset: Callable[[], QuerySet]
) -> None:
    """Let the model choice field ``name`` choose from ``read`` (objects read already, as
    ``queryset()`` lists them), else from ``queryset()``.

    The details page reads what its choice fields list once (its two offer
    fields' offers in one query): a queryset is read again each time its choices
    are iterated (twice for a select without a blank choice), and building one
    costs more than the rest of the form. A submitted form is validated against
    ``queryset()`` all the same.
    """
    field = form.fields[name]
    if read is not None:
        blank = [] if field.empty_label is None else [("", field.empty_label)]
        field.choices = [
            *blank,
            *((field.prepare_value(obj), field.label_from_instance(obj)) for obj in read),
        ]
    if read is None or form.is_bound:
        field.queryset = queryset()


class SubscriptionNewForm(forms.Form):
    """Offer, licence count within its bounds, optionally a creditable reseller."""

    offer = OfferChoiceField(
        label=_("Offer"),
        queryset=None,
        to_field_name="uuid",
        error_messages={"invalid_choice": _("Choose one of the offers listed.")},
    )
    quantity = forms.IntegerField(label=_("Licences"), min_value=1, error_messages=LICENCE_ERRORS)
    reseller = OrganisationChoiceField(
        label=_("Indirect reseller"),
        queryset=None,
        required=False,
        to_field_name="uuid",
        empty_label=_("No indirect reseller"),
        help_text=_("Only active partners that have accepted the partner agreement are listed."),
    )
    term = forms.ChoiceField(
        label=_("Term and billing frequency"),
        choices=(),
        required=False,
        help_text=_("One of the pairs the offer is sold in."),
    )
    # Generated when the form is first shown; a repeated submit reuses it and
    # so places no second order.
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, provider, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["offer"].queryset = selectors.orderable_offers()
        self.fields["reseller"].queryset = selectors.creditable_resellers(provider=provider)
        self.fields["term"].choices = selectors.term_choices(blank=True)

    def clean(self):
        cleaned = super().clean()
        offer, quantity = cleaned.get("offer"), cleaned.get("quantity")
        if offer and quantity and not offer.min_licences <= quantity <= offer.max_licences:
            self.add_error(
                "quantity",
                _("Between %(min)s and %(max)s licences for %(offer)s.")
                % {"min": offer.min_licences, "max": offer.max_licences, "offer": offer.name},
            )
        return cleaned


class VersionedForm(forms.Form):
    """Carries the subscription version the page was rendered with (no lost update)."""

    # The details page shows several of these forms: ids must not collide.
    id_prefix = "status"
    # Its thirteen widgets (a select's options each a template) cost a third of the
    # page with Django's template renderer; Django's Jinja2 templates write the same markup.
    default_renderer = JINJA2_FORMS

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"{self.id_prefix}-%s")
        super().__init__(*args, **kwargs)

    @cached_property
    def version_input(self) -> str:
        """``{{ form.version }}``, rendered once: the details page shows the status form's
        three times."""
        return str(self["version"])


class QuantityForm(VersionedForm):
    id_prefix = "quantity"
    quantity = forms.IntegerField(label=_("Licences"), min_value=1, error_messages=LICENCE_ERRORS)
    confirm_discard = forms.BooleanField(
        label=_("Yes, discard the change scheduled for the renewal"), required=False
    )

    def __init__(self, *args, subscription: Subscription, **kwargs):
        super().__init__(*args, **kwargs)
        offer = subscription.offer
        self.fields["quantity"].widget.attrs.update(min=offer.min_licences, max=offer.max_licences)
        self.fields["quantity"].help_text = _("From %(min)s to %(max)s.") % {
            "min": offer.min_licences,
            "max": offer.max_licences,
        }
        self.offer = offer

    def clean_quantity(self):
        quantity = self.cleaned_data["quantity"]
        if not self.offer.min_licences <= quantity <= self.offer.max_licences:
            raise forms.ValidationError(
                _("Between %(min)s and %(max)s licences for this offer.")
                % {"min": self.offer.min_licences, "max": self.offer.max_licences}
            )
        return quantity


class ResellerForm(VersionedForm):
    """The credited reseller location, by its location partner ID; empty clears it."""

    id_prefix = "reseller"

    location_partner_id = forms.CharField(
        label=_("Reseller (MPN ID)"),
        required=False,
        max_length=20,
        help_text=_(
            "Choose an active partner's location ID or type one and select Check ID. "
            "Leave empty to credit no reseller."
        ),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "list": "partner-locations",
                # A distributor's thousands of locations are looked up as typed, not sent
                # with the page (subscriptions.views.partner_locations).
                "hx-get": reverse_lazy("subscriptions:partner_locations"),
                "hx-trigger": "input changed delay:300ms",
                "hx-target": "#partner-locations-found",
                "hx-swap": "outerHTML",
                "hx-sync": "this:replace",
            }
        ),
    )

    def __init__(self, *args, provider, **kwargs):
        super().__init__(*args, **kwargs)
        self.provider = provider

    def clean_location_partner_id(self):
        value = self.cleaned_data["location_partner_id"].strip()
        if not value:
            return None
        return selectors.reseller_location_check(provider=self.provider, location_partner_id=value)


class SubscriptionFilterForm(ListFilterForm):
    """Search, reseller and status filters of the Subscriptions list (and its CSV export)."""

    reseller = forms.UUIDField(label=_("Indirect reseller"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("All statuses")), *Subscription.Status.choices],
        required=False,
        widget=FilterSelect,
    )
    renewal = forms.ChoiceField(
        label=_("Renewal"),
        choices=[("", _("Any renewal")), *selectors.RENEWAL_FILTERS.items()],
        required=False,
    )


class LocationCheckForm(forms.Form):
    """Check ID: whether a typed location partner ID can be credited (the Reseller form's check)."""

    location_partner_id = forms.CharField(
        error_messages={"required": _("Enter a location partner ID to check.")}
    )

    def __init__(self, *args, provider, **kwargs):
        super().__init__(*args, **kwargs)
        self.provider = provider

    def clean_location_partner_id(self):
        value = self.cleaned_data["location_partner_id"]
        return selectors.reseller_location_check(provider=self.provider, location_partner_id=value)


class SupportContactForm(VersionedForm):
    """The provider or the customer's associated reseller, and no one else."""

    id_prefix = "support"

    support_contact = OrganisationChoiceField(
        label=_("Designated support contact"),
        queryset=None,
        to_field_name="uuid",
        empty_label=None,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, subscription: Subscription, contacts: list | None = None, **kwargs):
        """``contacts``: the choices, when read already (selectors.support_contacts)."""
        super().__init__(*args, **kwargs)
        _set_choices(
            self,
            "support_contact",
            read=contacts,
            queryset=lambda: selectors.support_contact_choices(subscription=subscription),
        )


class UpgradeForm(VersionedForm):
    """An offer the subscription's offer upgrades to, and a licence count of at least the current one."""

    id_prefix = "upgrade"

    offer = OfferChoiceField(
        label=_("Upgrade to"),
        queryset=None,
        to_field_name="uuid",
        error_messages={"invalid_choice": _("Choose one of the offers listed.")},
    )
    quantity = forms.IntegerField(label=_("Licences"), min_value=1, error_messages=LICENCE_ERRORS)
    term = forms.ChoiceField(label=_("Term and billing frequency"), choices=(), required=False)

    def __init__(
        self, *args, subscription: Subscription, offers: list[Offer] | None = None, **kwargs
    ):
        """``offers``: the upgrade targets, when read already (selectors.change_offers)."""
        super().__init__(*args, **kwargs)
        self.fields["term"].choices = selectors.term_choices(blank=True)
        self.current_quantity = subscription.quantity
        _set_choices(
            self,
            "offer",
            read=offers,
            queryset=lambda: selectors.upgrade_targets(offer=subscription.offer),
        )
        self.fields["quantity"].widget.attrs["min"] = subscription.quantity
        self.fields["quantity"].help_text = _(
            "At least the current %(current)s, within the new offer's bounds."
        ) % {"current": subscription.quantity}

    def clean(self):
        cleaned = super().clean()
        offer, quantity = cleaned.get("offer"), cleaned.get("quantity")
        if quantity is not None and quantity < self.current_quantity:
            self.add_error(
                "quantity",
                _("Enter at least the current licence count (%(current)s).")
                % {"current": self.current_quantity},
            )
        elif offer and quantity and not offer.min_licences <= quantity <= offer.max_licences:
            self.add_error(
                "quantity",
                _("Between %(min)s and %(max)s licences for %(offer)s.")
                % {"min": offer.min_licences, "max": offer.max_licences, "offer": offer.name},
            )
        return cleaned


class AutoRenewForm(VersionedForm):
    id_prefix = "auto-renew"
    auto_renew = forms.BooleanField(required=False)


class ScheduledChangeForm(VersionedForm):
    """The next term's licence count, term and billing frequency, and offer (this one or one
    on its upgrade path)."""

    id_prefix = "scheduled"

    offer = OfferChoiceField(
        label=_("Offer"),
        queryset=None,
        to_field_name="uuid",
        empty_label=None,
        error_messages={"invalid_choice": _("Choose one of the offers listed.")},
    )
    quantity = forms.IntegerField(label=_("Licences"), min_value=1, error_messages=LICENCE_ERRORS)
    term = forms.ChoiceField(label=_("Term and billing frequency"), choices=())

    def __init__(
        self, *args, subscription: Subscription, offers: list[Offer] | None = None, **kwargs
    ):
        """``offers``: the subscription's offer and its upgrade targets, when read already
        (selectors.change_offers)."""
        super().__init__(*args, **kwargs)

        def offers_to_choose():
            targets = selectors.upgrade_targets(offer=subscription.offer)
            return (
                Offer.objects.filter(pk=subscription.offer_id)
                | Offer.objects.filter(pk__in=targets)
            ).order_by("name")

        _set_choices(self, "offer", read=offers, queryset=offers_to_choose)
        self.fields["term"].choices = selectors.term_choices()
