"""Small factories for made-up cases. Each builds a separate vision so a test
never depends on, or disturbs, the document's own data; make_user makes a user
with a role, as tests/conftest.py's cast and some tests need."""

from decimal import Decimal
from itertools import count

from django.contrib.auth.models import User

from core.models import FigureStatus
from kpis.models import KPI, KPIActual, derive_direction
from municipalities.models import Municipality, Profile
from programs.models import CostShare, Program, StatedTotal
from vision.models import AgreementItem, Category, ItemParty, PolicyField, Vision

_seq = count(1)
PASSWORD = "test-pass-123"  # every user make_user makes


def make_user(username: str, role: str, municipality: Municipality | None = None) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, is_staff=True)
    if role == Profile.Role.SECRETARIAT:
        user.is_superuser = True
        user.save()
    Profile.objects.create(user=user, role=role, municipality=municipality)
    return user


def make_vision(**kwargs) -> Vision:
    n = next(_seq)
    defaults = {
        "slug": f"test-vision-{n}",
        "area_name": "テスト圏",
        "title": f"テストビジョン{n}",
        "edition": 0,
        "period_start": 2026,
        "period_end": 2030,
    }
    vision = Vision.objects.create(**{**defaults, **kwargs})
    vision.municipalities.set(Municipality.objects.all())
    return vision


def make_item(
    vision: Vision, *, parties: dict[str, str] | None = None, number: int = 1
) -> AgreementItem:
    field, _ = PolicyField.objects.get_or_create(
        vision=vision, number=1, defaults={"title": "分野"}
    )
    category, _ = Category.objects.get_or_create(
        policy_field=field, number=1, defaults={"title": "分類"}
    )
    item = AgreementItem.objects.create(category=category, number=100 + next(_seq), title="項目")
    for town in Municipality.objects.towns():
        status = (parties or {}).get(town.code, ItemParty.Status.PARTY)
        ItemParty.objects.create(item=item, municipality=town, status=status)
    return item


def make_program(
    item: AgreementItem, *, participants: list[str], undecided: bool = False, **kwargs
) -> Program:
    program = Program.objects.create(
        item=item,
        number=next(_seq),
        name=kwargs.pop("name", f"テスト事業{next(_seq)}"),
        participants_undecided=undecided,
        **kwargs,
    )
    program.participants.set(Municipality.objects.filter(code__in=participants))
    return program


def make_share(
    program, code, amount, *, year=2025, kind=CostShare.Kind.PLAN, approved=True
) -> CostShare:
    from django.utils import timezone

    return CostShare.objects.create(
        program=program,
        municipality=Municipality.objects.get(code=code),
        fiscal_year=year,
        kind=kind,
        amount_kyen=amount,
        approved_amount_kyen=amount if approved else None,
        status=FigureStatus.APPROVED if approved else FigureStatus.DRAFT,
        approved_at=timezone.now() if approved else None,
    )


def make_total(program, amount, *, year=2025) -> StatedTotal:
    return StatedTotal.objects.create(program=program, fiscal_year=year, amount_kyen=amount)


def make_kpi(program, *, baseline="10", target="20", **kwargs) -> KPI:
    b = None if baseline is None else Decimal(baseline)
    t = None if target is None else Decimal(target)
    return KPI.objects.create(
        program=program,
        order=kwargs.pop("order", next(_seq)),
        name=kwargs.pop("name", "テスト指標"),
        unit=kwargs.pop("unit", "回"),
        baseline=b,
        baseline_year=2024 if b is not None else None,
        target=t,
        target_year=2030 if t is not None else None,
        direction=derive_direction(b, t),
        **kwargs,
    )


def make_actual(
    kpi, value, *, year=2025, municipality=None, status=FigureStatus.DRAFT
) -> KPIActual:
    from django.utils import timezone

    approved = status == FigureStatus.APPROVED
    return KPIActual.objects.create(
        kpi=kpi,
        fiscal_year=year,
        municipality=municipality,
        value=None if value is None else Decimal(value),
        approved_value=Decimal(value) if approved and value is not None else None,
        approved_at=timezone.now() if approved else None,
        status=status,
    )
