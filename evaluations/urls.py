"""The secretariat's pages of the yearly evaluation, mounted at /evaluation/."""

from django.urls import path

from evaluations import views

app_name = "evaluations"

urlpatterns = [
    path("", views.index, name="index"),
    path("evidence/<str:token>/", views.evidence_download, name="evidence"),
    path("<int:fiscal_year>/", views.year, name="year"),
    path("<int:fiscal_year>/programs/<int:program_pk>/", views.sheet, name="sheet"),
    path("<int:fiscal_year>/programs/<int:program_pk>/start/", views.start, name="start"),
    path("<int:fiscal_year>/programs/<int:program_pk>/submit/", views.submit, name="submit"),
    path("<int:fiscal_year>/programs/<int:program_pk>/return/", views.send_back, name="return"),
    path("<int:fiscal_year>/programs/<int:program_pk>/approve/", views.approve, name="approve"),
    path("<int:fiscal_year>/programs/<int:program_pk>/evidence/", views.upload, name="upload"),
]
