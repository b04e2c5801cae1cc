"""One small form per action on customers."""

from __future__ import annotations

import re

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from customers import selectors
from customers.countries import CountryChoiceField
from customers.models import DOMAIN_PREFIX_REGEX
from customers.services import CustomerDetails, RelationshipRequestDetails
from portal.forms import JINJA2_FORMS, ListFilterForm
from subscriptions.forms import LICENCE_ERRORS
from subscriptions.selectors import term_choices

OFFER_FIELD_PREFIX = "offer_"


class CustomerFilterForm(ListFilterForm):
    """Search and, for a provider, the indirect reseller filter of the Customers page.

    The reseller is taken as a uuid and looked up among the provider's own
    choices by the view (selectors.reseller_for_filter): a distributor's
    thousands of resellers are not listed to validate one.
    """

    reseller = forms.UUIDField(label=_("Indirect reseller"), required=False)
    expiring = forms.BooleanField(label=_("Admin relationship expiring in 30 days"), required=False)


class DomainPrefixForm(forms.Form):
    """The customer's primary domain prefix: well formed and not in use."""

    domain_prefix = forms.CharField(
        label=_("Primary domain"),
        # Longer input gets the format message below, not a generic length one.
        max_length=100,
        help_text=_("3 to 27 letters, digits or hyphens."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "none"}
        ),
    )

    def clean_domain_prefix(self):
        prefix = self.cleaned_data["domain_prefix"].strip().lower()
        if not re.fullmatch(DOMAIN_PREFIX_REGEX, prefix):
            raise forms.ValidationError(
                _(
                    "Use 3 to 27 letters, digits or hyphens, starting and ending with a letter or digit."
                ),
                code="malformed",
            )
        domain = selectors.full_domain(prefix)
        if selectors.domain_is_taken(domain):
            raise forms.ValidationError(
                _("%(domain)s is already taken."), code="taken", params={"domain": domain}
            )
        return prefix

    @property
    def available_domain(self) -> str:
        """The full domain once the prefix was checked and found free, else empty."""
        if not self.is_bound or "domain_prefix" in self.errors:
            return ""
        return selectors.full_domain(self.cleaned_data["domain_prefix"])


class CustomerDetailsForm(DomainPrefixForm):
    """Step 1 of the new-customer wizard: the company, its address, contact and reseller."""

    company_name = forms.CharField(label=_("Company name"), max_length=200)
    street = forms.CharField(label=_("Street"), max_length=200)
    city = forms.CharField(label=_("City"), max_length=100)
    postal_code = forms.CharField(label=_("Postal code"), max_length=20)
    country = CountryChoiceField()
    contact_first_name = forms.CharField(label=_("First name"), max_length=100)
    contact_last_name = forms.CharField(label=_("Last name"), max_length=100)
    contact_email = forms.EmailField(label=_("Email"))
    contact_phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    reseller = forms.ModelChoiceField(
        label=_("Indirect reseller"),
        queryset=None,
        required=False,
        to_field_name="uuid",
        empty_label=_("No indirect reseller"),
    )

    field_order = ["company_name", "domain_prefix"]

    def __init__(self, *args, provider, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reseller"].queryset = selectors.active_partners(provider=provider)

    def draft_data(self) -> dict[str, str]:
        """The checked details as strings, to keep in the wizard's draft."""
        data = dict(self.cleaned_data)
        data["reseller"] = str(data["reseller"].uuid) if data["reseller"] else ""
        return data

    def details(self) -> CustomerDetails:
        data = self.cleaned_data
        return CustomerDetails(
            company_name=data["company_name"],
            primary_domain=selectors.full_domain(data["domain_prefix"]),
            street=data["street"],
            city=data["city"],
            postal_code=data["postal_code"],
            country=data["country"],
            contact_first_name=data["contact_first_name"],
            contact_last_name=data["contact_last_name"],
            contact_email=data["contact_email"],
            contact_phone=data["contact_phone"],
            language=data["language"],
        )


class SubscriptionLinesForm(forms.Form):
    """Step 2 of the wizard: a licence count for each offer to order (empty: not ordered)."""

    def __init__(self, *args, offers, **kwargs):
        super().__init__(*args, **kwargs)
        self.offers = list(offers)
        for offer in self.offers:
            self.fields[self.field_name(offer)] = forms.IntegerField(
                label=offer.name,
                required=False,
                error_messages=LICENCE_ERRORS,
                widget=forms.NumberInput(
                    attrs={"min": offer.min_licences, "max": offer.max_licences, "step": 1}
                ),
            )
            # One of the offer's (term, billing frequency) pairs; the first is the default.
            choices = term_choices(offer)
            self.fields[self.term_field_name(offer)] = forms.ChoiceField(
                label=_("Term and billing frequency of %(offer)s") % {"offer": offer.name},
                choices=choices,
                required=False,
                initial=choices[0][0],
            )

    @staticmethod
    def field_name(offer) -> str:
        return f"{OFFER_FIELD_PREFIX}{offer.uuid}"

    @staticmethod
    def term_field_name(offer) -> str:
        return f"term_{offer.uuid}"

    def rows(self):
        """Each offer with its bound licence and term fields, for the table."""
        return [
            (offer, self[self.field_name(offer)], self[self.term_field_name(offer)])
            for offer in self.offers
        ]

    def clean(self):
        cleaned = super().clean()
        if self.data and any(
            key.startswith(OFFER_FIELD_PREFIX) and key not in self.fields for key in self.data
        ):
            raise forms.ValidationError(
                _("An offer you chose is unknown or can no longer be ordered."),
                code="unknown_offer",
            )
        chosen = 0
        for offer in self.offers:
            name = self.field_name(offer)
            quantity = cleaned.get(name)
            if quantity is None:
                continue
            chosen += 1
            if not offer.min_licences <= quantity <= offer.max_licences:
                self.add_error(
                    name,
                    forms.ValidationError(
                        _("Between %(min)s and %(max)s licences for this offer."),
                        code="out_of_bounds",
                        params={"min": offer.min_licences, "max": offer.max_licences},
                    ),
                )
        if not chosen and not self.errors:
            raise forms.ValidationError(
                _("Choose at least one offer and enter its licence count."), code="empty"
            )
        return cleaned

    def lines(self) -> list[tuple]:
        """The chosen ``(offer, quantity, term pair)`` lines (term pair: ``P1Y/annual``)."""
        return [
            (
                offer,
                self.cleaned_data[self.field_name(offer)],
                self.cleaned_data.get(self.term_field_name(offer)) or "",
            )
            for offer in self.offers
            if self.cleaned_data.get(self.field_name(offer)) is not None
        ]

    def draft_data(self) -> dict[str, str]:
        """The chosen lines as submitted, to keep in the wizard's draft."""
        data = {}
        for offer, quantity, term in self.lines():
            data[self.field_name(offer)] = str(quantity)
            data[self.term_field_name(offer)] = term
        return data


class SubmitCustomerForm(forms.Form):
    """Step 3 of the wizard: the draft's key, so a repeated submit finds the first order."""

    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)


class ChangeResellerForm(forms.Form):
    """Associate a customer with another active partner.

    ``reads_choices``: the customer page sets the options it read
    (selectors.change_reseller_options) as the field's choices; the queryset, which
    costs more to build than the rest of the form, then only validates a submission.
    The field is written by Jinja2, not Django's widget templates.
    """

    default_renderer = JINJA2_FORMS

    reseller = forms.ModelChoiceField(
        label=_("Indirect reseller"), queryset=None, to_field_name="uuid"
    )

    def __init__(self, *args, provider, reads_choices: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if self.is_bound or not reads_choices:
            self.fields["reseller"].queryset = selectors.active_partners(provider=provider)


# A domain name of 2 labels or more (an existing tenant's own domain, e.g.
# fourthcoffee.onmicrosoft.example): letters, digits and inner hyphens per label.
EXISTING_DOMAIN_REGEX = r"^(?=.{4,100}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"


class ResellerRelationshipRequestForm(forms.Form):
    """A reseller relationship request: the other party, the company, its domain and contact.

    A provider chooses one of its active resellers; a reseller one of its providers.
    """

    partner = forms.ModelChoiceField(
        label=_("Indirect reseller"), queryset=None, to_field_name="uuid"
    )
    company_name = forms.CharField(label=_("Company name"), max_length=200)
    primary_domain = forms.CharField(
        label=_("Primary domain"),
        max_length=100,
        help_text=_(
            "The domain of the company's existing tenant, e.g. fourthcoffee.onmicrosoft.example."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "none"}
        ),
    )
    contact_first_name = forms.CharField(label=_("First name"), max_length=100)
    contact_last_name = forms.CharField(label=_("Last name"), max_length=100)
    contact_email = forms.EmailField(label=_("Email"))
    language = forms.ChoiceField(
        label=_("Language"),
        choices=settings.LANGUAGES,
        help_text=_("The language of the email the contact receives."),
    )

    def __init__(self, *args, org, **kwargs):
        super().__init__(*args, **kwargs)
        partner = self.fields["partner"]
        if org.is_provider:
            partner.queryset = selectors.active_partners(provider=org)
        else:
            partner.label = _("Indirect provider")
            partner.queryset = selectors.partner_providers(reseller=org)

    def clean_primary_domain(self):
        domain = self.cleaned_data["primary_domain"].strip().lower()
        if not re.fullmatch(EXISTING_DOMAIN_REGEX, domain):
            raise forms.ValidationError(
                _("Enter a domain name such as fourthcoffee.onmicrosoft.example."),
                code="malformed",
            )
        if selectors.domain_is_taken(domain):
            raise forms.ValidationError(
                _("%(domain)s is already a customer's domain."),
                code="taken",
                params={"domain": domain},
            )
        return domain

    def details(self) -> RelationshipRequestDetails:
        data = self.cleaned_data
        return RelationshipRequestDetails(
            company_name=data["company_name"],
            primary_domain=data["primary_domain"],
            contact_first_name=data["contact_first_name"],
            contact_last_name=data["contact_last_name"],
            contact_email=data["contact_email"],
            language=data["language"],
        )


class RelationshipConsentForm(forms.Form):
    """The company's consent on the request link."""

    consent = forms.BooleanField(
        label=_(
            "I am authorised to accept this on behalf of the company, and I accept the "
            "indirect provider and the indirect reseller named above."
        ),
        error_messages={"required": _("Tick the box to accept.")},
    )
