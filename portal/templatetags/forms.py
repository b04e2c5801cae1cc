"""The error summary's fields: the bound fields of a form that have errors, in the form's order."""

from django import template

register = template.Library()


@register.filter
def fields_with_errors(form) -> list:
    """Visible bound fields with errors (a hidden field's error is the form's, shown as such)."""
    return [field for field in form.visible_fields() if field.errors]
