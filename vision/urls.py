from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path(settings.ADMIN_URL, admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("returns/", include("vision.returns_urls")),
]

# Public pages: Japanese at /, English at /en/.
urlpatterns += i18n_patterns(
    path("opendata/", include("vision.opendata_urls")),
    path("", include("vision.public_urls")),
    prefix_default_language=False,
)
