from django.urls import path

from public import town_views as views

app_name = "municipalities"

urlpatterns = [
    path("", views.index, name="index"),
    path("<str:code>/", views.detail, name="detail"),
]
