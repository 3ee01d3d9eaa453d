from django.apps import AppConfig


class ReturnsConfig(AppConfig):
    """The annual return (年度報告): what is due, entry, the spreadsheet round trip,
    review, locks, notifications and the services that write figures."""

    name = "returns"
    verbose_name = "年度報告"
