import uuid

from django.contrib import messages
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from billing import selectors as billing_selectors
from customers import selectors as customer_selectors
from customers.models import Customer
from portal.actions import post_action
from portal.exports import query_csv_response
from portal.htmx import render_page
from portal.listing import list_key, page_size, paginate_by_key, short_list_page
from portal.roles import Perm
from portal.search import planned_for_their_values
from portal.tables import render_fragment
from portal.tenancy import get_for_org, org_required, provider_required, reseller_required
from subscriptions import selectors, services, terms
from subscriptions.forms import (
    AutoRenewForm,
    LocationCheckForm,
    QuantityForm,
    ResellerForm,
    ScheduledChangeForm,
    SubscriptionFilterForm,
    SubscriptionNewForm,
    SupportContactForm,
    UpgradeForm,
    VersionedForm,
)
from subscriptions.models import Subscription

PAGE_SIZE = 25
HISTORY_PAGE_SIZE = 20

HISTORY_FIELD_LABELS = {
    "created": gettext_lazy("Created"),
    "quantity": gettext_lazy("Licences"),
    "status": gettext_lazy("Status"),
    "reseller": gettext_lazy("Reseller (MPN ID)"),
    "support_contact": gettext_lazy("Designated support contact"),
    "upgraded_to": gettext_lazy("Upgraded to"),
    "upgraded_from": gettext_lazy("Upgraded from"),
    "auto_renew": gettext_lazy("Auto-renew"),
    "scheduled_change": gettext_lazy("Scheduled change"),
    "renewed": gettext_lazy("Renewed"),
}
ON_OFF = {"on": gettext_lazy("On"), "off": gettext_lazy("Off")}


def _describe_history(page):
    """Give each history row its readable field name and values (statuses in the user's
    language) and who made it as User.display_name writes it."""
    statuses = dict(Subscription.Status.choices)
    for change in page:
        change["field_label"] = HISTORY_FIELD_LABELS.get(change["field"], change["field"])
        values = (change["before"], change["after"])
        if change["field"] == "status":
            values = tuple(statuses.get(value, value) for value in values)
        elif change["field"] == "auto_renew":
            values = tuple(ON_OFF.get(value, value) for value in values)
        change["before_display"], change["after_display"] = values
        if change["actor__email"] is None:  # no one (the system), or a user since deleted
            change["actor_name"] = ""
        else:
            full_name = f"{change['actor__first_name']} {change['actor__last_name']}".strip()
            change["actor_name"] = full_name or change["actor__email"]
    return page


def _list_filters(request) -> tuple[SubscriptionFilterForm, dict]:
    """The filter form of a list and its values, with malformed values ignored."""
    form = SubscriptionFilterForm(request.GET, auto_id="subscription-%s")
    filters = form.values()
    reseller = filters["reseller"]
    return form, {
        "q": filters["q"],
        "reseller": str(reseller) if reseller and request.tenant.is_provider else "",
        "status": filters["status"],
        "renewal": filters["renewal"],
    }


def _searchable(form: SubscriptionFilterForm, url: str) -> SubscriptionFilterForm:
    form.live(url=url, target="#subscription-table")
    form.fields["q"].widget.attrs["placeholder"] = _("Search customer, domain or offer")
    form.fields["q"].widget.attrs["aria-describedby"] = "subscription-search-hint"
    return form


def _table_context(request, subscriptions, key: str, *, searching: bool, also=()) -> dict:
    """``key``: the list as filtered (portal.listing.list_key); ``searching``: by a term;
    ``also``: cache entries the page reads besides (paginate_by_key)."""
    org = request.tenant.org
    sort = selectors.SUBSCRIPTION_SORT.chosen(request)
    with planned_for_their_values(searching):
        page = paginate_by_key(
            selectors.subscription_order(subscriptions, sort),
            request.GET.get("page"),
            page_size(request, PAGE_SIZE),
            lambda keys: selectors.subscription_rows(org=org, keys=keys),
            key=key,
            also=also,
            searching=searching,
        )
    return {
        "page": page,
        "table": render_fragment(
            request,
            "subscriptions/subscription_table.html",
            {
                "rows": selectors.with_status_labels(page.object_list),
                "show_provider": org.is_reseller,
                "sort": selectors.SUBSCRIPTION_SORT.headers(request, target="#subscription-table"),
            },
        ),
        "sort_value": sort,
    }


@org_required(Perm.VIEW)
@require_safe
def subscription_list(request):
    org = request.tenant.org
    form, filters = _list_filters(request)
    context = {
        **_table_context(
            request,
            selectors.subscription_list(org=org, **filters),
            list_key("subscriptions", org, **filters),
            searching=bool(filters["q"]),
            also=customer_selectors.reseller_filter_read_ahead(request),
        ),
        "filters": filters,
        "form": _searchable(form, reverse("subscriptions:subscription_list")),
        "reseller_options": customer_selectors.reseller_filter_options(
            provider=org,
            selected=customer_selectors.reseller_for_filter(provider=org, uuid=filters["reseller"])
            if filters["reseller"]
            else None,
        )
        if org.is_provider and not request.htmx  # a partial has no filter bar
        else None,
    }
    return render_page(
        request, "subscriptions/subscription_list.html", context, partial="subscription-table"
    )


@reseller_required(Perm.VIEW)
@require_safe
def support_queue(request):
    form, filters = _list_filters(request)
    subscriptions = selectors.with_renewal_filter(
        selectors.support_queue(org=request.tenant.org, q=filters["q"]), filters["renewal"]
    )
    context = {
        **_table_context(
            request,
            subscriptions,
            list_key("support-queue", request.tenant.org, **filters),
            searching=bool(filters["q"]),
        ),
        "filters": filters,
        "form": _searchable(form, reverse("subscriptions:support_queue")),
    }
    return render_page(
        request, "subscriptions/support_queue.html", context, partial="subscription-table"
    )


@provider_required(Perm.VIEW)
@require_safe
def subscription_export(request):
    _form, filters = _list_filters(request)
    subscriptions, columns = selectors.export_query(org=request.tenant.org, **filters)
    return query_csv_response(
        filename="subscriptions.csv",
        headers=[header for header, _path in selectors.EXPORT_COLUMNS],
        queryset=subscriptions,
        columns=columns,
    )


@provider_required(Perm.MANAGE_SUBSCRIPTIONS)
@require_http_methods(["GET", "HEAD", "POST"])
def subscription_new(request, customer_id):
    org = request.tenant.org
    customer = get_for_org(Customer, org, uuid=customer_id)
    if request.method == "POST":
        form = SubscriptionNewForm(request.POST, provider=org)
        if form.is_valid():
            data = form.cleaned_data
            line = services.LineRequest(
                offer=data["offer"],
                quantity=data["quantity"],
                reseller=data["reseller"],
                term_pair=data["term"],
            )

            def placed(result) -> str:
                _order, created = result
                if created:
                    return _("Subscription to %(offer)s added for %(customer)s.") % {
                        "offer": data["offer"].name,
                        "customer": customer.company_name,
                    }
                messages.info(request, _("This order was already submitted; it was placed once."))
                return ""

            return post_action(
                request,
                lambda: services.order_submit(
                    provider=org,
                    customer=customer,
                    lines=[line],
                    idempotency_key=data["idempotency_key"],
                    actor=request.user,
                ),
                success=placed,
                redirect_to=reverse(
                    "customers:customer_detail", kwargs={"customer_id": customer.uuid}
                ),
                form=form,
                render=lambda error: _render_new(request, form, customer),
            )
    else:
        reseller = customer.reseller
        form = SubscriptionNewForm(
            provider=org,
            initial={
                "idempotency_key": uuid.uuid4(),
                "reseller": reseller.uuid if reseller else None,
            },
        )
    return _render_new(request, form, customer)


def _render_new(request, form, customer):
    return render(
        request,
        "subscriptions/subscription_new.html",
        {"form": form, "customer": customer},
        status=400 if form.is_bound else 200,
    )


def _render_detail(request, subscription, *, bound=None, status=200):
    """The details page; ``bound`` replaces one of its forms with a submitted one."""
    tenant = request.tenant
    bound = bound or {}
    initial = {"version": subscription.version}
    is_open = subscription.status not in Subscription.CLOSED_STATUSES
    can_manage = tenant.can(Perm.MANAGE_SUBSCRIPTIONS) and is_open
    # The credited reseller, the support contact and the lifecycle are the provider's.
    provider_controls = can_manage and tenant.org.pk == subscription.provider_id
    history = _describe_history(
        short_list_page(
            selectors.subscription_history(org=tenant.org, subscription=subscription),
            request.GET.get("page"),
            HISTORY_PAGE_SIZE,
        )
    )
    context = {
        "subscription": subscription,
        "can_manage": can_manage,
        "provider_controls": provider_controls,
        "history": history,
        # Its rows in a Jinja2 fragment: through Django's templates, a fifth of the page.
        "history_table": render_fragment(
            request, "subscriptions/history_table.html", {"rows": history.object_list}
        )
        if history.object_list
        else "",
    }
    live = subscription.status in selectors.LIVE_STATUSES
    pending = selectors.pending_change(subscription=subscription) if live else None
    now = timezone.now()
    windows = selectors.open_windows(subscription=subscription, now=now) if live else []
    cancel_closes = terms.cancellation_closes_at(subscription.term_start)
    context.update(
        live=live,
        pending_change=pending,
        windows=windows,
        removable=sum(window.seats_open for window in windows),
        cancel_closes_at=cancel_closes,
        cancel_window_open=live and now < cancel_closes,
        new_window_closes_at=terms.window_closes_at(now),
        term_last_day=terms.term_last_date(subscription.term_end),
        price=billing_selectors.subscription_price(org=tenant.org, subscription=subscription)
        if tenant.can(Perm.VIEW_BILLING)
        else None,
        renewal_label=selectors.renewal_label(
            status=subscription.status,
            auto_renew=subscription.auto_renew,
            term_end=subscription.term_end,
            has_change=pending is not None,
        ),
    )
    if can_manage:
        context["quantity_form"] = bound.get("quantity") or QuantityForm(
            subscription=subscription, initial={**initial, "quantity": subscription.quantity}
        )
    if provider_controls:
        location = subscription.reseller_location
        context["reseller_form"] = bound.get("reseller") or ResellerForm(
            provider=tenant.org,
            initial={
                **initial,
                "location_partner_id": location.location_partner_id if location else "",
            },
        )
        context["support_form"] = bound.get("support") or SupportContactForm(
            subscription=subscription,
            contacts=selectors.support_contacts(subscription=subscription),
            initial={
                **initial,
                "support_contact": getattr(subscription.support_contact, "uuid", None),
            },
        )
        context["status_form"] = bound.get("status") or VersionedForm(initial=initial)
        # The scheduled change's and the upgrade's offers, read once for both forms.
        offers = selectors.change_offers(offer=subscription.offer) if live else None
        if live:
            context["auto_renew_form"] = bound.get("auto_renew") or AutoRenewForm(
                initial={**initial, "auto_renew": not subscription.auto_renew}
            )
            context["scheduled_form"] = bound.get("scheduled") or ScheduledChangeForm(
                subscription=subscription,
                offers=offers.scheduled,
                initial={
                    **initial,
                    "offer": (pending.offer if pending else subscription.offer).uuid,
                    "quantity": pending.quantity if pending else subscription.quantity,
                    "term": f"{pending.term}/{pending.billing_frequency}"
                    if pending
                    else f"{subscription.term}/{subscription.billing_frequency}",
                },
            )
        if subscription.status == Subscription.Status.ACTIVE:
            upgrade_form = bound.get("upgrade") or UpgradeForm(
                subscription=subscription,
                offers=offers.upgrades,
                initial={**initial, "quantity": subscription.quantity},
            )
            if upgrade_form.is_bound or offers.upgrades:
                context["upgrade_form"] = upgrade_form
    return render(request, "subscriptions/subscription_detail.html", context, status=status)


@org_required(Perm.VIEW)
@require_safe
def subscription_detail(request, subscription_id):
    subscription = selectors.subscription_for_detail(
        org=request.tenant.org, subscription_id=subscription_id
    )
    return _render_detail(request, subscription)


def _apply(request, subscription_id, *, form_name, make_form, change, success):
    """Validate one action's form, run its service, and show the outcome on the details page."""
    subscription = selectors.subscription_for_detail(
        org=request.tenant.org, subscription_id=subscription_id
    )
    form = make_form(request.POST, subscription)
    if not form.is_valid():
        return _render_detail(request, subscription, bound={form_name: form}, status=400)
    return post_action(
        request,
        lambda: change(subscription, form.cleaned_data),
        success=success,
        redirect_to=lambda changed: reverse(
            "subscriptions:subscription_detail",
            kwargs={"subscription_id": (changed or subscription).uuid},
        ),
        # Shown above the page: the action's form may not be on it (a cancelled subscription).
        render=lambda error: _render_detail(
            request, subscription, bound={form_name: form}, status=error.status
        ),
    )


@org_required(Perm.MANAGE_SUBSCRIPTIONS)
@require_POST
def subscription_quantity(request, subscription_id):
    return _apply(
        request,
        subscription_id,
        form_name="quantity",
        make_form=lambda data, sub: QuantityForm(data, subscription=sub),
        change=lambda sub, data: services.subscription_change_quantity(
            subscription=sub,
            quantity=data["quantity"],
            version=data["version"],
            org=request.tenant.org,
            actor=request.user,
            discard_scheduled=data["confirm_discard"],
        ),
        success=_("Licence count changed."),
    )


@provider_required(Perm.MANAGE_SUBSCRIPTIONS)
@require_POST
def subscription_upgrade(request, subscription_id):
    """Replace the subscription by one of a higher offer, then show the new one."""
    return _apply(
        request,
        subscription_id,
        form_name="upgrade",
        make_form=lambda data, sub: UpgradeForm(data, subscription=sub),
        change=lambda sub, data: services.subscription_upgrade(
            subscription=sub,
            offer=data["offer"],
            quantity=data["quantity"],
            version=data["version"],
            org=request.tenant.org,
            actor=request.user,
            term_pair=data["term"],
        ),
        success=lambda successor: (
            _("Upgraded to %(offer)s with %(quantity)s licences.")
            % {"offer": successor.offer.name, "quantity": successor.quantity}
        ),
    )


@provider_required(Perm.MANAGE_SUBSCRIPTIONS)
@require_POST
def subscription_reseller(request, subscription_id):
    return _apply(
        request,
        subscription_id,
        form_name="reseller",
        make_form=lambda data, sub: ResellerForm(data, provider=request.tenant.org),
        change=lambda sub, data: services.subscription_set_reseller(
            subscription=sub,
            location=data["location_partner_id"],
            version=data["version"],
            org=request.tenant.org,
            actor=request.user,
        ),
        success=_("Reseller (MPN ID) saved."),
    )


@provider_required(Perm.MANAGE_SUBSCRIPTIONS)
@require_POST
def subscription_support_contact(request, subscription_id):
    return _apply(
        request,
        subscription_id,
        form_name="support",
        make_form=lambda data, sub: SupportContactForm(data, subscription=sub),
        change=lambda sub, data: services.subscription_set_support_contact(
            subscription=sub,
            contact=data["support_contact"],
            version=data["version"],
            org=request.tenant.org,
            actor=request.user,
        ),
        success=_("Designated support contact saved."),
    )


def _status_change(request, subscription_id, *, action, success):
    return _apply(
        request,
        subscription_id,
        form_name="status",
        make_form=lambda data, sub: VersionedForm(data),
        change=lambda sub, data: services.subscription_set_status(
            subscription=sub,
            action=action,
            version=data["version"],
            org=request.tenant.org,
            actor=request.user,
        ),
        success=success,
    )


@provider_required(Perm.MANAGE_SUBSCRIPTIONS)
@require_POST
def subscription_suspend(request, subscription_id):
    return _status_change(
        request, subscription_id, action="suspend", success=_("Subscription suspended.")
    )


@provider_required(Perm.MANAGE_SUBSCRIPTIONS)
@require_POST
def subscription_reactivate(request, subscription_id):
    return _status_change(
        request, subscription_id, action="reactivate", success=_("Subscription reactivated.")
    )


@provider_required(Perm.MANAGE_SUBSCRIPTIONS)
@require_http_methods(["GET", "HEAD", "POST"])
def subscription_cancel(request, subscription_id):
    """GET asks for confirmation (the page without script); POST cancels."""
    if request.method == "POST":
        return _status_change(
            request, subscription_id, action="cancel", success=_("Subscription cancelled.")
        )
    org = request.tenant.org
    subscription = selectors.subscription_for_detail(org=org, subscription_id=subscription_id)
    return render(
        request,
        "subscriptions/subscription_cancel.html",
        {
            "subscription": subscription,
            "form": VersionedForm(initial={"version": subscription.version}),
            "cancel_closes_at": terms.cancellation_closes_at(subscription.term_start),
        },
    )


@provider_required(Perm.MANAGE_SUBSCRIPTIONS)
@require_safe
def partner_locations(request):
    """The creditable locations matching what is typed in the Reseller (MPN ID) field (HTMX)."""
    typed = request.GET.get("location_partner_id", "")[:200]
    matches, more = selectors.creditable_location_matches(provider=request.tenant.org, typed=typed)
    return render(
        request,
        "subscriptions/subscription_detail.html#partner-locations",
        {"matches": matches, "more": more, "typed": typed.strip()},
    )


@provider_required(Perm.MANAGE_SUBSCRIPTIONS)
@require_safe
def check_id(request):
    """Check a typed location partner ID and answer with a message fragment (HTMX)."""
    form = LocationCheckForm(request.GET, provider=request.tenant.org)
    context = {"checked_id": form.data.get("location_partner_id", "").strip()}
    if form.is_valid():
        context["location"] = form.cleaned_data["location_partner_id"]
    else:
        context["check_error"] = form.errors["location_partner_id"][0]
    return render(request, "subscriptions/subscription_detail.html#check-id-result", context)


@provider_required(Perm.MANAGE_SUBSCRIPTIONS)
@require_POST
def subscription_auto_renew(request, subscription_id):
    return _apply(
        request,
        subscription_id,
        form_name="auto_renew",
        make_form=lambda data, sub: AutoRenewForm(data),
        change=lambda sub, data: services.subscription_set_auto_renew(
            subscription=sub,
            auto_renew=data["auto_renew"],
            version=data["version"],
            org=request.tenant.org,
            actor=request.user,
        ),
        success=lambda sub: (
            _("Auto-renew turned on.")
            if sub.auto_renew
            else _("Auto-renew turned off: the subscription ends at its term end.")
        ),
    )


@provider_required(Perm.MANAGE_SUBSCRIPTIONS)
@require_POST
def subscription_scheduled_change(request, subscription_id):
    """Create or edit the change scheduled for the renewal."""
    return _apply(
        request,
        subscription_id,
        form_name="scheduled",
        make_form=lambda data, sub: ScheduledChangeForm(data, subscription=sub),
        change=lambda sub, data: (
            services.scheduled_change_save(
                subscription=sub,
                change=services.ChangeRequest(
                    quantity=data["quantity"], offer=data["offer"], term_pair=data["term"]
                ),
                version=data["version"],
                org=request.tenant.org,
                actor=request.user,
            ).subscription
        ),
        success=_("Change scheduled for the renewal."),
    )


@provider_required(Perm.MANAGE_SUBSCRIPTIONS)
@require_POST
def subscription_scheduled_change_cancel(request, subscription_id):
    return _apply(
        request,
        subscription_id,
        form_name="scheduled_cancel",
        make_form=lambda data, sub: VersionedForm(data),
        change=lambda sub, data: services.scheduled_change_cancel(
            subscription=sub,
            version=data["version"],
            org=request.tenant.org,
            actor=request.user,
        ),
        success=_("Scheduled change cancelled: the subscription renews as it is."),
    )
