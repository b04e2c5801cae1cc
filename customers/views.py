import uuid
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from customers import selectors, services, wizard
from customers.countries import country_name
from customers.forms import (
    ChangeResellerForm,
    CustomerDetailsForm,
    CustomerFilterForm,
    DomainPrefixForm,
    RelationshipConsentForm,
    ResellerRelationshipRequestForm,
    SubmitCustomerForm,
    SubscriptionLinesForm,
)
from portal import ratelimit
from portal.actions import post_action
from portal.audit import verb_label
from portal.errors import ServiceError
from portal.exports import csv_response
from portal.htmx import render_page
from portal.listing import CACHE_SECONDS, list_key, page_size, paginate_by_key
from portal.roles import Perm
from portal.search import planned_for_their_values
from portal.tables import render_fragment
from portal.tenancy import get_for_org, org_required, provider_required
from relationships import selectors as relationship_selectors
from relationships.models import AdminRelationship
from subscriptions.models import Offer, Subscription
from subscriptions.selectors import term_label

PAGE_SIZE = 50


def _list_filters(request, org):
    form = CustomerFilterForm(request.GET, auto_id="customer-%s").live(
        url=reverse("customers:customer_list"), target="#customer-table"
    )
    filters = form.values()  # an invalid filter is ignored, a valid search still applies
    reseller_id = filters["reseller"] if org.is_provider else None
    reseller = (
        selectors.reseller_for_filter(provider=org, uuid=reseller_id) if reseller_id else None
    )
    return form, filters, reseller


@org_required(Perm.VIEW)
@require_safe
def customer_export(request):
    """The customers of the list, as filtered, as a CSV file."""
    org = request.tenant.org
    _form, filters, reseller = _list_filters(request, org)
    return csv_response(
        filename="customers.csv",
        headers=[header for header, _path in selectors.EXPORT_COLUMNS],
        rows=selectors.export_rows(
            org=org, q=filters["q"], reseller=reseller, expiring=filters["expiring"]
        ),
    )


@org_required(Perm.VIEW)
@require_safe
def customer_list(request):
    org = request.tenant.org
    form, filters, reseller = _list_filters(request, org)
    form.fields["q"].widget.attrs.update(
        placeholder=_("Search by name or domain"),
        autocomplete="off",
        **{
            "hx-indicator": "#customer-search-indicator",
            "aria-describedby": "customer-search-hint",
        },
    )
    sort = selectors.CUSTOMER_SORT.chosen(request)
    customers = selectors.customer_list(
        org=org, q=filters["q"], reseller=reseller, expiring=filters["expiring"], sort=sort
    )
    with planned_for_their_values(bool(filters["q"])):
        page = paginate_by_key(
            customers,
            request.GET.get("page"),
            page_size(request, PAGE_SIZE),
            lambda keys: selectors.customer_rows(org=org, keys=keys),
            key=list_key(
                "customers",
                org,
                q=filters["q"],
                reseller=reseller.pk if reseller else "",
                expiring=filters["expiring"],
            ),
            also=selectors.reseller_filter_read_ahead(request),
            searching=bool(filters["q"]),
        )
    context = {
        "form": form,
        "table": render_fragment(
            request,
            "customers/customer_table.html",
            {
                "rows": page.object_list,
                "is_provider": org.is_provider,
                "sort": selectors.CUSTOMER_SORT.headers(request, target="#customer-table"),
            },
        ),
        "sort_value": sort,
        "reseller_options": selectors.reseller_filter_options(provider=org, selected=reseller)
        if org.is_provider and not request.htmx  # a partial has no filter bar
        else None,
        "page": page,
        "filtered": bool(filters["q"] or reseller or filters["expiring"]),
    }
    return render_page(request, "customers/customer_list.html", context, partial="customer-table")


@provider_required(Perm.VIEW)
@require_safe
def reseller_filter_options(request):
    """Every option of the reseller filter (Customers, Subscriptions) when the list is long."""
    org = request.tenant.org
    try:
        chosen = uuid.UUID(request.GET.get("selected", ""))
    except ValueError:
        chosen = None
    options = selectors.reseller_filter_options(
        provider=org,
        selected=selectors.reseller_for_filter(provider=org, uuid=chosen) if chosen else None,
        full=True,
    )
    response = render(
        request, "customers/customer_list.html#reseller-options", {"reseller_options": options}
    )
    # The list changes rarely; the browser keeps it for the minute the server does.
    patch_cache_control(response, private=True, max_age=CACHE_SECONDS)
    return response


@provider_required(Perm.ADD_CUSTOMER)
@require_safe
def change_reseller_options(request):
    """Every option of the customer page's reseller change when the list is long."""
    org = request.tenant.org
    try:
        chosen = uuid.UUID(request.GET.get("selected", ""))
    except ValueError:
        chosen = None
    selected = (
        selectors.active_partners(provider=org).filter(uuid=chosen).first() if chosen else None
    )
    options = selectors.change_reseller_options(provider=org, selected=selected, full=True)
    response = render(
        request,
        "customers/customer_detail.html#change-reseller-options",
        {"change_options": options},
    )
    # The list changes rarely; the browser keeps it for the minute the server does.
    patch_cache_control(response, private=True, max_age=CACHE_SECONDS)
    return response


@org_required(Perm.VIEW)
@require_safe
def customer_row(request, customer_id):
    """The expanded row of the Customers page: the customer's subscriptions."""
    org = request.tenant.org
    customer = selectors.customer_for_org(org=org, uuid=customer_id)
    if not request.htmx:
        response = redirect("customers:customer_detail", customer_id=customer.uuid)
    else:
        subscriptions = selectors.customer_subscription_rows(
            org=org, customer=customer, renewals=True
        )
        context = {
            "customer": customer,
            "subscriptions": subscriptions,
            "subscription_table": render_fragment(
                request,
                "customers/customer_subscriptions.html",
                {
                    "rows": subscriptions,
                    "customer": customer,
                    "expanded": True,
                    "can_change_licences": request.tenant.can(Perm.MANAGE_SUBSCRIPTIONS),
                },
            ),
        }
        response = render(request, "customers/customer_list.html#expanded-row", context)
    # The same URL answers a fragment to htmx and a redirect to the browser.
    patch_vary_headers(response, ["HX-Request"])
    return response


def _detail_context(request, customer, *, change_form=None):
    org = request.tenant.org
    subscriptions = selectors.customer_subscription_rows(org=org, customer=customer)
    context = {
        "customer": customer,
        "country_name": country_name(customer.country),
        "language_name": dict(settings.LANGUAGES).get(customer.language, customer.language),
        "relationships": relationship_selectors.relationship_rows_of_customer(
            org=org, customer=customer
        ),
        "can_request_relationship": request.tenant.can(Perm.MANAGE_ADMIN_RELATIONSHIPS),
        "subscriptions": subscriptions,
        "subscription_table": render_fragment(
            request,
            "customers/customer_subscriptions.html",
            {"rows": subscriptions, "customer": customer, "expanded": False},
        ),
        "has_active_subscriptions": any(
            s["status"] == Subscription.Status.ACTIVE for s in subscriptions
        ),
    }
    context["relationship_table"] = render_fragment(
        request, "relationships/customer_relationships.html", {"rows": context["relationships"]}
    )
    context["reseller_relationships"] = [
        row
        for row in context["relationships"]
        if row["partner_id"] == customer.reseller_id
        and row["status"]
        not in (*AdminRelationship.ENDED_STATUSES, AdminRelationship.Status.TERMINATION_REQUESTED)
    ]
    context.update(_tenant_owner_context(request, customer, subscriptions))
    if request.tenant.can(Perm.VIEW_ACTIVITY):
        context["activity"] = [
            (event, verb_label(event.verb), _organisation_named(event))
            for event in selectors.customer_activity(org=org, customer=customer)
        ]
        context["activity_list"] = render_fragment(
            request, "customers/customer_activity.html", {"activity": context["activity"]}
        )
    if org.is_provider and request.tenant.can(Perm.ADD_CUSTOMER):
        form = change_form or ChangeResellerForm(
            provider=org,
            initial={"reseller": customer.reseller.uuid if customer.reseller else None},
            reads_choices=True,  # set below
        )
        # A distributor's thousands of partners: the page carries the chosen one and
        # loads the others after it is shown (change_reseller_options below).
        chosen = form.cleaned_data.get("reseller") if form.is_bound and form.is_valid() else None
        options = selectors.change_reseller_options(
            provider=org, selected=chosen or customer.reseller
        )
        if options.lazy:
            current = chosen or customer.reseller
            form.fields["reseller"].choices = [
                ("", "---------"),
                *([(current.uuid, current.legal_name)] if current else []),
            ]
        else:  # the options just read, not the field's query run again by its widget
            form.fields["reseller"].choices = [("", "---------"), *options.choices]
        context["change_form"] = form
        context["change_options"] = options
    return context


def _tenant_owner_context(request, customer, subscriptions) -> dict:
    """The Azure tenant owner section: shown while the customer has an Azure plan."""
    azure = [s for s in subscriptions if s["offer_kind"] == Offer.Kind.AZURE_PLAN]
    if not azure:
        return {"azure_plan": False}
    tenant = request.tenant
    owners = list(selectors.tenant_owners(org=tenant.org, customer=customer))
    can_change = tenant.is_provider and tenant.can(Perm.REMOVE_PARTNERSHIP)
    active_plan = any(s["status"] == Subscription.Status.ACTIVE for s in azure)
    return {
        "azure_plan": True,
        "azure_plan_active": active_plan,
        "tenant_owners": owners,
        "can_revoke_tenant_owner": can_change,
        "can_grant_tenant_owner": can_change
        and active_plan
        and customer.reseller_id is not None
        and all(grant.organisation_id != customer.reseller_id for grant in owners),
    }


def _organisation_named(event) -> str:
    """The organisation an event of the customer is about, as written when it happened."""
    for side in (event.after, event.before):
        if isinstance(side, dict) and side.get("name"):
            return side["name"]
    return ""


@org_required(Perm.VIEW)
@require_safe
def customer_detail(request, customer_id):
    customer = selectors.customer_for_org(org=request.tenant.org, uuid=customer_id)
    return render(request, "customers/customer_detail.html", _detail_context(request, customer))


@provider_required(Perm.ADD_CUSTOMER)
@require_POST
def customer_change_reseller(request, customer_id):
    org = request.tenant.org
    customer = selectors.customer_for_org(org=org, uuid=customer_id)
    form = ChangeResellerForm(request.POST, provider=org)
    if not form.is_valid():
        context = _detail_context(request, customer, change_form=form)
        return render(request, "customers/customer_detail.html", context, status=400)
    services.customer_change_reseller(
        customer=customer, reseller=form.cleaned_data["reseller"], actor=request.user
    )
    messages.success(
        request,
        _("%(customer)s is now associated with %(reseller)s.")
        % {"customer": customer, "reseller": form.cleaned_data["reseller"]},
    )
    return redirect("customers:customer_detail", customer_id=customer.uuid)


def _back_to_customer(customer) -> str:
    return reverse("customers:customer_detail", kwargs={"customer_id": customer.uuid})


@provider_required(Perm.REMOVE_PARTNERSHIP)
@require_POST
def reseller_relationship_remove(request, customer_id):
    customer = selectors.customer_for_org(org=request.tenant.org, uuid=customer_id)
    return post_action(
        request,
        lambda: services.reseller_relationship_remove(customer=customer, actor=request.user),
        success=_("The relationship between %(customer)s and %(reseller)s was removed.")
        % {"customer": customer, "reseller": customer.reseller},
        redirect_to=_back_to_customer(customer),
    )


@provider_required(Perm.REMOVE_PARTNERSHIP)
@require_POST
def tenant_owner_grant(request, customer_id):
    customer = selectors.customer_for_org(org=request.tenant.org, uuid=customer_id)
    return post_action(
        request,
        lambda: services.tenant_owner_grant(customer=customer, actor=request.user),
        success=_("%(reseller)s now holds tenant owner rights on the Azure tenant of %(customer)s.")
        % {"reseller": customer.reseller, "customer": customer},
        redirect_to=_back_to_customer(customer),
    )


@provider_required(Perm.REMOVE_PARTNERSHIP)
@require_POST
def tenant_owner_revoke(request, customer_id, organisation_id):
    org = request.tenant.org
    customer = selectors.customer_for_org(org=org, uuid=customer_id)
    grant = selectors.tenant_owner_for_org(
        org=org, customer=customer, organisation_uuid=organisation_id
    )
    return post_action(
        request,
        lambda: services.tenant_owner_revoke(grant=grant, actor=request.user),
        success=_("%(organisation)s no longer holds tenant owner rights on %(customer)s.")
        % {"organisation": grant.organisation, "customer": customer},
        redirect_to=_back_to_customer(customer),
    )


# The new-customer wizard: details -> subscriptions -> review -> setup information.


@provider_required(Perm.ADD_CUSTOMER)
@require_http_methods(["GET", "HEAD", "POST"])
def customer_new(request):
    """Step 1: the customer's details (optionally for the reseller given as ?reseller=)."""
    org = request.tenant.org
    draft = wizard.start_draft(request)
    preselected = None
    if request.GET.get("reseller"):
        preselected = get_for_org(
            selectors.active_partners(provider=org), org, uuid=request.GET["reseller"]
        )
    if request.method == "POST":
        form = CustomerDetailsForm(request.POST, provider=org)
        if form.is_valid():
            draft["details"] = form.draft_data()
            wizard.save_draft(request, draft)
            return redirect("customers:customer_new_subscriptions")
    elif draft["details"]:
        # Back on this step: show what was entered, checked again.
        data = dict(draft["details"])
        if preselected:
            data["reseller"] = str(preselected.uuid)
        form = CustomerDetailsForm(data, provider=org)
    else:
        initial = {
            "language": get_language(),
            "country": org.country,
            "reseller": preselected.uuid if preselected else None,
        }
        form = CustomerDetailsForm(provider=org, initial=initial)
    context = {
        "form": form,
        "preselected": preselected,
        "domain_suffix": settings.CUSTOMER_DOMAIN_SUFFIX,
        "step": 1,
    }
    return render(request, "customers/customer_new.html", context)


@provider_required(Perm.ADD_CUSTOMER)
@require_safe
def domain_check(request):
    """Whether a primary domain prefix is well formed and free, as the user types."""
    form = DomainPrefixForm(request.GET)
    return render(request, "customers/customer_new.html#domain-status", {"form": form})


@provider_required(Perm.ADD_CUSTOMER)
@require_http_methods(["GET", "HEAD", "POST"])
def customer_new_subscriptions(request):
    """Step 2: the offers to order and their licence counts."""
    draft = wizard.current_draft(request)
    if not draft or not draft["details"]:
        return redirect("customers:customer_new")
    offers = selectors.orderable_offers()
    if request.method == "POST":
        form = SubscriptionLinesForm(request.POST, offers=offers)
        if form.is_valid():
            draft["lines"] = form.draft_data()
            wizard.save_draft(request, draft)
            return redirect("customers:customer_new_review")
    else:
        form = SubscriptionLinesForm(draft["lines"], offers=offers)
    return render(request, "customers/customer_new_subscriptions.html", {"form": form, "step": 2})


def _checked_draft(request, draft):
    """The draft's forms, bound and checked again, or the step to go back to."""
    org = request.tenant.org
    details = CustomerDetailsForm(draft["details"], provider=org)
    if not details.is_valid():
        return None, None, redirect("customers:customer_new")
    lines = SubscriptionLinesForm(draft["lines"] or {}, offers=selectors.orderable_offers())
    if not draft["lines"] or not lines.is_valid():
        return None, None, redirect("customers:customer_new_subscriptions")
    return details, lines, None


@provider_required(Perm.ADD_CUSTOMER)
@require_http_methods(["GET", "HEAD", "POST"])
def customer_new_review(request):
    """Step 3: everything entered, then Submit (one customer, one order, whatever the clicks)."""
    if request.method == "POST":
        return _submit_new_customer(request)
    draft = wizard.current_draft(request)
    if not draft or not draft["details"]:
        return redirect("customers:customer_new")
    details, lines, back = _checked_draft(request, draft)
    if back is not None:
        return back
    context = {
        "details": details.details(),
        "country_name": country_name(details.cleaned_data["country"]),
        "language_name": dict(settings.LANGUAGES)[details.cleaned_data["language"]],
        "reseller": details.cleaned_data["reseller"],
        "lines": [(o, q, term_label(t, offer=o)) for o, q, t in lines.lines()],
        "submit_form": SubmitCustomerForm(initial={"idempotency_key": draft["idempotency_key"]}),
        "step": 3,
    }
    return render(request, "customers/customer_new_review.html", context)


def _submit_new_customer(request):
    org = request.tenant.org
    submitted = SubmitCustomerForm(request.POST)
    key = submitted.cleaned_data["idempotency_key"] if submitted.is_valid() else None

    def already_created():
        """The setup page of the customer a submit with this key created, if one did."""
        existing = (
            selectors.customer_for_order_key(provider=org, idempotency_key=key)
            if key is not None
            else None
        )
        if existing is not None:
            # A repeated submit: the session is left as the first one wrote it.
            return redirect("customers:customer_setup", customer_id=existing.uuid)
        return None

    if (answer := already_created()) is not None:
        return answer
    draft = wizard.current_draft(request)
    if not draft or not draft["details"]:
        return redirect("customers:customer_new")
    if str(key) != draft["idempotency_key"]:
        messages.error(request, _("This page was out of date. Check the order and submit again."))
        return redirect("customers:customer_new_review")
    details, lines, back = _checked_draft(request, draft)
    if back is not None:
        # A twin submit (a double click) may have created the customer since the look-up
        # above: its domain is then taken, and this one answers with its setup page.
        return already_created() or back

    def created(result) -> str:
        wizard.discard_draft(request)
        return reverse("customers:customer_setup", kwargs={"customer_id": result.customer.uuid})

    return post_action(
        request,
        lambda: services.customer_create(
            provider=org,
            actor=request.user,
            details=details.details(),
            reseller=details.cleaned_data["reseller"],
            lines=lines.lines(),
            idempotency_key=key,
        ),
        success="",
        redirect_to=lambda result: created(result) if result else reverse("customers:customer_new"),
    )


@provider_required(Perm.ADD_CUSTOMER)
@require_POST
def customer_new_cancel(request):
    """Discard the whole draft and start again; nothing was created."""
    wizard.discard_draft(request)
    messages.info(request, _("The new customer was discarded."))
    return redirect("customers:customer_new")


@provider_required(Perm.ADD_CUSTOMER)
@require_safe
@never_cache
def customer_setup(request, customer_id):
    """Setup information: the admin user name, and the temporary password the first time only."""
    customer = selectors.customer_for_org(org=request.tenant.org, uuid=customer_id)
    password = services.setup_information_take(customer=customer, user=request.user)
    context = {"customer": customer, "password": password}
    return render(request, "customers/customer_setup.html", context)


# Reseller relationship requests (provider and reseller side) ---------------------------


@org_required(Perm.VIEW)
@require_safe
def relationship_request_list(request):
    """The reseller relationship requests sent for the organisation, with their status."""
    org = request.tenant.org
    page = paginate_by_key(
        selectors.relationship_requests(org=org),
        request.GET.get("page"),
        page_size(request, PAGE_SIZE),
        lambda keys: selectors.relationship_request_rows(org=org, keys=keys),
    )
    context = {
        "page": page,
        "is_provider": org.is_provider,
        "can_request": request.tenant.can(Perm.REQUEST_RESELLER_RELATIONSHIP),
    }
    return render(request, "customers/relationship_request_list.html", context)


def _request_email_refused(org, email: str) -> str | None:
    """None when one more request email may go out, else why not.

    The partnership requests' limits: both are invitations written to outsiders.
    """
    if not ratelimit.allow(ratelimit.PARTNERSHIP_REQUEST_PER_ORG, str(org.uuid)):
        return _("Too many requests were sent. Try again in an hour.")
    if not ratelimit.allow(ratelimit.PARTNERSHIP_REQUEST_PER_RECIPIENT, email):
        return _("Too many emails were sent to this address. Try again tomorrow.")
    return None


@org_required(Perm.REQUEST_RESELLER_RELATIONSHIP)
@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
def relationship_request_new(request):
    """The request's form; sending it emails the link and shows it once, to copy."""
    org = request.tenant.org
    form = ResellerRelationshipRequestForm(request.POST or None, org=org)
    template = "customers/relationship_request_new.html"

    def show_form(error=None, status=200):
        return render(
            request, template, {"form": form, "is_provider": org.is_provider}, status=status
        )

    if request.method != "POST" or not form.is_valid():
        return show_form(status=400 if request.method == "POST" else 200)
    refused = _request_email_refused(org, form.cleaned_data["contact_email"])
    if refused:
        form.add_error(None, refused)
        return show_form(status=429)
    partner = form.cleaned_data["partner"]
    provider, reseller = (org, partner) if org.is_provider else (partner, org)
    return post_action(
        request,
        lambda: services.reseller_relationship_request_send(
            provider=provider,
            reseller=reseller,
            actor=request.user,
            actor_org=org,
            details=form.details(),
        ),
        then=lambda prepared: render(
            request,
            template,
            {"prepared": prepared, "relationship_request": prepared.relationship_request},
        ),
        form=form,
        render=lambda error: show_form(status=error.status),
    )


@org_required(Perm.REQUEST_RESELLER_RELATIONSHIP)
@require_POST
def relationship_request_revoke(request, relationship_request_id):
    relationship_request = selectors.relationship_request_for_org(
        org=request.tenant.org, uuid=relationship_request_id
    )
    return post_action(
        request,
        lambda: services.reseller_relationship_request_revoke(
            relationship_request=relationship_request, actor=request.user
        ),
        success=_("The request to %(company)s was revoked; its link no longer works.")
        % {"company": relationship_request.company_name},
        redirect_to=reverse("customers:relationship_request_list"),
    )


# The company's link (public: the token is the capability)


def relationship_link(view):
    """A link that cannot be used answers with the invite links' page saying why, never a 500."""

    @wraps(view)
    def wrapper(request, token, *args, **kwargs):
        try:
            return view(request, token, *args, **kwargs)
        except services.RelationshipRequestUnavailable as error:
            return render(
                request,
                "partners/invite_unavailable.html",
                {"message": error.message},
                status=error.status,
            )

    return wrapper


@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
@relationship_link
def relationship_request_link(request, token):
    """What the company's link opens; GET and HEAD change nothing (mail scanners open links)."""
    relationship_request = services.relationship_request_for_token(token)
    services.check_relationship_request_usable(relationship_request)
    form = RelationshipConsentForm(request.POST if request.method == "POST" else None)
    context = {"relationship_request": relationship_request, "form": form}
    template = "customers/relationship_request_link.html"
    if request.method != "POST":
        return render(request, template, context)
    if not form.is_valid():
        return render(request, template, context, status=400)
    try:
        customer = services.reseller_relationship_request_accept(token=token)
    except services.RelationshipRequestUnavailable:
        raise
    except ServiceError as error:
        form.add_error(None, error.message)
        return render(request, template, context, status=error.status)
    return render(
        request,
        "customers/relationship_request_accepted.html",
        {"relationship_request": relationship_request, "customer": customer},
    )
