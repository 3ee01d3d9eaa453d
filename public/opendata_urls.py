from django.urls import path, re_path

from public import combined_opendata, views

app_name = "opendata"

# Files are named by the national convention, {6-digit code}_{dataset}.csv (the area's
# datasets by its central city's code); the old names ({dataset}.csv) still serve the
# same files, since residents may have bookmarked them. The fixed names come first:
# datapackage.json would otherwise read as a dataset called "datapackage".
urlpatterns = [
    path("", views.opendata_index, name="index"),
    path("datapackage.json", views.opendata_datapackage, name="datapackage"),
    path("catalog.jsonld", views.opendata_catalog, name="catalog"),
    # Every area's rows in one file, the area in the first columns (public/combined_opendata.py).
    path("areas/<slug:name>.csv", combined_opendata.combined_csv, name="combined_csv"),
    path("areas/<slug:name>.json", combined_opendata.combined_json, name="combined_json"),
    re_path(r"^(?P<code>[0-9]{6})_(?P<name>[a-z_]+)\.json$", views.opendata_json, name="file_json"),
    re_path(r"^(?P<code>[0-9]{6})_(?P<name>[a-z_]+)\.csv$", views.opendata_csv, name="file_csv"),
    path("<slug:name>.json", views.opendata_json, name="json"),
    path("<slug:name>.csv", views.opendata_csv, name="csv"),
]
