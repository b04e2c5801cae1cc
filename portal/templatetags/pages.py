"""``{% page_query %}``: the current query string with one page parameter set."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def page_query(context, param: str, number) -> str:
    """``?…`` of the current request's query with ``param`` (``page``, ``requests_page``) set."""
    query = context["request"].GET.copy()
    query[param] = number
    return f"?{query.urlencode()}"
