from django.urls import include, path

from mfa import views, webauthn

app_name = "mfa"

urlpatterns = [
    path("accounts/verify/", views.verify, name="verify"),
    path("profile/mfa/", views.devices, name="devices"),
    path("profile/mfa/app/", views.totp_add, name="totp_add"),
    path("profile/mfa/passkey/", views.passkey_add, name="passkey_add"),
    path("profile/mfa/recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path("profile/mfa/remove/", views.device_remove, name="device_remove"),
    path("users/mfa-requirement/", views.org_requirement, name="org_requirement"),
    path("users/<uuid:membership_uuid>/mfa-reset/", views.member_reset, name="member_reset"),
]

webauthn_urls = [path("mfa/webauthn/", include((webauthn.urlpatterns, "otp_webauthn")))]
