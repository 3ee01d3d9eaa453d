"""The secretariat's forms for a program's evaluation sheet (事業評価シート).

Every form carries the version of the sheet the page showed (``version``, hidden): the
services refuse a decision on a sheet that changed since. Messages are in Japanese
whatever the browser's language. The written fields are limited to ``TEXT_LIMIT``
characters here (a model ``TextField``'s ``max_length`` is not checked by ``full_clean``).
"""

from __future__ import annotations

from django import forms

from evaluations.evidence import checked_upload, max_bytes, size_label
from evaluations.models import TEXT_LIMIT, Direction, EvaluationRating, ProgramEvaluation
from vision.models import PlanRevision

REASON_LIMIT = 1000
VERSION_UNREADABLE = (
    "画面の版が読み取れませんでした。画面を開き直してから、もう一度操作してください。"
)


def text_field(label: str, *, required: bool = False, limit: int = TEXT_LIMIT, rows: int = 5):
    return forms.CharField(
        label=label,
        required=required,
        max_length=limit,
        widget=forms.Textarea(attrs={"rows": rows, "class": "wide-input"}),
        error_messages={
            "required": f"{label}を書いてください。",
            "max_length": f"{label}は {limit:,} 字以内で書いてください（%(show_value)s 字あります）。",
        },
    )


def version_field():
    return forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        error_messages={
            "required": VERSION_UNREADABLE,
            "invalid": VERSION_UNREADABLE,
            "min_value": VERSION_UNREADABLE,
        },
    )


class JapaneseForm(forms.Form):
    """Labels without Django's trailing colon, as Japanese forms are written; ids of their
    own (``id_format``), as several forms share the sheet page."""

    id_format = "id_%s"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        kwargs.setdefault("auto_id", self.id_format)
        super().__init__(*args, **kwargs)


class VersionForm(JapaneseForm):
    """提出・承認: only the version shown."""

    version = version_field()


class ReturnForm(JapaneseForm):
    """差し戻す: the reason, and the version shown."""

    id_format = "return-%s"

    version = version_field()
    reason = text_field("差し戻す理由", required=True, limit=REASON_LIMIT, rows=3)


class StartForm(JapaneseForm):
    """作成する / 前年度から作成する."""

    copy_forward = forms.BooleanField(required=False)


class SheetForm(JapaneseForm):
    """The sheet's fields and, for each KPI of the year, its 要因分析 and 改善策."""

    version = version_field()
    done = text_field(ProgramEvaluation._meta.get_field("done").verbose_name)
    results = text_field(ProgramEvaluation._meta.get_field("results").verbose_name)
    issues = text_field(ProgramEvaluation._meta.get_field("issues").verbose_name)
    direction = forms.ChoiceField(
        label="今後の方向性",
        required=False,
        choices=[("", "（選んでください）"), *Direction.choices],
        error_messages={"invalid_choice": "今後の方向性は一覧から選んでください。"},
    )
    direction_reason = text_field(
        ProgramEvaluation._meta.get_field("direction_reason").verbose_name, rows=3
    )
    rating = forms.ModelChoiceField(
        label="評価",
        required=False,
        queryset=EvaluationRating.objects.order_by("order"),
        empty_label="（選んでください）",
        error_messages={"invalid_choice": "評価は一覧から選んでください。"},
    )
    revision = forms.ModelChoiceField(
        label="反映した計画の変更",
        required=False,
        queryset=PlanRevision.objects.none(),
        empty_label="（なし）",
        error_messages={"invalid_choice": "計画の変更は一覧から選んでください。"},
        help_text="方向性が改善して継続・縮小・統合・完了・廃止のときだけ選べます。",
    )

    SHEET_FIELDS = ("done", "results", "issues", "direction", "direction_reason", "rating")

    def __init__(self, *args, kpi_rows=(), vision=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.kpi_rows = list(kpi_rows)
        self.fields["revision"].queryset = PlanRevision.objects.filter(vision=vision).order_by(
            "decided_on", "pk"
        )
        for row in self.kpi_rows:
            pk = row.kpi.pk
            self.fields[f"cause-{pk}"] = text_field(f"要因分析（{row.kpi.name}）", rows=3)
            self.fields[f"remedy-{pk}"] = text_field(f"改善策（{row.kpi.name}）", rows=3)

    @classmethod
    def initial_for(cls, evaluation: ProgramEvaluation) -> dict:
        initial = {name: getattr(evaluation, name) for name in cls.SHEET_FIELDS}
        initial["rating"] = evaluation.rating_id
        initial["revision"] = evaluation.revision_id
        initial["version"] = evaluation.version
        for analysis in evaluation.analyses.all():
            initial[f"cause-{analysis.kpi_id}"] = analysis.cause
            initial[f"remedy-{analysis.kpi_id}"] = analysis.remedy
        return initial

    def clean(self):
        cleaned = super().clean()
        revision = cleaned.get("revision")
        if revision is not None and cleaned.get("direction") not in Direction.revising():
            self.add_error(
                "revision",
                "計画の変更と結び付けられるのは、方向性が改善して継続・縮小・統合・完了・廃止の"
                "ときだけです。",
            )
        return cleaned

    def kpi_fields(self) -> list[dict]:
        """One dict per KPI row for the template: the row and its two bound fields."""
        return [
            {
                "row": row,
                "cause": self[f"cause-{row.kpi.pk}"],
                "remedy": self[f"remedy-{row.kpi.pk}"],
            }
            for row in self.kpi_rows
        ]

    def sheet_data(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self.SHEET_FIELDS}
        data["revision"] = self.cleaned_data["revision"]
        return data

    def analyses(self, existing: set[int]) -> dict[int, tuple[str, str]]:
        """KPI pk → (要因分析, 改善策): the KPIs with something written or already saved."""
        result = {}
        for row in self.kpi_rows:
            pk = row.kpi.pk
            cause = self.cleaned_data.get(f"cause-{pk}", "")
            remedy = self.cleaned_data.get(f"remedy-{pk}", "")
            if cause or remedy or pk in existing:
                result[pk] = (cause, remedy)
        return result


class EvidenceForm(JapaneseForm):
    """A file attached to the sheet; checked by its content (``evidence.checked_upload``)."""

    id_format = "evidence-%s"

    title = forms.CharField(
        label="説明",
        max_length=200,
        error_messages={
            "required": "資料の説明を書いてください。",
            "max_length": "資料の説明は 200 字以内で書いてください（%(show_value)s 字あります）。",
        },
        help_text="例：令和7年度 合同研修会の実施報告書",
    )
    is_public = forms.BooleanField(
        label="公開する（承認後に住民向けページに載ります）", required=False
    )
    file = forms.FileField(
        label="ファイル",
        error_messages={
            "required": "ファイルを選んでください。",
            "empty": "ファイルが空です。",
            "invalid": "ファイルを読み取れませんでした。",
            "missing": "ファイルを選んでください。",
        },
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[
            "file"
        ].help_text = (
            f"PDF・JPEG・PNG、{size_label(max_bytes())} まで。種類はファイルの中身で判定します。"
        )

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        self.cleaned_data["upload"] = checked_upload(uploaded)
        return uploaded
