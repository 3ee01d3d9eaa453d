"""Public pages (mounted under i18n_patterns: Japanese at /, English at /en/)."""

from django.urls import include, path

from vision import views

app_name = "public"

urlpatterns = [
    path("", views.home, name="home"),
    path("plan/", views.plan, name="plan"),
    path("agreement/", views.agreement, name="agreement"),
    path("statistics/", views.statistics, name="statistics"),
    path("about/progress/", views.progress_rules, name="progress_rules"),
    path("about/accessibility/", views.accessibility, name="accessibility"),
    path("programs/", include("programs.urls")),
    path("kpis/", include("kpis.urls")),
    path("towns/", include("municipalities.urls")),
    path("document/", include("vision.document_urls")),
    path("reports/", include("vision.report_urls")),
    path("revisions/", include("vision.revision_urls")),
]
