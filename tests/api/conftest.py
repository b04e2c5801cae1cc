"""The API's test fixtures: keys per role and scope, and a client that checks every answer
against the OpenAPI document."""

import json
import re

import pytest
from django.test import Client
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from api import services as api_services
from api.v1 import api
from portal.roles import Role


@pytest.fixture(scope="session")
def openapi_document():
    document = api.get_openapi_schema(path_prefix="/api/v1")
    document = json.loads(json.dumps(document))  # as served: plain JSON
    validate(document)
    return document


def _path_regex(template: str) -> re.Pattern:
    return re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$")


def response_schema(document, method: str, path: str, status: int):
    """The documented schema of this answer; fails when the answer is not documented."""
    for template, operations in document["paths"].items():
        if _path_regex(template).match(path) and method.lower() in operations:
            responses = operations[method.lower()]["responses"]
            assert str(status) in responses, f"{method} {path} answered {status}, not documented"
            return responses[str(status)]["content"]["application/json"]["schema"]
    raise AssertionError(f"{method} {path} is not in the OpenAPI document")


def check_against_document(document, method, path, response):
    schema = response_schema(document, method, path, response.status_code)
    body = response.json()
    validator = Draft202012Validator({**schema, "components": document["components"]})
    errors = [e.message for e in validator.iter_errors(body)]
    assert not errors, f"{method} {path} {response.status_code}: {errors[:3]}"
    if response.status_code >= 400:
        assert response["Content-Type"] == "application/problem+json"


class ApiClient:
    """A client sending one key as a bearer token; every answer is checked against the document."""

    def __init__(self, secret, document):
        self.client = Client()
        self.secret = secret
        self.document = document

    def request(self, method, path, data=None, headers=None, **query):
        headers = dict(headers or {})
        if self.secret:
            headers["Authorization"] = f"Bearer {self.secret}"
        kwargs = {"headers": headers}
        if data is not None:
            kwargs.update(data=json.dumps(data), content_type="application/json")
        call = getattr(self.client, method.lower())
        response = call(path, query, **kwargs) if method == "GET" else call(path, **kwargs)
        check_against_document(self.document, method, path, response)
        return response

    def get(self, path, **query):
        return self.request("GET", path, **query)

    def post(self, path, data, headers=None):
        return self.request("POST", path, data=data, headers=headers)

    def patch(self, path, data, headers=None):
        return self.request("PATCH", path, data=data, headers=headers)


@pytest.fixture
def make_key(member_factory):
    """A key of ``org`` acting with ``role`` and ``scope``; returns its secret."""

    def make(org, role=Role.GLOBAL_ADMIN, scope="read_write", creator_role=None, **kwargs):
        creator = member_factory(org, creator_role or Role.GLOBAL_ADMIN)
        created = api_services.api_key_create(
            org=org,
            actor=creator,
            actor_role=creator_role or Role.GLOBAL_ADMIN,
            name=kwargs.pop("name", f"{role} {scope} key"),
            role=role,
            scope=scope,
            **kwargs,
        )
        return created.secret

    return make


@pytest.fixture
def api_client(openapi_document):
    def make(secret):
        return ApiClient(secret, openapi_document)

    return make


@pytest.fixture
def admin_api(provider, make_key, api_client, fresh_cache):
    return api_client(make_key(provider))
