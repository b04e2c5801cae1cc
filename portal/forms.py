from datetime import date

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordChangeForm,
    PasswordResetForm,
    SetPasswordForm,
)
from django.core.validators import MaxValueValidator, MinValueValidator
from django.forms.renderers import Jinja2
from django.utils.translation import gettext_lazy as _

from portal.audit import object_type_label, verb_label
from portal.emails import queue_email
from portal.models import User
from portal.roles import Role
from portal.services import user_password_set

SEARCH_MAX_LENGTH = 100
JINJA2_FORMS = Jinja2()


class FilterSelect(forms.Select):
    """A select whose options are written in place (portal/jinja2/portal/widgets/select.html)."""

    template_name = "portal/widgets/select.html"


class SearchField(forms.CharField):
    """A list's search box: spaces around and NUL characters dropped, cut at 100 characters.

    PostgreSQL refuses a NUL character in a query parameter; a pasted one is
    dropped like other noise rather than failing the search.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Search"))
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.TextInput(attrs={"type": "search"}))
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("maxlength", str(SEARCH_MAX_LENGTH))

    def to_python(self, value):
        return super().to_python(value).replace("\x00", "").strip()[:SEARCH_MAX_LENGTH]


class ListFilterForm(forms.Form):
    """The search and filters of a list page (GET): every list's filter form derives from it.

    Rendered with Django's Jinja2 form renderer: a filter's options (a verb
    list, a member list) cost a template per option with Django's.

    ``values()`` gives each filter's cleaned value, or its default when what was
    sent is not valid: a malformed filter is ignored, the others still apply.
    """

    default_renderer = JINJA2_FORMS
    q = SearchField()

    def live(self, *, url: str, target: str) -> "ListFilterForm":
        """Make the controls reload the list's ``target`` element through HTMX as they change."""
        for name, field in self.fields.items():
            field.widget.attrs.update(
                {
                    "hx-get": url,
                    "hx-trigger": "input changed delay:300ms, search" if name == "q" else "change",
                    "hx-target": target,
                    "hx-swap": "outerHTML",
                    "hx-include": "closest form",
                    "hx-push-url": "true",
                }
            )
        return self

    def values(self) -> dict:
        self.is_valid()
        return {
            name: self.cleaned_data[name] if name in self.cleaned_data else self._default(name)
            for name in self.fields
        }

    def _default(self, name: str):
        field = self.fields[name]
        return field.initial if field.initial is not None else field.clean("")


class EmailAuthenticationForm(AuthenticationForm):
    """Sign in with the email address; case and surrounding spaces do not matter."""

    username = forms.EmailField(
        label=_("Email"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        # Django's says "username", under a field labelled Email.
        "invalid_login": _("The email address or password is not correct."),
    }

    def clean_username(self):
        return self.cleaned_data["username"].strip().lower()


class StaffInviteForm(forms.Form):
    email = forms.EmailField(
        label=_("Email"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "off"})
    )
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.SALES_AGENT)

    def __init__(self, *args, roles=Role.choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = roles


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class StaffInviteAcceptForm(forms.Form):
    """A new account for the invited address: name and password."""

    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords differ."))
        elif password1:
            candidate = User(
                email=self.email,
                first_name=cleaned.get("first_name", ""),
                last_name=cleaned.get("last_name", ""),
            )
            try:
                password_validation.validate_password(password1, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


FIRST_DATE, LAST_DATE = date(1900, 1, 1), date(2999, 12, 31)


class ActivityFilterForm(forms.Form):
    """Filters of the activity log; the choices come from the organisation's own data."""

    # A filter lists every verb and member: Jinja2 renders the options in a
    # fraction of the time of Django's template per option.
    default_renderer = JINJA2_FORMS

    verb = forms.ChoiceField(label=_("Action"), required=False, widget=FilterSelect)
    actor = forms.ChoiceField(label=_("By"), required=False, widget=FilterSelect)
    object_type = forms.ChoiceField(label=_("Object type"), required=False, widget=FilterSelect)
    # Bounded: a day's start and end in the portal's time zone must exist (9999-12-31
    # has no next day, 0001-01-01 no start in UTC east of Greenwich).
    date_from = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[MinValueValidator(FIRST_DATE), MaxValueValidator(LAST_DATE)],
    )
    date_to = forms.DateField(
        label=_("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[MinValueValidator(FIRST_DATE), MaxValueValidator(LAST_DATE)],
    )

    def __init__(self, *args, verbs, members, object_types, **kwargs):
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        self.members = {str(m.uuid): m for m in members}
        self.fields["verb"].choices = everything + [(v, verb_label(v)) for v in verbs]
        self.fields["actor"].choices = everything + [
            (key, m.user.display_name) for key, m in self.members.items()
        ]
        self.fields["object_type"].choices = everything + sorted(
            ((t, object_type_label(t)) for t in object_types), key=lambda choice: choice[1]
        )

    def clean_actor(self):
        return self.members.get(self.cleaned_data["actor"])

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return cleaned


class OutboxPasswordResetForm(PasswordResetForm):
    """Django's password reset, but the message goes through the outbox like every mail."""

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        queue_email(
            kind="password-reset",
            to=to_email,
            context={
                "reset_path_uid": context["uid"],
                "reset_path_token": context["token"],
                "site_url": context["site_url"],
                "user_name": context["user"].display_name,
            },
        )


class NewPasswordDiffersMixin:
    """The new password must not be the current one: a temporary password "changed" to
    itself would clear must-change-password and stay in use."""

    def clean(self):
        cleaned = super().clean()
        new = cleaned.get("new_password1")
        if new and self.user.check_password(new):
            self.add_error("new_password1", _("The new password must differ from the current one."))
        return cleaned


class PortalSetPasswordForm(NewPasswordDiffersMixin, SetPasswordForm):
    """Setting a password from a reset link retires a temporary password too."""

    def save(self, commit=True):
        return user_password_set(user=self.user, password=self.cleaned_data["new_password1"])


class PortalPasswordChangeForm(NewPasswordDiffersMixin, PasswordChangeForm):
    def save(self, commit=True):
        return user_password_set(user=self.user, password=self.cleaned_data["new_password1"])


class StaffInviteJoinForm(forms.Form):
    """A signed-in person with the invited address only confirms; the account exists."""
