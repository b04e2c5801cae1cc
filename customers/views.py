from django.utils.translation import gettext_lazy as _

from portal.roles import Perm
from portal.tenancy import org_required, provider_required
from portal.views import placeholder


@org_required(Perm.VIEW)
def customer_list(request):
    return placeholder(request, _("Customers"))


@provider_required(Perm.ADD_CUSTOMER)
def customer_new(request):
    return placeholder(request, _("Add new customer"))


@org_required(Perm.VIEW)
def customer_detail(request, customer_id):
    return placeholder(request, _("Customers"))
