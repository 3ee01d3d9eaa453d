from django.urls import path

from public import views

app_name = "opendata"

urlpatterns = [
    path("", views.opendata_index, name="index"),
    path("<slug:name>.json", views.opendata_json, name="json"),
    path("<slug:name>.csv", views.opendata_csv, name="csv"),
]
