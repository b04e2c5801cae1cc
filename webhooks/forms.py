from django import forms
from django.utils.translation import gettext_lazy as _

from webhooks.services import SUBSCRIBABLE_EVENTS


class WebhookForm(forms.Form):
    url = forms.URLField(label=_("Endpoint URL"), max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=[(e.value, e.label) for e in SUBSCRIBABLE_EVENTS],
        widget=forms.CheckboxSelectMultiple,
    )
    enabled = forms.BooleanField(label=_("Enabled"), required=False, initial=True)
