from django.utils.translation import gettext_lazy as _

from portal.roles import Perm
from portal.tenancy import provider_required, reseller_required
from portal.views import placeholder


@provider_required(Perm.VIEW)
def reseller_list(request):
    return placeholder(request, _("Indirect resellers"))


@reseller_required(Perm.VIEW)
def reseller_home(request):
    return placeholder(request, _("Indirect providers"))


def directory(request):
    return placeholder(request, _("Indirect provider directory"))
