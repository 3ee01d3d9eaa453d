"""The officers' annual return (年度報告) screens, mounted at /returns/."""

from django.urls import path

from returns import views as views

app_name = "returns"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:year>/", views.year_overview, name="year"),
    path("<int:year>/<str:code>/", views.return_form, name="return"),
    path("<int:year>/<str:code>/confirm/", views.confirm, name="confirm"),
    path("<int:year>/<str:code>/take-back/", views.take_back, name="take_back"),
    path("<int:year>/<str:code>/history/<str:key>/", views.history, name="history"),
    path("<int:year>/<str:code>/review/", views.review, name="review"),
    path("<int:year>/<str:code>/template.xlsx", views.template_download, name="template"),
    path("<int:year>/<str:code>/upload/", views.upload, name="upload"),
    path("<int:year>/<str:code>/upload/<str:token>/", views.preview, name="preview"),
]
