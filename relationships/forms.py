from django import forms
from django.utils.translation import gettext_lazy as _

from relationships.models import (
    DISPLAY_NAME_MAX,
    MAX_DURATION_DAYS,
    MIN_DURATION_DAYS,
)


class RoleChoiceField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj):
        return f"{obj.name} — {obj.description}"


class RelationshipTermsForm(forms.Form):
    """Roles, duration and auto-extend: what a relationship and a template hold.

    Lengths and ranges are checked by the service (one message in both
    languages for each refusal); the fields only parse what was sent.
    """

    roles = RoleChoiceField(label=_("Roles"), queryset=None, required=False)
    duration_days = forms.IntegerField(
        label=_("Duration (days)"),
        initial=MAX_DURATION_DAYS,
        help_text=_("From %(min)d to %(max)d days.")
        % {"min": MIN_DURATION_DAYS, "max": MAX_DURATION_DAYS},
        widget=forms.NumberInput(attrs={"min": MIN_DURATION_DAYS, "max": MAX_DURATION_DAYS}),
    )
    auto_extend = forms.BooleanField(
        label=_("Auto-extend by 180 days"),
        required=False,
        help_text=_(
            "At its end the relationship is extended by 180 days, again and again, until someone "
            "terminates it. Not available with the Global Administrator role."
        ),
    )

    def __init__(self, *args, roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["roles"].queryset = roles


class RelationshipRequestForm(RelationshipTermsForm):
    display_name = forms.CharField(
        label=_("Relationship name"),
        # Longer names reach the service, which says how long a name can be.
        max_length=200,
        help_text=_("At most %(max)d characters; unique in your organisation.")
        % {"max": DISPLAY_NAME_MAX},
    )
    template = forms.ModelChoiceField(
        label=_("Start from a template"), queryset=None, required=False, to_field_name="uuid"
    )
    partner = forms.ChoiceField(label=_("Admin rights for"), choices=())
    field_order = ["template", "partner", "display_name", "roles", "duration_days", "auto_extend"]

    def __init__(self, *args, roles, templates, partners, **kwargs):
        super().__init__(*args, roles=roles, **kwargs)
        self.fields["template"].queryset = templates
        self.partners = {str(org.uuid): org for org in partners}
        self.fields["partner"].choices = [
            (key, org.legal_name) for key, org in self.partners.items()
        ]
        if len(self.partners) == 1:
            self.fields["partner"].widget = forms.HiddenInput()

    def clean(self):
        cleaned = super().clean()
        template = cleaned.get("template")
        if template is not None and not cleaned.get("roles"):
            # A template with no role ticked: the template's terms are the request's.
            cleaned["roles"] = list(template.roles.all())
            cleaned["duration_days"] = template.duration_days
            cleaned["auto_extend"] = template.auto_extend
        return cleaned

    @property
    def partner_org(self):
        return self.partners.get(self.cleaned_data.get("partner"))


class TemplateForm(RelationshipTermsForm):
    name = forms.CharField(label=_("Template name"), max_length=DISPLAY_NAME_MAX)
    field_order = ["name", "roles", "duration_days", "auto_extend"]


class ConsentForm(forms.Form):
    consent = forms.BooleanField(
        label=_(
            "I am authorised to approve this on behalf of the customer, and I approve these "
            "roles for the time shown."
        ),
        error_messages={"required": _("Tick the box to approve.")},
    )


class SecurityGroupForm(forms.Form):
    name = forms.CharField(label=_("Group name"), max_length=100)


class MembersForm(forms.Form):
    members = forms.ModelMultipleChoiceField(
        label=_("Members"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, users, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = users
        self.fields["members"].label_from_instance = lambda user: (
            f"{user.display_name} <{user.email}>"
        )


class AssignmentForm(forms.Form):
    group = forms.ModelChoiceField(label=_("Security group"), queryset=None, to_field_name="uuid")
    roles = RoleChoiceField(label=_("Roles"), queryset=None, required=False)

    def __init__(self, *args, groups, roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = groups
        self.fields["roles"].queryset = roles
