"""Views reach tenant data only through selectors and services, which scope it by organisation."""

import re
from pathlib import Path

import customers.views


def test_it_never_queries_a_model_manager_in_a_view():
    source = Path(customers.views.__file__).read_text()
    assert not re.search(r"\b[A-Z]\w*\.objects\b", source)
