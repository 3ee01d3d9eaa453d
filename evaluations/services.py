"""Every write of the yearly evaluation: keyword-only, one transaction, row locks,
version checks, the user and a reason in the history (as returns.services is for
figures). Views and the admin call these and nothing else writes a sheet.

Refusals raise ``EvaluationRejected`` with a message in Japanese; nothing is saved.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from core.models import FigureStatus
from evaluations import permissions
from evaluations.models import (
    CommitteeMeeting,
    Evidence,
    KPIAnalysis,
    ProgramEvaluation,
)
from evaluations.selectors import missing_analyses

SHEET_FIELDS = ("done", "results", "issues", "direction", "direction_reason", "rating")
# Saved from the sheet page, but not copied forward: a revision acts on one year's sheet.
LINK_FIELDS = ("revision",)
WRITTEN_FIELDS = ("done", "results", "issues", "direction_reason")


class EvaluationRejected(Exception):
    """Nothing was saved; ``message`` says why, in Japanese."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def vision_of(evaluation: ProgramEvaluation) -> int:
    return evaluation.program.item.category.policy_field.vision_id


def _require_change(user, vision_id: int, fiscal_year: int) -> None:
    if not permissions.can_write_evaluations(user):
        raise PermissionDenied
    if permissions.is_year_locked(vision_id, fiscal_year):
        raise EvaluationRejected(
            "この年度は締められています。事務局が締めを解除するまで変更できません。"
        )


def _locked(evaluation: ProgramEvaluation, expected_version: int | None) -> ProgramEvaluation:
    current = ProgramEvaluation.objects.select_for_update().get(pk=evaluation.pk)
    if expected_version is not None and current.version != expected_version:
        who = current.updated_by.get_username() if current.updated_by else "ほかの人"
        raise EvaluationRejected(
            f"この評価は、画面を開いた後に {who} さんが変更しました（版 {expected_version} → "
            f"{current.version}）。画面を開き直して、内容を確かめてからもう一度操作してください。"
        )
    return current


def _checked(obj) -> None:
    """full_clean, its errors as one EvaluationRejected in Japanese (field: message)."""
    try:
        obj.full_clean()
    except ValidationError as error:
        parts = []
        for name, messages in error.message_dict.items():
            label = obj._meta.get_field(name).verbose_name if name != "__all__" else ""
            parts += [f"{label}：{m}" if label else m for m in messages]
        raise EvaluationRejected(" ".join(parts)) from error


def _save(evaluation: ProgramEvaluation, *, user, reason: str) -> ProgramEvaluation:
    evaluation.version = 1 if evaluation.pk is None else evaluation.version + 1
    evaluation.updated_by = user
    evaluation._history_user = user
    evaluation._change_reason = reason[:100]
    _checked(evaluation)
    evaluation.save()
    return evaluation


@transaction.atomic
def start_sheet(*, user, program, fiscal_year: int, copy_forward: bool = False):
    """The sheet of ``program`` for ``fiscal_year``, created when it does not exist yet.

    ``copy_forward``: start from the previous year's text (marked 前年度から複写 until
    edited); without a previous sheet it starts empty.
    """
    vision_id = program.item.category.policy_field.vision_id
    _require_change(user, vision_id, fiscal_year)
    existing = ProgramEvaluation.objects.filter(program=program, fiscal_year=fiscal_year).first()
    if existing is not None:
        return existing
    evaluation = ProgramEvaluation(program=program, fiscal_year=fiscal_year)
    previous = (
        ProgramEvaluation.objects.filter(program=program, fiscal_year__lt=fiscal_year)
        .order_by("-fiscal_year")
        .first()
    )
    reason = "作成"
    if copy_forward and previous is not None:
        for name in SHEET_FIELDS:
            setattr(evaluation, name, getattr(previous, name))
        evaluation.copied_from_year = previous.fiscal_year
        reason = f"{previous.fiscal_year}年度から複写して作成"
    _save(evaluation, user=user, reason=reason)
    if copy_forward and previous is not None:
        KPIAnalysis.objects.bulk_create(
            KPIAnalysis(evaluation=evaluation, kpi_id=a.kpi_id, cause=a.cause, remedy=a.remedy)
            for a in previous.analyses.all()
        )
    return evaluation


@transaction.atomic
def save_sheet(
    *,
    user,
    evaluation: ProgramEvaluation,
    data: dict,
    analyses: dict[int, tuple[str, str]],
    expected_version: int | None,
) -> ProgramEvaluation:
    """Save the sheet's text and its KPIs' 要因分析 (``analyses``: KPI pk → (cause, remedy)).

    A submitted or approved sheet goes back to draft (the approved text stays public
    until the sheet is approved again). Only KPIs of the sheet's program are accepted.
    """
    _require_change(user, vision_of(evaluation), evaluation.fiscal_year)
    evaluation = _locked(evaluation, expected_version)
    for name in (*SHEET_FIELDS, *LINK_FIELDS):
        if name in data:
            setattr(evaluation, name, data[name])
    evaluation.copied_from_year = None
    if evaluation.status != FigureStatus.DRAFT:
        evaluation.status = FigureStatus.DRAFT
    kpi_ids = set(evaluation.program.kpis.values_list("pk", flat=True))
    unknown = set(analyses) - kpi_ids
    if unknown:
        raise EvaluationRejected("この事業の成果指標ではない指標の要因分析は保存できません。")
    _save(evaluation, user=user, reason="保存")
    current = {a.kpi_id: a for a in evaluation.analyses.select_for_update()}
    for kpi_id, (cause, remedy) in analyses.items():
        analysis = current.get(kpi_id) or KPIAnalysis(evaluation=evaluation, kpi_id=kpi_id)
        if analysis.pk and (analysis.cause, analysis.remedy) == (cause, remedy):
            continue
        analysis.cause, analysis.remedy = cause, remedy
        analysis._history_user = user
        _checked(analysis)
        analysis.save()
    return evaluation


@transaction.atomic
def submit_sheet(*, user, evaluation: ProgramEvaluation, expected_version: int | None):
    _require_change(user, vision_of(evaluation), evaluation.fiscal_year)
    evaluation = _locked(evaluation, expected_version)
    if evaluation.status not in (FigureStatus.DRAFT, FigureStatus.RETURNED):
        raise EvaluationRejected("この評価は提出済みか承認済みです。")
    blank = [
        ProgramEvaluation._meta.get_field(name).verbose_name
        for name in WRITTEN_FIELDS
        if not getattr(evaluation, name).strip()
    ]
    if not evaluation.direction:
        blank.append("今後の方向性")
    if evaluation.rating_id is None:
        blank.append("評価")
    if blank:
        raise EvaluationRejected(f"次の欄を書いてから提出してください：{'、'.join(blank)}。")
    evaluation.status = FigureStatus.SUBMITTED
    evaluation.submitted_at = timezone.now()
    return _save(evaluation, user=user, reason="提出")


@transaction.atomic
def return_sheet(*, user, evaluation: ProgramEvaluation, reason: str, expected_version: int | None):
    _require_change(user, vision_of(evaluation), evaluation.fiscal_year)
    evaluation = _locked(evaluation, expected_version)
    reason = reason.strip()
    if not reason:
        raise EvaluationRejected("差し戻す理由を書いてください。")
    if evaluation.status != FigureStatus.SUBMITTED:
        raise EvaluationRejected("差し戻せるのは提出済みの評価だけです。")
    evaluation.status = FigureStatus.RETURNED
    evaluation.return_reason = reason
    return _save(evaluation, user=user, reason=f"差戻し: {reason}")


@transaction.atomic
def approve_sheet(*, user, evaluation: ProgramEvaluation, expected_version: int | None):
    """Approve a submitted sheet at the version shown; refused while a KPI that is
    behind (or has no data although due) lacks its 要因分析 and 改善策."""
    _require_change(user, vision_of(evaluation), evaluation.fiscal_year)
    evaluation = _locked(evaluation, expected_version)
    if evaluation.status != FigureStatus.SUBMITTED:
        raise EvaluationRejected("承認できるのは提出済みの評価だけです。")
    missing = missing_analyses(evaluation)
    if missing:
        names = "、".join(f"「{row.kpi.name}」（{row.reason}）" for row in missing)
        raise EvaluationRejected(
            f"次の成果指標の要因分析と改善策が書かれていないため、承認できません：{names}。"
        )
    now = timezone.now()
    evaluation.status = FigureStatus.APPROVED
    evaluation.return_reason = ""
    evaluation.approved_at = now
    evaluation.approved_by = user
    evaluation.approved_content = approved_content(evaluation)
    return _save(evaluation, user=user, reason="承認")


def approved_content(evaluation: ProgramEvaluation) -> dict:
    """What the public sees of an approved sheet (a copy: later edits do not show)."""
    rating = evaluation.rating
    return {
        "done": evaluation.done,
        "results": evaluation.results,
        "issues": evaluation.issues,
        "direction": evaluation.direction,
        "direction_reason": evaluation.direction_reason,
        "rating": None
        if rating is None
        else {"code": rating.code, "label": rating.label, "label_en": rating.label_en},
        "analyses": [
            {"kpi": a.kpi_id, "cause": a.cause, "remedy": a.remedy}
            for a in evaluation.analyses.order_by("kpi__order")
            if a.cause.strip() or a.remedy.strip()
        ],
        "evidence": list(
            evaluation.evidence.filter(is_public=True).order_by("pk").values_list("pk", flat=True)
        ),
    }


@transaction.atomic
def add_evidence(*, user, evaluation: ProgramEvaluation, upload, title: str, is_public: bool):
    """Attach a checked file (``evaluations.evidence.checked_upload``) to a sheet."""
    _require_change(user, vision_of(evaluation), evaluation.fiscal_year)
    evidence = Evidence(
        evaluation=evaluation,
        title=title,
        is_public=is_public,
        uploaded_by=user,
        **upload,
    )
    try:
        evidence.full_clean(exclude=["file"])
    except ValidationError as error:
        raise EvaluationRejected(" ".join(error.messages)) from error
    evidence.save()
    return evidence


@transaction.atomic
def approve_meeting(*, user, meeting: CommitteeMeeting) -> CommitteeMeeting:
    """Publish a meeting's opinions with their responses (every opinion needs one)."""
    _require_change(user, meeting.vision_id, meeting.fiscal_year)
    meeting = CommitteeMeeting.objects.select_for_update().get(pk=meeting.pk)
    opinions = list(meeting.opinions.select_for_update().order_by("order"))
    if not opinions:
        raise EvaluationRejected("意見が一つもない懇談会は公表できません。")
    unanswered = [str(o.order) for o in opinions if not o.response.strip()]
    if unanswered:
        raise EvaluationRejected(
            f"意見 {'、'.join(unanswered)} に考え方・対応が書かれていないため、公表できません。"
        )
    now = timezone.now()
    for opinion in opinions:
        opinion.published_text = opinion.text
        opinion.published_response = opinion.response
        opinion.published_at = now
        opinion._history_user = user
        opinion._change_reason = "公表"
        opinion.save()
    meeting.approved_at = now
    meeting.approved_by = user
    meeting._history_user = user
    meeting._change_reason = "承認・公表"
    meeting.save()
    return meeting
