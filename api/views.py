from datetime import datetime, time

from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from api import selectors, services
from api.forms import ApiKeyForm
from api.v1 import api
from portal.actions import post_action
from portal.roles import Perm
from portal.tenancy import org_required


def _list_page(request, form, status=200, created=None):
    context = {
        "keys": selectors.api_keys(org=request.tenant.org),
        "form": form,
        "created": created,
        "docs_url": reverse("api:docs"),
    }
    return render(request, "api/api_key_list.html", context, status=status)


@org_required(Perm.MANAGE_API_KEYS)
@require_http_methods(["GET", "HEAD", "POST"])
def api_key_list(request):
    """The organisation's API keys; creating one shows its secret on this answer only."""
    if request.method != "POST":
        return _list_page(request, ApiKeyForm())
    form = ApiKeyForm(request.POST)
    if not form.is_valid():
        return _list_page(request, form, status=400)
    data = form.cleaned_data
    expires = data["expires_at"]
    return post_action(
        request,
        lambda: services.api_key_create(
            org=request.tenant.org,
            actor=request.user,
            actor_role=request.tenant.role,
            name=data["name"],
            role=data["role"],
            scope=data["scope"],
            expires_at=(
                datetime.combine(expires, time.min, timezone.get_current_timezone())
                if expires
                else None
            ),
        ),
        form=form,
        render=lambda error: _list_page(request, form, status=error.status),
        then=lambda created: _list_page(request, ApiKeyForm(), created=created),
    )


@org_required(Perm.MANAGE_API_KEYS)
@require_POST
def api_key_revoke(request, api_key_id):
    key = selectors.api_key_for_org(org=request.tenant.org, uuid=api_key_id)
    return post_action(
        request,
        lambda: services.api_key_revoke(key=key, actor=request.user),
        success=_("The key %(name)s was revoked.") % {"name": key.name},
        redirect_to=reverse("api:api_key_list"),
    )


@require_safe
def api_docs(request):
    """The API reference, rendered here from the OpenAPI document (no script, no CDN)."""
    schema = api.get_openapi_schema(path_prefix="/api/v1")
    operations = [
        {"method": method.upper(), "path": path, **operation}
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    ]
    return render(
        request,
        "api/docs.html",
        {"schema": schema, "operations": operations, "schemas": schema["components"]["schemas"]},
    )
