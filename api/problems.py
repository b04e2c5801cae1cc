"""Errors as RFC 9457 problem details, each with a stable ``type``."""

from __future__ import annotations

from django.http import JsonResponse

PROBLEM_BASE = "/api/v1/problems/"

# type slug -> (status, title): the documented list of errors.
PROBLEMS = {
    "not-authenticated": (401, "Send a valid API key as Authorization: Bearer <key>"),
    "forbidden": (403, "The key's role does not allow this"),
    "insufficient-scope": (403, "The key's scope is read only"),
    "not-found": (404, "No such object"),
    "method-not-allowed": (405, "Method not allowed"),
    "validation-error": (422, "The request is not valid"),
    "refused": (400, "The change cannot be made"),
    "conflict": (409, "The change conflicts with the object's state"),
    "idempotency-key-reused": (422, "This Idempotency-Key was used for another request"),
    "idempotency-key-expired": (
        422,
        "This Idempotency-Key was first used more than 24 hours ago; send a new one",
    ),
    "precondition-required": (428, "Send the object's version in If-Match"),
    "precondition-failed": (412, "The object changed since the version in If-Match"),
    "rate-limited": (429, "Too many requests for this key"),
}


class Problem(Exception):
    """Raised by an endpoint: answered as a problem-details document."""

    def __init__(self, slug: str, detail: str = "", *, errors=None, headers=None):
        super().__init__(detail or slug)
        self.slug = slug
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}


def problem_response(problem: Problem, *, instance: str = "") -> JsonResponse:
    status, title = PROBLEMS[problem.slug]
    body = {"type": PROBLEM_BASE + problem.slug, "title": title, "status": status}
    if problem.detail:
        body["detail"] = problem.detail
    if instance:
        body["instance"] = instance
    if problem.errors:
        body["errors"] = problem.errors
    response = JsonResponse(body, status=status, content_type="application/problem+json")
    for name, value in problem.headers.items():
        response[name] = value
    return response
