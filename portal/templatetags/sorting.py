"""``{% sort_th %}``: a sortable column's heading in a Django template (jinja2/_sort.html)."""

from django import template

from portal.tables import engine_output, fragment_macro

register = template.Library()


@register.simple_tag
def sort_th(header, label, cls=""):
    """The ``<th>`` of a column sorted by ``header`` (portal.listing.SortHeader): the same
    heading as the Jinja2 tables' ``sort_th``."""
    return engine_output(str(fragment_macro("_sort.html", "sort_th")(header, label, cls)))
