"""The yearly evaluation as the public tests need it, built through the real services:
sheets through ``evaluations.services`` (start, save, submit, approve), evidence through
``evaluations.evidence.checked_upload`` and ``add_evidence``, the towns' 取組状況 through
``returns.services`` (the annual return's writes), meetings through ``approve_meeting``.

``MARKER`` is written into every text that must never be public (a draft, a submitted
sheet, a change after approval, an unapproved 取組状況, an unpublished opinion, a
non-public evidence file); the ``APPROVED_*`` texts are what the public must see.
"""

from dataclasses import dataclass, field
from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile

from core.models import FigureStatus
from evaluations import services
from evaluations.evidence import checked_upload
from evaluations.models import (
    CommitteeMeeting,
    EvaluationRating,
    Evidence,
    Opinion,
    ProgramEvaluation,
    TownActivity,
)
from municipalities.models import Municipality
from programs.models import Program
from returns import services as returns
from revisions import services as revisions
from tests.constants import FARMING, HEALTH, KANEYAMA, OKURA, TOURISM
from vision.models import PlanRevision, PolicyField

MARKER = "DRAFTMARKER-7f3a"
YEAR = 2026  # R8, the plan's first year
EARLIER = 2025

APPROVED = {
    "done": "観光PRを圏域で実施した（承認済み実施内容）",
    "results": "観光者数は横ばいだった（承認済み成果）",
    "issues": '冬季の誘客<script>alert("x")</script>（承認済み課題）',
    "direction_reason": "冬季の企画を改めて続ける（承認済み理由）",
}
APPROVED_CAUSE = "雪で冬の来訪が減った（承認済み要因分析）"
APPROVED_REMEDY = "冬の体験企画を増やす（承認済み改善策）"
EARLIER_DONE = "前年度の観光PR（令和7年度の承認済み実施内容）"
APPROVED_ACTIVITY = "金山町で観光イベントを開いた（承認済み取組状況）"
PUBLIC_EVIDENCE = "観光事業の実績報告書（公開）"
MEETING_TITLE = "令和8年度 第1回共生ビジョン懇談会"
MEETING_REVIEWED = "令和8年度の事業評価を審議した（承認済み）"
OPINIONS = [
    ("program", "冬の観光を強めてほしい（公表済み意見）", "冬季の企画を検討する（公表済み対応）"),
    ("field", "医療の連携を続けてほしい（公表済み意見）", "引き続き連携する（公表済み対応）"),
    ("vision", "全体として順調に進んでいる（公表済み意見）", "引き続き取り組む（公表済み対応）"),
]
REVISION_TITLE = "令和9年2月変更"

PDF = b"%PDF-1.4\n% evidence for the tests\n"


@dataclass
class Published:
    """What ``build`` made, for the tests to look at."""

    tourism: Program
    farming: Program
    health: Program
    evaluation: ProgramEvaluation
    public_evidence: Evidence
    internal_evidence: Evidence
    late_evidence: Evidence  # public, but added after approval: not in the approved copy
    submitted_evidence: Evidence  # public, of a sheet never approved
    meeting: CommitteeMeeting
    opinions: list[Opinion] = field(default_factory=list)
    revision: PlanRevision | None = None


def upload(name: str = "report.pdf") -> dict:
    return checked_upload(SimpleUploadedFile(name, PDF, content_type="application/pdf"))


def rating(code: str) -> EvaluationRating:
    return EvaluationRating.objects.get(code=code)


def sheet(user, program, year, texts: dict, *, cause: str, remedy: str, direction, code):
    """A saved sheet (draft) with ``texts`` and a 要因分析 for each of its KPIs."""
    evaluation = services.start_sheet(user=user, program=program, fiscal_year=year)
    return services.save_sheet(
        user=user,
        evaluation=evaluation,
        data={**texts, "direction": direction, "rating": rating(code)},
        analyses={kpi.pk: (cause, remedy) for kpi in program.kpis.all()},
        expected_version=evaluation.version,
    )


def submit(user, evaluation):
    return services.submit_sheet(
        user=user, evaluation=evaluation, expected_version=evaluation.version
    )


def approve(user, evaluation):
    evaluation = submit(user, evaluation)
    return services.approve_sheet(
        user=user, evaluation=evaluation, expected_version=evaluation.version
    )


def evidence(user, evaluation, title: str, *, public: bool) -> Evidence:
    return services.add_evidence(
        user=user, evaluation=evaluation, upload=upload(), title=title, is_public=public
    )


def activity(user, program, code: str, year: int, text: str, *, approve_it: bool):
    """A town's 取組状況 saved (as submitted) and, if asked, approved by the secretariat."""
    figure = TownActivity(
        program=program,
        municipality=Municipality.objects.get(code=code),
        fiscal_year=year,
        text=text,
        status=FigureStatus.SUBMITTED,
    )
    figure = returns.save_figure(user=user, figure=figure, expected_version=None)
    if approve_it:
        returns.approve_figures(user=user, figures=[figure])
        figure.refresh_from_db()
    return figure


def marked(prefix: str = "") -> dict:
    return {name: f"{prefix}{MARKER}" for name in services.WRITTEN_FIELDS}


def build(user, vision) -> Published:
    tourism = Program.objects.get(name=TOURISM)
    farming = Program.objects.get(name=FARMING)
    health = Program.objects.get(name=HEALTH)

    # 最上広域観光事業: approved for R7 and R8 ...
    approve(
        user,
        sheet(
            user, tourism, EARLIER, {**APPROVED, "done": EARLIER_DONE},
            cause=APPROVED_CAUSE, remedy=APPROVED_REMEDY, direction="continue", code="A",
        ),
    )  # fmt: skip
    current = sheet(
        user, tourism, YEAR, APPROVED,
        cause=APPROVED_CAUSE, remedy=APPROVED_REMEDY, direction="improve", code="B",
    )  # fmt: skip
    public_file = evidence(user, current, PUBLIC_EVIDENCE, public=True)
    internal_file = evidence(user, current, f"内部資料 {MARKER}", public=False)
    evaluation = approve(user, current)
    # ... then changed and not approved again: the approved copy stays public.
    services.save_sheet(
        user=user,
        evaluation=evaluation,
        data=marked("後の変更 "),
        analyses={kpi.pk: (MARKER, MARKER) for kpi in tourism.kpis.all()},
        expected_version=evaluation.version,
    )
    late_file = evidence(user, evaluation, f"承認後の資料 {MARKER}", public=True)

    # 農業・畜産振興事業: submitted, never approved; 保健医療対策事業: a draft.
    farming_sheet = sheet(
        user, farming, YEAR, marked(), cause=MARKER, remedy=MARKER, direction="reduce", code="D"
    )
    submitted_file = evidence(user, farming_sheet, f"提出中の資料 {MARKER}", public=True)
    submit(user, farming_sheet)
    sheet(user, health, YEAR, marked(), cause=MARKER, remedy=MARKER, direction="end", code="C")

    # The towns' 取組状況: 金山町's approved (then changed), 大蔵村's never approved.
    kaneyama = activity(user, tourism, KANEYAMA, YEAR, APPROVED_ACTIVITY, approve_it=True)
    kaneyama.text = f"金山町の後の変更 {MARKER}"
    returns.save_figure(user=user, figure=kaneyama, expected_version=kaneyama.version)
    activity(user, tourism, OKURA, YEAR, f"大蔵村 {MARKER}", approve_it=False)

    # The 懇談会: one meeting published (then an opinion edited), one not approved.
    meeting = CommitteeMeeting.objects.create(
        vision=vision,
        fiscal_year=YEAR,
        held_on=date(2027, 2, 10),
        title=MEETING_TITLE,
        reviewed=MEETING_REVIEWED,
        members_present=12,
    )
    field_one = PolicyField.objects.get(vision=vision, number=1)
    subjects = {"program": {"program": tourism}, "field": {"policy_field": field_one}, "vision": {}}
    opinions = [
        Opinion.objects.create(meeting=meeting, order=n, text=text, response=response, **subjects[kind])
        for n, (kind, text, response) in enumerate(OPINIONS, start=1)
    ]  # fmt: skip
    services.approve_meeting(user=user, meeting=meeting)
    edited = opinions[0]
    edited.refresh_from_db()
    edited.text, edited.response = f"意見の後の変更 {MARKER}", f"対応の後の変更 {MARKER}"
    edited.save()
    draft_meeting = CommitteeMeeting.objects.create(
        vision=vision,
        fiscal_year=YEAR,
        held_on=date(2027, 3, 1),
        title=f"第2回 {MARKER}",
        reviewed=MARKER,
        members_present=9,
    )
    Opinion.objects.create(
        meeting=draft_meeting, order=1, program=tourism, text=MARKER, response=MARKER
    )

    # A plan revision that acted on the R8 evaluation and the first opinion; the
    # submitted sheet and the unpublished opinion are linked too, and must not show.
    revision = revisions.create_revision(
        user=user,
        vision=vision,
        title=REVISION_TITLE,
        decided_on=date(2027, 2, 25),
        basis="共生ビジョン懇談会（令和9年2月10日）",
    )
    for row in (evaluation, farming_sheet):
        row.refresh_from_db()
        row.revision = revision
        row.save(update_fields=["revision"])
    Opinion.objects.filter(meeting__in=[meeting, draft_meeting], order=1).update(revision=revision)
    evaluation.refresh_from_db()
    return Published(
        tourism=tourism,
        farming=farming,
        health=health,
        evaluation=evaluation,
        public_evidence=public_file,
        internal_evidence=internal_file,
        late_evidence=late_file,
        submitted_evidence=submitted_file,
        meeting=meeting,
        opinions=list(meeting.opinions.order_by("order")),
        revision=revision,
    )
