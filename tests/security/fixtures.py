"""Figures of two towns for the security tests: 金山町 (the officer's own) and 大蔵村 (another's)."""

import pytest

from kpis.models import KPIActual
from programs.models import CostShare
from tests.constants import CREMATION
from tests.returns.helpers import kpi, program

OKURA_SECRET = "大蔵村の下書きコメント"


@pytest.fixture
def okura_share(okura):
    return CostShare.objects.create(
        program=program(CREMATION), municipality=okura, fiscal_year=2025,
        kind="budget", amount_kyen=777, comment=OKURA_SECRET,
    )  # fmt: skip


@pytest.fixture
def okura_actual(okura):
    # 大蔵村 reports the area figure of its own survey (municipality blank).
    return KPIActual.objects.create(
        kpi=kpi("利用者数", "コミュニティバスの運行事業（大蔵村営バス）"), fiscal_year=2025,
        value=24680, comment=OKURA_SECRET,
    )  # fmt: skip


@pytest.fixture
def own_share(kaneyama):
    return CostShare.objects.create(
        program=program(CREMATION), municipality=kaneyama, fiscal_year=2025,
        kind="budget", amount_kyen=111,
    )  # fmt: skip


@pytest.fixture
def figures(reporting_year, okura_share, okura_actual, own_share):
    return {"okura_share": okura_share, "okura_actual": okura_actual, "own_share": own_share}
