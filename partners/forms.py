from django import forms
from django.contrib.auth import password_validation
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from customers.countries import CountryChoiceField
from partners import selectors
from partners.models import Organisation, PartnershipRequest
from partners.services import invite_tokens_in, invite_url, normalise_email
from portal.forms import FilterSelect, ListFilterForm
from portal.models import User
from portal.tokens import hash_token

MESSAGE_MAX_LENGTH = 10_000
partner_id_validator = RegexValidator(r"^[0-9]{1,20}$", _("Enter digits only."))


class ResellerFilterForm(ListFilterForm):
    """Search, status, agreement and order (set by the column headings) of Indirect resellers."""

    STATUS_CHOICES = [
        ("", _("All")),
        ("active", _("Active partnerships")),
        (PartnershipRequest.Status.PENDING, _("Pending requests")),
        (PartnershipRequest.Status.EXPIRED, _("Expired requests")),
        ("removed", _("Removed partnerships")),
    ]
    AGREEMENT_CHOICES = [
        ("", _("Any agreement status")),
        ("not_accepted", _("Agreement not accepted")),
    ]

    status = forms.ChoiceField(
        label=_("Status"), choices=STATUS_CHOICES, required=False, widget=FilterSelect
    )
    agreement = forms.ChoiceField(
        label=_("Partner agreement"),
        choices=AGREEMENT_CHOICES,
        required=False,
        widget=FilterSelect,
    )
    # Set by the table's column headings; kept here so a filter change keeps the order.
    sort = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)

    def values(self) -> dict:
        values = super().values()
        values["sort"] = selectors.RESELLER_SORT.clean(values["sort"])
        return values


class DirectorySearchForm(ListFilterForm):
    """The public directory's search."""


class PartnershipRequestEmailForm(forms.Form):
    email = forms.EmailField(label=_("Recipient email"), max_length=254)
    any_address = forms.BooleanField(
        label=_("Anyone with the link may accept it, not only an account at this address's domain"),
        required=False,
        help_text=_(
            "Leave it off unless the reseller will sign in with an address at another domain: "
            "a forwarded or leaked link is then of no use to anyone else."
        ),
    )

    def __init__(self, *args, provider: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.provider = provider
        self.pending_request = None

    def clean_email(self):
        email = normalise_email(self.cleaned_data["email"])
        if selectors.partnered_reseller_for_email(provider=self.provider, email=email):
            raise forms.ValidationError(
                _("This address belongs to a reseller you are already partnered with.")
            )
        self.pending_request = selectors.pending_request_for_email(
            provider=self.provider, email=email
        )
        if self.pending_request:
            raise forms.ValidationError(
                _("A request to this address is already pending. You can send it again instead.")
            )
        return email


class PartnershipDraftForm(forms.Form):
    """The draft email; the body must keep the request's invite link unchanged.

    The subject is fixed (it names the provider) and is not a field.
    """

    token = forms.CharField(widget=forms.HiddenInput, max_length=128)
    body = forms.CharField(
        label=_("Message"),
        max_length=MESSAGE_MAX_LENGTH,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 14}),
    )

    def __init__(self, *args, partnership_request: PartnershipRequest, **kwargs):
        super().__init__(*args, **kwargs)
        self.partnership_request = partnership_request

    def clean_body(self):
        body = self.cleaned_data["body"].replace("\r\n", "\n")
        if not body.strip():
            raise forms.ValidationError(_("Write a message."))
        return body

    def clean(self):
        cleaned = super().clean()
        token, body = cleaned.get("token"), cleaned.get("body")
        if not token or hash_token(token) != self.partnership_request.token_hash:
            # The hidden field: a stale draft (resent meanwhile) or a tampered page.
            self.add_error(
                None, _("This draft is out of date. Close it and prepare a new request.")
            )
        elif body is not None:
            link = invite_url(token)
            if any(found != token for found in invite_tokens_in(body)):
                self.add_error(
                    "body",
                    _("The invite link was altered. Put it back exactly as given: %(link)s")
                    % {"link": link},
                )
            elif link not in body:
                self.add_error(
                    "body",
                    _("The message must contain the invite link: %(link)s") % {"link": link},
                )
        return cleaned


class InviteAcceptForm(forms.Form):
    consent = forms.BooleanField(
        label=_(
            "I authorise this indirect provider to place orders and hold admin rights "
            "for my organisation's customers."
        ),
        error_messages={"required": _("Tick the box to authorise the indirect provider.")},
    )


class ResellerEnrolForm(InviteAcceptForm):
    company_name = forms.CharField(label=_("Company name"), max_length=200)
    partner_id = forms.CharField(
        label=_("Global partner ID"), max_length=20, validators=[partner_id_validator]
    )
    location_partner_id = forms.CharField(
        label=_("Location partner ID (MPN ID)"),
        max_length=20,
        validators=[partner_id_validator],
        help_text=_("The ID of your first location account; it must differ from the global ID."),
    )
    country = CountryChoiceField()
    agreement = forms.BooleanField(
        label=_("I accept the partner agreement on behalf of the company."),
        error_messages={"required": _("Accept the partner agreement to enrol.")},
    )
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    email = forms.EmailField(label=_("Email"), max_length=254)
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    field_order = [
        "company_name",
        "partner_id",
        "location_partner_id",
        "country",
        "agreement",
        "first_name",
        "last_name",
        "email",
        "password",
        "consent",
    ]

    def __init__(self, *args, partnership_request: PartnershipRequest | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.partnership_request = partnership_request
        if partnership_request is not None:
            # The invited address, prefilled; another address at the invited domain (or
            # any address, when the invite allows it) may still be entered.
            self.fields["email"].initial = partnership_request.email

    def clean_email(self):
        # Whether the address (or a partner ID) is registered is not told here: the
        # answer would tell anyone holding a link about other tenants. It is told to
        # the address's owner, by email (services.reseller_enrol_start).
        email = normalise_email(self.cleaned_data["email"])
        if self.partnership_request and not self.partnership_request.accepts_email(email):
            raise forms.ValidationError(
                _("Enrol with an address at the domain the invitation was sent to (%(domain)s).")
                % {"domain": self.partnership_request.invited_domain}
            )
        return email

    def clean(self):
        cleaned = super().clean()
        partner_id, location_id = cleaned.get("partner_id"), cleaned.get("location_partner_id")
        if partner_id and location_id and partner_id == location_id:
            self.add_error(
                "location_partner_id",
                _("The location partner ID must differ from the global partner ID."),
            )
        password = cleaned.get("password")
        if password:
            user = User(
                email=cleaned.get("email", ""),
                first_name=cleaned.get("first_name", ""),
                last_name=cleaned.get("last_name", ""),
            )
            try:
                password_validation.validate_password(password, user)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned


class AgreementAcceptForm(forms.Form):
    agreement = forms.BooleanField(
        label=_("I accept the partner agreement on behalf of the company."),
        error_messages={"required": _("Tick the box to accept the partner agreement.")},
    )


class HandoverDecisionForm(forms.Form):
    """What happens to a customer (or to all) when the partnership ends."""

    decision = forms.ChoiceField(label=_("Decision"), choices=())
    location_partner_id = forms.CharField(
        label=_("Reseller (MPN ID)"),
        required=False,
        max_length=20,
        help_text=_("For a reassignment: the location ID of another reseller partnered with you."),
    )

    def __init__(self, *args, **kwargs):
        from partners.handover import Decision

        super().__init__(*args, **kwargs)
        self.fields["decision"].choices = Decision.choices()


class HandoverStartForm(forms.Form):
    notify = forms.BooleanField(
        label=_("Email the reseller and each affected customer's contact, in their language"),
        required=False,
    )
