from django import forms
from django.utils.translation import gettext_lazy as _


class SecondStepForm(forms.Form):
    """The code of the second sign-in step: from the authenticator app, or a recovery code."""

    code = forms.CharField(
        label=_("Code"),
        max_length=64,
        help_text=_(
            "The six-digit code from your authenticator app, or one of your recovery codes."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}
        ),
    )


class TotpConfirmForm(forms.Form):
    """Confirm a new authenticator app with the code it shows now."""

    name = forms.CharField(
        label=_("Name of the app or phone"),
        max_length=64,
        required=False,
        initial=_("Authenticator app"),
    )
    code = forms.CharField(
        label=_("Code from the app"),
        max_length=10,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}
        ),
    )


class DeviceRemoveForm(forms.Form):
    device = forms.CharField(max_length=100)


class RecoveryCodesForm(forms.Form):
    """Regenerating replaces every code: the button says so and the form asks for it."""

    regenerate = forms.BooleanField(required=True)


class MfaRequirementForm(forms.Form):
    require_mfa = forms.ChoiceField(
        label=_("Require MFA for all users"),
        choices=[("on", _("On")), ("off", _("Off"))],
    )
