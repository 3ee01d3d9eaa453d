from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path(settings.ADMIN_URL, admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("returns/", include("returns.urls")),
]

# Public pages: Japanese at /, English at /en/.
urlpatterns += i18n_patterns(
    path("opendata/", include("public.opendata_urls")),
    path("", include("public.urls")),
    prefix_default_language=False,
)
