"""The annual return screens (年度報告): one town × one fiscal year.

Every view asks ``municipalities.roles`` and ``returns.permissions``: a return
the user may not open is a 404 (it does not exist for them); a write the user
may not make on a return they can read is a 403. Writes go through ``returns.services``.

The spreadsheet preview is kept server-side in the session (keyed by a random
token, bound to the user and the return); confirming re-checks permissions,
versions and every value before saving all rows or none.
"""

from __future__ import annotations

import secrets
from decimal import Decimal
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from core.japanese import NumberFormatError, fiscal_year_short, format_number
from core.models import FigureStatus
from evaluations.models import TEXT_LIMIT
from municipalities import roles
from municipalities.models import Municipality
from returns import history as figure_history
from returns import imports, permissions, services
from returns.annual import (
    AREA_CODE,
    LINE_STATES,
    MAX_COMMENT,
    NOT_STARTED,
    STATE_SYMBOLS,
    AnnualReturn,
    Entry,
    activity_problem,
    activity_text,
    attach_previous_returns,
    build_return,
    completeness,
    evaluate,
    not_open_yet,
    open_years,
    parse_entry_value,
    plausibility,
    reporter_code,
    text_problem,
    to_submit,
    totals,
)
from vision.models import ReportingYear, Vision
from vision.selectors import current_vision

SESSION_KEY = "returns_uploads"
MAX_PENDING_UPLOADS = 5


# ---------------------------------------------------------------------------
# Lookups


class YearNotOpen(Http404):
    """A year the secretariat has not opened yet (``annual.not_open_yet``): the return and
    the year's overview say so; every other view answers 404."""

    def __init__(self, fiscal_year: int):
        super().__init__("この年度の年度報告はまだ始まっていません。")
        self.fiscal_year = fiscal_year


def _reporting_year(vision: Vision, year: int) -> ReportingYear:
    reporting_year = ReportingYear.objects.filter(vision=vision, fiscal_year=year).first()
    if reporting_year is None:
        raise YearNotOpen(year) if not_open_yet(vision, year) else Http404
    return reporting_year


def _open(request, year: int, code: str) -> AnnualReturn:
    """The return, if the user may open it; 404 otherwise (also for a wrong town, whatever
    the year)."""
    vision = current_vision()
    if code == AREA_CODE:
        reporter = None
    else:
        reporter = get_object_or_404(Municipality, code=code, visions=vision)
    if not permissions.can_open_return(request.user, reporter):
        raise Http404("この年度報告は見つかりません。")
    reporting_year = _reporting_year(vision, year)
    return build_return(vision=vision, reporting_year=reporting_year, reporter=reporter)


def _year_not_open(request, fiscal_year: int):
    return render(
        request,
        "returns/year_not_open.html",
        {"fiscal_year": fiscal_year, "can_manage": roles.can_manage(request.user)},
    )


def _require_edit(request, ret: AnnualReturn) -> None:
    if not permissions.can_edit_return(request.user, ret.reporter, ret.reporting_year):
        raise PermissionDenied("この年度報告を変更する権限がありません。")


def _return_url(ret: AnnualReturn) -> str:
    return reverse("returns:return", args=[ret.fiscal_year, ret.code])


# ---------------------------------------------------------------------------
# Index and the year's overview


@login_required
def index(request):
    vision = current_vision()
    years = []
    for reporting_year in open_years(vision):
        returns = completeness(vision=vision, reporting_year=reporting_year, user=request.user)
        years.append({"reporting_year": reporting_year, "returns": returns})
    return render(
        request,
        "returns/index.html",
        {
            "vision": vision,
            "years": years,
            "can_read_all": roles.can_read_all(request.user),
            "can_manage": roles.can_manage(request.user),
            "states": LINE_STATES,
        },
    )


@login_required
def year_overview(request, year: int):
    vision = current_vision()
    if not roles.can_read_all(request.user):
        town = roles.officer_municipality(request.user)
        if town is None:
            raise Http404("この年度報告は見つかりません。")
        return redirect("returns:return", year, town.code)
    try:
        reporting_year = _reporting_year(vision, year)
    except YearNotOpen:
        return _year_not_open(request, year)
    returns = completeness(vision=vision, reporting_year=reporting_year, user=request.user)
    return render(
        request,
        "returns/year.html",
        {
            "vision": vision,
            "reporting_year": reporting_year,
            "returns": returns,
            "totals": totals(returns),
            "states": LINE_STATES,
            "symbols": STATE_SYMBOLS,
            "can_review": roles.can_review(request.user),
        },
    )


# ---------------------------------------------------------------------------
# The return form


def _shown(line, value, *, blank: str) -> str:
    """A line's value as the form shows it: a number as offices write it, a text as written."""
    if line.is_activity:
        return value or blank
    return format_number(value, blank=blank)


def _row_context(ret: AnnualReturn, user, posted=None, errors=None, warnings=None):
    """One dict per line for the template, with what was typed after a failed save."""
    posted = posted or {}
    errors = errors or {}
    warnings = warnings or {}
    can_edit_return = permissions.can_edit_return(user, ret.reporter, ret.reporting_year)
    rows = []
    for line in ret.all_lines:
        editable = can_edit_return and (
            line.figure is None or permissions.can_edit_figure(user, line.figure)
        )
        typed = posted.get(line.key)
        rows.append(
            {
                "line": line,
                "editable": editable,
                "input": typed["value"]
                if typed is not None
                else _shown(line, line.value, blank=""),
                "comment": typed["comment"] if typed is not None else line.comment,
                "version": typed["version"] if typed is not None else line.version,
                "errors": errors.get(line.key, []),
                "warnings": warnings.get(line.key, []),
                "last_year": _shown(line, line.last_year, blank="" if line.is_activity else "−"),
                "history_url": _history_url(ret, line),
            }
        )
    return rows


def _render_return(
    request, ret, *, posted=None, errors=None, warnings=None, status=200, summary=None
):
    rows = _row_context(ret, request.user, posted, errors, warnings)
    user = request.user
    context = {
        "ret": ret,
        "reporting_year": ret.reporting_year,
        "share_groups": _by_program([r for r in rows if r["line"].is_share]),
        "kpi_rows": [r for r in rows if r["line"].kpi is not None],
        "activity_rows": [r for r in rows if r["line"].is_activity],
        "text_limit": TEXT_LIMIT,
        "counts": ret.counts(),
        "states": LINE_STATES,
        "symbols": STATE_SYMBOLS,
        "can_edit": permissions.can_edit_return(user, ret.reporter, ret.reporting_year),
        "can_review": roles.can_review(user),
        "needs_reason": roles.is_secretariat(user)
        and permissions.needs_change_reason(user, ret.reporting_year),
        "returned": [r for r in rows if r["line"].state == FigureStatus.RETURNED],
        "waiting": [r for r in rows if r["line"].state == FigureStatus.SUBMITTED],
        "withdrawals": [r for r in rows if r["line"].is_withdrawal],
        "submitted_count": ret.counts()[FigureStatus.SUBMITTED],
        "can_take_back": permissions.can_take_back(user, ret.reporter, ret.reporting_year),
        "submittable_count": len(ret.submittable()),
        "summary": summary or [],
        "year_short": fiscal_year_short(ret.fiscal_year),
        "last_year_short": fiscal_year_short(ret.fiscal_year - 1),
        "max_upload_mb": imports.max_upload_bytes() // 1024 // 1024,
    }
    return render(request, "returns/return.html", context, status=status)


def _by_program(rows: list[dict]) -> list[dict]:
    """Budget and settlement rows of each program together, as on the paper form."""
    groups: list[dict] = []
    for row in rows:
        program = row["line"].program
        if not groups or groups[-1]["program"] != program:
            groups.append({"program": program, "plan": row["line"].plan_kyen, "rows": []})
        groups[-1]["rows"].append(row)
    return groups


def _history_url(ret: AnnualReturn, line) -> str:
    if line.figure is None or line.figure.pk is None:
        return ""
    return reverse("returns:history", args=[ret.fiscal_year, ret.code, line.key])


def _posted_entries(request, ret: AnnualReturn):
    """(entries, posted, errors) from the form; only lines the user may edit are read (a key
    that is not a line of this return, another town's included, is not read at all)."""
    entries, posted, errors = [], {}, {}
    for line in ret.all_lines:
        field = f"v-{line.key}"
        if field not in request.POST:
            continue
        if line.figure is not None and not permissions.can_edit_figure(request.user, line.figure):
            continue
        raw = request.POST.get(field, "")
        comment = request.POST.get(f"c-{line.key}")
        raw_version = request.POST.get(f"ver-{line.key}", "")
        version = int(raw_version) if raw_version.isdigit() else None
        posted[line.key] = {
            "value": raw,
            "comment": line.comment if comment is None else comment,
            "version": line.version if version is None else version,
        }
        if line.is_activity:
            value = activity_text(raw)
            if problem := activity_problem(value):
                errors.setdefault(line.key, []).append(problem)
                continue
        else:
            try:
                value = parse_entry_value(raw, line=line)
            except NumberFormatError as exc:
                errors.setdefault(line.key, []).append(str(exc))
                continue
        problem = None
        if comment is not None:
            problem = text_problem(comment, label="コメント", limit=MAX_COMMENT)
        if problem:
            errors.setdefault(line.key, []).append(problem)
            continue
        entries.append(
            Entry(
                key=line.key,
                value=value,
                comment=None if comment is None else comment.strip(),
                version=version,
            )
        )
    return entries, posted, errors


def _summary(ret: AnnualReturn, errors: dict[str, list[str]]) -> list[dict]:
    summary = []
    for line in ret.all_lines:
        for message in errors.get(line.key, []):
            summary.append({"key": line.key, "label": line.label, "message": message})
    return summary


@login_required
@require_http_methods(["GET", "POST"])
def return_form(request, year: int, code: str):
    try:
        ret = _open(request, year, code)
    except YearNotOpen:
        return _year_not_open(request, year)  # nothing to save, whatever was posted
    if request.method == "GET":
        return _render_return(request, ret)
    _require_edit(request, ret)
    action = request.POST.get("action", "save")
    entries, posted, errors = _posted_entries(request, ret)
    warnings: dict[str, list[str]] = {}
    if errors:
        # Report the unreadable numbers together with every other problem, then stop.
        for outcome in evaluate(user=request.user, annual_return=ret, entries=entries):
            if outcome.errors:
                errors.setdefault(outcome.line.key, []).extend(outcome.errors)
            if outcome.warnings:
                warnings[outcome.line.key] = outcome.warnings
        messages.error(request, "入力に誤りがあります。何も保存していません。")
        return _render_return(
            request, ret, posted=posted, errors=errors, warnings=warnings,
            status=400, summary=_summary(ret, errors),
        )  # fmt: skip
    reason = request.POST.get("change_reason", "")
    if action == "submit":
        return _ask_to_confirm(request, ret, entries=entries, posted=posted, reason=reason)
    if action == "back":  # 「戻って修正する」 on the confirmation: what was typed, unsaved
        return _render_return(request, ret, posted=posted)
    try:
        outcomes = services.save_entries(
            user=request.user, annual_return=ret, entries=entries, reason=reason
        )
    except services.ReturnRejected as rejected:
        fresh = _open(request, year, code)  # show the current versions and values beside the input
        conflict = False
        for outcome in rejected.outcomes:
            key = outcome.line.key
            if outcome.errors:
                errors.setdefault(key, []).extend(outcome.errors)
            if outcome.warnings:
                warnings[key] = outcome.warnings
            if outcome.conflict and key in posted:
                # The user now sees the other person's value: saving again is a knowing overwrite.
                posted[key]["version"] = fresh.line(key).version
                conflict = True
        messages.error(request, f"{rejected.message} 何も保存していません。")
        return _render_return(
            request, fresh, posted=posted, errors=errors, warnings=warnings,
            status=409 if conflict else 400, summary=_summary(fresh, errors),
        )  # fmt: skip
    saved = sum(1 for o in outcomes if o.writes)
    messages.success(
        request,
        f"{saved} 件を下書きとして保存しました。" if saved else "変更はありませんでした。",
    )
    return redirect(_return_url(ret))


# ---------------------------------------------------------------------------
# Submitting: the confirmation (確認), taking a submission back (取り下げ), the history


def _ask_to_confirm(request, ret: AnnualReturn, *, entries, posted, reason: str):
    """「確認して提出する」: check what was typed and show what would be sent; saves nothing."""
    outcomes = evaluate(user=request.user, annual_return=ret, entries=entries)
    errors = {o.line.key: o.errors for o in outcomes if o.errors}
    warnings = {o.line.key: o.warnings for o in outcomes if o.warnings}
    writes = [o for o in outcomes if o.writes]
    if not errors and writes and not reason.strip():
        if permissions.needs_change_reason(request.user, ret.reporting_year):
            messages.error(
                request, "締め済みの年度です。変更するには変更の理由を入力してください。"
            )
            return _render_return(request, ret, posted=posted, warnings=warnings, status=400)
    if errors:
        for outcome in outcomes:
            if outcome.conflict and outcome.line.key in posted:
                # As after a refused save: the user now sees the other person's value.
                posted[outcome.line.key]["version"] = outcome.line.version
        messages.error(request, "入力に誤りがあります。何も保存していません。")
        return _render_return(
            request, ret, posted=posted, errors=errors, warnings=warnings,
            status=409 if any(o.conflict for o in outcomes) else 400,
            summary=_summary(ret, errors),
        )  # fmt: skip
    sending, held = to_submit(ret, outcomes)
    if not sending:
        messages.warning(
            request,
            "提出できる値がありません（入力済みの下書き・差戻しがありません）。何も保存していません。",
        )
        return _render_return(request, ret, posted=posted, warnings=warnings)
    return _render_confirm(request, ret, sending=sending, held=held, writes=writes, reason=reason)


def _render_confirm(request, ret: AnnualReturn, *, sending, held, writes=(), reason=""):
    """The confirmation: what will be sent, where each value comes from, and (hidden) the
    typed values to save and the version of every line it lists."""
    sent = {s.line.key for s in sending}
    earlier = [s for s in sending if s.entry is None]
    typed = {o.line.key for o in writes}
    return render(
        request,
        "returns/confirm.html",
        {
            "ret": ret,
            "reporting_year": ret.reporting_year,
            "sending": sending,
            "typed": [s for s in sending if s.entry is not None],
            "drafts": [s for s in earlier if s.source == FigureStatus.DRAFT],
            "returned": [s for s in earlier if s.source == FigureStatus.RETURNED],
            "withdrawals": [s for s in sending if s.is_withdrawal],
            "held": held,
            "saved_only": [o for o in writes if o.line.key not in sent],
            # 取組状況 not written yet: a reminder, never a reason to hold the figures back.
            "unwritten": [
                line
                for line in ret.activities
                if line.state == NOT_STARTED and line.key not in sent and line.key not in typed
            ],
            "typed_fields": [
                {
                    "key": o.line.key,
                    "value": _typed(o.entry.value),
                    "comment": o.entry.comment,
                    "version": o.line.version,
                }
                for o in writes
            ],
            "reason": reason,
            "year_short": fiscal_year_short(ret.fiscal_year),
            "tells_secretariat": not roles.is_secretariat(request.user),
            "can_take_back": permissions.can_take_back(
                request.user, ret.reporter, ret.reporting_year
            ),
        },
    )


def _typed(value) -> str:
    """A typed value as the confirmation carries it to be saved: a text as written, a number
    in plain digits (what ``parse_entry_value`` reads back exactly)."""
    if value is None:
        return ""
    return value if isinstance(value, str) else format(value, "f")


def _shown_versions(request, ret: AnnualReturn) -> dict[str, int]:
    """The lines the confirmation listed, with the versions it showed."""
    shown = {}
    for line in ret.all_lines:
        raw = request.POST.get(f"shown-{line.key}", "")
        if raw.isdigit():
            shown[line.key] = int(raw)
    return shown


@login_required
@require_http_methods(["GET", "POST"])
def confirm(request, year: int, code: str):
    """GET: what a submission would send now (the saved drafts and returned values).
    POST: submit what the confirmation showed, with the typed values it carries."""
    ret = _open(request, year, code)
    _require_edit(request, ret)
    if request.method == "GET" or "confirm" not in request.POST:
        sending, held = to_submit(ret, [])
        if not sending:
            messages.warning(
                request, "提出できる値がありません（入力済みの下書き・差戻しがありません）。"
            )
            return redirect(_return_url(ret))
        return _render_confirm(request, ret, sending=sending, held=held)
    entries, posted, errors = _posted_entries(request, ret)
    shown = _shown_versions(request, ret)
    if errors or not shown:
        messages.error(
            request,
            "確認画面の内容を読み取れませんでした。何も提出していません。もう一度操作してください。",
        )
        return redirect(_return_url(ret))
    try:
        _outcomes, submitted = services.submit_confirmed(
            user=request.user, annual_return=ret, entries=entries, shown=shown,
            reason=request.POST.get("change_reason", ""), request=request,
        )  # fmt: skip
    except services.ReturnRejected as rejected:
        fresh = _open(request, year, code)
        errors, warnings, conflict = {}, {}, False
        for outcome in rejected.outcomes:
            key = outcome.line.key
            if outcome.errors:
                errors.setdefault(key, []).extend(outcome.errors)
            if outcome.warnings:
                warnings[key] = outcome.warnings
            if outcome.conflict:
                conflict = True
                if key in posted:
                    posted[key]["version"] = fresh.line(key).version
        messages.error(
            request,
            f"{rejected.message} 何も保存・提出していません。"
            "現在の値を確かめてから、もう一度「確認して提出する」を押してください。",
        )
        return _render_return(
            request, fresh, posted=posted, errors=errors, warnings=warnings,
            status=409 if conflict else 400, summary=_summary(fresh, errors),
        )  # fmt: skip
    messages.success(
        request,
        f"{len(submitted)} 件を事務局に提出しました。事務局の確認をお待ちください。",
    )
    late = [line for line in _open(request, year, code).submittable() if line.key not in shown]
    if late:
        messages.warning(
            request,
            f"確認画面を開いた後に保存された値が {len(late)} 件あります（まだ提出していません）。"
            "内容を確かめてから提出してください。",
        )
    return redirect(_return_url(ret))


@login_required
@require_POST
def take_back(request, year: int, code: str):
    """取り下げ: a submitted figure goes back to draft, before the secretariat decides."""
    ret = _open(request, year, code)
    if not permissions.can_take_back(request.user, ret.reporter, ret.reporting_year):
        raise PermissionDenied("提出を取り下げられるのは、この市町村の担当者だけです。")
    key = request.POST.get("key", "")
    raw_version = request.POST.get("version", "")
    line = ret.line(key)
    if line is None or not raw_version.isdigit():
        raise Http404("取り下げる値が見つかりません。")
    try:
        services.take_back(user=request.user, annual_return=ret, key=key, version=int(raw_version))
    except services.ReturnRejected as rejected:
        messages.error(request, f"{rejected.message} 取り下げできませんでした。")
    else:
        messages.success(
            request,
            f"「{line.label}」の提出を取り下げました。下書きに戻っています。"
            "直してから、もう一度提出してください。",
        )
    return redirect(f"{_return_url(ret)}#row-{key}")


@login_required
def history(request, year: int, code: str, key: str):
    """One line's change history (変更履歴), for everyone who may open the return."""
    ret = _open(request, year, code)
    line = ret.line(key)
    if line is None:
        raise Http404("この値は見つかりません。")
    records = []
    if line.figure is not None:
        records = line.figure.history.select_related("history_user").order_by(
            "-history_date", "-history_id"
        )
    return render(
        request,
        "returns/history.html",
        {
            "ret": ret,
            "reporting_year": ret.reporting_year,
            "line": line,
            "entries": figure_history.entries(records),
        },
    )


# ---------------------------------------------------------------------------
# Review (the secretariat)


@login_required
@require_http_methods(["GET", "POST"])
def review(request, year: int, code: str):
    ret = _open(request, year, code)
    if not roles.can_review(request.user):
        raise PermissionDenied("承認・差戻しは事務局だけができます。")
    errors: dict[str, str] = {}
    if request.method == "POST":
        approve_all = "approve_all" in request.POST
        decisions = []
        for line in ret.all_lines:
            # Only what the page showed is decided, at the version it showed: a value
            # submitted after the page was loaded has no version on it and stays 提出済み
            # (approving "all" never reaches it); a value changed since is refused.
            raw_version = request.POST.get(f"ver-{line.key}", "")
            if not raw_version.isdigit():
                continue
            choice = request.POST.get(f"d-{line.key}", "")
            if approve_all and choice != services.RETURN:
                choice = services.APPROVE
            if choice not in (services.APPROVE, services.RETURN):
                continue
            decisions.append(
                services.Decision(
                    key=line.key,
                    action=choice,
                    reason=request.POST.get(f"r-{line.key}", ""),
                    version=int(raw_version),
                )
            )
        if not decisions:
            messages.warning(request, "承認・差戻しする値が選ばれていません。")
            return redirect("returns:review", year, code)
        try:
            approved, returned = services.review_return(
                user=request.user, annual_return=ret, decisions=decisions, request=request
            )
        except services.ReviewRejected as rejected:
            errors = rejected.errors
            messages.error(request, "承認・差戻しできないものがあります。何も変更していません。")
            ret = _open(request, year, code)
        else:
            parts = []
            if approved:
                parts.append(f"{len(approved)} 件を承認しました（公開されます）")
            if returned:
                parts.append(f"{len(returned)} 件を差し戻しました（担当者にメールで知らせます）")
            messages.success(request, "。".join(parts) + "。")
            decided = {decision.key for decision in decisions}
            new = [
                line
                for line in _open(request, year, code).all_lines
                if line.key not in decided
                and line.figure is not None
                and line.figure.status == FigureStatus.SUBMITTED
                and not request.POST.get(f"ver-{line.key}", "").isdigit()
            ]
            if new:
                messages.warning(
                    request,
                    f"この画面を開いた後に提出された値が {len(new)} 件あります（まだ承認していません）。"
                    "内容を確かめてから判断してください。",
                )
            return redirect("returns:review", year, code)
    rows = []
    attach_previous_returns(
        [line for line in ret.all_lines if line.state == FigureStatus.SUBMITTED]
    )  # a resubmission shows the value and the reason it was returned with
    for line in ret.all_lines:
        if line.figure is None or line.figure.status != FigureStatus.SUBMITTED:
            continue
        _errors, flags = plausibility(line, line.value)
        rows.append(
            {
                "line": line,
                "flags": flags,
                "error": errors.get(line.key, ""),
                "decision": request.POST.get(f"d-{line.key}", "") if errors else "",
                "reason": request.POST.get(f"r-{line.key}", "") if errors else "",
                "last_year": _shown(line, line.last_year, blank="" if line.is_activity else "−"),
            }
        )
    return render(
        request,
        "returns/review.html",
        {
            "ret": ret,
            "reporting_year": ret.reporting_year,
            "rows": rows,
            "counts": ret.counts(),
            "states": LINE_STATES,
            "symbols": STATE_SYMBOLS,
            "year_short": fiscal_year_short(ret.fiscal_year),
            "last_year_short": fiscal_year_short(ret.fiscal_year - 1),
        },
        status=400 if errors else 200,
    )


# ---------------------------------------------------------------------------
# Spreadsheet round trip


@login_required
def template_download(request, year: int, code: str):
    ret = _open(request, year, code)
    content = imports.build_template(ret)
    filename = f"年度報告_{fiscal_year_short(ret.fiscal_year)}_{ret.code}_{ret.name}.xlsx"
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    ascii_name = f"return_{fiscal_year_short(ret.fiscal_year)}_{ret.code}.xlsx"
    response["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    )
    return response


def _pending(request) -> dict:
    return request.session.get(SESSION_KEY, {})


def _store_preview(request, ret: AnnualReturn, preview: imports.Preview) -> str:
    token = secrets.token_urlsafe(16)
    rows = []
    for row in preview.rows:
        entry = row.entry
        rows.append(
            {
                "row": row.row,
                "key": None if row.line is None else row.line.key,
                "label": row.label,
                "errors": [] if entry is not None else row.errors,
                "value": None if entry is None or entry.value is None else str(entry.value),
                "comment": None if entry is None else entry.comment,
                # The version the preview was checked against: confirming later refuses
                # a figure that somebody changed in between.
                "version": None
                if entry is None
                else (entry.version if entry.version is not None else row.line.version),
            }
        )
    pending = {
        k: v
        for k, v in list(_pending(request).items())[-(MAX_PENDING_UPLOADS - 1) :]
        if v.get("user") == request.user.pk
    }
    pending[token] = {
        "user": request.user.pk,
        "year": ret.fiscal_year,
        "code": ret.code,
        "filename": preview.filename,
        "value_column": preview.value_column,
        "sheet": preview.sheet,
        "rows": rows,
    }
    request.session[SESSION_KEY] = pending
    return token


def _load_preview(request, ret: AnnualReturn, token: str) -> imports.Preview:
    """The stored preview, checked again against the current figures and permissions."""
    payload = _pending(request).get(token)
    if (
        payload is None
        or payload.get("user") != request.user.pk
        or payload.get("year") != ret.fiscal_year
        or payload.get("code") != reporter_code(ret.reporter)
    ):
        raise Http404("確認画面の期限が切れました。もう一度ファイルを取り込んでください。")
    rows: list[imports.PreviewRow] = []
    resolved = []
    for item in payload["rows"]:
        row = imports.PreviewRow(row=item["row"], raw_label=item["label"])
        rows.append(row)
        line = ret.line(item["key"]) if item["key"] else None
        row.line = line
        if item["errors"] or line is None:
            row.errors = item["errors"] or ["この行は取り込めません。"]
            continue
        row.entry = Entry(
            key=line.key,
            value=None if item["value"] is None else Decimal(item["value"]),
            comment=item["comment"],
            version=item["version"],
            row=item["row"],
        )
        resolved.append(row)
    outcomes = evaluate(user=request.user, annual_return=ret, entries=[r.entry for r in resolved])
    for row, outcome in zip(resolved, outcomes, strict=True):
        row.state = outcome.state
        where = f"{row.row}行目・{payload.get('value_column', '')}列「{imports.VALUE}」"
        row.errors = [f"{where}: {e}" for e in outcome.errors]
        row.warnings = outcome.warnings
        row.old, row.new = outcome.old, outcome.new
        row.conflict = outcome.conflict
    return imports.Preview(
        filename=payload["filename"],
        rows=rows,
        value_column=payload.get("value_column", ""),
        sheet=payload.get("sheet", ""),
    )


def _drop_preview(request, token: str) -> None:
    pending = _pending(request)
    if token in pending:
        del pending[token]
        request.session[SESSION_KEY] = pending


@login_required
@require_POST
def upload(request, year: int, code: str):
    ret = _open(request, year, code)
    _require_edit(request, ret)
    upload_file = request.FILES.get("file")
    if upload_file is None:
        messages.error(request, "取り込むファイルを選んでください。")
        return redirect(_return_url(ret))
    try:
        table = imports.read_upload(upload_file)
    except imports.FileRejected as rejected:
        return render(
            request,
            "returns/upload_rejected.html",
            {"ret": ret, "reporting_year": ret.reporting_year, "messages_list": rejected.messages,
             "filename": upload_file.name},
            status=400,
        )  # fmt: skip
    preview = imports.preview_upload(table=table, annual_return=ret, user=request.user)
    token = _store_preview(request, ret, preview)
    return redirect("returns:preview", year, code, token)


def _render_preview(request, ret, preview, token, status=200):
    return render(
        request,
        "returns/preview.html",
        {
            "ret": ret,
            "reporting_year": ret.reporting_year,
            "preview": preview,
            "token": token,
            "counts": {
                state: preview.count(state) for state in ("new", "changed", "unchanged", "error")
            },
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def preview(request, year: int, code: str, token: str):
    ret = _open(request, year, code)
    _require_edit(request, ret)
    current = _load_preview(request, ret, token)
    if request.method == "GET":
        return _render_preview(request, ret, current, token)
    if "cancel" in request.POST:
        _drop_preview(request, token)
        messages.info(request, "取り込みを取り消しました。何も保存していません。")
        return redirect(_return_url(ret))
    if current.errors:
        conflict = current.conflict
        messages.error(
            request,
            "確認画面を開いた後に、ほかの人が値を変更しました。何も保存していません。"
            "内容を確かめて、もう一度ファイルを取り込んでください。"
            if conflict
            else "エラーのある行があるため保存できません。ファイルを直して、もう一度取り込んでください。",
        )
        return _render_preview(request, ret, current, token, status=409 if conflict else 400)
    try:
        outcomes = services.save_entries(
            user=request.user,
            annual_return=ret,
            entries=current.entries,
            reason=request.POST.get("change_reason", "")
            or f"ファイル取り込み（{current.filename}）",
        )
    except services.ReturnRejected as rejected:
        messages.error(request, f"{rejected.message} 何も保存していません。")
        ret = _open(request, year, code)
        return _render_preview(request, ret, _load_preview(request, ret, token), token, status=409)
    _drop_preview(request, token)
    saved = sum(1 for o in outcomes if o.writes)
    messages.success(
        request,
        f"ファイル「{current.filename}」から {saved} 件を下書きとして保存しました。"
        "内容を確かめてから提出してください。",
    )
    return redirect(_return_url(ret))
