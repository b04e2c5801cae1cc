from portal.audit import request_ip
from portal.tenancy import resolve_tenant


class TenantMiddleware:
    """Attach the member's tenant (organisation and role) and the client IP to the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.tenant = resolve_tenant(request.user)
        token = request_ip.set(request.META.get("REMOTE_ADDR"))
        try:
            return self.get_response(request)
        finally:
            request_ip.reset(token)
