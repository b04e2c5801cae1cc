"""The signed-in user and their membership, read once a request from the cache.

Every request of a signed-in member needs the user (for the session) and the
membership with its organisation (for the tenant): two queries, besides the
session's, that answered the same for every request, a quarter of a list
page's Python time. ``CachedModelBackend.get_user`` reads both as one cache
entry, and on a miss loads them in one query. The entry is deleted whenever
what it holds changes: the user (deactivation, password change, sign-in
time), any of their memberships (role change, removal) or an organisation
they belong to (its status, its MFA requirement), and on sign-out. It also
lapses after SIGNED_IN_SECONDS, for a change made outside the models' save
(a QuerySet.update() or SQL by hand).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.db import transaction

from portal.outages import cache_call

SIGNED_IN_SECONDS = 300
# Django's own backend: sessions signed in before this backend was used name it.
LEGACY_BACKEND = "django.contrib.auth.backends.ModelBackend"


def signed_in_key(user_id) -> str:
    return f"signed-in:{user_id}"


def active_membership_query(user_id):
    """The user's membership of an active organisation, with the user and organisation."""
    from partners.models import Membership

    return Membership.objects.select_related("user", "organisation").filter(
        user_id=user_id, organisation__status="active"
    )


class CachedModelBackend(ModelBackend):
    """Django's ModelBackend whose user (and membership) per request comes from the cache."""

    def get_user(self, user_id):
        cached = cache_call(cache.get, signed_in_key(user_id))
        user, membership = cached if cached is not None else remember(user_id)
        if user is None:
            return None
        # Read by portal.tenancy.resolve_tenant instead of querying again.
        user.signed_in_membership = membership
        return user if self.user_can_authenticate(user) else None


def remember(user_id):
    """Read the user and their active membership (one query for a member) and cache them."""
    membership = active_membership_query(user_id).first()
    if membership is not None:
        user = membership.user
    else:
        user = get_user_model()._default_manager.filter(pk=user_id).first()
        if user is None:
            return None, None
    cache_call(cache.set, signed_in_key(user_id), (user, membership), SIGNED_IN_SECONDS)
    return user, membership


def forget(*user_ids) -> None:
    """Delete the cached sign-in of these users, now and when the transaction commits."""
    keys = [signed_in_key(pk) for pk in user_ids if pk is not None]
    if not keys:
        return
    cache_call(cache.delete_many, keys)
    # A request reading the rows before the change commits may cache them again meanwhile.
    transaction.on_commit(lambda: cache_call(cache.delete_many, keys))


def forget_user(sender, instance, **kwargs) -> None:
    forget(instance.pk)


def forget_member(sender, instance, **kwargs) -> None:
    forget(instance.user_id)


def forget_members_of(sender, instance, **kwargs) -> None:
    from partners.models import Membership

    forget(*Membership.objects.filter(organisation=instance).values_list("user_id", flat=True))


def remember_signed_in(sender, request, user, **kwargs) -> None:
    """On sign-in (after its last_login save forgot the entry): the first page reads it."""
    remember(user.pk)


def forget_signed_out(sender, request, user, **kwargs) -> None:
    if user is not None:
        forget(user.pk)


def connect() -> None:
    """Delete a cached sign-in whenever what it holds changes (PortalConfig.ready)."""
    from django.contrib.auth.signals import user_logged_in, user_logged_out
    from django.db.models.signals import post_delete, post_save

    from partners.models import Membership, Organisation

    user_model = get_user_model()
    for signal in (post_save, post_delete):
        signal.connect(forget_user, sender=user_model, dispatch_uid="signin-forget-user")
        signal.connect(forget_member, sender=Membership, dispatch_uid="signin-forget-member")
        signal.connect(forget_members_of, sender=Organisation, dispatch_uid="signin-forget-org")
    user_logged_out.connect(forget_signed_out, dispatch_uid="signin-forget-signed-out")
    user_logged_in.connect(remember_signed_in, dispatch_uid="signin-remember-signed-in")


class SessionBackendMiddleware:
    """Move a session signed in with Django's ModelBackend to CachedModelBackend (its
    subclass, the same checks), so a deployment keeps everyone signed in."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.contrib.auth import BACKEND_SESSION_KEY

        session = getattr(request, "session", None)
        if session is not None and session.get(BACKEND_SESSION_KEY) == LEGACY_BACKEND:
            session[BACKEND_SESSION_KEY] = "portal.signin.CachedModelBackend"
        return self.get_response(request)
