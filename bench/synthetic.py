"""Synthetic data for benchmarks, reproducible from a seed.

Scale 1 is the vision as it is, plus six fiscal years (2025–2030) of approved
KPI actuals and budget/settlement shares for it. Scale N adds N − 1 made-up
partnership areas, each a copy of the vision's structure with its own eight
municipalities (valid codes in the 90000 range, which no real municipality
uses), 26 programs, 26 KPIs and the same six years of approved figures.

    python -m bench.synthetic --scale 100 --seed 7
"""

import argparse
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

YEARS = range(2025, 2031)


def _code(n: int) -> str:
    from municipalities.validators import check_digit

    prefix = f"{90000 + n:05d}"
    return prefix + str(check_digit(prefix))


def _figures_for(vision, rng, now, *, CostShare, KPIActual, FigureStatus):
    from kpis.models import KPI
    from programs.models import Program

    shares, actuals = [], []
    programs = Program.objects.filter(item__category__policy_field__vision=vision).prefetch_related(
        "participants"
    )
    for program in programs:
        for municipality in program.participants.all():
            for year in YEARS:
                for kind in ("budget", "settlement"):
                    amount = rng.randint(0, 20000)
                    shares.append(
                        CostShare(
                            program=program,
                            municipality=municipality,
                            fiscal_year=year,
                            kind=kind,
                            amount_kyen=amount,
                            approved_amount_kyen=amount,
                            status=FigureStatus.APPROVED,
                            approved_at=now,
                        )
                    )
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
                actuals.append(
                    KPIActual(
                        kpi=kpi,
                        fiscal_year=year,
                        municipality=town,
                        value=value,
                        approved_value=value,
                        status=FigureStatus.APPROVED,
                        approved_at=now,
                    )
                )
    CostShare.objects.bulk_create(shares, batch_size=2000)
    KPIActual.objects.bulk_create(actuals, batch_size=2000)
    return len(shares), len(actuals)


@transaction.atomic
def generate(*, scale: int, seed: int) -> dict:
    from kpis.models import KPIActual
    from programs.models import CostShare
    from vision.loader import load_vision, read_fixtures
    from vision.models import FigureStatus, Vision

    rng = random.Random(seed)
    now = timezone.now()
    plan, statistics = read_fixtures()
    load_vision(plan=plan, statistics=statistics)
    real = Vision.objects.get(slug=plan["vision"]["slug"])
    counts = {"visions": 1, "shares": 0, "actuals": 0}
    models = {"CostShare": CostShare, "KPIActual": KPIActual, "FigureStatus": FigureStatus}
    s, a = _figures_for(real, rng, now, **models)
    counts["shares"] += s
    counts["actuals"] += a
    for area in range(1, scale):
        copy = _renamed(plan, area)
        load_vision(plan=copy, statistics=_renamed_statistics(statistics, plan, area))
        vision = Vision.objects.get(slug=copy["vision"]["slug"])
        s, a = _figures_for(vision, rng, now, **models)
        counts["visions"] += 1
        counts["shares"] += s
        counts["actuals"] += a
    return counts


def _code_map(plan, area):
    return {m["code"]: _code(area * 10 + i) for i, m in enumerate(plan["municipalities"])}


def _rewrite(obj, codes):
    if isinstance(obj, dict):
        return {codes.get(k, k): _rewrite(v, codes) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_rewrite(v, codes) for v in obj]
    if isinstance(obj, str):
        return codes.get(obj, obj)
    return obj


def _renamed(plan, area):
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


def _renamed_statistics(statistics, plan, area):
    return _rewrite(statistics, _code_map(plan, area))


def main():
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vision.settings")
    django.setup()
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(generate(scale=args.scale, seed=args.seed))


if __name__ == "__main__":
    main()
