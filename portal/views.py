from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from portal.forms import EmailAuthenticationForm
from portal.models import OutboundEmail
from portal.roles import Perm
from portal.tenancy import org_required


class PortalLoginView(auth_views.LoginView):
    form_class = EmailAuthenticationForm
    redirect_authenticated_user = True


def home(request):
    """Send each visitor to the page of its side of the programme."""
    if not request.user.is_authenticated:
        return redirect("login")
    tenant = request.tenant
    if tenant is None:
        if request.user.is_staff:
            return redirect("admin:index")
        return render(request, "portal/no_organisation.html", status=403)
    if tenant.is_provider:
        return redirect("partners:reseller_list")
    return redirect("partners:reseller_home")


def placeholder(request, title):
    return render(request, "portal/placeholder.html", {"title": title})


@org_required(Perm.MANAGE_USERS)
def user_list(request):
    return placeholder(request, _("Users"))


@org_required(Perm.VIEW_ACTIVITY)
def activity_log(request):
    return placeholder(request, _("Activity log"))


@org_required()
def profile(request):
    return render(request, "portal/profile.html", {"membership": request.tenant.membership})


def dev_mailbox(request):
    """The embedded default's mailbox: every outbox row, newest first (DEBUG only)."""
    if not settings.DEBUG:
        raise Http404
    emails = OutboundEmail.objects.order_by("-created_at")[:100]
    return render(request, "portal/dev_mailbox.html", {"emails": emails})
