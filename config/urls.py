from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from public.crawlers import SITEMAPS, robots_txt

urlpatterns = [
    path("robots.txt", robots_txt, name="robots_txt"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path(settings.ADMIN_URL, admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("returns/", include("returns.urls")),
    path("evaluation/", include("evaluations.urls")),
]

# Error pages in the site's layout and the URL's language (core/errors.py).
handler400 = "core.errors.bad_request"
handler403 = "core.errors.permission_denied"
handler404 = "core.errors.page_not_found"

# Public pages: Japanese at /, English at /en/.
urlpatterns += i18n_patterns(
    path("opendata/", include("public.opendata_urls")),
    path("", include("public.urls")),
    prefix_default_language=False,
)
