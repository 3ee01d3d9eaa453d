from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("opendata/", include("vision.opendata_urls")),
    path("", include("vision.public_urls")),
]
