"""Make every cached public page obsolete, on every worker and server.

Saving through Django does this by itself; run it after changing the database
by other means (SQL, pg_restore) or after an upgrade that keeps pages in a
shared cache (PUBLIC_CACHE_PAGES=shared) once every server runs the new code.
"""

from django.core.management.base import BaseCommand

from core.cache import bump_public_version, public_version


class Command(BaseCommand):
    help = "公開ページのキャッシュを無効にします（全サーバー・全ワーカー）。"

    def handle(self, *args, **options):
        bump_public_version()
        self.stdout.write(
            f"公開ページのキャッシュを無効にしました（新しい版: {public_version()}）。"
        )
