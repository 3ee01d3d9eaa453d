"""The yearly evaluation's public pages (mounted under /evaluations/)."""

from django.urls import path

from public import evaluation_views as views

app_name = "evaluations"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:fiscal_year>/", views.year_page, name="year"),
    path("<int:fiscal_year>/programs/<int:pk>/", views.program_year, name="program"),
    # A download, never a page: not in PUBLIC_VIEWS (core/cache.py), never cached.
    path("evidence/<slug:token>/", views.evidence_download, name="evidence"),
]
