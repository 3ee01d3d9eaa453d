from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Helpers that know no domain app: Japanese numbers and eras, spreadsheets, charts,
    PDF, the public page cache, security glue, backups and the template filters."""

    name = "core"
    verbose_name = "共通"

    def ready(self):
        # Registers the deploy check for demo accounts (core.security.check_no_demo_accounts).
        from core import security  # noqa: F401
