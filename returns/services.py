"""Writes of the reporting workflow: save, submit, approve, return, lock.

Every function is keyword-only and runs in one transaction: it re-reads the
figures it touches with a row lock, checks permissions through
``municipalities.roles`` and ``returns.permissions``, checks versions (optimistic
locking: a stale version is refused with the other person's value, never overwritten), calls
``full_clean()`` and saves with the user and the reason recorded in the
figure's history (django-simple-history). Nothing is half-saved: any refusal
raises before the first write, and any later error rolls the transaction back.
Many figures at once (an import) are written in bulk with the same versions,
history rows and checks (``_save_in_bulk``), figure by figure when that fails.

Status rules (per figure):
- saving a value: draft stays draft; returned or approved becomes draft again.
  A figure approved once keeps its approved value public until the new value
  is approved. Officers cannot change a submitted figure (the secretariat can);
- submit: draft/returned figures with a value → submitted; so is a proposal of no value
  (値なしの提案: a blank where an approved value is public, with its reason in the comment);
  the web form submits only after a confirmation, exactly what it showed (``submit_confirmed``);
- take back (取り下げ): submitted → draft, by the town's officer before the secretariat decides;
- approve: submitted → approved (the working value becomes the public value; an approved
  proposal of no value clears the public value and ``approved_at``, so nothing is published);
- return: submitted → returned, with the secretariat's reason.

A town's 取組状況 (``evaluations.TownActivity``) is a line of its return like any figure, with
a text for a value (blank is "" in the table, None on the return): the same rules, versions,
history and all-or-nothing saves.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from functools import reduce
from operator import or_

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, get_history_manager_for_model

from core.cache import bump_public_version_on_commit
from core.models import FigureStatus
from evaluations.models import TownActivity
from kpis.models import KPIActual
from municipalities import roles
from programs.models import CostShare
from returns import notifications, permissions
from returns.annual import (
    ERROR,
    MAX_RETURN_REASON,
    AnnualReturn,
    Entry,
    Line,
    Outcome,
    conflict_error,
    evaluate,
    shown_value,
    text_problem,
)
from vision.models import ReportingYear

Figure = CostShare | KPIActual | TownActivity
FIGURE_MODELS = (CostShare, KPIActual, TownActivity)


class ReturnRejected(Exception):
    """Nothing was saved. ``outcomes`` say why, row by row; ``message`` for the whole.

    ``current``: the figure somebody else saved first, when that is why.
    """

    def __init__(
        self,
        message: str = "",
        *,
        outcomes: list[Outcome] | None = None,
        current: Figure | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.outcomes = outcomes or []
        self.current = current


class ReviewRejected(Exception):
    """Nothing was approved or returned. ``errors`` maps a line key to its message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class Decision:
    key: str
    action: str  # "approve" or "return"
    reason: str = ""
    version: int | None = None


APPROVE, RETURN = "approve", "return"

# A save of this many figures or more (a spreadsheet import, a long form) writes them in
# bulk (``_save_in_bulk``: a few statements for thousands of new figures, one for each
# changed figure); fewer are saved figure by figure (``_save``: about seven statements
# each), which is also the path that names a conflict precisely.
BULK_MIN_WRITES = 20
BULK_BATCH = 500  # rows per statement: within every database's limit on parameters
BULK_UPDATE_FIELDS = ["comment", "status", "version", "updated_by", "updated_at"]


# ---------------------------------------------------------------------------
# Annual return: save, submit, review


@transaction.atomic
def save_entries(
    *, user, annual_return: AnnualReturn, entries: list[Entry], reason: str = ""
) -> list[Outcome]:
    """Save the changed values of a return, all or none. Returns every outcome."""
    _require(
        permissions.can_edit_return(user, annual_return.reporter, annual_return.reporting_year)
    )
    _lock_figures(annual_return)
    outcomes = evaluate(user=user, annual_return=annual_return, entries=entries)
    if any(o.errors for o in outcomes):
        raise ReturnRejected("保存できない値があります。", outcomes=outcomes)
    writes = [o for o in outcomes if o.writes]
    locked = permissions.needs_change_reason(user, annual_return.reporting_year)
    if writes and locked and not reason.strip():
        raise ReturnRejected(
            "締め済みの年度です。変更するには変更の理由を入力してください。", outcomes=outcomes
        )
    reason = reason.strip() or "年度報告で入力"
    if len(writes) >= BULK_MIN_WRITES and _save_in_bulk(writes, user=user, reason=reason):
        return outcomes
    for outcome in writes:
        line = outcome.line
        figure = line.figure or line.new_figure()
        _set_value(figure, outcome.entry.value, comment=outcome.entry.comment)
        try:
            _save(figure, user=user, reason=reason)
        except ReturnRejected as rejected:
            if rejected.current is None:
                raise
            # Somebody else's first entry of this figure committed after we read the return.
            outcome.state, outcome.conflict = ERROR, True
            outcome.errors.append(conflict_error(rejected.current, outcome.entry.value))
            raise ReturnRejected("保存できない値があります。", outcomes=outcomes) from rejected
        line.figure = figure
    return outcomes


@transaction.atomic
def submit_return(*, user, annual_return: AnnualReturn, request=None) -> list:
    """Submit every entered draft or returned figure of a return. Returns the lines."""
    _require(
        permissions.can_edit_return(user, annual_return.reporter, annual_return.reporting_year)
    )
    _lock_figures(annual_return)
    lines = annual_return.submittable()
    _submit_lines(user=user, annual_return=annual_return, lines=lines, request=request)
    return lines


def _submit_lines(*, user, annual_return: AnnualReturn, lines: list[Line], request=None) -> None:
    """Submit ``lines`` (locked, submittable) and tell the secretariat once committed."""
    now = timezone.now()
    for line in lines:
        figure = line.figure
        reason = "提出（値なしの提案）" if line.is_withdrawal else "提出"
        figure.status = FigureStatus.SUBMITTED
        figure.submitted_at = now
        _save(figure, user=user, reason=reason)
    if lines and not roles.is_secretariat(user):
        # robust: the figures are committed by now; a mail server that is down is logged
        # (django.db.backends.base), never turned into an error page for saved work.
        transaction.on_commit(
            lambda: notifications.return_submitted(
                annual_return=annual_return, lines=lines, submitted_by=user, request=request
            ),
            robust=True,
        )


@transaction.atomic
def save_and_submit(
    *, user, annual_return: AnnualReturn, entries: list[Entry], reason: str = "", request=None
) -> tuple[list[Outcome], list]:
    """Save the typed values and submit the return in one go (all or nothing)."""
    outcomes = save_entries(user=user, annual_return=annual_return, entries=entries, reason=reason)
    return outcomes, submit_return(user=user, annual_return=annual_return, request=request)


@transaction.atomic
def review_return(
    *, user, annual_return: AnnualReturn, decisions: list[Decision], request=None
) -> tuple[list, list]:
    """Approve or return submitted figures of a return. Returns (approved, returned) lines."""
    _require(roles.can_review(user))
    _lock_figures(annual_return)
    errors: dict[str, str] = {}
    for decision in decisions:
        line = annual_return.line(decision.key)
        if line is None:
            errors[decision.key] = "この年度報告にない値です。"
            continue
        figure = line.figure
        if figure is None or figure.status != FigureStatus.SUBMITTED:
            state = "未入力" if figure is None else figure.get_status_display()
            errors[decision.key] = f"{line.label}: {state}のため、承認・差戻しはできません。"
        elif decision.version is not None and decision.version != figure.version:
            errors[decision.key] = (
                f"{line.label}: 画面を開いた後に値が変わりました（現在の値: "
                f"{shown_value(figure.working_value)}）。画面を開き直してください。"
            )
        elif decision.action == RETURN and not decision.reason.strip():
            errors[decision.key] = f"{line.label}: 差戻しの理由を書いてください。"
        elif decision.action == RETURN and (
            problem := text_problem(decision.reason, label="差戻しの理由", limit=MAX_RETURN_REASON)
        ):
            errors[decision.key] = f"{line.label}: {problem}"
        elif decision.action not in (APPROVE, RETURN):
            errors[decision.key] = f"{line.label}: 承認か差戻しを選んでください。"
    if errors:
        raise ReviewRejected(errors)
    approved, returned = [], []
    for decision in decisions:
        line = annual_return.line(decision.key)
        if decision.action == APPROVE:
            _approve(line.figure, user=user)
            approved.append(line)
        else:
            _return(line.figure, user=user, reason=decision.reason.strip())
            returned.append(line)
    if returned and annual_return.reporter is not None:
        transaction.on_commit(
            lambda: notifications.figures_returned(
                annual_return=annual_return, lines=returned, approved=approved, request=request
            ),
            robust=True,
        )
    elif approved and annual_return.reporter is not None:
        transaction.on_commit(
            lambda: notifications.figures_approved(
                annual_return=annual_return, lines=approved, request=request
            ),
            robust=True,
        )
    return approved, returned


@transaction.atomic
def submit_confirmed(
    *,
    user,
    annual_return: AnnualReturn,
    entries: list[Entry],
    shown: dict[str, int],
    reason: str = "",
    request=None,
) -> tuple[list[Outcome], list[Line]]:
    """Save the typed values and submit exactly the lines the confirmation showed (all or none).

    ``shown`` maps each line the confirmation listed to the figure's version it showed
    (0: no figure yet). A line changed since, or no longer submittable once the typed
    values are saved, refuses the whole submission; a line that became submittable after
    the confirmation was shown is left as it is (the user has not seen it).
    """
    _require(
        permissions.can_edit_return(user, annual_return.reporter, annual_return.reporting_year)
    )
    _lock_figures(annual_return)
    changed = []
    for key, version in shown.items():
        line = annual_return.line(key)
        if line is None:
            raise ReturnRejected("この年度報告にない値が含まれています。")
        if line.version != version:
            changed.append(line)
    if changed:
        raise _changed_since_confirmation(changed)
    outcomes = save_entries(user=user, annual_return=annual_return, entries=entries, reason=reason)
    lines = [line for line in annual_return.all_lines if line.key in shown]
    if not_submittable := [line for line in lines if not line.is_submittable]:
        raise _changed_since_confirmation(not_submittable)
    _submit_lines(user=user, annual_return=annual_return, lines=lines, request=request)
    return outcomes, lines


def _changed_since_confirmation(lines: list[Line]) -> ReturnRejected:
    names = "、".join(f"「{line.label}」" for line in lines)
    outcomes = []
    for line in lines:
        outcome = Outcome(
            line=line, entry=Entry(key=line.key, value=line.value), state=ERROR, conflict=True
        )
        outcome.errors.append(
            "確認画面を開いた後に、この値が変更されました（現在の値: "
            f"{shown_value(line.value)}、状態: {line.state_label}）。"
        )
        outcomes.append(outcome)
    return ReturnRejected(
        f"確認画面を開いた後に{names}が変更されたため、提出できませんでした。",
        outcomes=outcomes,
    )


@transaction.atomic
def take_back(*, user, annual_return: AnnualReturn, key: str, version: int) -> Line:
    """Take a submitted figure back to draft before the secretariat decides (取り下げ),
    at the version the page showed. Refused (nothing changed) once it was approved,
    returned or changed."""
    _require(permissions.can_take_back(user, annual_return.reporter, annual_return.reporting_year))
    _lock_figures(annual_return)
    line = annual_return.line(key)
    if line is None or line.figure is None:
        raise ReturnRejected("取り下げる値が見つかりません。")
    figure = line.figure
    if figure.version != version or figure.status != FigureStatus.SUBMITTED:
        raise ReturnRejected(
            f"「{line.label}」は画面を開いた後に{figure.get_status_display()}になっています"
            f"（現在の値: {shown_value(figure.working_value)}）。"
        )
    figure.status = FigureStatus.DRAFT
    figure.submitted_at = None
    _save(figure, user=user, reason="提出の取り下げ")
    return line


# ---------------------------------------------------------------------------
# Single figures (admin)


@transaction.atomic
def approve_figures(*, user, figures: list[Figure], request=None) -> tuple[int, int, int]:
    """Approve the submitted ones among ``figures``, each only at the version the caller
    had (``figure.version``: what the secretariat was shown); the towns are told by e-mail.

    Returns (approved, not submitted, changed since): a figure submitted again, or
    changed in any way, after the caller read it is left for a fresh look.
    """
    _require(roles.can_review(user))
    approved: list[Figure] = []
    not_submitted = changed = 0
    for seen in figures:
        figure = type(seen).objects.select_for_update().get(pk=seen.pk)
        if figure.version != seen.version:
            changed += 1
        elif figure.status != FigureStatus.SUBMITTED:
            not_submitted += 1
        else:
            _approve(figure, user=user)
            approved.append(figure)
    if approved:
        transaction.on_commit(
            lambda: notifications.figures_approved_in_admin(figures=approved, request=request),
            robust=True,
        )
    return len(approved), not_submitted, changed


@transaction.atomic
def save_figure(*, user, figure: Figure, expected_version: int | None, reason: str = "") -> Figure:
    """The secretariat's change of one figure in the admin (add or change)."""
    _require(permissions.can_change_figure_in_admin(user, figure))
    if figure.pk is not None:
        current = type(figure).objects.select_for_update().get(pk=figure.pk)
        if expected_version is not None and current.version != expected_version:
            raise ValidationError(conflict_message(current))
        figure.version = current.version
        value_changed = current.working_value != figure.working_value
        if value_changed and figure.status in (FigureStatus.APPROVED, FigureStatus.RETURNED):
            figure.status = FigureStatus.DRAFT
    reporting_year = reporting_year_of(figure)
    if permissions.needs_change_reason(user, reporting_year) and not reason.strip():
        raise ValidationError("締め済みの年度です。変更の理由を入力してください。")
    _save(figure, user=user, reason=reason.strip() or "管理画面で変更")
    return figure


def conflict_message(current: Figure) -> str:
    who = current.updated_by.username if current.updated_by else "ほかの人"
    return (
        f"この値は、画面を開いた後に {who} さんが変更しました（現在の値: "
        f"{shown_value(current.working_value)}）。"
        "画面を開き直して、現在の値を確かめてから変更してください。"
    )


# ---------------------------------------------------------------------------
# Reporting years


@transaction.atomic
def lock_year(*, user, reporting_year: ReportingYear) -> ReportingYear:
    _require(roles.can_manage(user))
    reporting_year = ReportingYear.objects.select_for_update().get(pk=reporting_year.pk)
    reporting_year.is_locked = True
    reporting_year.locked_at = timezone.now()
    reporting_year.locked_by = user
    reporting_year.full_clean()
    reporting_year.save()
    return reporting_year


@transaction.atomic
def unlock_year(*, user, reporting_year: ReportingYear) -> ReportingYear:
    _require(roles.can_manage(user))
    reporting_year = ReportingYear.objects.select_for_update().get(pk=reporting_year.pk)
    reporting_year.is_locked = False
    reporting_year.locked_at = None
    reporting_year.locked_by = None
    reporting_year.full_clean()
    reporting_year.save()
    return reporting_year


def reporting_year_of(figure: Figure) -> ReportingYear | None:
    if isinstance(figure, KPIActual):
        vision_id = figure.kpi.program.item.category.policy_field.vision_id
    else:
        vision_id = figure.program.item.category.policy_field.vision_id
    return ReportingYear.objects.filter(vision_id=vision_id, fiscal_year=figure.fiscal_year).first()


# ---------------------------------------------------------------------------
# Internals


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _set_value(figure: Figure, value: Decimal | str | None, *, comment: str | None) -> None:
    if isinstance(figure, TownActivity):
        value = value or ""  # a text: blank is "" in the table (no NULL text)
    elif isinstance(figure, CostShare) and value is not None:
        value = int(value)
    figure.working_value = value
    if comment is not None:
        figure.comment = comment
    if figure.status in (FigureStatus.APPROVED, FigureStatus.RETURNED):
        figure.status = FigureStatus.DRAFT


def _approve(figure: Figure, *, user) -> None:
    figure.public_value = figure.working_value
    figure.status = FigureStatus.APPROVED
    figure.return_reason = ""
    if figure.working_value in (None, ""):
        # A proposal of no value (値なしの提案): nothing of the figure stays public. The
        # published() querysets select on approved_at, so it goes with the value; who
        # approved the withdrawal and when is in the history.
        figure.approved_at = None
        figure.approved_by = None
        _save(figure, user=user, reason="承認（値なし）")
        return
    figure.approved_at = timezone.now()
    figure.approved_by = user
    _save(figure, user=user, reason="承認")


def _return(figure: Figure, *, user, reason: str) -> None:
    figure.status = FigureStatus.RETURNED
    figure.return_reason = reason
    _save(figure, user=user, reason=f"差戻し: {reason}")


def _stamp(figure: Figure, *, user, reason: str) -> None:
    """The next version, who changed it, and the user and reason for the history row."""
    figure.version = 1 if figure.pk is None else figure.version + 1
    figure.updated_by = user
    figure._history_user = user
    figure._change_reason = reason[:100]


def _save(figure: Figure, *, user, reason: str) -> None:
    """Bump the version, validate, save with the user and reason in the history.

    A first entry that somebody else made at the same moment (their row committed
    after this transaction read the return) is refused with their figure as
    ``ReturnRejected.current``: ``full_clean`` finds it when it has already
    committed, the unique constraint when both transactions insert at once.
    """
    _stamp(figure, user=user, reason=reason)
    try:
        figure.full_clean()
        with transaction.atomic():
            figure.save()
    except (ValidationError, IntegrityError) as exc:
        current = _existing(figure) if figure.pk is None else None
        if current is not None:
            raise ReturnRejected(conflict_message(current), current=current) from exc
        if isinstance(exc, ValidationError):
            raise
        raise ReturnRejected(
            "ほかの人が同時に同じ値を保存しました。画面を開き直してください。"
        ) from exc


def _save_in_bulk(writes: list[Outcome], *, user, reason: str) -> bool:
    """Save the figures of ``writes`` in bulk, exactly as ``_save`` would one by one.

    The same versions, ``updated_by``, history rows (one per figure, with the user and
    the reason) and checks: each figure is validated as ``full_clean`` does, its foreign
    keys in one query per key, its unique constraints by the database itself. When any
    of that fails (typically a first entry that somebody else committed after this
    transaction read the return) nothing is kept and False is returned: the caller then
    saves figure by figure, which refuses with the precise message. The return's lines
    get their new figures only when everything is written.

    Bulk writes send no ``post_save`` signal: the public page cache is told here.
    """
    now = timezone.now()
    written: list[tuple[Line, Figure]] = []
    for outcome in writes:
        line = outcome.line
        figure = copy.copy(line.figure) if line.figure is not None else line.new_figure()
        _set_value(figure, outcome.entry.value, comment=outcome.entry.comment)
        _stamp(figure, user=user, reason=reason)
        figure.updated_at = now  # auto_now: save() sets it, an UPDATE does not
        try:
            figure.full_clean(
                exclude=[f.name for f in _foreign_keys(type(figure))],
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError:
            return False
        written.append((line, figure))
    figures = [figure for _line, figure in written]
    if not _foreign_keys_exist(figures):
        return False
    try:
        with transaction.atomic():
            for model in FIGURE_MODELS:
                new = sorted(
                    (f for f in figures if type(f) is model and f.pk is None), key=_identity
                )
                changed = [f for f in figures if type(f) is model and f.pk is not None]
                if new:
                    bulk_create_with_history(new, model, batch_size=BULK_BATCH)
                if changed:
                    _update_each(changed, model)
    except IntegrityError:
        return False
    for line, figure in written:
        line.figure = figure
    bump_public_version_on_commit()
    return True


def _update_each(figures: list[Figure], model) -> None:
    """One UPDATE per figure (Django's bulk_update builds a CASE per field and figure, five
    times slower in Python than this), then their history rows in bulk."""
    fields = [model.value_field, *BULK_UPDATE_FIELDS]
    for figure in figures:
        model._base_manager.filter(pk=figure.pk).update(
            **{name: getattr(figure, name) for name in fields}
        )
    get_history_manager_for_model(model).bulk_history_create(
        figures, batch_size=BULK_BATCH, update=True
    )


def _foreign_keys(model) -> list[models.ForeignKey]:
    return [f for f in model._meta.concrete_fields if isinstance(f, models.ForeignKey)]


def _foreign_keys_exist(figures: list[Figure]) -> bool:
    """What ``full_clean`` checks for every foreign key, in one query per key and batch."""
    wanted: dict[tuple, set] = defaultdict(set)
    for figure in figures:
        for field in _foreign_keys(type(figure)):
            value = getattr(figure, field.attname)
            if value is not None:
                wanted[field.remote_field.model, field.remote_field.field_name].add(value)
    for (model, name), values in wanted.items():
        values = sorted(values)
        for start in range(0, len(values), BULK_BATCH):
            batch = values[start : start + BULK_BATCH]
            if model._base_manager.filter(**{f"{name}__in": batch}).count() != len(batch):
                return False
    return True


def _identity(figure: Figure) -> tuple:
    """The unique key of a figure of one return: first entries are inserted in this order in
    every transaction, so two imports of the same figures wait for each other, never deadlock."""
    if isinstance(figure, CostShare):
        return (figure.program_id, figure.kind)
    if isinstance(figure, TownActivity):
        return (figure.program_id,)
    return (figure.kpi_id, figure.municipality_id or 0)


def _existing(figure: Figure) -> Figure | None:
    """The saved figure with the identity of an unsaved one (program or KPI, town, year, kind)."""
    if isinstance(figure, CostShare):
        identity = {"program_id": figure.program_id, "kind": figure.kind}
    elif isinstance(figure, TownActivity):
        identity = {"program_id": figure.program_id}
    else:
        identity = {"kpi_id": figure.kpi_id}
    return (
        type(figure)
        .objects.select_related("updated_by")
        .filter(**identity, municipality_id=figure.municipality_id, fiscal_year=figure.fiscal_year)
        .first()
    )


def _lock_figures(annual_return: AnnualReturn) -> None:
    """Re-read the return's figures inside the transaction, with a row lock."""
    year = annual_return.fiscal_year
    share_lines = annual_return.share_lines
    kpi_lines = annual_return.kpi_lines
    if share_lines:
        shares = {
            (s.program_id, s.kind): s
            for s in CostShare.objects.select_for_update(of=("self",))
            .order_by()
            .filter(
                municipality=annual_return.reporter,
                fiscal_year=year,
                kind__in=[CostShare.Kind.BUDGET, CostShare.Kind.SETTLEMENT],
                program__in=sorted({line.program.pk for line in share_lines}),
            )
        }
        for line in share_lines:
            line.attach(shares.get((line.program.pk, line.kind)))
    if kpi_lines:
        condition = reduce(
            or_,
            [
                models.Q(kpi=line.kpi, municipality=line.municipality)
                if line.municipality is not None
                else models.Q(kpi=line.kpi, municipality__isnull=True)
                for line in kpi_lines
            ],
        )
        actuals = {
            (a.kpi_id, a.municipality_id): a
            for a in KPIActual.objects.select_for_update(of=("self",))
            .order_by()
            .filter(condition, fiscal_year=year)
        }
        for line in kpi_lines:
            key = (line.kpi.pk, None if line.municipality is None else line.municipality.pk)
            line.attach(actuals.get(key))
    if annual_return.activities:
        activities = {
            a.program_id: a
            for a in TownActivity.objects.select_for_update(of=("self",))
            .order_by()
            .filter(
                municipality=annual_return.reporter,
                fiscal_year=year,
                program__in=sorted({line.program.pk for line in annual_return.activities}),
            )
        }
        for line in annual_return.activities:
            line.attach(activities.get(line.program.pk))
