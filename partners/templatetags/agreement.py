"""``{% partner_agreement as agreement %}``: the partner agreement version in force."""

from django import template

from partners import agreement

register = template.Library()


@register.simple_tag
def partner_agreement():
    return agreement.CURRENT
