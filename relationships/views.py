from functools import wraps

from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from customers import selectors as customer_selectors
from portal.actions import post_action
from portal.errors import ServiceError
from portal.roles import Perm
from portal.tenancy import org_required, reseller_required
from relationships import selectors, services
from relationships.forms import (
    AssignmentForm,
    ConsentForm,
    MembersForm,
    RelationshipRequestForm,
    SecurityGroupForm,
    TemplateForm,
)
from relationships.models import AdminRelationship
from relationships.services import LinkUnavailable

PAGE_SIZE = 25


def _customer_page(customer) -> str:
    return reverse("customers:customer_detail", kwargs={"customer_id": customer.uuid})


def _detail_url(relationship) -> str:
    return reverse(
        "relationships:relationship_detail", kwargs={"relationship_id": relationship.uuid}
    )


@org_required(Perm.MANAGE_ADMIN_RELATIONSHIPS)
@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
def relationship_request(request, customer_id):
    """Request admin relationship: roles (or a template), duration, auto-extend, name."""
    tenant = request.tenant
    customer = customer_selectors.customer_for_org(org=tenant.org, uuid=customer_id)
    partners = selectors.relationship_partners(org=tenant.org, customer=customer)
    kwargs = {
        "roles": selectors.role_catalogue(),
        "templates": selectors.templates(org=tenant.org),
        "partners": partners,
    }
    form = RelationshipRequestForm(
        request.POST if request.method == "POST" else None,
        **kwargs,
        initial={"partner": str(tenant.org.uuid)},
    )
    context = {"customer": customer, "form": form, "partners": partners}
    if request.method != "POST":
        return render(request, "relationships/relationship_request.html", context)
    if not form.is_valid():
        return render(request, "relationships/relationship_request.html", context, status=400)

    def requested(result):
        relationship, token = result
        done = {"customer": customer, "relationship": relationship}
        if token is not None:
            done["approval_url"] = services.approval_url(token)
        return render(request, "relationships/relationship_requested.html", done)

    return post_action(
        request,
        lambda: services.relationship_request(
            customer=customer,
            requester=tenant.org,
            partner=form.partner_org,
            actor=request.user,
            display_name=form.cleaned_data["display_name"],
            roles=list(form.cleaned_data["roles"]),
            duration_days=form.cleaned_data["duration_days"],
            auto_extend=form.cleaned_data["auto_extend"],
        ),
        form=form,
        render=lambda error: render(
            request, "relationships/relationship_request.html", context, status=error.status
        ),
        then=requested,
    )


def _assignment_context(request, relationship, form=None):
    tenant = request.tenant
    if relationship.partner_id != tenant.org.pk or not tenant.can(Perm.MANAGE_SECURITY_GROUPS):
        return {}
    if not relationship.is_live and relationship.status not in AdminRelationship.PENDING_STATUSES:
        return {}
    return {
        "assignment_form": form
        or AssignmentForm(
            groups=selectors.security_groups(org=tenant.org), roles=relationship.roles.all()
        )
    }


@org_required(Perm.VIEW)
@require_safe
def relationship_detail(request, relationship_id):
    """One relationship: partner, roles, status, dates, access assignments."""
    tenant = request.tenant
    relationship = selectors.relationship_for_org(org=tenant.org, uuid=relationship_id)
    rows = selectors.relationship_rows(org=tenant.org, keys=[relationship.pk])
    context = {
        "relationship": rows[0],
        "can_terminate": tenant.can(Perm.MANAGE_ADMIN_RELATIONSHIPS),
        **_assignment_context(request, relationship),
    }
    return render(request, "relationships/relationship_detail.html", context)


@org_required(Perm.MANAGE_ADMIN_RELATIONSHIPS)
@require_http_methods(["GET", "HEAD", "POST"])
def relationship_terminate(request, relationship_id):
    """Confirm (listing the roles lost), then terminate at once."""
    relationship = selectors.relationship_for_org(org=request.tenant.org, uuid=relationship_id)
    if request.method == "POST":
        return post_action(
            request,
            lambda: services.relationship_terminate(relationship=relationship, actor=request.user),
            success=_("The admin relationship “%(name)s” was terminated.")
            % {"name": relationship.display_name},
            redirect_to=_customer_page(relationship.customer),
        )
    context = {"relationship": relationship, "roles": list(relationship.roles.all())}
    return render(request, "relationships/relationship_terminate.html", context)


@reseller_required(Perm.CONSENT_ADMIN_RELATIONSHIP)
@require_POST
def relationship_consent(request, relationship_id):
    """The reseller's Global admin consents; then the customer's approval email goes out."""
    org = request.tenant.org
    relationship = selectors.relationship_for_org(org=org, uuid=relationship_id)
    return post_action(
        request,
        lambda: services.relationship_consent(
            relationship=relationship, reseller=org, actor=request.user
        ),
        success=_("You consented. %(customer)s has been asked to approve “%(name)s”.")
        % {"customer": relationship.customer, "name": relationship.display_name},
        redirect_to=reverse("partners:reseller_home"),
    )


@org_required(Perm.MANAGE_SECURITY_GROUPS)
@require_POST
def relationship_assign(request, relationship_id):
    """Give one of the partner's security groups some of the relationship's roles."""
    org = request.tenant.org
    relationship = selectors.own_relationship_for_org(org=org, uuid=relationship_id)
    form = AssignmentForm(
        request.POST, groups=selectors.security_groups(org=org), roles=relationship.roles.all()
    )
    if not form.is_valid():
        rows = selectors.relationship_rows(org=org, keys=[relationship.pk])
        context = {
            "relationship": rows[0],
            "can_terminate": request.tenant.can(Perm.MANAGE_ADMIN_RELATIONSHIPS),
            "assignment_form": form,
        }
        return render(request, "relationships/relationship_detail.html", context, status=400)
    return post_action(
        request,
        lambda: services.access_assignment_set(
            relationship=relationship,
            group=form.cleaned_data["group"],
            roles=form.cleaned_data["roles"],
            actor=request.user,
        ),
        success=_("The access of %(group)s was saved.") % {"group": form.cleaned_data["group"]},
        redirect_to=_detail_url(relationship),
    )


@org_required(Perm.VIEW)
@require_safe
def relationship_list(request):
    """The organisation's own admin relationships (the partner side), paged."""
    org = request.tenant.org
    page = Paginator(selectors.partner_relationships(org=org), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    keys = [rel.pk for rel in page.object_list]
    page.object_list = selectors.relationship_rows(org=org, keys=keys)
    context = {
        "page": page,
        "consents": selectors.pending_consents(reseller=org) if org.is_reseller else [],
    }
    return render(request, "relationships/relationship_list.html", context)


# Security groups -------------------------------------------------------------------------------


@org_required(Perm.MANAGE_SECURITY_GROUPS)
@require_http_methods(["GET", "HEAD", "POST"])
def security_group_list(request):
    """Security groups: the organisation's groups, their members, and a new group."""
    org = request.tenant.org
    form = SecurityGroupForm(request.POST if request.method == "POST" else None)
    page = Paginator(selectors.security_groups(org=org), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    page.object_list = selectors.security_group_rows(org=org, keys=[g.pk for g in page.object_list])
    context = {"form": form, "page": page}
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "relationships/security_group_list.html", context, status=400)
        return post_action(
            request,
            lambda: services.security_group_create(
                organisation=org, name=form.cleaned_data["name"], actor=request.user
            ),
            success=_("The security group “%(name)s” was created.")
            % {"name": form.cleaned_data["name"]},
            redirect_to=lambda group: (
                reverse("relationships:security_group_detail", kwargs={"group_id": group.uuid})
                if group
                else reverse("relationships:security_group_list")
            ),
            form=form,
            render=lambda error: render(
                request, "relationships/security_group_list.html", context, status=error.status
            ),
        )
    return render(request, "relationships/security_group_list.html", context)


@org_required(Perm.MANAGE_SECURITY_GROUPS)
@require_http_methods(["GET", "HEAD", "POST"])
def security_group_detail(request, group_id):
    """One group: its members, chosen among the organisation's own users."""
    org = request.tenant.org
    group = selectors.security_group_for_org(org=org, uuid=group_id)
    users = [m.user for m in selectors.own_members(org=org)]
    from portal.models import User

    user_qs = User.objects.filter(pk__in=[u.pk for u in users]).order_by("email")
    form = MembersForm(
        request.POST if request.method == "POST" else None,
        users=user_qs,
        initial={"members": list(group.members.all())},
    )
    context = {"group": group, "form": form}
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "relationships/security_group_detail.html", context, status=400)
        return post_action(
            request,
            lambda: services.security_group_set_members(
                group=group, users=form.cleaned_data["members"], actor=request.user
            ),
            success=_("The members of %(group)s were saved.") % {"group": group},
            redirect_to=reverse(
                "relationships:security_group_detail", kwargs={"group_id": group.uuid}
            ),
        )
    return render(request, "relationships/security_group_detail.html", context)


@org_required(Perm.MANAGE_SECURITY_GROUPS)
@require_POST
def security_group_delete(request, group_id):
    group = selectors.security_group_for_org(org=request.tenant.org, uuid=group_id)
    return post_action(
        request,
        lambda: services.security_group_delete(group=group, actor=request.user),
        success=_("The security group “%(name)s” was deleted.") % {"name": group.name},
        redirect_to=reverse("relationships:security_group_list"),
    )


# Templates -------------------------------------------------------------------------------------


@org_required(Perm.MANAGE_ADMIN_RELATIONSHIPS)
@require_http_methods(["GET", "HEAD", "POST"])
def template_list(request):
    """Saved sets of roles, duration and auto-extend to start a relationship from."""
    org = request.tenant.org
    form = TemplateForm(
        request.POST if request.method == "POST" else None, roles=selectors.role_catalogue()
    )
    page = Paginator(selectors.templates(org=org), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page}
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "relationships/template_list.html", context, status=400)
        return post_action(
            request,
            lambda: services.template_create(
                organisation=org,
                name=form.cleaned_data["name"],
                roles=form.cleaned_data["roles"],
                duration_days=form.cleaned_data["duration_days"],
                auto_extend=form.cleaned_data["auto_extend"],
                actor=request.user,
            ),
            success=_("The template “%(name)s” was saved.") % {"name": form.cleaned_data["name"]},
            redirect_to=reverse("relationships:template_list"),
            form=form,
            render=lambda error: render(
                request, "relationships/template_list.html", context, status=error.status
            ),
        )
    return render(request, "relationships/template_list.html", context)


@org_required(Perm.MANAGE_ADMIN_RELATIONSHIPS)
@require_POST
def template_delete(request, template_id):
    template = selectors.template_for_org(org=request.tenant.org, uuid=template_id)
    return post_action(
        request,
        lambda: services.template_delete(template=template, actor=request.user),
        success=_("The template “%(name)s” was deleted.") % {"name": template.name},
        redirect_to=reverse("relationships:template_list"),
    )


# The customer's links (public: the token is the capability) ------------------------------------


def customer_link(view):
    """A link that cannot be used answers with a page that says why (404/410), never a 500."""

    @wraps(view)
    def wrapper(request, token, *args, **kwargs):
        try:
            return view(request, token, *args, **kwargs)
        except LinkUnavailable as error:
            return render(
                request,
                "relationships/link_unavailable.html",
                {"message": error.message},
                status=error.status,
            )

    return wrapper


@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
@customer_link
def approve(request, token):
    """The customer's approval page; GET and HEAD change nothing (mail scanners open links)."""
    relationship = services.relationship_for_token(token)
    services.check_approvable(relationship)
    form = ConsentForm(request.POST if request.method == "POST" else None)
    context = {
        "relationship": relationship,
        "roles": list(relationship.roles.all()),
        "form": form,
        "would_end": services.end_if_approved_now(relationship),
    }
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "relationships/approve.html", context, status=400)
        try:
            approved = services.relationship_approve(token=token)
        except ServiceError as error:
            if isinstance(error, LinkUnavailable):
                raise
            form.add_error(None, error.message)
            return render(request, "relationships/approve.html", context, status=error.status)
        return render(request, "relationships/approved.html", {"relationship": approved})
    return render(request, "relationships/approve.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
@customer_link
def customer_terminate(request, token):
    """The customer ends a relationship through the link of the approval confirmation."""
    relationship = services.relationship_for_token(token, field="termination_token_hash")
    services.check_terminable(relationship)
    if request.method == "POST":
        ended = services.relationship_terminate_by_customer(token=token)
        return render(request, "relationships/customer_terminated.html", {"relationship": ended})
    context = {"relationship": relationship, "roles": list(relationship.roles.all())}
    return render(request, "relationships/customer_terminate.html", context)
