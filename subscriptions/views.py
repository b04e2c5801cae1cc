from django.utils.translation import gettext_lazy as _

from portal.roles import Perm
from portal.tenancy import org_required, provider_required
from portal.views import placeholder


@org_required(Perm.VIEW)
def subscription_list(request):
    return placeholder(request, _("Subscriptions"))


@provider_required(Perm.MANAGE_SUBSCRIPTIONS)
def subscription_new(request, customer_id):
    return placeholder(request, _("New subscription"))


@org_required(Perm.VIEW)
def subscription_detail(request, subscription_id):
    return placeholder(request, _("Subscriptions"))
