"""Tenancy in one place: the scoped queryset, the object lookup, the access decorator.

Every queryset of tenant data goes through ``for_org(org)``; every view that
loads one object by id goes through ``get_for_org``; every view that needs a
signed-in member declares it with ``@org_required(perm)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import wraps
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import Http404
from django.utils.cache import patch_vary_headers
from django_htmx.http import HttpResponseClientRedirect

from portal.roles import perms_for

if TYPE_CHECKING:
    from partners.models import Membership, Organisation


class TenantQuerySet(models.QuerySet):
    """A queryset that can be narrowed to what one organisation may see."""

    tenant_field = "organisation"

    def for_org(self, org: Organisation | None):
        """The rows visible to ``org``; none for no organisation."""
        if org is None:
            return self.none()
        return self.filter(**{self.tenant_field: org})


def get_for_org(queryset, org, **lookup):
    """One object visible to ``org``, or 404 (a foreign object must not be told apart)."""
    if isinstance(queryset, type) and issubclass(queryset, models.Model):
        queryset = queryset.objects.all()
    try:
        return queryset.for_org(org).get(**lookup)
    except (queryset.model.DoesNotExist, ValidationError, ValueError, TypeError) as exc:
        # A malformed id is as unknown as a foreign one.
        raise Http404 from exc


@dataclass(frozen=True)
class Tenant:
    """The signed-in member's organisation and role, resolved once per request."""

    membership: Membership
    org: Organisation = field(init=False)
    role: str = field(init=False)
    perms: frozenset[str] = field(init=False)

    def __post_init__(self):
        object.__setattr__(self, "org", self.membership.organisation)
        object.__setattr__(self, "role", self.membership.role)
        object.__setattr__(self, "perms", perms_for(self.membership.role))

    def can(self, perm: str) -> bool:
        return perm in self.perms

    @property
    def is_provider(self) -> bool:
        return self.org.is_provider

    @property
    def is_reseller(self) -> bool:
        return self.org.is_reseller


MISSING = object()


def resolve_tenant(user) -> Tenant | None:
    """The tenant of an authenticated user with an active membership, else None."""
    if not user.is_authenticated or not user.is_active:
        return None
    # Read with the user by portal.signin.CachedModelBackend, most often from the cache.
    membership = getattr(user, "signed_in_membership", MISSING)
    if membership is MISSING:
        from partners.models import Membership

        membership = (
            Membership.objects.select_related("organisation")
            .filter(user=user, organisation__status="active")
            .first()
        )
    return Tenant(membership) if membership else None


def _login_redirect(request):
    from django.contrib.auth.views import redirect_to_login

    path = request.get_full_path()
    if getattr(request, "htmx", False):
        # An HTMX request whose session expired must not swap the sign-in
        # page into a fragment: send the browser to sign in instead.
        current = request.htmx.current_url_abs_path or path
        response = HttpResponseClientRedirect(
            f"{settings_login_url()}?{urlencode({'next': current})}"
        )
    else:
        response = redirect_to_login(path)
    patch_vary_headers(response, ["HX-Request"])
    return response


def settings_login_url() -> str:
    from django.shortcuts import resolve_url

    return resolve_url(settings.LOGIN_URL)


def org_required(perm: str | None = None, *, kind: str | None = None):
    """Require a signed-in member (of an organisation of ``kind``) holding ``perm``.

    Not signed in: redirect to sign-in. No organisation or the wrong kind: 404.
    Member without the permission: 403.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return _login_redirect(request)
            tenant = request.tenant
            if tenant is None:
                raise Http404
            if kind is not None and tenant.org.kind != kind:
                raise Http404
            if perm is not None and not tenant.can(perm):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapper.required_perm = perm
        wrapper.required_kind = kind
        return wrapper

    return decorator


def provider_required(perm: str | None = None):
    return org_required(perm, kind="provider")


def reseller_required(perm: str | None = None):
    return org_required(perm, kind="reseller")
