from django.apps import AppConfig


class RevisionsConfig(AppConfig):
    """Plan revisions (計画の変更), target history and the diff between revisions."""

    name = "revisions"
    verbose_name = "計画の変更"
