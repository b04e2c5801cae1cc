"""Screens of the partners side: Indirect resellers, partnership requests, the invite link,
removal, the reseller's Indirect providers page and the public provider directory."""

import re
from functools import wraps
from urllib.parse import quote, urlencode

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from customers.countries import country_name
from partners import agreement, handover_views, selectors, services
from partners.forms import (
    AgreementAcceptForm,
    DirectorySearchForm,
    InviteAcceptForm,
    PartnershipDraftForm,
    PartnershipRequestEmailForm,
    ResellerEnrolForm,
    ResellerFilterForm,
)
from partners.models import Partnership, PartnershipRequest
from partners.services import TOKEN_PATTERN, InviteUnavailable
from portal import ratelimit
from portal.actions import post_action
from portal.audit import verb_label
from portal.errors import ServiceError
from portal.exports import csv_response
from portal.htmx import render_page
from portal.listing import list_key, page_size, paginate_by_key
from portal.roles import Perm
from portal.search import planned_for_their_values
from portal.tables import render_fragment
from portal.tenancy import get_for_org, provider_required, reseller_required
from relationships import selectors as relationship_selectors
from relationships.models import AdminRelationship

PAGE_SIZE = 50
DIRECTORY_PAGE_SIZE = 25


def mailto_link(*, to: str, subject: str, body: str) -> str:
    """A mailto: URL (RFC 6068): reserved characters percent-encoded as UTF-8, line breaks CRLF."""
    body = body.replace("\r\n", "\n").replace("\n", "\r\n")
    return (
        f"mailto:{quote(to, safe='@')}"
        f"?subject={quote(subject, safe='')}&body={quote(body, safe='')}"
    )


# Indirect resellers (provider side)


@provider_required(Perm.VIEW)
@require_safe
def reseller_list(request):
    org = request.tenant.org
    filter_form = ResellerFilterForm(request.GET, auto_id="reseller-%s").live(
        url=reverse("partners:reseller_list"), target="#reseller-tables"
    )
    filter_form.fields["q"].widget.attrs.update(
        placeholder=_("Search by name, partner ID or email"),
        **{"hx-indicator": "#htmx-progress", "aria-describedby": "reseller-search-hint"},
    )
    filters = filter_form.values()
    partnerships = open_requests = None
    removed = filters["status"] == "removed"
    if filters["status"] in ("", "active", "removed"):
        with planned_for_their_values(bool(filters["q"])):
            partnerships = paginate_by_key(
                selectors.provider_resellers(
                    provider=org,
                    q=filters["q"],
                    sort=filters["sort"],
                    agreement=filters["agreement"],
                    removed=removed,
                ),
                request.GET.get("page"),
                page_size(request, PAGE_SIZE),
                lambda keys: selectors.partnership_rows(provider=org, keys=keys),
                key=list_key(
                    "resellers",
                    org,
                    q=filters["q"],
                    sort=filters["sort"],
                    agreement=filters["agreement"],
                    removed=removed,
                ),
                searching=bool(filters["q"]),
            )
    # A request has no agreement yet: filtering by agreement shows partnerships only.
    if filters["status"] not in ("active", "removed") and not filters["agreement"]:
        with planned_for_their_values(bool(filters["q"])):
            open_requests = Paginator(
                selectors.provider_open_requests(
                    provider=org, q=filters["q"], status=filters["status"], sort=filters["sort"]
                ),
                PAGE_SIZE,
            ).get_page(request.GET.get("requests_page"))
            open_requests.object_list = list(open_requests.object_list)
    can_request = request.tenant.can(Perm.REQUEST_PARTNERSHIP)
    context = {
        "provider": org,
        "filter_form": filter_form,
        "filters": filters,
        "partnerships": partnerships,
        "partnership_table": render_fragment(
            request,
            "partners/partnership_table.html",
            {
                "rows": partnerships,
                "can_request": can_request,
                "can_add_customer": request.tenant.can(Perm.ADD_CUSTOMER),
                "can_remove": request.tenant.can(Perm.REMOVE_PARTNERSHIP),
                "reminder_cutoff": timezone.now() - services.AGREEMENT_REMINDER_INTERVAL,
                "sort": selectors.RESELLER_SORT.headers(request, target="#reseller-tables"),
            },
        )
        if partnerships
        else "",
        "open_requests": open_requests,
        "can_request": can_request,
        "removed": removed,
    }
    return render_page(request, "partners/reseller_list.html", context, partial="reseller-tables")


@provider_required(Perm.VIEW)
@require_safe
def reseller_detail(request, partnership_id):
    """The reseller page: profile, partnership, customers, admin rights and activity."""
    org = request.tenant.org
    partnership = selectors.partnership_for_reseller_page(
        provider=org, partnership_id=partnership_id
    )
    active = partnership.status == Partnership.Status.ACTIVE
    customers_sort = selectors.RESELLER_PAGE_CUSTOMER_SORT.chosen(request)
    context = {
        "partnership": partnership,
        "reseller": partnership.reseller,
        "active": active,
        "reminder_sent_recently": bool(
            partnership.agreement_reminder_sent_at
            and timezone.now() - partnership.agreement_reminder_sent_at
            < services.AGREEMENT_REMINDER_INTERVAL
        ),
        "can_request": active and request.tenant.can(Perm.REQUEST_PARTNERSHIP),
        "can_add_customer": active and request.tenant.can(Perm.ADD_CUSTOMER),
        "can_remove": active and request.tenant.can(Perm.REMOVE_PARTNERSHIP),
        "country": country_name(partnership.reseller.country),
        **selectors.reseller_page(
            provider=org, partnership=partnership, customers_sort=customers_sort
        ),
        "customers_sort": customers_sort,
        "customer_sort_headers": selectors.RESELLER_PAGE_CUSTOMER_SORT.headers(
            request, anchor="customers-heading"
        ),
    }
    for location in context["locations"]:
        location.country_name = country_name(location.country)
    for row in context["customers"]:
        row["country_name"] = country_name(row["country"])
    for event in context["events"]:
        event["label"] = verb_label(event["verb"])
    statuses = dict(AdminRelationship.Status.choices)
    for row in context["admin_relationships"]:
        row["status_label"] = statuses.get(row["status"], row["status"])
    # The rows in Jinja2 (portal/jinja2.py): three tables of 20 to 25 rows each were most
    # of the page's rendering through Django's template language.
    context["customer_table"] = render_fragment(
        request,
        "partners/reseller_customers.html",
        {"rows": context["customers"], "sort": context["customer_sort_headers"]},
    )
    context["rights_table"] = render_fragment(
        request,
        "partners/reseller_rights.html",
        {
            "relationships": context["admin_relationships"],
            "grants": context["tenant_owner_grants"],
        },
    )
    context["activity_table"] = render_fragment(
        request, "partners/reseller_activity.html", {"events": context["events"]}
    )
    return render(request, "partners/reseller_detail.html", context)


@provider_required(Perm.VIEW)
@require_safe
def reseller_export(request):
    """The partnerships of the list (active, or removed with that filter) as a CSV file."""
    org = request.tenant.org
    filters = ResellerFilterForm(request.GET).values()
    partnerships = selectors.provider_resellers(
        provider=org,
        q=filters["q"],
        sort=filters["sort"],
        agreement=filters["agreement"],
        removed=filters["status"] == "removed",
    )
    return csv_response(
        filename="resellers.csv",
        headers=[header for header, _path in selectors.RESELLER_EXPORT_COLUMNS],
        rows=selectors.reseller_export_rows(provider=org, partnerships=partnerships),
    )


def _render_request_panel(request, context: dict, *, status: int = 200):
    return render_page(
        request, "partners/request_new.html", context, partial="request-panel", status=status
    )


def _render_draft(
    request, partnership_request, form: PartnershipDraftForm, *, sent=False, status=200
):
    values = form.data if form.is_bound else form.initial
    subject, body = partnership_request.subject, values.get("body", "")
    return _render_request_panel(
        request,
        {
            "partnership_request": partnership_request,
            "subject": subject,
            "draft_form": form,
            "sent": sent,
            "send_url": reverse("partners:request_send", args=[partnership_request.uuid]),
            "mailto": mailto_link(to=partnership_request.email, subject=subject, body=body),
        },
        status=status,
    )


def _request_email_allowed(org, email: str) -> str | None:
    """None when one more partnership-request email may go out, else the reason it may not."""
    if not ratelimit.allow(ratelimit.PARTNERSHIP_REQUEST_PER_ORG, str(org.uuid)):
        return _("Too many partnership requests were sent. Try again in an hour.")
    if not ratelimit.allow(ratelimit.PARTNERSHIP_REQUEST_PER_RECIPIENT, email):
        return _("Too many emails were sent to this address. Try again tomorrow.")
    return None


@provider_required(Perm.REQUEST_PARTNERSHIP)
@require_http_methods(["GET", "HEAD", "POST"])
def request_new(request):
    """Step one: the recipient's address. Entering it prepares the request and its link."""
    org = request.tenant.org
    form = PartnershipRequestEmailForm(request.POST or None, provider=org)
    if request.method == "POST" and form.is_valid():

        def show_draft(prepared):
            draft = PartnershipDraftForm(
                initial={"token": prepared.token, "body": prepared.body},
                partnership_request=prepared.partnership_request,
            )
            return _render_draft(request, prepared.partnership_request, draft)

        return post_action(
            request,
            lambda: services.partnership_request_prepare(
                provider=org,
                actor=request.user,
                email=form.cleaned_data["email"],
                any_address=form.cleaned_data["any_address"],
            ),
            then=show_draft,
            form=form,
            render=lambda error: _render_request_panel(request, {"email_form": form}),
        )
    return _render_request_panel(request, {"email_form": form})


@provider_required(Perm.REQUEST_PARTNERSHIP)
@require_POST
def request_send(request, request_id):
    partnership_request = get_for_org(PartnershipRequest, request.tenant.org, uuid=request_id)
    form = PartnershipDraftForm(request.POST, partnership_request=partnership_request)
    if not form.is_valid():
        return _render_draft(request, partnership_request, form)
    # A second send is refused by the service without sending: not counted.
    if partnership_request.sent_at is None:
        refused = _request_email_allowed(request.tenant.org, partnership_request.email)
        if refused:
            form.add_error(None, refused)
            return _render_draft(request, partnership_request, form, status=429)
    return post_action(
        request,
        lambda: services.partnership_request_send(
            partnership_request=partnership_request,
            actor=request.user,
            token=form.cleaned_data["token"],
            body=form.cleaned_data["body"],
        ),
        then=lambda sent: _render_draft(request, sent, form, sent=True),
        form=form,
        render=lambda error: _render_draft(request, partnership_request, form),
    )


@provider_required(Perm.REQUEST_PARTNERSHIP)
@require_POST
def request_resend(request, request_id):
    partnership_request = get_for_org(PartnershipRequest, request.tenant.org, uuid=request_id)
    refused = _request_email_allowed(request.tenant.org, partnership_request.email)
    if refused:
        messages.error(request, refused)
        return redirect("partners:reseller_list")
    return post_action(
        request,
        lambda: services.partnership_request_resend(
            partnership_request=partnership_request, actor=request.user
        ),
        success=_("The request was sent again to %(email)s. The previous link no longer works.")
        % {"email": partnership_request.email},
        redirect_to=reverse("partners:reseller_list"),
    )


@provider_required(Perm.REQUEST_PARTNERSHIP)
@require_POST
def request_revoke(request, request_id):
    partnership_request = get_for_org(PartnershipRequest, request.tenant.org, uuid=request_id)
    return post_action(
        request,
        lambda: services.partnership_request_revoke(
            partnership_request=partnership_request, actor=request.user
        ),
        success=_("The request to %(email)s was revoked; its link no longer works.")
        % {"email": partnership_request.email},
        redirect_to=reverse("partners:reseller_list"),
    )


@provider_required(Perm.REMOVE_PARTNERSHIP)
@require_http_methods(["GET", "HEAD", "POST"])
def partnership_remove(request, partnership_id):
    """The impact preview; a plain Yes (POST) ends the partnership and leaves everything else."""
    partnership = get_for_org(
        Partnership.objects.active().select_related("reseller"),
        request.tenant.org,
        uuid=partnership_id,
    )
    if request.method == "POST":
        return post_action(
            request,
            lambda: services.partnership_remove(partnership=partnership, actor=request.user),
            success=_("The partnership with %(reseller)s was removed.")
            % {"reseller": partnership.reseller.legal_name},
            redirect_to=reverse("partners:reseller_list"),
        )
    # The impact preview and the handover plan's form (partners.handover_views).
    return handover_views.impact_preview(request, partnership)


@provider_required(Perm.REQUEST_PARTNERSHIP)
@require_POST
def agreement_reminder(request, partnership_id):
    """Remind a partner that has not accepted the partner agreement (at most once a day)."""
    partnership = get_for_org(
        Partnership.objects.active().filter(provider=request.tenant.org).select_related("reseller"),
        request.tenant.org,
        uuid=partnership_id,
    )
    return post_action(
        request,
        lambda: services.agreement_reminder_send(partnership=partnership, actor=request.user),
        success=_("An agreement reminder was emailed to the Global admins of %(reseller)s.")
        % {"reseller": partnership.reseller.legal_name},
        redirect_to=reverse("partners:reseller_detail", args=[partnership.uuid])
        if request.POST.get("from") == "detail"
        else reverse("partners:reseller_list"),
    )


# The invite link (reseller side)


def _usable_request(token: str) -> PartnershipRequest:
    if not re.fullmatch(TOKEN_PATTERN, token):
        raise InviteUnavailable(
            _("This invite link is not valid. Check that you copied all of it."), status=404
        )
    partnership_request = selectors.request_for_token(token)
    services.check_invite_usable(partnership_request)
    return partnership_request


def invite_link(view):
    """A view of the invite link: a link that cannot be used answers with the reason, and why."""

    @wraps(view)
    def wrapper(request, token, *args, **kwargs):
        try:
            return view(request, token, *args, **kwargs)
        except InviteUnavailable as error:
            return render(
                request,
                "partners/invite_unavailable.html",
                {"message": error.message},
                status=error.status,
            )

    return wrapper


def _render_invite(
    request, token, partnership_request, *, accept_form=None, enrol_form=None, status=200
):
    tenant, provider = request.tenant, partnership_request.provider
    if not request.user.is_authenticated:
        state = "visitor"
    elif tenant is None or not tenant.is_reseller:
        state, status = "not_reseller", 403
    elif selectors.has_active_partnership(provider=provider, reseller=tenant.org):
        state = "already_partnered"
    elif not partnership_request.accepts_email(request.user.email):
        state, status = "other_address", 403
    elif not tenant.can(Perm.AUTHORISE_PROVIDER):
        state = "no_right"
    else:
        state = "eligible"
    invite_path = reverse("partners:invite", args=[token])
    context = {
        "state": state,
        "provider": provider,
        "partnership_request": partnership_request,
        "accept_form": accept_form or InviteAcceptForm(),
        "enrol_form": enrol_form or ResellerEnrolForm(partnership_request=partnership_request),
        "accept_url": reverse("partners:invite_accept", args=[token]),
        "enrol_url": reverse("partners:invite_enrol", args=[token]),
        "login_url": f"{reverse('login')}?{urlencode({'next': invite_path})}",
    }
    return render(request, "partners/invite.html", context, status=status)


@require_safe
@invite_link
def invite(request, token):
    """What the link opens; reading it changes nothing (mail scanners open links)."""
    partnership_request = _usable_request(token)
    return _render_invite(request, token, partnership_request)


@require_POST
@invite_link
def invite_accept(request, token):
    """Authorize indirect provider: a signed-in reseller admin accepts the invite."""
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("partners:invite", args=[token]))
    partnership_request = _usable_request(token)
    tenant = request.tenant
    if tenant is None or not tenant.is_reseller:
        return _render_invite(request, token, partnership_request)
    if not tenant.can(Perm.AUTHORISE_PROVIDER):
        raise PermissionDenied
    form = InviteAcceptForm(request.POST)
    if not form.is_valid():
        return _render_invite(request, token, partnership_request, accept_form=form)
    services.partnership_accept(token=token, reseller=tenant.org, actor=request.user)
    messages.success(
        request,
        _("You authorised %(provider)s as your indirect provider.")
        % {"provider": partnership_request.provider.display_name},
    )
    return redirect("partners:reseller_home")


@require_POST
@invite_link
def invite_enrol(request, token):
    """A visitor enrols a new reseller organisation: the form's address gets a link to finish.

    The answer is the same whatever is registered (no probing of other tenants).
    """
    partnership_request = _usable_request(token)
    if request.user.is_authenticated:
        return redirect("partners:invite", token=token)
    form = ResellerEnrolForm(request.POST, partnership_request=partnership_request)
    if not ratelimit.allow(ratelimit.INVITE_ENROL_PER_IP, ratelimit.client_ip(request)):
        form.is_valid()
        form.add_error(None, _("Too many attempts. Try again in a few minutes."))
        return _render_invite(request, token, partnership_request, enrol_form=form, status=429)
    if not form.is_valid():
        return _render_invite(request, token, partnership_request, enrol_form=form)
    fields = {name: form.cleaned_data[name] for name in form.fields}
    del fields["consent"], fields["agreement"]
    services.reseller_enrol_start(token=token, **fields)
    return render(
        request,
        "partners/enrol_sent.html",
        {"provider": partnership_request.provider, "email": form.cleaned_data["email"]},
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@invite_link
def invite_enrol_confirm(request, token, confirmation):
    """The link mailed to the enrolling address: GET shows it (mail scanners open links), POST enrols."""
    partnership_request = _usable_request(token)
    enrolment = services.enrolment_from_confirmation(token, confirmation)
    if enrolment is None:
        raise InviteUnavailable(
            _("This confirmation link is not valid any more. Enrol again from the invitation link.")
        )
    context = {"provider": partnership_request.provider, "enrolment": enrolment}
    if request.method != "POST":
        return render(request, "partners/enrol_confirm.html", context)
    if request.user.is_authenticated:
        return redirect("partners:invite", token=token)
    fields = {name: enrolment[name] for name in services.ENROLMENT_FIELDS}
    try:
        user, _partnership = services.reseller_enrol(
            token=token, password_hash=enrolment["password_hash"], **fields
        )
    except InviteUnavailable:
        raise
    except (ServiceError, IntegrityError) as error:
        # Told to the owner of the address only: they opened the link mailed to it.
        context["error"] = (
            error.message
            if isinstance(error, ServiceError)
            else _("A partner ID or the email was registered a moment ago.")
        )
        return render(request, "partners/enrol_confirm.html", context, status=409)
    login(request, user, backend="portal.signin.CachedModelBackend")
    messages.success(
        request,
        _("Welcome. You authorised %(provider)s as your indirect provider.")
        % {"provider": partnership_request.provider.display_name},
    )
    return redirect("partners:reseller_home")


# Indirect providers (reseller side)

# The home lists the latest relationships; the Admin relationships page pages through all.
HOME_RELATIONSHIPS = 10


def _render_home(request, *, agreement_form=None, status=200):
    org = request.tenant.org
    providers = Paginator(selectors.reseller_providers(reseller=org), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "providers": providers,
        "customers_count": selectors.reseller_customers_count(reseller=org),
        "can_revoke": request.tenant.can(Perm.AUTHORISE_PROVIDER),
        "organisation": org,
        "consents": relationship_selectors.pending_consents(reseller=org),
        "relationships": relationship_selectors.relationship_rows(
            org=org,
            keys=relationship_selectors.partner_relationships(org=org).values("pk")[
                :HOME_RELATIONSHIPS
            ],
        ),
    }
    if not org.agreement_accepted and request.tenant.can(Perm.ACCEPT_AGREEMENT):
        context["agreement_form"] = agreement_form or AgreementAcceptForm()
    return render_page(
        request, "partners/reseller_home.html", context, partial="provider-table", status=status
    )


@reseller_required(Perm.VIEW)
@require_safe
def reseller_home(request):
    return _render_home(request)


@reseller_required(Perm.ACCEPT_AGREEMENT)
@require_POST
def agreement_accept(request):
    """The reseller's Global admin accepts the partner agreement from the home page."""
    form = AgreementAcceptForm(request.POST)
    if not form.is_valid():
        return _render_home(request, agreement_form=form, status=400)
    return post_action(
        request,
        lambda: services.agreement_accept(reseller=request.tenant.org, actor=request.user),
        success=_("You accepted the partner agreement. Your providers can now credit you."),
        redirect_to=reverse("partners:reseller_home"),
    )


@reseller_required(Perm.AUTHORISE_PROVIDER)
@require_http_methods(["GET", "HEAD", "POST"])
def provider_revoke(request, partnership_id):
    """Confirm, then revoke the authorisation of a provider (ends the partnership)."""
    partnership = get_for_org(
        Partnership.objects.active().select_related("provider"),
        request.tenant.org,
        uuid=partnership_id,
    )
    if request.method == "POST":
        return post_action(
            request,
            lambda: services.partnership_revoke(partnership=partnership, actor=request.user),
            success=_("You revoked the authorisation of %(provider)s.")
            % {"provider": partnership.provider.display_name},
            redirect_to=reverse("partners:reseller_home"),
        )
    return render(request, "partners/provider_revoke.html", {"partnership": partnership})


# The partner agreement (public: a visitor reads it before enrolling)


@require_safe
def partner_agreement(request, version=None):
    """The partner agreement's text: the version in force, or a published one by name."""
    shown = agreement.version(version) if version else agreement.CURRENT
    if shown is None:
        raise Http404
    context = {
        "agreement": shown,
        "is_current": shown == agreement.CURRENT,
        "current": agreement.CURRENT,
        "current_url": reverse("partners:agreement_version", args=[agreement.CURRENT.version]),
        "text_template": shown.template(),
    }
    return render(request, "partners/agreement.html", context)


# Indirect provider directory (public)


@require_safe
def directory(request):
    form = DirectorySearchForm(request.GET)
    q = form.values()["q"]
    providers = Paginator(selectors.directory_providers(q=q), DIRECTORY_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render_page(
        request,
        "partners/directory.html",
        {"form": form, "providers": providers, "q": q},
        partial="directory-list",
    )
