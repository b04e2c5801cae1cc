from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from portal.actions import post_action
from portal.roles import Perm
from portal.tenancy import org_required
from webhooks import selectors, services
from webhooks.forms import WebhookForm


def _list_page(request, form, status=200):
    context = {"webhooks": selectors.webhooks(org=request.tenant.org), "form": form}
    return render(request, "webhooks/webhook_list.html", context, status=status)


def _detail_page(request, subscription, form, *, secret=None, status=200):
    context = {
        "webhook": subscription,
        "form": form,
        "deliveries": selectors.delivery_log(subscription=subscription),
        "secret": secret,
    }
    return render(request, "webhooks/webhook_detail.html", context, status=status)


@org_required(Perm.MANAGE_WEBHOOKS)
@require_http_methods(["GET", "HEAD", "POST"])
def webhook_list(request):
    """The organisation's endpoints; adding one shows its signing secret on this answer only."""
    if request.method != "POST":
        return _list_page(request, WebhookForm())
    form = WebhookForm(request.POST)
    if not form.is_valid():
        return _list_page(request, form, status=400)
    return post_action(
        request,
        lambda: services.webhook_create(
            org=request.tenant.org,
            url=form.cleaned_data["url"],
            events=form.cleaned_data["events"],
            actor=request.user,
        ),
        form=form,
        render=lambda error: _list_page(request, form, status=error.status),
        then=lambda created: _detail_page(
            request, created, _form_for(created), secret=created.secret
        ),
    )


def _form_for(subscription):
    return WebhookForm(
        initial={
            "url": subscription.url,
            "events": subscription.events,
            "enabled": subscription.enabled,
        }
    )


@org_required(Perm.MANAGE_WEBHOOKS)
@require_http_methods(["GET", "HEAD", "POST"])
def webhook_detail(request, webhook_id):
    """One endpoint: its settings and its delivery log."""
    subscription = selectors.webhook_for_org(org=request.tenant.org, uuid=webhook_id)
    if request.method != "POST":
        return _detail_page(request, subscription, _form_for(subscription))
    form = WebhookForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, subscription, form, status=400)
    return post_action(
        request,
        lambda: services.webhook_update(
            subscription=subscription,
            url=form.cleaned_data["url"],
            events=form.cleaned_data["events"],
            enabled=form.cleaned_data["enabled"],
            actor=request.user,
        ),
        success=_("Webhook saved."),
        form=form,
        render=lambda error: _detail_page(request, subscription, form, status=error.status),
        redirect_to=reverse("webhooks:webhook_detail", args=[subscription.uuid]),
    )


@org_required(Perm.MANAGE_WEBHOOKS)
@require_POST
def webhook_rotate(request, webhook_id):
    subscription = selectors.webhook_for_org(org=request.tenant.org, uuid=webhook_id)
    return post_action(
        request,
        lambda: services.webhook_rotate_secret(subscription=subscription, actor=request.user),
        then=lambda rotated: _detail_page(
            request, rotated, _form_for(rotated), secret=rotated.secret
        ),
    )


@org_required(Perm.MANAGE_WEBHOOKS)
@require_POST
def webhook_test(request, webhook_id):
    subscription = selectors.webhook_for_org(org=request.tenant.org, uuid=webhook_id)
    return post_action(
        request,
        lambda: services.webhook_send_test(subscription=subscription),
        success=_("A test event was sent."),
        redirect_to=reverse("webhooks:webhook_detail", args=[subscription.uuid]),
    )


@org_required(Perm.MANAGE_WEBHOOKS)
@require_POST
def webhook_redeliver(request, webhook_id, delivery_id):
    org = request.tenant.org
    subscription = selectors.webhook_for_org(org=org, uuid=webhook_id)
    delivery = selectors.delivery_for_org(org=org, subscription=subscription, uuid=delivery_id)
    return post_action(
        request,
        lambda: services.webhook_redeliver(delivery=delivery),
        success=_("The event is being delivered again."),
        redirect_to=reverse("webhooks:webhook_detail", args=[subscription.uuid]),
    )
