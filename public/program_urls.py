from django.urls import path, reverse_lazy
from django.views.generic import RedirectView

from public import program_views as views

app_name = "programs"

urlpatterns = [
    # The programs are listed in the plan tree.
    path("", RedirectView.as_view(url=reverse_lazy("public:plan")), name="index"),
    path("<int:pk>/", views.detail, name="detail"),
]
