"""Prices, tiers, per-reseller prices and statements: one function per screen."""

from __future__ import annotations

from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from billing import documents, pricing, selectors, services
from billing.forms import (
    OfferPriceForm,
    PriceEntryForm,
    PriceFilterForm,
    PriceImportForm,
    ResellerTierForm,
    TierForm,
)
from billing.models import PartnershipTier, Tier
from billing.money import fmt, quantize
from portal.actions import post_action
from portal.htmx import render_page
from portal.listing import paginate_by_key
from portal.roles import Perm
from portal.tables import render_fragment
from portal.tenancy import get_for_org, org_required, provider_required

PAGE_SIZE = 50


def _money(currency: str):
    """An amount as a table shows it: grouped, in the currency's minor units."""
    return lambda amount: f"{quantize(amount, currency):,}"


def _filters(request) -> dict:
    form = PriceFilterForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    return {
        "form": form,
        "q": data.get("q") or "",
        "offer": str(data.get("offer") or ""),
        "term": data.get("term") or "",
    }


@org_required(Perm.VIEW_BILLING)
@require_safe
def price_list(request):
    """Provider: the price list with its history. Reseller: its own prices, nothing else."""
    org = request.tenant.org
    filters = _filters(request)
    if org.is_reseller:
        today = timezone.localdate()
        providers = [
            {
                "provider": provider,
                "rows": [
                    {"entry": entry, "price": fmt(price.unit_price, price.currency)}
                    for entry, price in selectors.reseller_prices(
                        reseller=org,
                        provider=provider,
                        on=today,
                        q=filters["q"],
                        term=filters["term"],
                    )
                ],
            }
            for provider in selectors.providers_of(org)
        ]
        return render(
            request,
            "billing/reseller_prices.html",
            {"form": filters["form"], "providers": providers, "today": today},
        )
    entries = selectors.price_entries(
        org=org, q=filters["q"], offer=filters["offer"], term=filters["term"]
    )
    page = paginate_by_key(
        entries,
        request.GET.get("page"),
        PAGE_SIZE,
        lambda keys: entries.model.objects.filter(pk__in=keys).select_related("offer"),
    )
    today = timezone.localdate()
    currency = pricing.currency_of(org)
    context = {
        "form": filters["form"],
        "page": page,
        "table": render_fragment(
            request,
            "billing/price_table.html",
            {"rows": page.object_list, "today": today, "money": _money(currency)},
        ),
        "currency": currency,
        "offers": selectors.priced_offers(org=org) if not request.htmx else [],
        "today": today,
        "can_edit": request.tenant.can(Perm.EDIT_PRICES),
        "entry_form": PriceEntryForm(initial={"effective_from": today}),
        "import_form": PriceImportForm(),
    }
    return render_page(request, "billing/price_list.html", context, partial="price-table")


@provider_required(Perm.EDIT_PRICES)
@require_http_methods(["GET", "HEAD", "POST"])
def price_new(request):
    """Schedule a price: the first POST shows the resellers it affects, the confirmed one adds it."""
    org = request.tenant.org
    form = PriceEntryForm(request.POST or None, initial={"effective_from": timezone.localdate()})
    if request.method != "POST" or not form.is_valid():
        status = 400 if request.method == "POST" else 200
        return render(request, "billing/price_new.html", {"form": form}, status=status)
    data = form.cleaned_data
    term, frequency = form.term_and_frequency()
    if not data["confirm"]:
        affected = selectors.affected_resellers(provider=org, offer=data["offer"])
        return render(
            request,
            "billing/price_new.html",
            {"form": form, "preview": True, "affected": affected},
        )

    def done(result) -> str:
        _entry, sent = result
        return _("Price scheduled. %(count)s resellers were emailed their change.") % {
            "count": sent
        }

    return post_action(
        request,
        lambda: services.price_change_schedule(
            provider=org,
            offer=data["offer"],
            term=term,
            billing_frequency=frequency,
            cost=data["cost"],
            reseller_price=data["reseller_price"],
            retail_price=data["retail_price"],
            effective_from=data["effective_from"],
            actor=request.user,
        ),
        success=done,
        redirect_to=reverse("billing:price_list"),
        form=form,
        render=lambda error: render(
            request, "billing/price_new.html", {"form": form}, status=error.status
        ),
    )


@provider_required(Perm.VIEW_BILLING)
@require_safe
def price_export(request):
    org = request.tenant.org
    filters = _filters(request)
    entries = selectors.price_entries(
        org=org, q=filters["q"], offer=filters["offer"], term=filters["term"]
    )
    body = documents.price_list_csv(entries.iterator(), pricing.currency_of(org))
    response = HttpResponse(body.encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="price-list.csv"'
    return response


@provider_required(Perm.EDIT_PRICES)
@require_POST
def price_import(request):
    form = PriceImportForm(request.POST, request.FILES)
    if not form.is_valid():
        from django.contrib import messages

        messages.error(request, _("Choose a CSV file to import."))
        return _redirect_prices(request)
    try:
        rows = documents.read_price_csv(form.cleaned_data["file"].read())
    except UnicodeDecodeError:
        rows = None

    def run():
        if rows is None:
            raise services.BillingError(_("The file is not UTF-8 text."), field="file")
        return services.price_list_import(
            provider=request.tenant.org, rows=rows, actor=request.user
        )

    return post_action(
        request,
        run,
        success=lambda added: _("%(count)s prices imported.") % {"count": added},
        redirect_to=reverse("billing:price_list"),
    )


def _redirect_prices(request):
    from django.shortcuts import redirect

    return redirect("billing:price_list")


# Tiers and per-reseller prices -------------------------------------------------------


@provider_required(Perm.VIEW_BILLING)
@require_http_methods(["GET", "HEAD", "POST"])
def tier_list(request):
    org = request.tenant.org
    form = TierForm(request.POST or None)
    if request.method == "POST":
        if not request.tenant.can(Perm.EDIT_PRICES):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        if form.is_valid():
            return post_action(
                request,
                lambda: services.tier_save(
                    provider=org,
                    name=form.cleaned_data["name"],
                    percent_off=form.cleaned_data["percent_off"],
                    actor=request.user,
                ),
                success=_("Tier saved."),
                redirect_to=lambda tier: reverse("billing:tier_detail", args=[tier.uuid]),
                form=form,
                render=lambda error: _tier_list(request, form, error.status),
            )
        return _tier_list(request, form, 400)
    return _tier_list(request, form, 200)


def _tier_list(request, form, status):
    org = request.tenant.org
    return render(
        request,
        "billing/tier_list.html",
        {
            "tiers": selectors.tiers(org=org),
            "form": form,
            "can_edit": request.tenant.can(Perm.EDIT_PRICES),
        },
        status=status,
    )


@provider_required(Perm.VIEW_BILLING)
@require_http_methods(["GET", "HEAD", "POST"])
def tier_detail(request, tier_id):
    org = request.tenant.org
    tier = get_for_org(Tier, org, uuid=tier_id)
    form = OfferPriceForm(request.POST or None, initial={"effective_from": timezone.localdate()})
    if request.method == "POST":
        if not request.tenant.can(Perm.EDIT_PRICES):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            return post_action(
                request,
                lambda: services.tier_price_set(
                    tier=tier,
                    offer=data["offer"],
                    price=data["price"],
                    effective_from=data["effective_from"],
                    actor=request.user,
                ),
                success=_("Tier price saved."),
                redirect_to=reverse("billing:tier_detail", args=[tier.uuid]),
                form=form,
                render=lambda error: _tier_detail(request, tier, form, error.status),
            )
        return _tier_detail(request, tier, form, 400)
    return _tier_detail(request, tier, form, 200)


def _tier_detail(request, tier, form, status):
    prices = tier.prices.select_related("offer").order_by("offer__name", "-effective_from")
    members = PartnershipTier.objects.filter(tier=tier).select_related("reseller")
    return render(
        request,
        "billing/tier_detail.html",
        {
            "tier": tier,
            "prices": prices,
            "members": members.order_by("reseller__legal_name"),
            "form": form,
            "currency": pricing.currency_of(tier.provider),
            "can_edit": request.tenant.can(Perm.EDIT_PRICES),
        },
        status=status,
    )


def _partnered_reseller(org, reseller_id):
    from partners.models import Partnership

    partnership = get_for_org(
        Partnership.objects.active().select_related("reseller"), org, reseller__uuid=reseller_id
    )
    return partnership.reseller


@provider_required(Perm.VIEW_BILLING)
@require_http_methods(["GET", "HEAD", "POST"])
def reseller_pricing(request, reseller_id):
    """One reseller's tier and own prices (provider staff)."""
    org = request.tenant.org
    reseller = _partnered_reseller(org, reseller_id)
    tiers = Tier.objects.for_org(org)
    current = PartnershipTier.objects.filter(provider=org, reseller=reseller).first()
    tier_form = ResellerTierForm(
        request.POST if request.POST.get("action") == "tier" else None,
        tiers=tiers,
        initial={"tier": current.tier.uuid if current else None},
    )
    price_form = OfferPriceForm(
        request.POST if request.POST.get("action") == "price" else None,
        initial={"effective_from": timezone.localdate()},
    )
    here = reverse("billing:reseller_pricing", args=[reseller.uuid])

    def page(status=200):
        own = (
            selectors.ResellerPrice.objects.filter(provider=org, reseller=reseller)
            .select_related("offer")
            .order_by("offer__name", "-effective_from")
        )
        return render(
            request,
            "billing/reseller_pricing.html",
            {
                "reseller": reseller,
                "tier_form": tier_form,
                "price_form": price_form,
                "own_prices": own,
                "current_tier": current.tier if current else None,
                "currency": pricing.currency_of(org),
                "can_edit": request.tenant.can(Perm.EDIT_PRICES),
            },
            status=status,
        )

    if request.method != "POST":
        return page()
    if not request.tenant.can(Perm.EDIT_PRICES):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied
    if tier_form.is_bound and tier_form.is_valid():
        return post_action(
            request,
            lambda: services.reseller_tier_set(
                provider=org,
                reseller=reseller,
                tier=tier_form.cleaned_data["tier"],
                actor=request.user,
            ),
            success=_("Tier changed."),
            redirect_to=here,
        )
    if price_form.is_bound and price_form.is_valid():
        data = price_form.cleaned_data
        return post_action(
            request,
            lambda: services.reseller_price_set(
                provider=org,
                reseller=reseller,
                offer=data["offer"],
                price=data["price"],
                effective_from=data["effective_from"],
                actor=request.user,
            ),
            success=_("Price saved."),
            redirect_to=here,
            form=price_form,
            render=lambda error: page(error.status),
        )
    return page(400)


# Statements ---------------------------------------------------------------------------


@org_required(Perm.VIEW_BILLING)
@require_safe
def statement_list(request):
    """Statements, newest month first: open ones with their running totals."""
    org = request.tenant.org
    month = selectors.current_month()
    page = paginate_by_key(
        selectors.statements(org=org),
        request.GET.get("page"),
        PAGE_SIZE,
        selectors.statement_rows,
    )
    page.object_list = selectors.with_open_totals(page.object_list)
    context = {
        "page": page,
        "month": month,
        "show_cost": org.is_provider,
        "month_total": selectors.month_total(provider=org, month=month)
        if org.is_provider
        else None,
        "currency": pricing.currency_of(org) if org.is_provider else "",
    }
    return render_page(request, "billing/statement_list.html", context, partial="statement-table")


def _title(statement, org) -> str:
    """The statement's name as the viewer reads it: the other side of the bill."""
    if org.is_provider:
        name = statement.reseller.legal_name if statement.reseller else _("Direct customers")
    else:
        name = statement.provider.legal_name
    return _("Statement %(month)s · %(name)s") % {
        "month": statement.month.strftime("%Y-%m"),
        "name": name,
    }


@org_required(Perm.VIEW_BILLING)
@require_safe
def statement_detail(request, statement_id):
    org = request.tenant.org
    statement = selectors.statement_for(org=org, statement_id=statement_id)
    page = paginate_by_key(
        selectors.statement_charges(statement),
        request.GET.get("page"),
        PAGE_SIZE,
        selectors.charge_rows,
    )
    money = _money(statement.currency)
    return render(
        request,
        "billing/statement_detail.html",
        {
            "statement": statement,
            "title": _title(statement, org),
            "page": page,
            "show_cost": org.is_provider,
            "table": render_fragment(
                request,
                "billing/charge_table.html",
                {"rows": page.object_list, "show_cost": org.is_provider, "money": money},
            ),
            "total": fmt(statement.total, statement.currency),
            "cost": fmt(statement.cost, statement.currency),
            "margin": fmt(statement.margin, statement.currency),
        },
    )


def _file_name(statement, ext: str) -> str:
    return f"statement-{statement.month:%Y-%m}-{statement.uuid.hex[:8]}.{ext}"


@org_required(Perm.VIEW_BILLING)
@require_safe
def statement_csv(request, statement_id):
    org = request.tenant.org
    statement = selectors.statement_for(org=org, statement_id=statement_id)
    charges = selectors.statement_charges(statement).select_related("offer", "customer")
    lines = documents.statement_csv_lines(
        statement, charges.iterator(chunk_size=2000), with_cost=org.is_provider
    )
    response = StreamingHttpResponse(
        (line.encode("utf-8") for line in lines), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{_file_name(statement, "csv")}"'
    return response


@org_required(Perm.VIEW_BILLING)
@require_safe
def statement_pdf(request, statement_id):
    org = request.tenant.org
    statement = selectors.statement_for(org=org, statement_id=statement_id)
    charges = selectors.statement_charges(statement).select_related("offer", "customer")
    # Without the CJK font this fails with FontMissing, which names the package to install.
    body = documents.statement_pdf(
        statement=statement,
        charges=charges.iterator(chunk_size=2000),
        title=_title(statement, org),
        with_cost=org.is_provider,
    )
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{_file_name(statement, "pdf")}"'
    return response
