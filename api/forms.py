from django import forms
from django.utils.translation import gettext_lazy as _

from api.models import ApiKey
from portal.roles import Role


class ApiKeyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    role = forms.ChoiceField(
        label=_("Role"),
        choices=Role.choices,
        help_text=_("The key acts with this role, at most yours."),
    )
    scope = forms.ChoiceField(label=_("Scopes"), choices=ApiKey.Scope.choices)
    expires_at = forms.DateField(
        label=_("Expires on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty for a key that does not expire."),
    )
