from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """The progress report (進捗状況報告): its content, Excel and PDF, and publishing."""

    name = "reports"
    verbose_name = "進捗状況報告"
