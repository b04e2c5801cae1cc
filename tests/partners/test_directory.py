"""The public indirect provider directory."""

import pytest
from django.urls import reverse

from partners.models import Organisation
from tests import factories as f

pytestmark = pytest.mark.django_db
URL = reverse("partners:directory")


def test_it_lists_listed_providers_without_sign_in(client):
    f.ProviderFactory(legal_name="Listed Distribution", directory_regions="Japan, Korea")
    f.ProviderFactory(legal_name="Hidden Distribution", directory_listed=False)
    f.ProviderFactory(legal_name="Suspended Distribution", status="deauthorised")
    html = client.get(URL).content.decode()
    assert "Listed Distribution" in html and "Japan, Korea" in html
    assert "https://provider.example" in html and "partners@provider.example" in html
    assert "Hidden Distribution" not in html and "Suspended Distribution" not in html


def test_it_shows_no_private_data(client):
    provider = f.ProviderFactory(contact_email="private@provider.example")
    html = client.get(URL).content.decode()
    assert provider.partner_id not in html and "private@provider.example" not in html


def test_a_search_returns_only_the_list(client):
    f.ProviderFactory(legal_name="Tokyo Cloud", directory_regions="Japan")
    f.ProviderFactory(legal_name="Berlin Cloud", directory_regions="Germany")
    response = client.get(URL, {"q": "japan"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "Tokyo Cloud" in html and "Berlin Cloud" not in html and "<html" not in html


def test_it_paginates(client):
    for i in range(30):
        f.ProviderFactory(legal_name=f"Provider {i:02d}")
    html = client.get(URL).content.decode()
    assert "Provider 24" in html and "Provider 25" not in html and "Page 1 of 2" in html


@pytest.mark.parametrize("size", [5, 60])
def test_it_runs_a_constant_number_of_queries(client, size, django_assert_max_num_queries):
    for _ in range(size):
        f.ProviderFactory()
    with django_assert_max_num_queries(2):
        assert client.get(URL).status_code == 200
    assert Organisation.objects.count() == size


def test_it_refuses_a_post(client):
    assert client.post(URL).status_code == 405
