"""Synthetic data for benchmarks and scale tests, reproducible from a seed.

Scale 1 is the vision as it is, plus six fiscal years (2025–2030) of approved
KPI actuals and budget/settlement shares for it. Scale N adds N − 1 made-up
partnership areas, each a copy of the vision's structure with its own eight
municipalities (valid codes in the 90000 range, which no real municipality
uses), 26 programs, 26 KPIs, the area statistics and the same six years of
approved figures.

The copies are made from the rows ``load_vision`` wrote for the real vision,
with ``bulk_create`` and plain INSERTs (about 40 s for 130 areas on SQLite, one
to two minutes on PostgreSQL, where loading the document 129 more times took many
minutes). Like every bulk write, they skip the model signals: the history
tables stay empty and ``generate`` bumps the public page cache itself.

The figures' timestamps (entered, submitted, approved) are the moment of the
run, unless ``--fixed-time`` sets them all to one moment (bench/snapshot.py's):
then two databases made from the same seed, on SQLite and on PostgreSQL, on
different days, serve the same bytes (the open-data CSV shows when a figure was
approved).

    python -m bench.synthetic --scale 130 --seed 7 [--fixed-time]
"""

import argparse
import datetime
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

YEARS = range(2025, 2031)
MAX_SCALE = 999  # the made-up municipality codes have room for 999 areas
FIXED_TIME = datetime.datetime(2026, 6, 30, 9, 0, tzinfo=datetime.UTC)  # as bench/snapshot.py


def municipality_code(n: int) -> str:
    from municipalities.validators import check_digit

    prefix = f"{90000 + n:05d}"
    return prefix + str(check_digit(prefix))


def figures_for(vision, rng, now) -> tuple[int, int]:
    """Six fiscal years of approved budget/settlement shares and KPI actuals."""
    from core.models import FigureStatus
    from kpis.models import KPI, KPIActual
    from programs.models import CostShare, Program

    shares, actuals = [], []
    programs = Program.objects.filter(item__category__policy_field__vision=vision).prefetch_related(
        "participants"
    )
    for program in programs:
        for municipality in program.participants.all():
            for year in YEARS:
                for kind in ("budget", "settlement"):
                    amount = rng.randint(0, 20000)
                    shares.append((program.pk, municipality.pk, year, kind, amount, amount))
    for kpi in KPI.objects.filter(
        program__item__category__policy_field__vision=vision
    ).prefetch_related("program__participants"):
        base = kpi.baseline if kpi.baseline is not None else Decimal(10)
        towns = (
            [m for m in kpi.program.participants.all()] if kpi.is_sum_of_municipalities else [None]
        )
        for year in YEARS:
            if year == 2030:
                continue  # the last year is not reported yet
            for town in towns:
                value = (base * Decimal(rng.uniform(0.8, 1.3))).quantize(Decimal("1"))
                if town is not None:
                    value = Decimal(rng.randint(0, 12))
                actuals.append((kpi.pk, year, None if town is None else town.pk, value, value))
    approved = {"status": FigureStatus.APPROVED, "approved_at": now}
    insert_rows(
        CostShare,
        approved,
        ["program_id", "municipality_id", "fiscal_year", "kind", "amount_kyen"]
        + ["approved_amount_kyen"],
        shares,
    )
    insert_rows(
        KPIActual,
        approved,
        ["kpi_id", "fiscal_year", "municipality_id", "value", "approved_value"],
        actuals,
    )
    return len(shares), len(actuals)


def insert_rows(model, common: dict, columns: list[str], rows: list[tuple]) -> None:
    """INSERT many rows at once: ``columns`` vary per row, every other field is ``common``
    or its default. Ten times faster than ``bulk_create`` for simple rows (no model
    instance per row); like it, it sends no signals."""
    from django.db import connection

    prototype = model(**common)
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    fixed = [f for f in fields if f.attname not in columns]
    fixed_values = [f.get_db_prep_save(f.pre_save(prototype, True), connection) for f in fixed]
    by_name = {f.attname: f for f in fields}
    varying = [by_name[c] for c in columns]
    names = [f.column for f in varying + fixed]
    # Table and column names come from the models, quoted; every value is a parameter.
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
        connection.ops.quote_name(model._meta.db_table),
        ", ".join(connection.ops.quote_name(n) for n in names),
        ", ".join(["%s"] * len(names)),
    )
    params = [
        [f.get_db_prep_save(v, connection) for f, v in zip(varying, row, strict=True)]
        + fixed_values
        for row in rows
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(params), 5000):
            cursor.executemany(sql, params[start : start + 5000])


# --- copying a vision ------------------------------------------------------------------------

# (model label, filter to the source vision's rows), parents before children.
_IN_VISION = "item__category__policy_field__vision"
_COPIED = [
    ("vision.VisionEvent", "vision"),
    ("vision.PolicyField", "vision"),
    ("vision.Category", "policy_field__vision"),
    ("vision.AgreementItem", "category__policy_field__vision"),
    ("vision.ItemParty", "item__category__policy_field__vision"),
    ("vision.StatisticsSource", "vision"),
    ("vision.KeyFigure", "vision"),
    ("vision.PopulationFigure", "vision"),
    ("vision.DaytimePopulation", "vision"),
    ("vision.CommutingOrigin", "vision"),
    ("vision.CommutingFlow", "vision"),
    ("vision.HospitalPatients", "vision"),
    ("programs.Program", _IN_VISION),
    ("programs.ScheduleTask", "program__" + _IN_VISION),
    ("programs.SubsidyScheme", "program__" + _IN_VISION),
    ("programs.StatedTotal", "program__" + _IN_VISION),
    ("programs.CostShare", "program__" + _IN_VISION),  # the plan estimates only (below)
    ("kpis.KPI", "program__" + _IN_VISION),
]


class Source:
    """The real vision's rows, read once and copied for every made-up area."""

    def __init__(self, vision):
        from django.apps import apps

        self.vision = vision
        self.municipalities = list(vision.municipalities.order_by("sort_order", "code"))
        self.rows = {
            label: list(apps.get_model(label).objects.filter(**{path: vision}).order_by("pk"))
            for label, path in _COPIED
        }
        # The printed plan estimates belong to the plan; reported figures are made per area.
        self.rows["programs.CostShare"] = [
            s for s in self.rows["programs.CostShare"] if s.kind == "plan"
        ]
        Program = apps.get_model("programs.Program")
        self.participants = list(
            Program.participants.through.objects.filter(
                program__item__category__policy_field__vision=vision
            ).values_list("program_id", "municipality_id")
        )

    def copy(self, area: int):
        from django.apps import apps

        from municipalities.models import Municipality
        from vision.models import Vision

        new_ids: dict[type, dict[int, int]] = {}
        towns = []
        for i, m in enumerate(self.municipalities):
            copy = _clone(m)
            copy.code = municipality_code(area * 10 + i)
            copy.name = f"{m.name}{area:03d}"
            copy.name_en = f"{m.name_en} {area:03d}" if m.name_en else ""
            towns.append(copy)
        Municipality.objects.bulk_create(towns)
        new_ids[Municipality] = {
            m.pk: c.pk for m, c in zip(self.municipalities, towns, strict=True)
        }
        vision = _clone(self.vision)
        vision.slug = f"synthetic-{area:03d}"
        vision.edition = 0
        vision.area_name = f"合成圏域{area:03d}"
        vision.title = f"合成圏域{area:03d} 共生ビジョン"
        vision.area = None  # a partnership area of its own, made by Vision.save from the slug
        vision.save()  # one row; its signal bumps the page cache as well
        new_ids[Vision] = {self.vision.pk: vision.pk}
        Vision.municipalities.through.objects.bulk_create(
            Vision.municipalities.through(vision_id=vision.pk, municipality_id=t.pk) for t in towns
        )
        for label, _path in _COPIED:
            model = apps.get_model(label)
            sources = self.rows[label]
            copies = [_clone(row, new_ids) for row in sources]
            model.objects.bulk_create(copies, batch_size=2000)
            new_ids[model] = {s.pk: c.pk for s, c in zip(sources, copies, strict=True)}
        Program = apps.get_model("programs.Program")
        Program.participants.through.objects.bulk_create(
            Program.participants.through(
                program_id=new_ids[Program][p], municipality_id=new_ids[Municipality][m]
            )
            for p, m in self.participants
        )
        return vision


def _clone(row, new_ids=None):
    """An unsaved copy of ``row`` whose foreign keys point at the copies made so far."""
    copy = type(row)()
    for field in row._meta.concrete_fields:
        if field.primary_key:
            continue
        value = getattr(row, field.attname)
        if field.is_relation and value is not None and new_ids is not None:
            value = new_ids.get(field.related_model, {}).get(value, value)
        setattr(copy, field.attname, value)
    return copy


@transaction.atomic
def generate(*, scale: int, seed: int, load: bool = True) -> dict:
    """The real vision (loaded unless ``load`` is False) with its figures, and
    ``scale`` − 1 made-up areas."""
    from vision.loader import load_vision, read_fixtures

    if not 1 <= scale <= MAX_SCALE:
        raise ValueError(f"scale must be between 1 and {MAX_SCALE}")
    if load:
        plan, statistics = read_fixtures()
        load_vision(plan=plan, statistics=statistics)
    real = real_vision()
    source = Source(real)
    shares, actuals = figures_for(real, random.Random(seed), timezone.now())
    counts = add_areas(source, range(1, scale), seed=seed)
    return {
        "visions": 1 + counts["visions"],
        "shares": shares + counts["shares"],
        "actuals": actuals + counts["actuals"],
    }


def real_vision():
    from vision.loader import read_fixtures
    from vision.models import Vision

    plan, _statistics = read_fixtures()
    return Vision.objects.get(slug=plan["vision"]["slug"])


@transaction.atomic
def add_areas(source: "Source | None", areas, *, seed: int) -> dict:
    """Made-up areas numbered ``areas`` (copies of the real vision), each with its figures.

    Each area's figures come from its own seeded generator, so area 42 is the
    same whichever areas are made with it.
    """
    from core.cache import bump_public_version_on_commit

    source = source or Source(real_vision())
    now = timezone.now()
    counts = {"visions": 0, "shares": 0, "actuals": 0}
    for area in areas:
        vision = source.copy(area)
        s, a = figures_for(vision, random.Random(seed * 1000 + area), now)
        counts["visions"] += 1
        counts["shares"] += s
        counts["actuals"] += a
    bump_public_version_on_commit()  # bulk writes send no signals
    return counts


# --- renamed copies of the document (a second area loaded the slow way) -------------------


def _code_map(plan, area):
    return {
        m["code"]: municipality_code(area * 10 + i) for i, m in enumerate(plan["municipalities"])
    }


def _rewrite(obj, codes):
    if isinstance(obj, dict):
        return {codes.get(k, k): _rewrite(v, codes) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_rewrite(v, codes) for v in obj]
    if isinstance(obj, str):
        return codes.get(obj, obj)
    return obj


def renamed(plan, area):
    codes = _code_map(plan, area)
    copy = _rewrite(plan, codes)
    copy["vision"] = {
        **copy["vision"],
        "slug": f"synthetic-{area:03d}",
        "edition": 0,
        "area_name": f"合成圏域{area:03d}",
        "title": f"合成圏域{area:03d} 共生ビジョン",
    }
    for m in copy["municipalities"]:
        m["name"] = f"{m['name']}{area:03d}"
    return copy


def renamed_statistics(statistics, plan, area):
    return _rewrite(statistics, _code_map(plan, area))


def main():
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--fixed-time",
        action="store_true",
        help=f"every figure's timestamps set to {FIXED_TIME.isoformat()}",
    )
    args = parser.parse_args()
    with transaction.atomic():
        counts = generate(scale=args.scale, seed=args.seed)
        if args.fixed_time:
            fix_times()
    print(counts)


def fix_times(moment: datetime.datetime = FIXED_TIME) -> None:
    """Every cost share's and KPI actual's timestamps set to ``moment``."""
    from kpis.models import KPIActual
    from programs.models import CostShare

    for model in (CostShare, KPIActual):
        model.objects.update(updated_at=moment, submitted_at=moment)
        model.objects.filter(approved_at__isnull=False).update(approved_at=moment)


if __name__ == "__main__":
    main()
