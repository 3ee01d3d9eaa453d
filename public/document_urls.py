"""The vision document from the data (public, mounted under /document/)."""

from django.urls import path

from public import document_views as views

app_name = "document"

urlpatterns = [
    path("", views.document_page, name="page"),
    path("vision.pdf", views.document_pdf, name="pdf"),
]
