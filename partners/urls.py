from django.urls import path

from partners import views

app_name = "partners"

urlpatterns = [
    path("resellers/", views.reseller_list, name="reseller_list"),
    path("home/", views.reseller_home, name="reseller_home"),
    path("providers/", views.directory, name="directory"),
]
