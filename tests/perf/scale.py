"""Measure every public page and admin list at 1× and at 100× data, once per session.

The data is made inside one transaction that is rolled back afterwards, so no
other test sees it: the real vision (loaded for the whole session) with six
fiscal years of approved figures (1×), then 99 made-up partnership areas with
theirs (100×, bench/synthetic.py). Pages are rendered without the page cache.
"""

from dataclasses import dataclass, field

from django.contrib import admin
from django.db import connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from bench import synthetic
from municipalities.models import Municipality, Profile
from programs.models import Program
from public.opendata import DATASETS
from tests.constants import FARMING, KANEYAMA, OKURA

SEED = 7
BIG = 100


@dataclass
class Measure:
    status: int
    queries: int
    size: int
    rows: int | None = None  # rows shown by an admin changelist
    per_page: int | None = None
    total: int | None = None


@dataclass
class Scales:
    one: dict[str, Measure] = field(default_factory=dict)
    big: dict[str, Measure] = field(default_factory=dict)


def public_urls() -> list[str]:
    program = Program.objects.get(name=FARMING).pk
    with translation.override("ja"):
        urls = [
            reverse("public:home"),
            reverse("public:plan"),
            reverse("public:agreement"),
            reverse("public:statistics"),
            reverse("public:progress_rules"),
            reverse("public:accessibility"),
            reverse("public:programs:detail", args=[program]),
            reverse("public:kpis:list"),
            reverse("public:kpis:list") + f"?town={OKURA}",
            reverse("public:kpis:list") + "?_export=csv",
            reverse("public:kpis:list") + "?_export=xlsx",
            reverse("public:municipalities:index"),
            reverse("public:municipalities:detail", args=[OKURA]),
            reverse("opendata:index"),
        ]
        for name in DATASETS:
            urls += [reverse("opendata:csv", args=[name]), reverse("opendata:json", args=[name])]
    with translation.override("en"):
        urls += [reverse("public:home"), reverse("public:programs:detail", args=[program])]
    return urls


def admin_urls() -> list[str]:
    urls = []
    for model in admin.site._registry:
        try:
            urls.append(
                reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
            )
        except NoReverseMatch:
            continue
    return sorted(urls)


def _measure(client, url) -> Measure:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    measure = Measure(status=response.status_code, queries=len(queries), size=len(response.content))
    changelist = (response.context or {}).get("cl") if response.status_code == 200 else None
    if changelist is not None:
        measure.rows = len(changelist.result_list)
        measure.per_page = changelist.list_per_page
        measure.total = changelist.result_count
    return measure


def _measure_all(clients: dict[str, Client], urls: list[str]) -> dict[str, Measure]:
    results = {}
    for url in urls:
        clients["resident"].get(url)  # warm: first-use imports and translations
        results[f"resident {url}"] = _measure(clients["resident"], url)
    for who in ("secretariat", "officer"):
        for url in admin_urls():
            clients[who].get(url)
            results[f"{who} {url}"] = _measure(clients[who], url)
    return results


def _clients() -> dict[str, Client]:
    from django.contrib.auth.models import User

    secretariat = User.objects.create_user(
        "perf-secretariat", password="x-perf-1234", is_staff=True, is_superuser=True
    )
    Profile.objects.create(user=secretariat, role=Profile.Role.SECRETARIAT)
    officer = User.objects.create_user("perf-officer", password="x-perf-1234", is_staff=True)
    Profile.objects.create(
        user=officer,
        role=Profile.Role.OFFICER,
        municipality=Municipality.objects.get(code=KANEYAMA),
    )
    clients = {"resident": Client(), "secretariat": Client(), "officer": Client()}
    clients["secretariat"].force_login(secretariat)
    clients["officer"].force_login(officer)
    return clients


class _Rollback(Exception):
    pass


@override_settings(PUBLIC_PAGE_CACHE=False)
def measure_scales() -> Scales:
    scales = Scales()
    try:
        with transaction.atomic():
            clients = _clients()
            real = synthetic.real_vision()
            source = synthetic.Source(real)
            synthetic.figures_for(real, synthetic.random.Random(SEED), synthetic.timezone.now())
            urls = public_urls()
            scales.one = _measure_all(clients, urls)
            synthetic.add_areas(source, range(1, BIG), seed=SEED)
            scales.big = _measure_all(clients, urls)
            raise _Rollback
    except _Rollback:
        pass
    return scales
