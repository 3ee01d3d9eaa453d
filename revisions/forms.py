"""Admin forms for recording the changes of a plan revision.

One form per kind of change; ``record(user=…, revision=…)`` calls the matching
service in ``revisions.services`` (which checks, applies and records the change).
Numbers are typed the way offices write them (全角, カンマ, △) and read with
``core.japanese.parse_number`` through the admin's ``JapaneseNumberField``.
"""

from __future__ import annotations

from django import forms

from core.forms import JapaneseNumberField
from core.japanese import fiscal_year_label, format_number
from kpis.models import KPI
from municipalities.models import Municipality
from programs.models import Program
from revisions import services as revisions
from vision.models import AgreementItem, ItemParty, PlanRevision, RevisionChange

Kind = RevisionChange.Kind


def year_choices(revision: PlanRevision) -> list[tuple[int, str]]:
    vision = revision.vision
    return [
        (y, fiscal_year_label(y)) for y in range(vision.period_start - 1, vision.period_end + 1)
    ]


class ProgramChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        ended = f"（{obj.last_year}年度で終了）" if obj.last_year else ""
        return f"{obj.item.number}-{obj.number} {obj.name}{ended}"


class ItemChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.number} {obj.title}"


class KPIChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        target = format_number(obj.target, blank="未設定")
        return f"{obj.program.name} ／ {obj.name}（現在の目標値 {target}{obj.unit}）"


class RevisionChangeForm(forms.Form):
    kind: str = ""
    title: str = ""
    help: str = ""

    basis = forms.CharField(
        label="決定の根拠",
        required=False,
        max_length=200,
        help_text="空欄なら、この変更全体の決定の根拠と同じです。",
    )

    def __init__(self, *args, revision: PlanRevision, **kwargs):
        super().__init__(*args, **kwargs)
        self.revision = revision
        vision = revision.vision
        self.programs = Program.objects.filter(
            item__category__policy_field__vision=vision
        ).select_related("item")
        self.items = AgreementItem.objects.filter(category__policy_field__vision=vision)
        self.towns = vision.municipalities.order_by("sort_order", "code")
        if "effective_year" in self.fields:
            self.fields["effective_year"].choices = year_choices(revision)
        # keep the basis last
        self.order_fields([name for name in self.fields if name != "basis"] + ["basis"])

    def record(self, *, user):  # pragma: no cover - each form implements it
        raise NotImplementedError


def _year_field(label="適用年度", help_text="この変更を適用する最初の年度。"):
    return forms.TypedChoiceField(label=label, coerce=int, help_text=help_text)


class TargetForm(RevisionChangeForm):
    kind = Kind.TARGET
    title = "目標値を変更する"
    help = (
        "適用年度から後の年度は新しい目標値で、前の年度はこれまでの目標値で評価します。"
        "公開ページの事業の画面に、目標値がいつ・どう変わったかが表示されます。"
    )
    kpi = KPIChoice(label="成果指標", queryset=KPI.objects.none())
    effective_year = _year_field()
    target = JapaneseNumberField(
        label="新しい目標値", help_text="空欄は「目標未設定」。全角数字・カンマも使えます。"
    )
    target_year = forms.TypedChoiceField(label="目標年度", coerce=int)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kpi"].queryset = KPI.objects.filter(
            program__item__category__policy_field__vision=self.revision.vision
        ).select_related("program")
        self.fields["target_year"].choices = year_choices(self.revision)
        self.fields["target_year"].initial = self.revision.vision.period_end

    def record(self, *, user):
        data = self.cleaned_data
        return revisions.change_target(
            user=user,
            revision=self.revision,
            kpi=data["kpi"],
            effective_year=data["effective_year"],
            target=data["target"],
            target_year=data["target_year"],
            basis=data["basis"],
        )


class BudgetForm(RevisionChangeForm):
    kind = Kind.BUDGET
    title = "事業費見込（年度）を追加・変更する"
    help = (
        "年度ごとの予算で定めた事業費見込（千円）を記録します。空欄の市町村は変わりません。"
        "計は決定どおりに入力します（各市町村の合計と違っても、そのまま記録します）。"
    )
    program = ProgramChoice(label="連携事業", queryset=Program.objects.none())
    effective_year = _year_field(label="年度", help_text="事業費見込の年度。")
    total = JapaneseNumberField(integer=True, label="計（千円）", help_text="空欄なら変えません。")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = self.programs
        for town in self.towns:
            self.fields[f"share_{town.code}"] = JapaneseNumberField(
                integer=True, label=f"{town.name}（千円）"
            )
        self.order_fields([name for name in self.fields if name != "basis"] + ["basis"])

    def clean(self):
        cleaned = super().clean()
        for name, value in cleaned.items():
            if name.startswith("share_") or name == "total":
                if value is not None and value < 0:
                    self.add_error(name, "負担額にマイナスは入力できません。")
        return cleaned

    def record(self, *, user):
        data = self.cleaned_data
        shares = {
            town.code: data[f"share_{town.code}"]
            for town in self.towns
            if data.get(f"share_{town.code}") is not None
        }
        return revisions.set_budget_year(
            user=user,
            revision=self.revision,
            program=data["program"],
            fiscal_year=data["effective_year"],
            shares=shares,
            total=data["total"],
            basis=data["basis"],
        )


class ProgramAddForm(RevisionChangeForm):
    kind = Kind.PROGRAM_ADDED
    title = "連携事業を追加する"
    help = "追加した事業の成果指標は「事業化した後に設定」になります。"
    item = ItemChoice(label="連携する取組項目", queryset=AgreementItem.objects.none())
    name = forms.CharField(label="事業名", max_length=150)
    effective_year = _year_field(label="実施開始年度", help_text="事業を始める年度。")
    participants = forms.ModelMultipleChoiceField(
        label="関係市町村",
        queryset=Municipality.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    content = forms.CharField(label="事業内容", widget=forms.Textarea, required=False)
    effect = forms.CharField(label="期待される効果", widget=forms.Textarea, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = self.items
        self.fields["participants"].queryset = self.towns

    def record(self, *, user):
        data = self.cleaned_data
        return revisions.add_program(
            user=user,
            revision=self.revision,
            item=data["item"],
            name=data["name"],
            effective_year=data["effective_year"],
            participants=list(data["participants"]),
            content=data["content"],
            effect=data["effect"],
            basis=data["basis"],
        )


class ProgramEndForm(RevisionChangeForm):
    kind = Kind.PROGRAM_ENDED
    title = "連携事業を終了する"
    help = "選んだ年度から実施しない事業になります（前の年度までの実績と評価は残ります）。"
    program = ProgramChoice(label="連携事業", queryset=Program.objects.none())
    effective_year = _year_field(label="実施しなくなる年度", help_text="この年度から実施しない。")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = self.programs.filter(last_year__isnull=True)

    def record(self, *, user):
        data = self.cleaned_data
        return revisions.end_program(
            user=user,
            revision=self.revision,
            program=data["program"],
            effective_year=data["effective_year"],
            basis=data["basis"],
        )


class ProgramMoveForm(RevisionChangeForm):
    kind = Kind.PROGRAM_MOVED
    title = "連携事業を別の取組項目に移す"
    program = ProgramChoice(label="連携事業", queryset=Program.objects.none())
    item = ItemChoice(label="移動先の取組項目", queryset=AgreementItem.objects.none())
    effective_year = _year_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = self.programs
        self.fields["item"].queryset = self.items

    def record(self, *, user):
        data = self.cleaned_data
        return revisions.move_program(
            user=user,
            revision=self.revision,
            program=data["program"],
            item=data["item"],
            effective_year=data["effective_year"],
            basis=data["basis"],
        )


class PartyForm(RevisionChangeForm):
    kind = Kind.PARTY
    title = "協定締結を変更する（町村の参加）"
    help = "一部変更協定などで、町村が取組項目の協定に加わる（○）・加わらない（—）を記録します。"
    item = ItemChoice(label="連携する取組項目", queryset=AgreementItem.objects.none())
    municipality = forms.ModelChoiceField(label="町村", queryset=Municipality.objects.none())
    status = forms.ChoiceField(
        label="協定締結",
        choices=ItemParty.Status.choices,
        initial=ItemParty.Status.PARTY,
    )
    effective_year = _year_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = self.items
        self.fields["municipality"].queryset = self.towns.filter(is_central_city=False)

    def record(self, *, user):
        data = self.cleaned_data
        return revisions.change_party(
            user=user,
            revision=self.revision,
            item=data["item"],
            municipality=data["municipality"],
            status=data["status"],
            effective_year=data["effective_year"],
            basis=data["basis"],
        )


class ParticipantForm(RevisionChangeForm):
    kind = Kind.PARTICIPANT
    title = "連携事業の関係市町村を変更する"
    program = ProgramChoice(label="連携事業", queryset=Program.objects.none())
    municipality = forms.ModelChoiceField(label="市町村", queryset=Municipality.objects.none())
    joined = forms.TypedChoiceField(
        label="参加",
        choices=[("1", "参加する"), ("0", "参加しない")],
        coerce=lambda v: v == "1",
        initial="1",
    )
    effective_year = _year_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = self.programs
        self.fields["municipality"].queryset = self.towns

    def record(self, *, user):
        data = self.cleaned_data
        return revisions.set_participation(
            user=user,
            revision=self.revision,
            program=data["program"],
            municipality=data["municipality"],
            joined=data["joined"],
            effective_year=data["effective_year"],
            basis=data["basis"],
        )


FORMS: dict[str, type[RevisionChangeForm]] = {
    form.kind: form
    for form in (
        TargetForm,
        BudgetForm,
        ProgramAddForm,
        ProgramEndForm,
        ProgramMoveForm,
        PartyForm,
        ParticipantForm,
    )
}
