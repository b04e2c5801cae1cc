from django.urls import path

from partners import handover_views, views

app_name = "partners"

urlpatterns = [
    path("resellers/", views.reseller_list, name="reseller_list"),
    path("resellers/export.csv", views.reseller_export, name="reseller_export"),
    path("resellers/requests/new/", views.request_new, name="request_new"),
    path("resellers/requests/<uuid:request_id>/send/", views.request_send, name="request_send"),
    path(
        "resellers/requests/<uuid:request_id>/resend/",
        views.request_resend,
        name="request_resend",
    ),
    path(
        "resellers/requests/<uuid:request_id>/revoke/",
        views.request_revoke,
        name="request_revoke",
    ),
    path("resellers/<uuid:partnership_id>/", views.reseller_detail, name="reseller_detail"),
    path(
        "resellers/<uuid:partnership_id>/remove/",
        views.partnership_remove,
        name="partnership_remove",
    ),
    path(
        "resellers/<uuid:partnership_id>/handover/",
        handover_views.handover_plan,
        name="handover_plan",
    ),
    path("handovers/<uuid:job_id>/", handover_views.handover_detail, name="handover_detail"),
    path(
        "handovers/<uuid:job_id>/customers/<uuid:customer_id>/",
        handover_views.handover_decision,
        name="handover_decision",
    ),
    path("handovers/<uuid:job_id>/all/", handover_views.handover_apply_all, name="handover_all"),
    path("handovers/<uuid:job_id>/start/", handover_views.handover_start, name="handover_start"),
    path("handovers/<uuid:job_id>/cancel/", handover_views.handover_cancel, name="handover_cancel"),
    path("handovers/<uuid:job_id>/undo/", handover_views.handover_undo, name="handover_undo"),
    path(
        "resellers/<uuid:partnership_id>/agreement-reminder/",
        views.agreement_reminder,
        name="agreement_reminder",
    ),
    path("invite/<str:token>/", views.invite, name="invite"),
    path("invite/<str:token>/accept/", views.invite_accept, name="invite_accept"),
    path("invite/<str:token>/enrol/", views.invite_enrol, name="invite_enrol"),
    path(
        "invite/<str:token>/enrol/<str:confirmation>/",
        views.invite_enrol_confirm,
        name="invite_enrol_confirm",
    ),
    path("home/", views.reseller_home, name="reseller_home"),
    path("home/agreement/", views.agreement_accept, name="agreement_accept"),
    path(
        "home/providers/<uuid:partnership_id>/revoke/",
        views.provider_revoke,
        name="provider_revoke",
    ),
    path("providers/", views.directory, name="directory"),
    path("partner-agreement/", views.partner_agreement, name="agreement"),
    path(
        "partner-agreement/<slug:version>/",
        views.partner_agreement,
        name="agreement_version",
    ),
]
