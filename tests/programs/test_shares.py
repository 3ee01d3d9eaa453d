"""A sample of cost shares and stated totals from each policy field, as printed."""

import pytest

from programs.models import CostShare, Program, StatedTotal
from tests.constants import KANEYAMA, SPECIAL_EDUCATION

pytestmark = pytest.mark.django_db


def share(program, code, year=2025):
    return CostShare.objects.get(
        program__name=program, municipality__code=code, fiscal_year=year, kind=CostShare.Kind.PLAN
    ).amount_kyen


@pytest.mark.parametrize(
    ("program", "code", "amount"),
    [
        # (1) 生活機能の強化
        ("最上地域保健医療対策事業", "062057", 612),
        ("最上地域保健医療対策事業", "063673", 102),
        ("子育て支援センター事業", "063649", 13616),
        ("教育研究センター運営事業", "062057", 21770),
        ("下水処理施設共同管理事業", "062057", 66878),
        ("地域連携による夜間休日診療運営事業", "063614", 0),
        # (2) 結びつきやネットワークの強化
        ("コミュニティバスの運行事業（大蔵村営バス）", "063657", 42696),
        ("コミュニティバス運行事業（鮭川村営バス）", "062057", 245),
        ("道路除雪の代行除雪", "062057", 0),
        ("結婚活動支援事業", "063622", 121),
        # (3) 圏域マネジメント
        ("職員合同研修事業", "062057", 250),
        ("統一テーマによる広報事業", "063614", 1),
        ("デジタル人材の育成・確保", "063665", 0),
    ],
)
def test_printed_shares(program, code, amount):
    assert share(program, code) == amount


def test_a_blank_share_is_kept_blank_not_zero():
    assert share("子どもの遊び場の広域利用", "062057") is None
    assert share("関係人口の創出", "063614") is None


def test_a_municipality_with_no_row_has_no_share():
    # 特別支援教育… lists seven municipalities: 金山町 has no row at all.
    assert not CostShare.objects.filter(
        program__name=SPECIAL_EDUCATION,
        municipality__code=KANEYAMA,
    ).exists()


@pytest.mark.parametrize(
    ("program", "total"),
    [
        ("最上地域保健医療対策事業", 1358),
        ("子育て支援センター事業", 45812),  # printed; the shares add up to 55,573
        ("結婚活動支援事業", 1000),  # printed; the shares add up to 1,003
        ("下水処理施設共同管理事業", 133182),
        ("コミュニティバスの運行事業（大蔵村営バス）", 44550),
        ("デジタル人材の育成・確保", 0),
    ],
)
def test_stated_totals_as_printed(program, total):
    assert StatedTotal.objects.get(program__name=program, fiscal_year=2025).amount_kyen == total


def test_programs_without_a_printed_total_have_none():
    for name in ["最上地域農業・畜産振興事業", "火葬場の相互利用", "子どもの遊び場の広域利用"]:
        assert not StatedTotal.objects.filter(program__name=name).exists()


def test_plan_shares_are_published_as_the_plan():
    shares = CostShare.objects.filter(kind=CostShare.Kind.PLAN)
    assert shares.count() == shares.published().count()
    assert all(s.approved_amount_kyen == s.amount_kyen for s in shares)


def test_participants_of_the_special_needs_training_exclude_kaneyama():
    program = Program.objects.get(name=SPECIAL_EDUCATION)
    codes = sorted(program.participants.values_list("code", flat=True))
    assert codes == ["062057", "063622", "063631", "063649", "063657", "063665", "063673"]
