from django.urls import path

from jobs import views

app_name = "jobs"

urlpatterns = [
    path("", views.import_list, name="import_list"),
    path("new/", views.import_new, name="import_new"),
    path("template/", views.import_template, name="import_template"),
    path("<uuid:job_id>/", views.import_detail, name="import_detail"),
    path("<uuid:job_id>/start/", views.import_start, name="import_start"),
    path("<uuid:job_id>/cancel/", views.import_cancel, name="import_cancel"),
    path("<uuid:job_id>/results/", views.import_results, name="import_results"),
]
