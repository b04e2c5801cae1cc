from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from portal import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", views.PortalLoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("users/", views.user_list, name="user_list"),
    path("activity/", views.activity_log, name="activity_log"),
    path("profile/", views.profile, name="profile"),
    path("admin/", admin.site.urls),
    path("", include("partners.urls")),
    path("customers/", include("customers.urls")),
    path("subscriptions/", include("subscriptions.urls")),
]

if settings.DEBUG:
    urlpatterns += [
        path("dev/mailbox/", views.dev_mailbox, name="dev_mailbox"),
    ]
