import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse

from portal.models import ActivityEvent
from portal.roles import Role
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
URL = reverse("password_change")
NEW = "A-fresh-passphrase-for-2026"

WITH_MIDDLEWARE = override_settings(
    MIDDLEWARE=[*settings.MIDDLEWARE, "portal.middleware.PasswordChangeRequiredMiddleware"]
)


@pytest.fixture
def temporary_user(provider, member_factory):
    user = member_factory(provider, Role.GLOBAL_ADMIN, email="temp@contoso.example")
    user.must_change_password = True
    user.save()
    return user


def change(client, old=PASSWORD):
    return client.post(URL, {"old_password": old, "new_password1": NEW, "new_password2": NEW})


def test_it_changes_the_password_from_the_profile(provider_client, provider_admin):
    assert "Change password" in provider_client.get(reverse("profile")).content.decode()
    response = change(provider_client)
    assert response.url == reverse("profile")
    provider_admin.refresh_from_db()
    assert provider_admin.check_password(NEW)
    assert ActivityEvent.objects.filter(verb="user.password_changed", actor=provider_admin).exists()
    assert provider_client.get(reverse("profile")).status_code == 200  # still signed in


def test_a_wrong_old_password_is_a_form_error(provider_client, provider_admin):
    response = change(provider_client, old="wrong")
    assert response.status_code == 200
    provider_admin.refresh_from_db()
    assert provider_admin.check_password(PASSWORD)


def test_signing_in_with_a_temporary_password_leads_to_the_change_page(client, temporary_user):
    response = client.post(
        reverse("login"), {"username": "temp@contoso.example", "password": PASSWORD}
    )
    assert response.url == URL
    assert "Your password is temporary" in client.get(URL).content.decode()


@WITH_MIDDLEWARE
def test_the_middleware_keeps_a_temporary_password_on_the_change_page(client_for, temporary_user):
    client = client_for(temporary_user)
    response = client.get(reverse("user_list"))
    assert response.status_code == 302 and response.url == URL
    response = client.get(reverse("user_list"), headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == URL
    assert client.get(URL).status_code == 200
    change(client)
    temporary_user.refresh_from_db()
    assert temporary_user.must_change_password is False
    assert client.get(reverse("user_list")).status_code == 200


@WITH_MIDDLEWARE
def test_the_middleware_lets_other_users_through(provider_client):
    assert provider_client.get(reverse("user_list")).status_code == 200


def test_a_visitor_is_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_a_temporary_password_cannot_be_changed_to_itself(client_for, temporary_user):
    """Choosing the same password again would clear must-change-password and keep it."""
    temporary_user.set_password("Temporary-Pass-2026-xyz")
    temporary_user.save()
    client = client_for(temporary_user)
    same = "Temporary-Pass-2026-xyz"
    response = client.post(
        URL, {"old_password": same, "new_password1": same, "new_password2": same}
    )
    assert response.status_code == 200
    assert "The new password must differ from the current one." in response.content.decode()
    temporary_user.refresh_from_db()
    assert temporary_user.must_change_password is True
    assert not ActivityEvent.objects.filter(verb="user.password_changed").exists()


def test_a_reset_cannot_set_the_current_temporary_password_again(temporary_user, client):
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    temporary_user.set_password("Temporary-Pass-2026-xyz")
    temporary_user.save()
    uid = urlsafe_base64_encode(force_bytes(temporary_user.pk))
    token = default_token_generator.make_token(temporary_user)
    form_url = client.get(reverse("password_reset_confirm", args=[uid, token])).url
    same = "Temporary-Pass-2026-xyz"
    response = client.post(form_url, {"new_password1": same, "new_password2": same})
    assert "The new password must differ from the current one." in response.content.decode()
    temporary_user.refresh_from_db()
    assert temporary_user.must_change_password is True
