from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Helpers that know no domain app: Japanese numbers and eras, spreadsheets, charts,
    PDF, the public page cache, security glue, backups and the template filters."""

    name = "core"
    verbose_name = "共通"
