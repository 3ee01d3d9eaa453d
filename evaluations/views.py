"""The secretariat's pages of the yearly evaluation (進行管理), mounted at /evaluation/.

- ``index``: the reporting years of the current vision.
- ``year``: the completeness screen of a fiscal year: per program (by policy field), which
  participating towns have written their 取組状況, the sheet's state, and which KPIs still
  lack a 要因分析.
- ``sheet``: one program's sheet (事業評価シート): the towns' 取組状況 (read-only), each
  KPI's judgement with its 要因分析 and 改善策, the sheet's fields, evidence and history;
  ``start``, ``submit``, ``send_back``, ``approve`` and ``upload`` act on it.
- ``evidence_download``: an evidence file, for the secretariat and reviewers.

Who: ``evaluations.permissions``. Outsiders (officers, users without a role) get 404;
reviewers read every page and get 403 on every write. Every write goes through
``evaluations.services`` with the version the page showed; a refusal
(``EvaluationRejected``) is shown on the page in Japanese with what was typed, and nothing
is saved. A locked year is shown read-only.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from evaluations import permissions, services
from evaluations.evidence import discard, evidence_response
from evaluations.forms import EvidenceForm, ReturnForm, SheetForm, StartForm, VersionForm
from evaluations.models import (
    Direction,
    EvaluationRating,
    Evidence,
    ProgramEvaluation,
    TownActivity,
)
from evaluations.selectors import (
    NOT_STARTED,
    STATE_LABELS,
    STATE_SYMBOLS,
    ProgramRow,
    TownRow,
    kpi_years,
    program_rows,
)
from programs.models import Program
from vision.models import PlanRevision, ReportingYear, Vision
from vision.selectors import current_vision

NOT_FOUND = "この評価は見つかりません。"


# ---------------------------------------------------------------------------
# Lookups


def _year(request, fiscal_year: int) -> tuple[Vision, ReportingYear]:
    """The current vision and its reporting year, if the user may read the evaluation."""
    vision = current_vision()
    if not permissions.can_read_evaluations(request.user):
        raise Http404(NOT_FOUND)
    reporting_year = ReportingYear.objects.filter(vision=vision, fiscal_year=fiscal_year).first()
    if reporting_year is None:
        raise Http404(NOT_FOUND)
    return vision, reporting_year


def _program(vision: Vision, fiscal_year: int, program_pk: int) -> Program:
    """A program of the vision that runs in the year; 404 otherwise."""
    program = get_object_or_404(
        Program.objects.select_related("item__category__policy_field"),
        pk=program_pk,
        item__category__policy_field__vision=vision,
    )
    if not program.runs_in_year(fiscal_year):
        raise Http404(NOT_FOUND)
    return program


def _require_write(request) -> None:
    if not permissions.can_write_evaluations(request.user):
        raise PermissionDenied("評価を変更できるのは事務局だけです。")


def _sheet_of(program: Program, fiscal_year: int) -> ProgramEvaluation | None:
    return (
        ProgramEvaluation.objects.filter(program=program, fiscal_year=fiscal_year)
        .select_related("rating", "revision", "updated_by", "approved_by")
        .first()
    )


def sheet_url(fiscal_year: int, program: Program) -> str:
    return reverse("evaluations:sheet", args=[fiscal_year, program.pk])


def _by_policy_field(rows: list[ProgramRow]) -> list[dict]:
    groups: list[dict] = []
    for row in rows:
        policy_field = row.program.item.category.policy_field
        if not groups or groups[-1]["policy_field"] != policy_field:
            groups.append({"policy_field": policy_field, "rows": []})
        groups[-1]["rows"].append(row)
    return groups


@login_required
@require_GET
def index(request):
    vision = current_vision()
    if not permissions.can_read_evaluations(request.user):
        raise Http404(NOT_FOUND)
    years = []
    for reporting_year in ReportingYear.objects.filter(vision=vision).order_by("-fiscal_year"):
        fiscal_year = reporting_year.fiscal_year
        counts = dict(
            ProgramEvaluation.objects.filter(
                program__item__category__policy_field__vision=vision, fiscal_year=fiscal_year
            )
            .values_list("status")
            .annotate(n=Count("pk"))
            .values_list("status", "n")
        )
        programs = (
            Program.objects.filter(item__category__policy_field__vision=vision)
            .running_in(fiscal_year)
            .count()
        )
        counts[NOT_STARTED] = max(programs - sum(counts.values()), 0)
        years.append(
            {
                "reporting_year": reporting_year,
                "programs": programs,
                "counts": [
                    {
                        "state": state,
                        "label": label,
                        "symbol": STATE_SYMBOLS[state],
                        "count": counts[state],
                    }
                    for state, label in STATE_LABELS.items()
                    if counts.get(state)
                ],
            }
        )
    return render(request, "evaluations/index.html", {"vision": vision, "years": years})


@login_required
@require_GET
def year(request, fiscal_year: int):
    vision, reporting_year = _year(request, fiscal_year)
    rows = program_rows(vision, fiscal_year)
    return render(
        request,
        "evaluations/year.html",
        {
            "vision": vision,
            "reporting_year": reporting_year,
            "fiscal_year": fiscal_year,
            "groups": _by_policy_field(rows),
            "total": len(rows),
            "approved": sum(1 for row in rows if row.is_approved),
            "lacking": sum(1 for row in rows if row.missing_kpis),
            "towns_missing": sum(len(row.towns_missing) for row in rows),
        },
    )


# ---------------------------------------------------------------------------
# The sheet


@dataclass
class HistoryEntry:
    when: object
    who: str
    reason: str
    changes: list[str]


# What the history describes, in the order the sheet shows it: a field and the attribute
# its value is read from. The written fields are named (not quoted) when they change.
HISTORY_FIELDS = [
    ("status", "status"),
    ("done", "done"),
    ("results", "results"),
    ("issues", "issues"),
    ("direction", "direction"),
    ("direction_reason", "direction_reason"),
    ("rating", "rating_id"),
    ("revision", "revision_id"),
    ("return_reason", "return_reason"),
]
WRITTEN_FIELDS = {"done", "results", "issues", "direction_reason", "return_reason"}


def _history(evaluation: ProgramEvaluation | None) -> list[HistoryEntry]:
    """The sheet's saves, newest first: who, when, why, and which fields changed."""
    if evaluation is None:
        return []
    records = list(
        evaluation.history.select_related("history_user").order_by("-history_date", "-history_id")
    )
    ratings = {r.pk: str(r) for r in EvaluationRating.objects.all()}
    revisions = {
        r.pk: r.title
        for r in PlanRevision.objects.filter(
            pk__in={record.revision_id for record in records if record.revision_id}
        )
    }
    shown = {
        "status": lambda value: STATE_LABELS.get(value, value),
        "direction": lambda value: Direction(value).label if value else "未選択",
        "rating": lambda value: ratings.get(value, "削除された区分") if value else "未選択",
        "revision": lambda value: revisions.get(value, "削除された変更") if value else "なし",
    }
    entries = []
    for index, record in enumerate(records):
        previous = records[index + 1] if index + 1 < len(records) else None
        changes = []
        for name, attribute in HISTORY_FIELDS:
            label = str(ProgramEvaluation._meta.get_field(name).verbose_name)
            value = getattr(record, attribute)
            before = None if previous is None else getattr(previous, attribute)
            if value == before or (previous is None and value in (None, "")):
                continue
            if name in WRITTEN_FIELDS:
                changes.append(f"{label}を{'記入' if previous is None else '変更'}")
            elif previous is None:
                changes.append(f"{label}：{shown[name](value)}")
            else:
                changes.append(f"{label}：{shown[name](before)} → {shown[name](value)}")
        entries.append(
            HistoryEntry(
                when=record.history_date,
                who=record.history_user.get_username() if record.history_user else "−",
                reason=record.history_change_reason or "",
                changes=changes,
            )
        )
    return entries


def _render_sheet(
    request,
    *,
    vision: Vision,
    reporting_year: ReportingYear,
    program: Program,
    evaluation: ProgramEvaluation | None,
    form: SheetForm | None = None,
    return_form: ReturnForm | None = None,
    evidence_form: EvidenceForm | None = None,
    conflict: bool = False,
    status: int = 200,
):
    fiscal_year = reporting_year.fiscal_year
    user = request.user
    can_write = permissions.can_write_evaluations(user)
    locked = reporting_year.is_locked
    editable = can_write and not locked
    rows = kpi_years(program, fiscal_year)
    analyses = {}
    if evaluation is not None:
        analyses = {a.kpi_id: a for a in evaluation.analyses.all()}
    if editable and evaluation is not None and form is None:
        form = SheetForm(initial=SheetForm.initial_for(evaluation), kpi_rows=rows, vision=vision)
    fields = {} if form is None else {f["row"].kpi.pk: f for f in form.kpi_fields()}
    kpis = [
        {
            "row": row,
            "analysis": analyses.get(row.kpi.pk),
            "missing": row.needs_analysis
            and not (row.kpi.pk in analyses and analyses[row.kpi.pk].is_written),
            "fields": fields.get(row.kpi.pk),
        }
        for row in rows
    ]
    if editable and evaluation is not None:
        return_form = return_form or ReturnForm(initial={"version": evaluation.version})
        evidence_form = evidence_form or EvidenceForm()
    participants = sorted(program.participants.all(), key=lambda m: (m.sort_order, m.code))
    activities = {
        a.municipality_id: a
        for a in TownActivity.objects.filter(program=program, fiscal_year=fiscal_year)
    }
    previous = (
        ProgramEvaluation.objects.filter(program=program, fiscal_year__lt=fiscal_year)
        .order_by("-fiscal_year")
        .first()
    )
    state = NOT_STARTED if evaluation is None else evaluation.status
    context = {
        "vision": vision,
        "reporting_year": reporting_year,
        "fiscal_year": fiscal_year,
        "program": program,
        "policy_field": program.item.category.policy_field,
        "evaluation": evaluation,
        "state": state,
        "state_label": STATE_LABELS[state],
        "state_symbol": STATE_SYMBOLS[state],
        "towns": [TownRow(m, activities.get(m.pk)) for m in participants],
        "kpis": kpis,
        "missing": [k for k in kpis if k["missing"]],
        "form": form,
        "return_form": return_form,
        "evidence_form": evidence_form,
        "evidence": [] if evaluation is None else list(evaluation.evidence.all()),
        "history": _history(evaluation),
        "previous": previous,
        "can_write": can_write,
        "locked": locked,
        "editable": editable,
        "conflict": conflict,
        "direction_label": ""
        if evaluation is None or not evaluation.direction
        else Direction(evaluation.direction).label,
    }
    return render(request, "evaluations/sheet.html", context, status=status)


def _open_sheet(request, fiscal_year: int, program_pk: int):
    vision, reporting_year = _year(request, fiscal_year)
    program = _program(vision, fiscal_year, program_pk)
    return vision, reporting_year, program, _sheet_of(program, fiscal_year)


def _refused(request, rejected, *, saved: str = "何も保存していません。") -> None:
    messages.error(request, f"{rejected.message} {saved}")


def _invalid(request, error: ValidationError) -> None:
    messages.error(
        request, f"保存できませんでした：{'、'.join(error.messages)} 何も保存していません。"
    )


@login_required
@require_http_methods(["GET", "POST"])
def sheet(request, fiscal_year: int, program_pk: int):
    """GET: the sheet. POST (保存): its fields and the KPIs' analyses, at the version shown."""
    vision, reporting_year, program, evaluation = _open_sheet(request, fiscal_year, program_pk)
    context = {
        "vision": vision,
        "reporting_year": reporting_year,
        "program": program,
        "evaluation": evaluation,
    }
    if request.method == "GET":
        return _render_sheet(request, **context)
    _require_write(request)
    if evaluation is None:
        messages.error(request, "評価シートがまだ作成されていません。先に作成してください。")
        return redirect(sheet_url(fiscal_year, program))
    rows = kpi_years(program, fiscal_year)
    form = SheetForm(request.POST, kpi_rows=rows, vision=vision)
    if not form.is_valid():
        messages.error(request, "入力に誤りがあります。何も保存していません。")
        return _render_sheet(request, **context, form=form, status=400)
    shown = form.cleaned_data["version"]
    try:
        services.save_sheet(
            user=request.user,
            evaluation=evaluation,
            data=form.sheet_data(),
            analyses=form.analyses({a.kpi_id for a in evaluation.analyses.all()}),
            expected_version=shown,
        )
    except services.EvaluationRejected as rejected:
        _refused(request, rejected)
        fresh = _sheet_of(program, fiscal_year)
        conflict = fresh.version != shown
        if conflict:
            # What was typed stays in the form; the page shows the saved sheet beside it,
            # and saving again knowingly replaces it.
            data = request.POST.copy()
            data["version"] = str(fresh.version)
            form = SheetForm(data, kpi_rows=rows, vision=vision)
            form.is_valid()
        return _render_sheet(
            request,
            **{**context, "evaluation": fresh},
            form=form,
            conflict=conflict,
            status=409 if conflict else 400,
        )
    except ValidationError as error:
        _invalid(request, error)
        return _render_sheet(request, **context, form=form, status=400)
    messages.success(request, "評価シートを保存しました（下書き）。")
    return redirect(sheet_url(fiscal_year, program))


@login_required
@require_POST
def start(request, fiscal_year: int, program_pk: int):
    """作成する / 前年度から作成する: the sheet, when it does not exist yet."""
    vision, reporting_year, program, evaluation = _open_sheet(request, fiscal_year, program_pk)
    _require_write(request)
    if evaluation is not None:
        messages.info(request, "評価シートはすでに作成されています。")
        return redirect(sheet_url(fiscal_year, program))
    form = StartForm(request.POST)
    copy_forward = form.is_valid() and form.cleaned_data["copy_forward"]
    try:
        evaluation = services.start_sheet(
            user=request.user, program=program, fiscal_year=fiscal_year, copy_forward=copy_forward
        )
    except services.EvaluationRejected as rejected:
        _refused(request, rejected, saved="作成していません。")
        return _render_sheet(
            request,
            vision=vision,
            reporting_year=reporting_year,
            program=program,
            evaluation=None,
            status=400,
        )
    if evaluation.copied_from_year:
        messages.success(
            request,
            f"{evaluation.copied_from_year}年度の評価から複写して作成しました。"
            "内容を今年度に合わせて直してから保存してください。",
        )
    else:
        messages.success(request, "評価シートを作成しました。")
    return redirect(sheet_url(fiscal_year, program))


def _decide(request, fiscal_year: int, program_pk: int, *, form_class, act, done: str):
    """提出・差し戻す・承認: one service call at the version the page showed."""
    vision, reporting_year, program, evaluation = _open_sheet(request, fiscal_year, program_pk)
    _require_write(request)
    if evaluation is None:
        raise Http404(NOT_FOUND)
    form = form_class(request.POST)
    context = {
        "vision": vision,
        "reporting_year": reporting_year,
        "program": program,
        "evaluation": evaluation,
    }
    return_form = form if form_class is ReturnForm else None
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, f"{error} 何も変更していません。")
        return _render_sheet(request, **context, return_form=return_form, status=400)
    shown = form.cleaned_data["version"]
    try:
        act(evaluation=evaluation, expected_version=shown, data=form.cleaned_data)
    except services.EvaluationRejected as rejected:
        _refused(request, rejected, saved="何も変更していません。")
        fresh = _sheet_of(program, fiscal_year)
        conflict = fresh.version != shown
        if return_form is not None and conflict:
            data = request.POST.copy()
            data["version"] = str(fresh.version)
            return_form = ReturnForm(data)
        return _render_sheet(
            request,
            **{**context, "evaluation": fresh},
            return_form=return_form,
            conflict=conflict,
            status=409 if conflict else 400,
        )
    except ValidationError as error:
        _invalid(request, error)
        return _render_sheet(request, **context, return_form=return_form, status=400)
    messages.success(request, done)
    return redirect(sheet_url(fiscal_year, program))


@login_required
@require_POST
def submit(request, fiscal_year: int, program_pk: int):
    return _decide(
        request, fiscal_year, program_pk,
        form_class=VersionForm,
        act=lambda evaluation, expected_version, data: services.submit_sheet(
            user=request.user, evaluation=evaluation, expected_version=expected_version
        ),
        done="評価シートを提出しました。承認を待っています。",
    )  # fmt: skip


@login_required
@require_POST
def send_back(request, fiscal_year: int, program_pk: int):
    return _decide(
        request, fiscal_year, program_pk,
        form_class=ReturnForm,
        act=lambda evaluation, expected_version, data: services.return_sheet(
            user=request.user, evaluation=evaluation, reason=data["reason"],
            expected_version=expected_version,
        ),
        done="評価シートを差し戻しました。",
    )  # fmt: skip


@login_required
@require_POST
def approve(request, fiscal_year: int, program_pk: int):
    return _decide(
        request, fiscal_year, program_pk,
        form_class=VersionForm,
        act=lambda evaluation, expected_version, data: services.approve_sheet(
            user=request.user, evaluation=evaluation, expected_version=expected_version
        ),
        done="評価シートを承認しました。承認した内容が公開ページに載ります。",
    )  # fmt: skip


@login_required
@require_POST
def upload(request, fiscal_year: int, program_pk: int):
    """根拠資料を登録する: the file is checked by its content before anything is stored."""
    vision, reporting_year, program, evaluation = _open_sheet(request, fiscal_year, program_pk)
    _require_write(request)
    if evaluation is None:
        raise Http404(NOT_FOUND)
    context = {
        "vision": vision,
        "reporting_year": reporting_year,
        "program": program,
        "evaluation": evaluation,
    }
    form = EvidenceForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "根拠資料を登録できませんでした。何も保存していません。")
        return _render_sheet(request, **context, evidence_form=form, status=400)
    upload = form.cleaned_data["upload"]
    try:
        services.add_evidence(
            user=request.user,
            evaluation=evaluation,
            upload=upload,
            title=form.cleaned_data["title"],
            is_public=form.cleaned_data["is_public"],
        )
    except services.EvaluationRejected as rejected:
        discard(upload)
        _refused(request, rejected)
        return _render_sheet(request, **context, evidence_form=form, status=400)
    except ValidationError as error:
        discard(upload)
        _invalid(request, error)
        return _render_sheet(request, **context, evidence_form=form, status=400)
    except Exception:
        discard(upload)
        raise
    messages.success(request, f"根拠資料「{form.cleaned_data['title']}」を登録しました。")
    return redirect(f"{sheet_url(fiscal_year, program)}#evidence")


@login_required
@require_GET
def evidence_download(request, token: str):
    """An evidence file, public or internal, for the secretariat and reviewers."""
    vision = current_vision()
    if not permissions.can_read_evaluations(request.user):
        raise Http404(NOT_FOUND)
    evidence = get_object_or_404(
        Evidence.objects.select_related("evaluation"),
        token=token,
        evaluation__program__item__category__policy_field__vision=vision,
    )
    try:
        response = evidence_response(evidence)
    except FileNotFoundError:
        raise Http404("ファイルが見つかりません。") from None
    patch_cache_control(response, private=True, no_store=True)
    return response
