from django.apps import AppConfig


class VisionConfig(AppConfig):
    name = "vision"
    verbose_name = "共生ビジョン"

    def ready(self):
        # Any change to the public data makes the cached public pages obsolete. Imported
        # here, not at the top: core.cache reads the app registry, ready only now.
        from core import cache
        from vision.areas import areas_of

        cache.connect_signals(self)
        # An approval renews its own area's pages only (core/cache.py, _Commit).
        cache.area_resolver = areas_of
