from portal.roles import Perm


def tenant(request):
    """The tenant and the permission names, for menus and buttons."""
    return {"tenant": getattr(request, "tenant", None), "Perm": Perm}
