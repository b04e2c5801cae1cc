from django.urls import path

from overview import views

app_name = "overview"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("chart.csv", views.chart_csv, name="chart_csv"),
]
