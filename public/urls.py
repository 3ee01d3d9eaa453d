"""Public pages (mounted under i18n_patterns: Japanese at /, English at /en/)."""

from django.urls import include, path

from public import area_views, indicator_views, views

app_name = "public"

urlpatterns = [
    path("", views.home, name="home"),
    path("plan/", views.plan, name="plan"),
    path("agreement/", views.agreement, name="agreement"),
    path("statistics/", views.statistics, name="statistics"),
    path("about/progress/", views.progress_rules, name="progress_rules"),
    path("about/accessibility/", views.accessibility, name="accessibility"),
    path("areas/", area_views.areas, name="areas"),
    path("indicators/", indicator_views.index, name="indicators"),
    path("indicators/<slug:code>/", indicator_views.detail, name="indicator"),
    path("programs/", include("public.program_urls")),
    path("kpis/", include("public.kpi_urls")),
    path("towns/", include("public.town_urls")),
    path("document/", include("public.document_urls")),
    path("reports/", include("reports.urls")),
    path("revisions/", include("revisions.urls")),
    path("evaluations/", include("public.evaluation_urls")),
]
