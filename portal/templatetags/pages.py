"""``{% page_query %}``: the current query string with one page parameter set."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def page_query(context, param: str, number) -> str:
    """``?…`` of the current request's query with ``param`` (``page``, ``requests_page``) set."""
    query = context["request"].GET.copy()
    query[param] = number
    return f"?{query.urlencode()}"


@register.simple_tag(takes_context=True)
def page_size_query(context, size) -> str:
    """``?…`` of the current query with the page size set and back on the first page."""
    query = context["request"].GET.copy()
    query["per_page"] = size
    query.pop("page", None)
    return f"?{query.urlencode()}"


@register.simple_tag(takes_context=True)
def chosen_page_size(context):
    """The page size the request chose (25, 50 or 100), or "" when it chose none."""
    from portal.listing import PAGE_SIZES

    value = context["request"].GET.get("per_page", "")
    return int(value) if value.isdigit() and int(value) in PAGE_SIZES else ""


@register.simple_tag
def page_size_options():
    """The page sizes a list offers."""
    from portal.listing import PAGE_SIZES

    return PAGE_SIZES
