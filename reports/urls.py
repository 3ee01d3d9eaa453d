"""Published progress reports (public, mounted under /reports/)."""

from django.urls import path

from reports import views as views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:year>/", views.year_page, name="year"),
    path("<int:year>/report.pdf", views.published_pdf, name="pdf"),
    path("<int:year>/report.xlsx", views.published_xlsx, name="xlsx"),
]
