"""One way to run a POST action from a view: call the service, then say how it went.

    return post_action(
        request,
        lambda: services.partnership_remove(partnership=partnership, actor=request.user),
        success=_("The partnership with %(reseller)s was removed.") % {...},
        redirect_to=reverse("partners:reseller_list"),
    )

On success the success message is shown on the page redirected to (or
``then(result)`` answers, for a step that shows its next form). A service that
refuses raises ``ServiceError``: its message is shown on that page instead;
with ``render``, ``render(error)`` answers with the page shown again (status
``error.status``), the message above it, or, when ``form`` is given, on the
form (on its field, when the error names one), as a form's own validation
errors would be. An HTMX request (a table row's button) gets a client
redirect, so the whole page it leads to loads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django_htmx.http import HttpResponseClientRedirect

from portal.errors import ServiceError


def post_action(
    request,
    call: Callable[[], Any],
    *,
    success: str | Callable[[Any], str] = "",
    redirect_to: str | Callable[[Any], str] | None = None,
    form=None,
    render: Callable[[ServiceError], HttpResponse] | None = None,
    then: Callable[[Any], HttpResponse] | None = None,
) -> HttpResponse:
    """Run ``call()``; message and redirect, or show the service's refusal.

    ``success`` and ``redirect_to`` may be callables given the service's result;
    ``then(result)``, when given, answers instead of the redirect (a fragment
    that shows the next step).
    """
    try:
        result = call()
    except ServiceError as error:
        if render is not None:
            if form is not None:
                field = error.field if error.field in getattr(form, "fields", {}) else None
                form.add_error(field, error.message)
            else:
                messages.error(request, error.message)
            return render(error)
        messages.error(request, error.message)
        return _redirect(request, redirect_to(None) if callable(redirect_to) else redirect_to)
    message = success(result) if callable(success) else success
    if message:
        messages.success(request, message)
    if then is not None:
        return then(result)
    return _redirect(request, redirect_to(result) if callable(redirect_to) else redirect_to)


def _redirect(request, url: str) -> HttpResponse:
    # An action posted by HTMX (a table row's button) loads the page it leads to, whole.
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(url)
    return redirect(url)
