"""One URL per screen: HTMX requests get the named partial, others the whole page."""

from django.shortcuts import render
from django.utils.cache import patch_vary_headers


def render_page(request, template: str, context: dict, *, partial: str, status: int = 200):
    """Render ``template``, or only ``template#partial`` for an HTMX request (Vary: HX-Request)."""
    name = f"{template}#{partial}" if getattr(request, "htmx", False) else template
    response = render(request, name, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response
