from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from api.v1 import api as api_v1
from mfa.urls import webauthn_urls
from portal import bench, views

handler400 = "portal.views.bad_request"
handler500 = "portal.outages.server_error"

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", views.PortalLoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password-reset/",
        views.PortalPasswordResetView.as_view(),
        name="password_reset",
    ),
    path(
        "accounts/password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        views.PortalPasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api_v1.urls),
    path("", include("api.urls")),
    path("", include("webhooks.urls")),
    path("users/", views.user_list, name="user_list"),
    path("users/invite/", views.user_invite, name="user_invite"),
    path(
        "users/invitations/<uuid:invitation_uuid>/revoke/",
        views.staff_invite_revoke,
        name="staff_invite_revoke",
    ),
    path("users/<uuid:membership_uuid>/role/", views.member_role, name="member_role"),
    path(
        "users/<uuid:membership_uuid>/deactivate/",
        views.member_deactivate,
        name="member_deactivate",
    ),
    path(
        "users/<uuid:membership_uuid>/reactivate/",
        views.member_reactivate,
        name="member_reactivate",
    ),
    path("join/<str:token>/", views.staff_invite_accept, name="staff_invite_accept"),
    path("activity/", views.activity_log, name="activity_log"),
    path("profile/", views.profile, name="profile"),
    path("profile/password/", views.PortalPasswordChangeView.as_view(), name="password_change"),
    path("", include("mfa.urls")),
    *webauthn_urls,
    path("admin/", admin.site.urls),
    path("", include("partners.urls")),
    path("customers/", include("customers.urls")),
    path("subscriptions/", include("subscriptions.urls")),
    path("billing/", include("billing.urls")),
    path("imports/", include("jobs.urls")),
    path("", include("relationships.urls")),
    path("overview/", include("overview.urls")),
]

if settings.DEBUG:
    urlpatterns += [
        path("dev/mailbox/", views.dev_mailbox, name="dev_mailbox"),
    ]

if bench.benchmark_views_enabled():
    urlpatterns += [path("bench/reference/", bench.reference, name="bench_reference")]
