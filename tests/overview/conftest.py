# The import fixtures, for the refresh after a finished import.
from tests.jobs.conftest import offer, start, upload  # noqa: F401
