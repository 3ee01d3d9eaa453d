from django.apps import AppConfig


class PublicConfig(AppConfig):
    """The residents' pages, the vision document and open data."""

    name = "public"
    verbose_name = "公開ページ"
