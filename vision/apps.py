from django.apps import AppConfig


class VisionConfig(AppConfig):
    name = "vision"
    verbose_name = "共生ビジョン"

    def ready(self):
        # Any change to the public data makes the cached public pages obsolete.
        from vision import cache

        cache.connect_signals(self)
