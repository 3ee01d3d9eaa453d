"""Plan revisions (ビジョンの変更): record AND apply what a revision changes.

The vision is reviewed every year (毎年度所要の見直し). A revision
(``PlanRevision``, e.g. 令和9年3月変更) rests on a decision; each thing it changes
is one ``RevisionChange`` row holding the value before and after, the fiscal year
from which it applies and the decision it rests on. The functions here are the
only way the admin changes the plan through a revision: each is keyword-only,
runs in one transaction, checks permissions through ``municipalities.roles``,
refuses with a Japanese message (``RevisionRejected``) before the first write,
calls ``full_clean()`` and saves with the user and the revision in the history.

History is never overwritten:
- a target change keeps the original target as the first row of the KPI's
  ``KPITarget`` history and adds the new target from its effective year, so
  ``KPI.target_for(year)`` judges a past year against the target of its time;
- a change may not apply to a year whose progress report is already published
  (the published grades stay true), nor reach back before a later change;
- changes are added only to the newest revision of the vision, and neither
  revisions with changes nor changes can be deleted.

``compare(vision, older, newer)`` gives the difference between the plan as of two
revisions (``None`` is the plan as first loaded, 当初), subject by subject.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone

from core.japanese import fiscal_year_label, fiscal_year_short, format_number
from core.models import FigureStatus
from kpis.models import KPI, Direction, KPITarget, derive_direction
from municipalities import roles
from municipalities.models import Municipality
from programs.models import CostShare, Program, StatedTotal
from vision.models import (
    AgreementItem,
    ItemParty,
    PlanRevision,
    ReportingYear,
    RevisionChange,
    Vision,
)

Kind = RevisionChange.Kind


class RevisionRejected(Exception):
    """Nothing was changed; ``message`` says why, in Japanese."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# ---------------------------------------------------------------------------
# Revisions


@transaction.atomic
def create_revision(
    *,
    user,
    vision: Vision,
    title: str,
    decided_on: datetime.date,
    basis: str,
    note: str = "",
) -> PlanRevision:
    """Open a revision (e.g. 令和9年3月変更) to record changes in."""
    _require(roles.can_manage(user))
    Vision.objects.select_for_update().get(pk=vision.pk)
    latest = latest_revision(vision)
    if latest is not None and decided_on < latest.decided_on:
        raise RevisionRejected(
            f"決定日は、前の変更（{latest.title}、{_date(latest.decided_on)}）と同じか後の日にしてください。"
        )
    revision = PlanRevision(
        vision=vision,
        title=title.strip(),
        decided_on=decided_on,
        basis=basis.strip(),
        note=note.strip(),
        created_by=user,
    )
    _clean(revision)
    revision.save()
    return revision


def latest_revision(vision: Vision) -> PlanRevision | None:
    return PlanRevision.objects.filter(vision=vision).order_by("-decided_on", "-pk").first()


def revisions_of(vision: Vision) -> list[PlanRevision]:
    return list(PlanRevision.objects.filter(vision=vision).order_by("decided_on", "pk"))


# ---------------------------------------------------------------------------
# Changes


@transaction.atomic
def change_target(
    *,
    user,
    revision: PlanRevision,
    kpi: KPI,
    effective_year: int,
    target: Decimal | None,
    target_year: int | None = None,
    basis: str = "",
) -> RevisionChange:
    """Change a KPI's target from ``effective_year`` on; earlier years keep the old target."""
    revision = _open(user, revision)
    _check_year(revision, effective_year)
    kpi = KPI.objects.select_for_update().select_related("program").get(pk=kpi.pk)
    _same_vision(revision, kpi.program)
    if target_year is None:
        target_year = kpi.target_year or revision.vision.period_end
    if target is not None and target < 0:
        raise RevisionRejected("目標値にマイナスは入力できません。")
    if target is not None and target_year < effective_year:
        raise RevisionRejected(
            f"目標年度（{fiscal_year_short(target_year)}）は適用年度"
            f"（{fiscal_year_short(effective_year)}）と同じか後の年度にしてください。"
        )
    if target is None:
        target_year = None
    history = list(KPITarget.objects.select_for_update().filter(kpi=kpi))
    later = sorted(
        (p for p in history if p.effective_from is not None and p.effective_from > effective_year),
        key=lambda p: p.effective_from,
    )
    if later:
        raise RevisionRejected(
            f"この指標には {fiscal_year_label(later[-1].effective_from)} から適用する目標値"
            f"（{later[-1].revision}）があります。それより前の年度から変える変更は記録できません。"
        )
    same_year = next((p for p in history if p.effective_from == effective_year), None)
    if same_year is not None and same_year.revision_id != revision.pk:
        raise RevisionRejected(
            f"{fiscal_year_label(effective_year)}からの目標値は、すでに「{same_year.revision}」で"
            "変更されています。翌年度以降から適用する変更として記録してください。"
        )
    old_target, old_year = kpi.target_for(effective_year)
    if old_target == target and old_year == target_year:
        raise RevisionRejected("目標値が変わっていません。")
    before = _target_value(old_target, old_year, _period_start(kpi, effective_year), unit=kpi.unit)
    direction = _direction(kpi, target)
    if not history:
        original = KPITarget(
            kpi=kpi,
            effective_from=None,
            target=kpi.target,
            target_year=kpi.target_year,
            direction=kpi.direction,
            revision=None,
        )
        _clean(original)
        original.save()
    period = same_year or KPITarget(kpi=kpi, effective_from=effective_year, revision=revision)
    period.target, period.target_year, period.direction = target, target_year, direction
    _clean(period)
    period.save()
    # The KPI shows its newest target; earlier years are judged from the history.
    kpi.target, kpi.target_year, kpi.direction = target, target_year, direction
    kpi.target_effective_from = effective_year
    _save_with_history(kpi, user=user, revision=revision)
    return _record(
        user=user,
        revision=revision,
        kind=Kind.TARGET,
        subject=f"target:{kpi.pk}",
        label=f"{kpi.program.name} ／ {kpi.name} の目標値",
        effective_year=effective_year,
        basis=basis,
        before=before,
        after=_target_value(target, target_year, effective_year, unit=kpi.unit),
        program=kpi.program,
        kpi=kpi,
    )


@transaction.atomic
def set_budget_year(
    *,
    user,
    revision: PlanRevision,
    program: Program,
    fiscal_year: int,
    shares: dict[str, int],
    total: int | None = None,
    basis: str = "",
) -> list[RevisionChange]:
    """Add (or change) a year's 事業費見込: each town's share and the stated 計, in 千円.

    ``shares`` maps a municipality code to its amount; towns left out keep what
    they had. ``total`` is the 計 as decided (None leaves the stated 計 as it is);
    it is kept as decided, like the printed one, even where it differs from the sum.
    """
    revision = _open(user, revision)
    _check_year(revision, fiscal_year)
    program = Program.objects.select_for_update().get(pk=program.pk)
    _same_vision(revision, program)
    if not program.runs_in_year(fiscal_year):
        raise RevisionRejected(
            f"{program.name}は{fiscal_year_label(fiscal_year)}には実施しない事業です。"
        )
    towns = {m.code: m for m in revision.vision.municipalities.all()}
    for code, amount in shares.items():
        if code not in towns:
            raise RevisionRejected(
                f"全国地方公共団体コード {code} の市町村はこの圏域にありません。"
            )
        if amount is None or int(amount) != amount or amount < 0:
            raise RevisionRejected("負担額は0以上の千円単位の整数で入力してください。")
    if total is not None and (int(total) != total or total < 0):
        raise RevisionRejected("計は0以上の千円単位の整数で入力してください。")
    year = fiscal_year_short(fiscal_year)
    existing = {
        s.municipality.code: s
        for s in CostShare.objects.select_for_update(of=("self",))
        .filter(program=program, fiscal_year=fiscal_year, kind=CostShare.Kind.PLAN)
        .select_related("municipality")
    }
    stated = StatedTotal.objects.filter(program=program, fiscal_year=fiscal_year).first()
    planned = []
    if total is not None:
        before = None if stated is None else {"amount": stated.amount_kyen}
        if before != {"amount": total}:
            planned.append(("total", None, before, total))
    for code, m in towns.items():
        if code not in shares:
            continue
        share = existing.get(code)
        before = None if share is None else {"amount": share.approved_amount_kyen}
        if before != {"amount": int(shares[code])}:
            planned.append(("share", m, before, int(shares[code])))
    if not planned:
        raise RevisionRejected("事業費見込が変わっていません。")
    now = timezone.now()
    changes = []
    for what, municipality, before, amount in planned:
        if what == "total":
            stated = stated or StatedTotal(program=program, fiscal_year=fiscal_year)
            stated.amount_kyen = amount
            _clean(stated)
            stated.save()
            subject, label = f"budget:{program.pk}:{fiscal_year}:total", f"{year} 計"
        else:
            share = existing.get(municipality.code) or CostShare(
                program=program,
                municipality=municipality,
                fiscal_year=fiscal_year,
                kind=CostShare.Kind.PLAN,
            )
            share.amount_kyen = share.approved_amount_kyen = amount
            share.status = FigureStatus.APPROVED
            share.approved_at, share.approved_by, share.updated_by = now, user, user
            share.version = 1 if share.pk is None else share.version + 1
            _save_with_history(share, user=user, revision=revision)
            subject = f"budget:{program.pk}:{fiscal_year}:{municipality.code}"
            label = f"{year} {municipality.name}"
        changes.append(
            _record(
                user=user,
                revision=revision,
                kind=Kind.BUDGET,
                subject=subject,
                label=f"{program.name} ／ 事業費見込 {label}",
                effective_year=fiscal_year,
                basis=basis,
                before=before,
                after={"amount": amount},
                program=program,
                municipality=municipality,
            )
        )
    return changes


@transaction.atomic
def add_program(
    *,
    user,
    revision: PlanRevision,
    item: AgreementItem,
    name: str,
    effective_year: int,
    participants: list[Municipality],
    content: str = "",
    effect: str = "",
    basis: str = "",
) -> Program:
    """Add a joint program to an agreement item, from ``effective_year`` on."""
    revision = _open(user, revision)
    _check_year(revision, effective_year)
    item = (
        AgreementItem.objects.select_for_update()
        .select_related("category__policy_field")
        .get(pk=item.pk)
    )
    if item.category.policy_field.vision_id != revision.vision_id:
        raise RevisionRejected("この取組項目は、この変更のビジョンのものではありません。")
    name = name.strip()
    if not participants:
        raise RevisionRejected("関係市町村を1つ以上選んでください。")
    vision_towns = set(revision.vision.municipalities.values_list("pk", flat=True))
    if any(m.pk not in vision_towns for m in participants):
        raise RevisionRejected("この圏域にない市町村が選ばれています。")
    participants = sorted(participants, key=lambda m: (m.sort_order, m.code))
    number = (item.programs.aggregate(n=Max("number"))["n"] or 0) + 1
    program = Program(
        item=item,
        number=number,
        name=name,
        participants_printed="、".join(m.name for m in participants),
        content=content.strip(),
        effect=effect.strip(),
        kpi_policy=Program.KPIPolicy.LATER,
        first_year=effective_year,
    )
    _clean(program)
    program.save()
    program.participants.set(participants)
    _record(
        user=user,
        revision=revision,
        kind=Kind.PROGRAM_ADDED,
        subject=f"program:{program.pk}",
        label=f"{program.name}（取組項目 {item.number} {item.title}）",
        effective_year=effective_year,
        basis=basis,
        before=None,
        after={
            "name": program.name,
            "item": item.number,
            "item_title": item.title,
            "first_year": effective_year,
            "participants": [m.name for m in participants],
        },
        program=program,
        item=item,
    )
    return program


@transaction.atomic
def end_program(
    *, user, revision: PlanRevision, program: Program, effective_year: int, basis: str = ""
) -> RevisionChange:
    """End a program: ``effective_year`` is the first fiscal year it no longer runs."""
    revision = _open(user, revision)
    _check_year(revision, effective_year)
    program = Program.objects.select_for_update().get(pk=program.pk)
    _same_vision(revision, program)
    if program.last_year is not None:
        raise RevisionRejected(
            f"{program.name}は、すでに{fiscal_year_label(program.last_year)}で終了しています。"
        )
    if program.first_year is not None and effective_year <= program.first_year:
        raise RevisionRejected(
            f"{program.name}は{fiscal_year_label(program.first_year)}に始まる事業です。"
            "終了する年度はそれより後にしてください。"
        )
    before = {"last_year": None}
    program.last_year = effective_year - 1
    _clean(program)
    program.save()
    return _record(
        user=user,
        revision=revision,
        kind=Kind.PROGRAM_ENDED,
        subject=f"program_period:{program.pk}",
        label=f"{program.name} の実施期間",
        effective_year=effective_year,
        basis=basis,
        before=before,
        after={"last_year": program.last_year},
        program=program,
    )


@transaction.atomic
def move_program(
    *,
    user,
    revision: PlanRevision,
    program: Program,
    item: AgreementItem,
    effective_year: int,
    basis: str = "",
) -> RevisionChange:
    """Move a program to another agreement item of the same vision."""
    revision = _open(user, revision)
    _check_year(revision, effective_year)
    program = Program.objects.select_for_update().select_related("item").get(pk=program.pk)
    _same_vision(revision, program)
    item = AgreementItem.objects.select_related("category__policy_field").get(pk=item.pk)
    if item.category.policy_field.vision_id != revision.vision_id:
        raise RevisionRejected("移動先の取組項目は、この変更のビジョンのものではありません。")
    if item.pk == program.item_id:
        raise RevisionRejected("移動先が今の取組項目と同じです。")
    old = program.item
    before = {"item": old.number, "title": old.title}
    program.item = item
    program.number = (item.programs.aggregate(n=Max("number"))["n"] or 0) + 1
    _clean(program)
    program.save()
    return _record(
        user=user,
        revision=revision,
        kind=Kind.PROGRAM_MOVED,
        subject=f"program_item:{program.pk}",
        label=f"{program.name} の取組項目",
        effective_year=effective_year,
        basis=basis,
        before=before,
        after={"item": item.number, "title": item.title},
        program=program,
        item=item,
    )


@transaction.atomic
def change_party(
    *,
    user,
    revision: PlanRevision,
    item: AgreementItem,
    municipality: Municipality,
    status: str,
    effective_year: int,
    basis: str = "",
) -> RevisionChange:
    """A town joins (○), leaves (—) or has not yet settled an agreement item."""
    revision = _open(user, revision)
    _check_year(revision, effective_year)
    item = AgreementItem.objects.select_related("category__policy_field").get(pk=item.pk)
    if item.category.policy_field.vision_id != revision.vision_id:
        raise RevisionRejected("この取組項目は、この変更のビジョンのものではありません。")
    if municipality.is_central_city:
        raise RevisionRejected(
            "協定は中心市（新庄市）と各町村が結ぶものです。町村を選んでください。"
        )
    if status not in ItemParty.Status.values:
        raise RevisionRejected("協定締結の状況を選んでください。")
    party = (
        ItemParty.objects.select_for_update().filter(item=item, municipality=municipality).first()
    )
    old = ItemParty.Status.UNDECIDED if party is None else party.status
    if old == status:
        raise RevisionRejected("協定締結の状況が変わっていません。")
    party = party or ItemParty(item=item, municipality=municipality)
    party.status = status
    _clean(party)
    party.save()
    return _record(
        user=user,
        revision=revision,
        kind=Kind.PARTY,
        subject=f"party:{item.pk}:{municipality.code}",
        label=f"取組項目 {item.number} {item.title} ／ {municipality.name} の協定締結",
        effective_year=effective_year,
        basis=basis,
        before={"status": old},
        after={"status": status},
        item=item,
        municipality=municipality,
    )


@transaction.atomic
def set_participation(
    *,
    user,
    revision: PlanRevision,
    program: Program,
    municipality: Municipality,
    joined: bool,
    effective_year: int,
    basis: str = "",
) -> RevisionChange:
    """A municipality joins (or leaves) a joint program's 関係市町村."""
    revision = _open(user, revision)
    _check_year(revision, effective_year)
    program = Program.objects.select_for_update().get(pk=program.pk)
    _same_vision(revision, program)
    if not revision.vision.municipalities.filter(pk=municipality.pk).exists():
        raise RevisionRejected("この圏域にない市町村です。")
    was = program.participants.filter(pk=municipality.pk).exists()
    if was == joined:
        raise RevisionRejected(
            f"{municipality.name}は、すでに{program.name}に"
            f"{'参加しています' if joined else '参加していません'}。"
        )
    if joined:
        program.participants.add(municipality)
    else:
        program.participants.remove(municipality)
    return _record(
        user=user,
        revision=revision,
        kind=Kind.PARTICIPANT,
        subject=f"participant:{program.pk}:{municipality.code}",
        label=f"{program.name} ／ {municipality.name} の参加",
        effective_year=effective_year,
        basis=basis,
        before={"participant": was},
        after={"participant": joined},
        program=program,
        municipality=municipality,
    )


# ---------------------------------------------------------------------------
# Values in words


def describe(kind: str, value) -> str:
    """A stored before/after value in words (None: did not exist)."""
    if value is None:
        return "（なし）"
    if kind == Kind.BUDGET:
        amount = value.get("amount")
        return "空欄" if amount is None else f"{format_number(amount)}千円"
    if kind == Kind.TARGET:
        if value.get("target") is None:
            return "目標未設定"
        text = f"{format_number(Decimal(value['target']))}{value.get('unit', '')}"
        if value.get("target_year"):
            text += f"（{fiscal_year_short(value['target_year'])}）"
        if value.get("from"):
            text += f"・{fiscal_year_short(value['from'])}から適用"
        return text
    if kind == Kind.PROGRAM_ADDED:
        who = "、".join(value.get("participants", []))
        return (
            f"{value['name']}（取組項目 {value['item']} {value['item_title']}、"
            f"{fiscal_year_short(value['first_year'])}から、関係市町村：{who}）"
        )
    if kind == Kind.PROGRAM_ENDED:
        last = value.get("last_year")
        if last is None:
            return "実施中"
        return f"{fiscal_year_short(last)}まで（{fiscal_year_short(last + 1)}から実施しない）"
    if kind == Kind.PROGRAM_MOVED:
        return f"取組項目 {value['item']} {value['title']}"
    if kind == Kind.PARTY:
        status = value.get("status", "")
        return ItemParty.Status(status).label if status in ItemParty.Status else status
    if kind == Kind.PARTICIPANT:
        return "参加" if value.get("participant") else "参加しない"
    return str(value)


# ---------------------------------------------------------------------------
# Comparing two revisions


class DiffCategory(models.TextChoices):
    ADDED = "added", "追加"
    REMOVED = "removed", "削除・終了"
    CHANGED = "changed", "変更"


ADDED, REMOVED, CHANGED = DiffCategory.ADDED, DiffCategory.REMOVED, DiffCategory.CHANGED


@dataclass
class DiffLine:
    subject: str
    kind: str
    category: str
    label: str
    program: Program | None
    old: object
    new: object
    effective_year: int
    basis: str
    revisions: list[PlanRevision]

    @property
    def kind_label(self) -> str:
        return Kind(self.kind).label

    @property
    def category_label(self) -> str:
        return DiffCategory(self.category).label

    @property
    def old_text(self) -> str:
        return describe(self.kind, self.old)

    @property
    def new_text(self) -> str:
        return describe(self.kind, self.new)


def value_as_of(changes: list[RevisionChange], position: int, positions: dict[int, int]):
    """The value of one subject in the plan as of the revision at ``position`` (0 = 当初).

    ``changes`` are that subject's changes in revision order: the last one at or
    before the position gives its ``after``; if there is none, the first later
    change's ``before`` is the original value.
    """
    done = [c for c in changes if positions[c.revision_id] <= position]
    if done:
        return done[-1].after
    return changes[0].before


def compare(
    vision: Vision, older: PlanRevision | None, newer: PlanRevision | None
) -> list[DiffLine]:
    """What differs between the plan as of ``older`` and as of ``newer`` (None = 当初).

    One line per subject whose value differs, old → new: added (did not exist, or a
    town joined), removed (no longer exists, a program ended, a town left) or changed.
    A value changed and changed back in between is not listed.
    """
    ordered = revisions_of(vision)
    positions = {r.pk: i for i, r in enumerate(ordered, start=1)}
    a = 0 if older is None else positions[older.pk]
    b = 0 if newer is None else positions[newer.pk]
    low, high = min(a, b), max(a, b)
    changes = list(
        RevisionChange.objects.filter(revision__vision=vision)
        .select_related("revision", "program")
        .order_by("revision__decided_on", "revision_id", "pk")
    )
    by_subject: dict[str, list[RevisionChange]] = {}
    for change in changes:
        by_subject.setdefault(change.subject, []).append(change)
    lines = []
    for subject, subject_changes in by_subject.items():
        between = [c for c in subject_changes if low < positions[c.revision_id] <= high]
        if not between:
            continue
        old = value_as_of(subject_changes, a, positions)
        new = value_as_of(subject_changes, b, positions)
        if old == new:
            continue
        last = between[-1]
        lines.append(
            DiffLine(
                subject=subject,
                kind=last.kind,
                category=_category(last.kind, old, new),
                label=last.label,
                program=last.program,
                old=old,
                new=new,
                effective_year=last.effective_year,
                basis=last.basis_text,
                revisions=sorted({c.revision for c in between}, key=lambda r: positions[r.pk]),
            )
        )
    order = {k: i for i, k in enumerate(Kind.values)}
    lines.sort(key=lambda line: (order[line.kind], line.label, line.subject))
    return lines


def _category(kind: str, old, new) -> str:
    if old is None:
        return ADDED
    if new is None:
        return REMOVED
    if kind == Kind.PROGRAM_ENDED:
        return REMOVED if new.get("last_year") is not None else ADDED
    if kind == Kind.PARTICIPANT:
        return ADDED if new.get("participant") else REMOVED
    if kind == Kind.PARTY:
        if new.get("status") == ItemParty.Status.PARTY:
            return ADDED
        if old.get("status") == ItemParty.Status.PARTY:
            return REMOVED
    return CHANGED


# ---------------------------------------------------------------------------
# The target history of a KPI, for its public page


@dataclass
class TargetPeriod:
    first_year: int | None  # None: from the beginning
    last_year: int | None  # None: to the end
    target: Decimal | None
    target_year: int | None
    revision: PlanRevision | None


def target_periods(kpi: KPI) -> list[TargetPeriod]:
    """When and how the KPI's target changed: one period per target, oldest first.

    Empty when the target never changed. Uses ``KPI.target_periods()`` (prefetch
    ``target_history__revision`` to avoid a query per KPI).
    """
    history = kpi.target_periods()
    if not history:
        return []
    periods = []
    for i, row in enumerate(history):
        following = history[i + 1] if i + 1 < len(history) else None
        periods.append(
            TargetPeriod(
                first_year=row.effective_from,
                last_year=None if following is None else following.effective_from - 1,
                target=row.target,
                target_year=row.target_year,
                revision=row.revision,
            )
        )
    return periods


# ---------------------------------------------------------------------------
# Internals


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _clean(obj) -> None:
    try:
        obj.full_clean()
    except ValidationError as exc:
        raise RevisionRejected(" ".join(_messages(exc))) from exc


def _messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "message_dict"):
        return [m for messages in exc.message_dict.values() for m in messages]
    return list(exc.messages)


def _open(user, revision: PlanRevision) -> PlanRevision:
    """Lock the revision; changes go only into the newest revision of its vision."""
    _require(roles.can_manage(user))
    revision = PlanRevision.objects.select_for_update().select_related("vision").get(pk=revision.pk)
    latest = latest_revision(revision.vision)
    if latest is not None and latest.pk != revision.pk:
        raise RevisionRejected(
            f"変更の内容を記録できるのは、いちばん新しい変更（{latest.title}）だけです。"
        )
    return revision


def _check_year(revision: PlanRevision, year: int) -> None:
    vision = revision.vision
    first, last = vision.period_start - 1, vision.period_end
    if not first <= year <= last:
        raise RevisionRejected(
            f"適用年度は {fiscal_year_short(first)}（{first}年度）から"
            f" {fiscal_year_short(last)}（{last}年度）までの年度にしてください。"
        )
    published = (
        ReportingYear.objects.filter(
            vision=vision, report_published_at__isnull=False, fiscal_year__gte=year
        )
        .order_by("-fiscal_year")
        .first()
    )
    if published is not None:
        raise RevisionRejected(
            f"{fiscal_year_label(published.fiscal_year)}の進捗状況報告は公表済みです。"
            "公表した年度の計画と評価は変えられないため、適用年度は"
            f"{fiscal_year_label(published.fiscal_year + 1)}以降にしてください。"
        )


def _same_vision(revision: PlanRevision, program: Program) -> None:
    vision_id = (
        AgreementItem.objects.filter(pk=program.item_id)
        .values_list("category__policy_field__vision_id", flat=True)
        .first()
    )
    if vision_id != revision.vision_id:
        raise RevisionRejected("この連携事業は、この変更のビジョンのものではありません。")


def _period_start(kpi: KPI, year: int) -> int | None:
    period = kpi.target_period_for(year)
    if period is None:
        return kpi.target_effective_from
    return period.effective_from


def _target_value(target, target_year, start, *, unit: str = "") -> dict:
    return {
        "target": None if target is None else _decimal_text(target),
        "target_year": target_year,
        "from": start,
        "unit": unit,
    }


def _decimal_text(value: Decimal) -> str:
    value = Decimal(value).normalize()
    return f"{value:f}"


def _direction(kpi: KPI, target: Decimal | None) -> str:
    if target is None:
        return ""
    derived = derive_direction(kpi.baseline, target)
    if derived:
        return derived
    # No baseline (set after the program starts): keep a maintain target as such.
    return kpi.direction if kpi.direction == Direction.MAINTAIN else ""


def _save_with_history(obj, *, user, revision: PlanRevision) -> None:
    _clean(obj)
    obj._history_user = user
    obj._change_reason = f"ビジョンの変更（{revision.title}）"[:100]
    obj.save()


def _record(
    *,
    user,
    revision: PlanRevision,
    kind: str,
    subject: str,
    label: str,
    effective_year: int,
    basis: str,
    before,
    after,
    program: Program | None = None,
    kpi: KPI | None = None,
    item: AgreementItem | None = None,
    municipality: Municipality | None = None,
) -> RevisionChange:
    change = RevisionChange(
        revision=revision,
        kind=kind,
        subject=subject,
        label=label[:300],
        effective_year=effective_year,
        basis=basis.strip(),
        before=before,
        after=after,
        program=program,
        kpi=kpi,
        item=item,
        municipality=municipality,
        recorded_by=user,
    )
    _clean(change)
    change.save()
    return change


def _date(value: datetime.date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"
