from django.utils.translation import gettext_lazy as _

from portal.roles import Perm
from portal.tenancy import org_required
from portal.views import placeholder


@org_required(Perm.VIEW)
def customer_list(request):
    return placeholder(request, _("Customers"))
