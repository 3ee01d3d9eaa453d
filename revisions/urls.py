"""Plan revisions and the difference between two of them (public, under /revisions/)."""

from django.urls import path

from revisions import views as views

app_name = "revisions"

urlpatterns = [
    path("", views.index, name="index"),
    path("compare/", views.compare_view, name="compare"),
    path("<int:pk>/", views.detail, name="detail"),
]
