from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from mfa import middleware as mfa_middleware
from mfa import selectors as mfa_selectors
from partners.models import Membership
from portal import ratelimit, selectors, services
from portal.actions import post_action
from portal.audit import OBJECT_PAGES, object_type_label, verb_label
from portal.changes import ChangeFormatter
from portal.forms import (
    ActivityFilterForm,
    EmailAuthenticationForm,
    ListFilterForm,
    MemberRoleForm,
    OutboxPasswordResetForm,
    PortalPasswordChangeForm,
    PortalSetPasswordForm,
    StaffInviteAcceptForm,
    StaffInviteForm,
    StaffInviteJoinForm,
)
from portal.htmx import render_page
from portal.jinja2 import url_builder
from portal.listing import CountedPaginator, page_size
from portal.models import OutboundEmail, StaffInvitation
from portal.roles import Perm, Role, assignable_roles
from portal.tables import render_fragment
from portal.tenancy import get_for_org, org_required

USERS_PER_PAGE = 25
EVENTS_PER_PAGE = 50


class PortalLoginView(auth_views.LoginView):
    form_class = EmailAuthenticationForm
    redirect_authenticated_user = True

    def get_success_url(self):
        # The second factor first (mfa.middleware), then a temporary password is replaced.
        step = self.request.session.get(mfa_middleware.SESSION_KEY)
        if step is not None:
            target = "mfa:verify" if step == mfa_middleware.VERIFY else "mfa:devices"
            return f"{reverse(target)}?{urlencode({'next': super().get_success_url()})}"
        if self.request.user.must_change_password:
            return reverse("password_change")
        return super().get_success_url()


def home(request):
    """Send each visitor to the page of its side of the programme."""
    if not request.user.is_authenticated:
        return redirect("login")
    tenant = request.tenant
    if tenant is None:
        if request.user.is_staff:
            return redirect("admin:index")
        return render(request, "portal/no_organisation.html", status=403)
    return redirect("overview:overview")


def bad_request(request, exception=None):
    """The 400 page: the portal's own layout, and the request's body is never read again.

    Django's default handler checks the CSRF token first, which reads the body:
    a form in a charset Django refuses raised again there, escaping as a bare 500.
    """
    return render(request, "400.html", status=400)


def placeholder(request, title):
    return render(request, "portal/placeholder.html", {"title": title})


# Users ---------------------------------------------------------------------


@org_required(Perm.MANAGE_USERS)
@require_safe
def user_list(request):
    """The organisation's members and pending invitations."""
    org = request.tenant.org
    form = ListFilterForm(request.GET, auto_id="user-%s").live(
        url=reverse("user_list"), target="#user-table"
    )
    form.fields["q"].widget.attrs.update(
        placeholder=_("Search by name or email"), **{"hx-indicator": "#htmx-progress"}
    )
    q = form.values()["q"]
    members = mfa_selectors.with_mfa(selectors.member_list(org, q=q))
    page = Paginator(members, USERS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "require_mfa": org.require_mfa,
        "can_manage_mfa": request.tenant.can(Perm.MANAGE_MFA),
        "q": q,
        "form": form,
        "page": page,
        "invitations": selectors.pending_staff_invitations(org),
        "role_choices": assignable_roles(request.tenant.role),
        "manages_global_admins": request.tenant.role == Role.GLOBAL_ADMIN,
    }
    return render_page(request, "portal/user_list.html", context, partial="user-table")


@org_required(Perm.MANAGE_USERS)
@require_http_methods(["GET", "HEAD", "POST"])
def user_invite(request):
    """Invite a person by email to join the organisation with a role."""
    org, status = request.tenant.org, 200
    form = StaffInviteForm(request.POST or None, roles=assignable_roles(request.tenant.role))
    if request.method == "POST" and form.is_valid():
        if not ratelimit.allow(ratelimit.STAFF_INVITE_PER_ORG, str(org.uuid)):
            form.add_error(None, _("Too many invitations were sent. Try again in an hour."))
            status = 429
        else:
            return post_action(
                request,
                lambda: services.staff_invite_send(
                    org=org,
                    actor=request.user,
                    email=form.cleaned_data["email"],
                    role=form.cleaned_data["role"],
                ),
                success=lambda invitation: _("Invitation sent to %s.") % invitation.email,
                redirect_to=reverse("user_list"),
                form=form,
                render=lambda error: render(request, "portal/user_invite.html", {"form": form}),
            )
    return render(request, "portal/user_invite.html", {"form": form}, status=status)


@org_required(Perm.MANAGE_USERS)
@require_POST
def staff_invite_revoke(request, invitation_uuid):
    org = request.tenant.org
    invitation = get_for_org(StaffInvitation, org, uuid=invitation_uuid)
    return post_action(
        request,
        lambda: services.staff_invite_revoke(org=org, actor=request.user, invitation=invitation),
        success=_("The invitation to %s was revoked.") % invitation.email,
        redirect_to=reverse("user_list"),
    )


def _member_action(request, membership_uuid, action, done_message, **kwargs):
    org = request.tenant.org
    membership = get_for_org(Membership, org, uuid=membership_uuid)
    return post_action(
        request,
        lambda: action(org=org, actor=request.user, membership=membership, **kwargs),
        success=lambda changed: done_message % changed.user.display_name,
        redirect_to=reverse("user_list"),
    )


@org_required(Perm.MANAGE_USERS)
@require_POST
def member_role(request, membership_uuid):
    form = MemberRoleForm(request.POST)
    if not form.is_valid():
        get_for_org(Membership, request.tenant.org, uuid=membership_uuid)
        messages.error(request, _("Choose one of the roles."))
        return redirect("user_list")
    return _member_action(
        request,
        membership_uuid,
        services.member_set_role,
        _("The role of %s was saved."),
        role=form.cleaned_data["role"],
    )


@org_required(Perm.MANAGE_USERS)
@require_POST
def member_deactivate(request, membership_uuid):
    return _member_action(
        request, membership_uuid, services.member_deactivate, _("%s was deactivated.")
    )


@org_required(Perm.MANAGE_USERS)
@require_POST
def member_reactivate(request, membership_uuid):
    return _member_action(
        request, membership_uuid, services.member_reactivate, _("%s was reactivated.")
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def staff_invite_accept(request, token):
    """The invitation link: GET only shows it (mail scanners open links); POST accepts."""
    invitation = selectors.staff_invitation_by_token(token)
    if invitation is None or not invitation.is_usable:
        return render(request, "portal/staff_invite_invalid.html", status=404)
    user = request.user if request.user.is_authenticated else None
    if user is not None and user.email.lower() != invitation.email:
        # Never bind the link to another account: that person signs out first.
        return render(
            request,
            "portal/staff_invite_other_account.html",
            {"invitation": invitation},
            status=403,
        )
    if user is None and selectors.account_exists(invitation.email):
        sign_in = f"{reverse('login')}?{urlencode({'next': request.path})}"
        return render(
            request,
            "portal/staff_invite_sign_in.html",
            {"invitation": invitation, "sign_in": sign_in},
        )
    data = request.POST if request.method == "POST" else None
    if user is not None:
        form = StaffInviteJoinForm(data)
    else:
        form = StaffInviteAcceptForm(data, email=invitation.email)
    status = 200
    if request.method == "POST":
        if not ratelimit.allow(ratelimit.INVITE_ACCEPT_PER_IP, ratelimit.client_ip(request)):
            form.is_valid()
            form.add_error(None, _("Too many attempts. Try again in a few minutes."))
            status = 429
        elif form.is_valid():
            account = {
                "first_name": form.cleaned_data.get("first_name", ""),
                "last_name": form.cleaned_data.get("last_name", ""),
                "password": form.cleaned_data.get("password1", ""),
            }

            def welcome(member) -> str:
                if user is None:
                    login(request, member, backend="portal.signin.CachedModelBackend")
                return _("Welcome to %s.") % invitation.organisation.legal_name

            return post_action(
                request,
                lambda: services.staff_invite_accept(token=token, user=user, **account),
                success=welcome,
                redirect_to=reverse("home"),
                form=form,
                render=lambda error: render(
                    request,
                    "portal/staff_invite_accept.html",
                    {"invitation": invitation, "form": form, "signed_in": user is not None},
                    status=400,
                ),
            )
        else:
            status = 400
    context = {"invitation": invitation, "form": form, "signed_in": user is not None}
    return render(request, "portal/staff_invite_accept.html", context, status=status)


# Activity log --------------------------------------------------------------


@org_required(Perm.VIEW_ACTIVITY)
@require_safe
def activity_log(request):
    """The organisation's activity events, filtered; the last 30 days by default."""
    org = request.tenant.org
    data = request.GET.copy()
    if not any(data.get(name) for name in ("date_from", "date_to")):
        data["date_from"] = selectors.activity_default_start().isoformat()
    form = ActivityFilterForm(
        data,
        verbs=selectors.activity_verbs(org),
        members=selectors.member_list(org),
        object_types=selectors.activity_object_types(org),
    )
    status = 200
    if form.is_valid():
        filters = selectors.ActivityFilter(**form.cleaned_data)
    else:  # the errors are shown above the default view, not an unfiltered log
        filters = selectors.ActivityFilter(date_from=selectors.activity_default_start())
        # A page asked for with a bad filter is a bad request; htmx swaps only a 200,
        # so the table loaded as the filters change still shows the errors.
        status = 200 if request.htmx else 400
    sort = selectors.ACTIVITY_SORT.chosen(request)
    events = selectors.activity_events(org, filters, sort)
    page = CountedPaginator(
        selectors.activity_rows(events), page_size(request, EVENTS_PER_PAGE), count_from=events
    ).get_page(request.GET.get("page"))
    query = data.copy()
    query.pop("page", None)
    rows = list(page.object_list)
    context = {
        "form": form,
        "page": page,
        "table": render_fragment(
            request,
            "portal/activity_table.html",
            {
                "rows": rows,
                "verb_label": verb_label,
                "object_type_label": object_type_label,
                "object_pages": {
                    kind: (url_builder(name), kwarg)
                    for kind, (name, kwarg) in OBJECT_PAGES.items()
                    # A partnership's page is the provider's.
                    if kind != "partnership" or request.tenant.is_provider
                },
                "change_summary": ChangeFormatter(rows),
                "sort": selectors.ACTIVITY_SORT.headers(request, target="#activity-table"),
            },
        ),
        "sort_value": sort,
        "filter_query": query.urlencode(),
    }
    return render_page(
        request, "portal/activity_log.html", context, partial="activity-table", status=status
    )


# Profile and passwords -----------------------------------------------------


@org_required()
@require_safe
def profile(request):
    context = {
        "membership": request.tenant.membership,
        "has_mfa": mfa_selectors.has_mfa(request.user),
    }
    return render(request, "portal/profile.html", context)


class PortalPasswordChangeView(auth_views.PasswordChangeView):
    form_class = PortalPasswordChangeForm
    success_url = reverse_lazy("profile")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Your password was changed."))
        return response


class PortalPasswordResetView(auth_views.PasswordResetView):
    form_class = OutboxPasswordResetForm

    def form_valid(self, form):
        self.extra_email_context = {"site_url": settings.SITE_URL}
        email = form.cleaned_data["email"]
        ip_ok = ratelimit.allow(ratelimit.PASSWORD_RESET_PER_IP, ratelimit.client_ip(self.request))
        email_ok = ip_ok and ratelimit.allow(ratelimit.PASSWORD_RESET_PER_EMAIL, email)
        if not email_ok:
            form.add_error(None, _("Too many reset requests. Try again in an hour."))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().form_valid(form)


class PortalPasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = PortalSetPasswordForm


@require_safe
def dev_mailbox(request):
    """The embedded default's mailbox: every outbox row, newest first (DEBUG only)."""
    if not settings.DEBUG:
        raise Http404
    emails = OutboundEmail.objects.order_by("-created_at")[:100]
    return render(request, "portal/dev_mailbox.html", {"emails": emails})
