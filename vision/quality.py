"""Data-quality checks over a vision: where the document contradicts itself
(severity "error") and what is still open (severity "notice").

Used by ``manage.py check_vision`` and by the secretariat's admin page, so
both always show the same list.
"""

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import models

from programs.models import CostShare, Program, ScheduleTask, StatedTotal
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
    Vision,
)


class Severity(models.TextChoices):
    ERROR = "error", "エラー"
    NOTICE = "notice", "注意"


ERROR, NOTICE = Severity.ERROR, Severity.NOTICE


@dataclass(frozen=True)
class Finding:
    severity: str
    rule: str
    subject: str
    message: str

    @property
    def severity_label(self) -> str:
        return Severity(self.severity).label

    def __str__(self):
        return f"[{self.severity_label}] {self.subject}: {self.message}"


def round1(value: Decimal) -> Decimal:
    """Round to one decimal place the way the document does (四捨五入)."""
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def percent(part: int, whole: int) -> Decimal:
    return round1(Decimal(part) * 100 / Decimal(whole))


def fmt(n) -> str:
    return f"{n:,}"


def signed(n) -> str:
    """Differences the way Japanese tables write them: △ for minus."""
    return f"△{-n:,}" if n < 0 else f"{n:,}"


def check_vision(vision: Vision) -> list[Finding]:
    findings: list[Finding] = []
    for rule in RULES:
        findings.extend(rule(vision))
    findings.sort(key=lambda f: (f.severity != ERROR,))
    return findings


# --- the plan ---------------------------------------------------------------


def _programs(vision):
    return Program.objects.filter(item__category__policy_field__vision=vision)


def check_stated_totals(vision):
    sums = defaultdict(int)
    has_share = set()
    for program_id, year, amount in CostShare.objects.filter(
        program__in=_programs(vision), kind=CostShare.Kind.PLAN, amount_kyen__isnull=False
    ).values_list("program_id", "fiscal_year", "amount_kyen"):
        sums[program_id, year] += amount
        has_share.add((program_id, year))
    for total in StatedTotal.objects.filter(program__in=_programs(vision)).select_related(
        "program"
    ):
        key = (total.program_id, total.fiscal_year)
        if sums[key] != total.amount_kyen:
            yield Finding(
                ERROR,
                "stated_total_mismatch",
                f"{total.program.name}（{total.fiscal_year}年度 事業費見込）",
                f"記載された計 {fmt(total.amount_kyen)}千円 と市町村別負担額の合計 "
                f"{fmt(sums[key])}千円 が一致しません（差 {signed(total.amount_kyen - sums[key])}千円）。",
            )
    stated = set(
        StatedTotal.objects.filter(program__in=_programs(vision)).values_list(
            "program_id", "fiscal_year"
        )
    )
    for program_id, year in sorted(has_share - stated):
        program = Program.objects.get(pk=program_id)
        yield Finding(
            NOTICE,
            "stated_total_missing",
            f"{program.name}（{year}年度 事業費見込）",
            f"事業費見込の計が記載されていません（市町村別負担額の合計は {fmt(sums[program_id, year])}千円）。",
        )


def check_shares_and_participants(vision):
    programs = _programs(vision).prefetch_related("participants")
    shares = defaultdict(list)
    for share in CostShare.objects.filter(program__in=programs).select_related("municipality"):
        shares[share.program_id].append(share)
    for program in programs:
        participants = set(program.participants.all())
        share_rows = shares[program.pk]
        undecided = defaultdict(list)
        for share in share_rows:
            label = f"{program.name}（{share.fiscal_year}年度 {share.get_kind_display()}）"
            if share.municipality in participants:
                continue
            if program.participants_undecided:
                undecided[label].append(f"{share.municipality}（{_amount(share.amount_kyen)}）")
            else:
                yield Finding(
                    ERROR,
                    "share_for_non_participant",
                    label,
                    f"{share.municipality}は関係市町村ではありませんが、負担額"
                    f"（{_amount(share.amount_kyen)}）が記載されています。",
                )
        for label, towns in undecided.items():
            yield Finding(
                NOTICE,
                "share_for_undecided_participant",
                label,
                f"関係市町村が未定ですが、{'、'.join(towns)}の負担額の行があります。",
            )
        years_kinds = {(s.fiscal_year, s.kind) for s in share_rows}
        for year, kind in sorted(years_kinds):
            in_table = {
                s.municipality for s in share_rows if (s.fiscal_year, s.kind) == (year, kind)
            }
            kind_label = CostShare.Kind(kind).label
            for municipality in sorted(participants - in_table, key=lambda m: m.sort_order):
                yield Finding(
                    ERROR,
                    "participant_without_share",
                    f"{program.name}（{year}年度 {kind_label}）",
                    f"関係市町村の{municipality}に負担額の行がありません。",
                )
            blanks = [
                s.municipality.name
                for s in share_rows
                if (s.fiscal_year, s.kind) == (year, kind) and s.amount_kyen is None
            ]
            if blanks:
                yield Finding(
                    NOTICE,
                    "share_blank",
                    f"{program.name}（{year}年度 {kind_label}）",
                    f"負担額が空欄です（{'、'.join(blanks)}）。0 とは区別して「未記入」として扱います。",
                )
        if not share_rows:
            yield Finding(
                NOTICE, "program_without_shares", program.name, "負担額が記載されていません。"
            )
        if program.participants_undecided:
            yield Finding(
                NOTICE,
                "participants_undecided",
                program.name,
                f"関係市町村が未定です（記載：「{program.participants_printed}」）。",
            )


def _amount(value):
    return "空欄" if value is None else f"{fmt(value)}千円"


def check_participants_vs_parties(vision):
    items = AgreementItem.objects.filter(category__policy_field__vision=vision).prefetch_related(
        "parties__municipality", "programs__participants"
    )
    for item in items:
        status = {p.municipality: p for p in item.parties.all()}
        for party in item.parties.all():
            if party.status == ItemParty.Status.UNDECIDED:
                yield Finding(
                    NOTICE,
                    "party_undecided",
                    f"取組項目{item.number} {item.title}",
                    f"{party.municipality}の協定締結が未定（一覧表が空欄）です。",
                )
        for program in item.programs.all():
            participants = {m for m in program.participants.all() if not m.is_central_city}
            for town in sorted(participants, key=lambda m: m.sort_order):
                party = status.get(town)
                if party is None or party.status == ItemParty.Status.NOT_PARTY:
                    yield Finding(
                        ERROR,
                        "participant_not_party",
                        program.name,
                        f"{town}は関係市町村ですが、取組項目{item.number}の協定を締結していません（一覧表で「—」）。",
                    )
                elif party.status == ItemParty.Status.UNDECIDED:
                    yield Finding(
                        NOTICE,
                        "participant_party_undecided",
                        program.name,
                        f"{town}は関係市町村ですが、取組項目{item.number}の協定締結が未定です。",
                    )
            if program.participants_undecided:
                continue
            missing = [
                p.municipality
                for p in item.parties.all()
                if p.status == ItemParty.Status.PARTY and p.municipality not in participants
            ]
            if missing:
                yield Finding(
                    NOTICE,
                    "party_not_participant",
                    program.name,
                    f"取組項目{item.number}の協定を締結した{'、'.join(m.name for m in missing)}が"
                    "関係市町村に含まれていません。",
                )


def check_titles(vision):
    checks = [
        ("政策分野", PolicyField.objects.filter(vision=vision)),
        ("分類", Category.objects.filter(policy_field__vision=vision)),
        ("取組項目", AgreementItem.objects.filter(category__policy_field__vision=vision)),
    ]
    for kind, queryset in checks:
        for obj in queryset:
            if obj.section_title and obj.section_title != obj.title:
                yield Finding(
                    NOTICE,
                    "title_mismatch",
                    f"{kind} {obj}",
                    f"協定項目一覧表では「{obj.title}」、具体的取組の見出しでは「{obj.section_title}」と"
                    "書かれています。",
                )


def check_kpis(vision):
    programs = _programs(vision).prefetch_related("kpis")
    for program in programs:
        kpis = list(program.kpis.all())
        if program.kpi_policy == Program.KPIPolicy.NONE:
            yield Finding(
                NOTICE,
                "program_without_kpi",
                program.name,
                f"成果指標を設定しない事業です（記載：「{program.kpi_policy_text}」）。",
            )
        elif program.kpi_policy == Program.KPIPolicy.LATER:
            yield Finding(
                NOTICE,
                "kpi_later",
                program.name,
                f"成果指標は事業化した後に設定されます（記載：「{program.kpi_policy_text}」）。",
            )
        elif not kpis:
            yield Finding(ERROR, "kpi_missing", program.name, "成果指標が登録されていません。")
        for kpi in kpis:
            subject = f"{program.name}：{kpi.name}"
            if kpi.baseline is None:
                yield Finding(
                    NOTICE, "kpi_without_baseline", subject, "現状値が記載されていません。"
                )
            if kpi.target is None:
                yield Finding(
                    NOTICE,
                    "kpi_without_target",
                    subject,
                    "目標値が記載されていません（評価対象外）。",
                )
            if not kpi.unit:
                yield Finding(NOTICE, "kpi_without_unit", subject, "単位が記載されていません。")
            if kpi.direction and kpi.direction != kpi.derived_direction:
                yield Finding(
                    ERROR,
                    "kpi_direction_mismatch",
                    subject,
                    f"目指す方向「{kpi.get_direction_display()}」が現状値と目標値から導かれる方向と違います。",
                )


def check_schedule(vision):
    tasks = ScheduleTask.objects.filter(program__in=_programs(vision))
    missing = tasks.filter(start_year__isnull=True).count()
    if missing:
        yield Finding(
            NOTICE,
            "schedule_years_missing",
            "実施スケジュール",
            f"{missing}件の事業項目で実施年度が記載されていません（素案の本文から読み取れないため空欄）。",
        )


# --- the area statistics ----------------------------------------------------


def check_population(vision):
    figures = PopulationFigure.objects.filter(vision=vision).select_related("municipality")
    by_key = {}
    for f in figures:
        by_key[f.scope, f.municipality, f.year] = f
    years = sorted({f.year for f in figures})
    area = {f.year: f for f in figures if f.scope == PopulationFigure.Scope.AREA}
    prefecture = {f.year: f for f in figures if f.scope == PopulationFigure.Scope.PREFECTURE}
    for year in years:
        parts = sum(f.population for f in figures if f.scope == "municipality" and f.year == year)
        if year in area and area[year].population != parts:
            yield Finding(
                ERROR,
                "population_total_mismatch",
                f"総人口の推移（{year}年）",
                f"圏域の合計 {fmt(area[year].population)}人 と市町村の合計 {fmt(parts)}人 が一致しません。",
            )
        if year in area and year in prefecture and area[year].printed_prefecture_share is not None:
            share = percent(area[year].population, prefecture[year].population)
            if share != area[year].printed_prefecture_share:
                yield Finding(
                    ERROR,
                    "population_share_mismatch",
                    f"総人口の推移（{year}年）",
                    f"圏域の割合は {area[year].printed_prefecture_share}% と記載されていますが、"
                    f"計算すると {share}% です。",
                )
    series = defaultdict(dict)
    for f in figures:
        series[f.scope, f.municipality][f.year] = f
    for (scope, municipality), row in series.items():
        ordered = sorted(row)
        for prev, year in zip(ordered, ordered[1:], strict=False):
            printed = row[year].printed_change_rate
            if printed is None:
                continue
            rate = round1(
                (Decimal(row[year].population) - row[prev].population) * 100 / row[prev].population
            )
            if rate != printed:
                who = municipality or PopulationFigure.Scope(scope).label
                yield Finding(
                    ERROR,
                    "population_rate_mismatch",
                    f"総人口の推移（{who} {year}年）",
                    f"増減率は {printed}% と記載されていますが、計算すると {rate}% です。",
                )


def check_key_figures(vision):
    figures = {k.key: k for k in KeyFigure.objects.filter(vision=vision)}
    area = {
        f.year: f.population for f in PopulationFigure.objects.filter(vision=vision, scope="area")
    }
    census = figures.get("census-2020")
    if census and 2020 in area and census.value != area[2020]:
        yield Finding(
            ERROR,
            "key_figure_mismatch",
            census.label,
            f"本文の {fmt(census.value)}人 と人口表の {fmt(area[2020])}人 が一致しません。",
        )
    old = figures.get("ipss-2018-projection-2020")
    shortfall = figures.get("printed-shortfall")
    if census and old and shortfall and old.value - census.value != shortfall.value:
        yield Finding(
            ERROR,
            "key_figure_mismatch",
            shortfall.label,
            f"本文では {fmt(shortfall.value)}人 少ないとありますが、"
            f"{fmt(old.value)} − {fmt(census.value)} = {fmt(old.value - census.value)}人 です。",
        )
    goal = figures.get("ipss-2023-projection-2050")
    if goal and 2050 in area and goal.value != area[2050]:
        yield Finding(
            ERROR,
            "key_figure_mismatch",
            goal.label,
            f"本文の {fmt(goal.value)}人 と人口表の {fmt(area[2050])}人 が一致しません。",
        )


def check_daytime(vision):
    rows = list(DaytimePopulation.objects.filter(vision=vision).select_related("municipality"))
    census = {
        (f.municipality_id, f.year): f.population
        for f in PopulationFigure.objects.filter(vision=vision, scope="municipality")
    }
    by_year = defaultdict(list)
    for row in rows:
        by_year[row.census_year].append(row)
    for year, year_rows in by_year.items():
        parts = [r for r in year_rows if r.municipality_id]
        for row in year_rows:
            who = row.municipality or "計"
            ratio = percent(row.daytime_population, row.population)
            if ratio != row.printed_ratio:
                yield Finding(
                    ERROR,
                    "daytime_ratio_mismatch",
                    f"昼夜間人口比率（{who}）",
                    f"{row.printed_ratio} と記載されていますが、計算すると {ratio} です。",
                )
            if row.municipality_id and (row.municipality_id, year) in census:
                if census[row.municipality_id, year] != row.population:
                    yield Finding(
                        ERROR,
                        "daytime_population_mismatch",
                        f"昼夜間人口比率（{who}）",
                        f"人口 {fmt(row.population)}人 が人口表の{year}年 "
                        f"{fmt(census[row.municipality_id, year])}人 と一致しません。",
                    )
        for row in year_rows:
            if row.municipality_id is None:
                for attr, label in (("population", "人口"), ("daytime_population", "昼間人口")):
                    total = sum(getattr(r, attr) for r in parts)
                    if getattr(row, attr) != total:
                        yield Finding(
                            ERROR,
                            "daytime_total_mismatch",
                            "昼夜間人口比率（計）",
                            f"{label}の計 {fmt(getattr(row, attr))}人 と市町村の合計 {fmt(total)}人 "
                            "が一致しません。",
                        )


def check_commuting(vision):
    origins = {
        (o.census_year, o.origin_id): o
        for o in CommutingOrigin.objects.filter(vision=vision).select_related("origin")
    }
    flows = defaultdict(list)
    for flow in CommutingFlow.objects.filter(vision=vision).select_related("origin", "destination"):
        flows[flow.census_year, flow.origin_id].append(flow)
    for key, origin in origins.items():
        row = flows[key]
        total = origin.printed_total
        if sum(f.commuters for f in row) > total:
            yield Finding(
                ERROR,
                "commuting_total_too_small",
                f"通勤通学者（{origin.origin}から）",
                f"圏域内への通勤通学者の合計 {fmt(sum(f.commuters for f in row))}人 が"
                f"総数 {fmt(total)}人 を超えています。",
            )
        for flow in row:
            share = percent(flow.commuters, total)
            if share != flow.printed_share:
                yield Finding(
                    ERROR,
                    "commuting_share_mismatch",
                    f"通勤通学者（{flow.origin}→{flow.destination}）",
                    f"割合は {flow.printed_share}% と記載されていますが、計算すると {share}% です。",
                )
        others = sum(f.commuters for f in row if f.destination_id != origin.origin_id)
        share = percent(others, total)
        if share != origin.printed_to_other_share:
            yield Finding(
                ERROR,
                "commuting_other_share_mismatch",
                f"通勤通学者（{origin.origin}から）",
                f"圏域内の他市町村へは {origin.printed_to_other_share}% と記載されていますが、"
                f"計算すると {share}% です。",
            )


def check_hospital(vision):
    rows = HospitalPatients.objects.filter(vision=vision).select_related("municipality")
    groups = defaultdict(list)
    for row in rows:
        groups[row.fiscal_year, row.kind].append(row)
    for (_year, kind), group in groups.items():
        totals = [r for r in group if r.row == HospitalPatients.Row.TOTAL]
        parts = [r for r in group if r.row != HospitalPatients.Row.TOTAL]
        label = HospitalPatients.Kind(kind).label
        for total in totals:
            summed = sum(r.patients for r in parts)
            if summed != total.patients:
                yield Finding(
                    ERROR,
                    "hospital_total_mismatch",
                    f"県立新庄病院の利用状況（{label}）",
                    f"合計 {fmt(total.patients)}人 と内訳の合計 {fmt(summed)}人 が一致しません。",
                )
            for r in parts:
                share = percent(r.patients, total.patients)
                if share != r.printed_share:
                    who = r.municipality or "その他"
                    yield Finding(
                        ERROR,
                        "hospital_share_mismatch",
                        f"県立新庄病院の利用状況（{label} {who}）",
                        f"比率は {r.printed_share}% と記載されていますが、計算すると {share}% です。",
                    )


RULES = [
    check_stated_totals,
    check_shares_and_participants,
    check_participants_vs_parties,
    check_titles,
    check_kpis,
    check_schedule,
    check_population,
    check_key_figures,
    check_daytime,
    check_commuting,
    check_hospital,
]

__all__ = ["ERROR", "NOTICE", "Finding", "check_vision"]
