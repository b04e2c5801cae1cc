from io import StringIO

import pytest
from django.core.management import call_command

from overview.models import Summary

pytestmark = pytest.mark.django_db


def test_refresh_overview_writes_a_row_per_organisation(provider, reseller):
    out = StringIO()
    call_command("refresh_overview", stdout=out)
    assert out.getvalue().startswith("2 summary rows in ")
    assert Summary.objects.count() == 2
