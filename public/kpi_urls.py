from django.urls import path

from public import kpi_views as views

app_name = "kpis"

urlpatterns = [
    path("", views.kpi_list, name="list"),
]
