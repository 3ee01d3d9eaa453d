"""Load the vision document's data (fixtures/vision/*.json) into the database.

The files are document-shaped (see fixtures/vision/SCHEMA.md). Loading is
idempotent: each row is found by its natural key and only written when a
field differs, so a second run reports every row as unchanged and leaves no
new history records.

Interpretation rules applied here (and only here), from the KPI 備考:
- the source (出典) is the phrase ending in 調べ or 調査;
- a KPI whose source is a town's own survey (e.g. 大蔵村調べ) is reported by that
  town; every other KPI is entered by the secretariat as the area figure;
- 「各市町村の…の合計」 marks a KPI summed from each municipality's figure;
- 「1月～12月まで」 and 「毎年4月時点」 are kept as the counting period.
"""

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models, transaction

from core.models import FigureStatus
from kpis.models import KPI, derive_direction
from municipalities.models import Municipality
from programs.models import CostShare, Program, ScheduleTask, StatedTotal, SubsidyScheme
from vision.models import (
    AgreementItem,
    Category,
    CommutingFlow,
    CommutingOrigin,
    DaytimePopulation,
    HospitalPatients,
    ItemParty,
    KeyFigure,
    PolicyField,
    PopulationFigure,
    StatisticsSource,
    Vision,
    VisionEvent,
)

FIXTURE_DIR = Path(settings.BASE_DIR) / "fixtures" / "vision"

# The document's R7 plan estimates count as approved when the vision is loaded:
# they are the published plan. A fixed moment keeps reloading idempotent.
PLAN_APPROVED_AT = datetime(2026, 1, 1, tzinfo=ZoneInfo("Asia/Tokyo"))

_SOURCE = re.compile(r"([^\s（()、]+(?:調べ|調査))")
_PERIODS = ("1月～12月まで", "毎年4月時点")

KEY_FIGURE_LABELS = {
    "census_2020": ("令和2年国勢調査の圏域人口", "人"),
    "ipss_2018_projection_2020": ("平成30年社人研推計による令和2年の圏域人口", "人"),
    "printed_shortfall": ("推計を下回った人数（本文記載）", "人"),
    "ipss_2023_projection_2050": ("令和5年社人研推計による令和32年の圏域人口", "人"),
}


@dataclass
class LoadReport:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)

    def count(self, bucket: str, model: type[models.Model]) -> None:
        counts = getattr(self, bucket)
        name = model._meta.verbose_name
        counts[name] = counts.get(name, 0) + 1

    @property
    def changed(self) -> int:
        return sum(self.created.values()) + sum(self.updated.values())


def _sync(report: LoadReport, model, lookup: dict, values: dict):
    """Create or update one row by natural key, writing only what differs."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model(**{**lookup, **values})
        obj.full_clean()
        obj.save()
        report.count("created", model)
        return obj
    dirty = [name for name, value in values.items() if getattr(obj, name) != value]
    if dirty:
        for name in dirty:
            setattr(obj, name, values[name])
        obj.full_clean()
        obj.save()
        report.count("updated", model)
    else:
        report.count("unchanged", model)
    return obj


def _dec(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def read_fixtures(directory: Path = FIXTURE_DIR) -> tuple[dict, dict]:
    with open(directory / "plan.json", encoding="utf-8") as f:
        plan = json.load(f)
    with open(directory / "statistics.json", encoding="utf-8") as f:
        statistics = json.load(f)
    return plan, statistics


def kpi_interpretation(note: str, towns_by_name: dict[str, Municipality]) -> dict:
    match = _SOURCE.search(note)
    source = match.group(1) if match else ""
    reporter = None
    for name, town in towns_by_name.items():
        if source == f"{name}調べ" and not town.is_central_city:
            reporter = town
    return {
        "source": source,
        "reporter": reporter,
        "is_sum_of_municipalities": "各市町村の" in note and "合計" in note,
        "period_note": next((p for p in _PERIODS if p in note), ""),
    }


@transaction.atomic
def load_vision(*, plan: dict, statistics: dict, names_en: dict | None = None) -> LoadReport:
    """Load the vision; ``names_en`` defaults to fixtures/vision/names_en.json (if present)."""
    report = LoadReport()
    municipalities = _load_municipalities(report, plan["municipalities"])
    vision = _load_vision(report, plan["vision"], municipalities)
    for field_data in plan["policy_fields"]:
        _load_policy_field(report, vision, field_data, municipalities)
    _load_statistics(report, vision, statistics, municipalities)
    _load_english_names(report, vision, read_english_names() if names_en is None else names_en)
    return report


def read_english_names(directory: Path = FIXTURE_DIR) -> dict:
    path = directory / "names_en.json"
    if not path.exists():
        return {}
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def _load_english_names(report, vision, names: dict) -> None:
    """Set name_en of the plan tree, programs and KPIs by natural key; unknown keys are skipped."""

    def put(obj, value):
        if obj is not None and obj.name_en != value:
            obj.name_en = value
            obj.save(update_fields=["name_en"])
            report.count("updated", type(obj))

    fields = {f.number: f for f in PolicyField.objects.filter(vision=vision)}
    categories = {
        f"{c.policy_field.number}-{c.number}": c
        for c in Category.objects.filter(policy_field__vision=vision).select_related("policy_field")
    }
    items = {
        i.number: i for i in AgreementItem.objects.filter(category__policy_field__vision=vision)
    }
    programs = {
        f"{p.item.number}-{p.number}": p
        for p in Program.objects.filter(item__category__policy_field__vision=vision).select_related(
            "item"
        )
    }
    kpis = {
        f"{k.program.item.number}-{k.program.number}-{k.order}": k
        for k in KPI.objects.filter(
            program__item__category__policy_field__vision=vision
        ).select_related("program__item")
    }
    for key, value in names.get("policy_fields", {}).items():
        put(fields.get(int(key)), value)
    for key, value in names.get("categories", {}).items():
        put(categories.get(key), value)
    for key, value in names.get("items", {}).items():
        put(items.get(int(key)), value)
    for key, value in names.get("programs", {}).items():
        put(programs.get(key), value)
    for key, value in names.get("kpis", {}).items():
        put(kpis.get(key), value)


def _load_municipalities(report, rows) -> dict[str, Municipality]:
    result = {}
    for order, row in enumerate(rows, start=1):
        result[row["code"]] = _sync(
            report,
            Municipality,
            {"code": row["code"]},
            {
                "name": row["name"],
                "name_kana": row["name_kana"],
                "name_en": row["name_en"],
                "is_central_city": row["is_central_city"],
                "population": row["population"],
                "area_km2": _dec(row["area_km2"]),
                "profile": "\n\n".join(row["profile"]),
                "slogan": row["slogan"],
                "sort_order": order,
            },
        )
    return result


def _load_vision(report, data, municipalities) -> Vision:
    vision = _sync(
        report,
        Vision,
        {"slug": data["slug"]},
        {
            "area_name": data["area_name"],
            "title": data["title"],
            "edition": data["edition"],
            "status": data["status"],
            "date_label": data["date_label"],
            "period_start": data["period_start"],
            "period_end": data["period_end"],
            "purpose": data["purpose"],
            "period_text": data["period_text"],
            "area_situation": data["area_situation"],
            "future_image": "\n\n".join(data["future_image"]),
            "role_central": data["role_central"],
            "role_partners": data["role_partners"],
            "profile_sources": data["profile_sources"],
        },
    )
    current = set(vision.municipalities.values_list("pk", flat=True))
    wanted = {m.pk for m in municipalities.values()}
    if current != wanted:
        vision.municipalities.set(wanted)
    for order, event in enumerate(data["history"], start=1):
        _sync(
            report,
            VisionEvent,
            {"vision": vision, "order": order},
            {"date_label": event["label"], "text": event["text"]},
        )
    return vision


def _load_policy_field(report, vision, data, municipalities):
    policy_field = _sync(
        report,
        PolicyField,
        {"vision": vision, "number": data["number"]},
        {"title": data["title"], "section_title": data["section_title"]},
    )
    for cat in data["categories"]:
        category = _sync(
            report,
            Category,
            {"policy_field": policy_field, "number": cat["number"]},
            {"title": cat["title"], "section_title": cat["section_title"]},
        )
        for item_data in cat["items"]:
            _load_item(report, category, item_data, municipalities)


def _load_item(report, category, data, municipalities):
    item = AgreementItem.objects.filter(
        category__policy_field__vision=category.policy_field.vision, number=data["number"]
    ).first()
    values = {
        "category": category,
        "title": data["title"],
        "section_title": data["section_title"],
        "content": data["content"],
        "role_central": data["role_central"],
        "role_partner": data["role_partner"],
    }
    # Items are numbered within a vision; a new one is created under its category.
    lookup = {"pk": item.pk} if item else {"category": category, "number": data["number"]}
    item = _sync(report, AgreementItem, lookup, values)
    for code, status in data["parties"].items():
        _sync(
            report,
            ItemParty,
            {"item": item, "municipality": municipalities[code]},
            {"status": status},
        )
    for program_data in data["programs"]:
        _load_program(report, item, program_data, municipalities)


def _load_program(report, item, data, municipalities):
    program = _sync(
        report,
        Program,
        {"item": item, "number": data["number"]},
        {
            "name": data["name"],
            "participants_printed": data["participants_printed"],
            "participants_undecided": data["participants"] is None,
            "content": data["content"],
            "effect": data["effect"],
            "cost_split": "\n".join(data["cost_split"]),
            "kpi_policy": data["kpi_policy"],
            "kpi_policy_text": data["kpi_policy_text"],
        },
    )
    if data["participants"] is None:
        # the draft names only the central city (新庄市) and leaves the rest open
        wanted = {m.pk for m in municipalities.values() if m.is_central_city}
    else:
        wanted = {municipalities[code].pk for code in data["participants"]}
    if set(program.participants.values_list("pk", flat=True)) != wanted:
        program.participants.set(wanted)

    for order, title in enumerate(data["schedule"], start=1):
        _sync(report, ScheduleTask, {"program": program, "order": order}, {"title": title})
    for order, name in enumerate(data["subsidies"], start=1):
        _sync(report, SubsidyScheme, {"program": program, "order": order}, {"name": name})
    for year, amount in data["stated_totals"].items():
        _sync(
            report,
            StatedTotal,
            {"program": program, "fiscal_year": int(year)},
            {"amount_kyen": amount},
        )
    for year, shares in data["shares"].items():
        for code, amount in shares.items():
            _sync(
                report,
                CostShare,
                {
                    "program": program,
                    "municipality": municipalities[code],
                    "fiscal_year": int(year),
                    "kind": CostShare.Kind.PLAN,
                },
                {
                    "amount_kyen": amount,
                    "approved_amount_kyen": amount,
                    "status": FigureStatus.APPROVED,
                    "approved_at": PLAN_APPROVED_AT,
                },
            )
    towns_by_name = {m.name: m for m in municipalities.values()}
    for order, kpi in enumerate(data["kpis"], start=1):
        baseline, target = _dec(kpi["baseline"]), _dec(kpi["target"])
        values = {
            "name": kpi["name"],
            "name_printed": kpi["name_printed"],
            "unit": kpi["unit"],
            "baseline": baseline,
            "baseline_year": kpi["baseline_year"],
            "target": target,
            "target_year": kpi["target_year"],
            "direction": derive_direction(baseline, target),
            "note": kpi["note"],
            "to_be_set_later": data["kpi_policy"] == Program.KPIPolicy.LATER,
            **kpi_interpretation(kpi["note"], towns_by_name),
        }
        revised = KPI.objects.filter(
            program=program, order=order, target_effective_from__isnull=False
        ).exists()
        if revised:
            # A plan revision changed this target: its history (KPITarget) is the truth
            # now, and reloading the document must not undo it.
            for name in ("target", "target_year", "direction"):
                values.pop(name)
        _sync(report, KPI, {"program": program, "order": order}, values)


def _load_statistics(report, vision, data, municipalities):
    pop = data["population"]
    census = set(pop["census_years"])
    for table in StatisticsSource.Table.values:
        _sync(
            report,
            StatisticsSource,
            {"vision": vision, "table": table},
            {"source": data[table]["source"]},
        )
    for row in pop["rows"]:
        municipality = municipalities[row["code"]] if row["code"] else None
        rates = row["printed_rates"] or [None] * len(pop["years"])
        shares = pop["printed_area_share"] if row["scope"] == "area" else [None] * len(pop["years"])
        for year, value, rate, share in zip(
            pop["years"], row["values"], rates, shares, strict=True
        ):
            lookup = {"vision": vision, "year": year}
            if municipality:
                lookup["municipality"] = municipality
            else:
                lookup["scope"] = row["scope"]
            _sync(
                report,
                PopulationFigure,
                lookup,
                {
                    "scope": row["scope"],
                    "municipality": municipality,
                    "kind": "census" if year in census else "projection",
                    "population": value,
                    "printed_change_rate": _dec(rate),
                    "printed_prefecture_share": _dec(share),
                },
            )
    for key, value in data["population_note"].items():
        label, unit = KEY_FIGURE_LABELS[key]
        _sync(
            report,
            KeyFigure,
            {"vision": vision, "key": key.replace("_", "-")},
            {"label": label, "value": value, "unit": unit},
        )

    day = data["daytime"]
    for row in [*day["rows"], {**day["printed_total"], "code": None}]:
        _sync(
            report,
            DaytimePopulation,
            {
                "vision": vision,
                "census_year": day["census_year"],
                "municipality": municipalities[row["code"]] if row["code"] else None,
            },
            {
                "population": row["population"],
                "daytime_population": row["daytime_population"],
                "printed_ratio": _dec(row["printed_ratio"]),
            },
        )

    com = data["commuting"]
    for row in com["rows"]:
        origin = municipalities[row["origin"]]
        _sync(
            report,
            CommutingOrigin,
            {"vision": vision, "census_year": com["census_year"], "origin": origin},
            {
                "printed_total": row["printed_total"],
                "printed_to_other_share": _dec(row["printed_to_other_share"]),
            },
        )
        for code, commuters in row["flows"].items():
            _sync(
                report,
                CommutingFlow,
                {
                    "vision": vision,
                    "census_year": com["census_year"],
                    "origin": origin,
                    "destination": municipalities[code],
                },
                {"commuters": commuters, "printed_share": _dec(row["printed_shares"][code])},
            )

    hosp = data["hospital"]
    for row in hosp["rows"]:
        base = {"vision": vision, "fiscal_year": hosp["fiscal_year"], "kind": row["kind"]}
        for code, patients in row["by_home"].items():
            if code == "other":
                lookup = {**base, "row": HospitalPatients.Row.OTHER}
                values = {"municipality": None}
            else:
                lookup = {
                    **base,
                    "row": HospitalPatients.Row.MUNICIPALITY,
                    "municipality": municipalities[code],
                }
                values = {}
            _sync(
                report,
                HospitalPatients,
                lookup,
                {
                    **values,
                    "hospital": hosp["hospital"],
                    "patients": patients,
                    "printed_share": _dec(row["printed_shares"][code]),
                },
            )
        _sync(
            report,
            HospitalPatients,
            {**base, "row": HospitalPatients.Row.TOTAL},
            {
                "municipality": None,
                "hospital": hosp["hospital"],
                "patients": row["printed_total"],
                "printed_share": _dec(row["printed_total_share"]),
            },
        )
