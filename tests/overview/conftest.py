# The import fixtures (the refresh after a finished import) and the API's keys and client.
from tests.api.conftest import api_client, make_key, openapi_document  # noqa: F401
from tests.jobs.conftest import offer, start, upload  # noqa: F401
