"""The workflow writes (returns.services): all or nothing, versions, status rules, history."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from core.models import FigureStatus
from kpis.models import KPIActual
from programs.models import CostShare
from returns import services
from returns.annual import Entry
from tests.constants import CREMATION, HEALTH
from tests.returns.helpers import kpi, program, share, the_return

pytestmark = pytest.mark.django_db


def key(name, kind="budget"):
    return f"{kind}-{program(name).pk}"


def save(user, ret, *entries, reason=""):
    return services.save_entries(user=user, annual_return=ret, entries=list(entries), reason=reason)


def test_saving_creates_a_draft_with_version_one(reporting_year, kaneyama, kaneyama_officer):
    ret = the_return(reporting_year, kaneyama)
    save(kaneyama_officer, ret, Entry(key(HEALTH), Decimal(120)))
    figure = share(program(HEALTH), kaneyama)
    assert (figure.amount_kyen, figure.status, figure.version) == (120, FigureStatus.DRAFT, 1)
    assert figure.approved_at is None


def test_history_keeps_who_the_old_and_new_value_and_the_reason(
    reporting_year, kaneyama, kaneyama_officer, secretariat
):
    save(kaneyama_officer, the_return(reporting_year, kaneyama), Entry(key(HEALTH), Decimal(120)))
    ret = the_return(reporting_year, kaneyama)
    save(secretariat, ret, Entry(key(HEALTH), Decimal(125), version=1), reason="決算書で確認")
    newest, older = share(program(HEALTH), kaneyama).history.all()[:2]
    assert (older.history_user, older.amount_kyen) == (kaneyama_officer, 120)
    assert (newest.history_user, newest.amount_kyen) == (secretariat, 125)
    assert newest.history_change_reason == "決算書で確認"


def test_a_stale_version_is_refused_and_nothing_is_overwritten(
    reporting_year, kaneyama, kaneyama_officer, secretariat
):
    save(kaneyama_officer, the_return(reporting_year, kaneyama), Entry(key(HEALTH), Decimal(120)))
    save(
        secretariat,
        the_return(reporting_year, kaneyama),
        Entry(key(HEALTH), Decimal(130), version=1),
    )
    with pytest.raises(services.ReturnRejected) as rejected:
        save(kaneyama_officer, the_return(reporting_year, kaneyama), Entry(key(HEALTH), Decimal(140), version=1))  # fmt: skip
    [message] = rejected.value.outcomes[0].errors
    assert "t-secretariat さんが先に変更しました（現在の値: 130" in message
    assert share(program(HEALTH), kaneyama).amount_kyen == 130


def test_one_bad_row_saves_nothing(reporting_year, kaneyama, kaneyama_officer):
    ret = the_return(reporting_year, kaneyama)
    with pytest.raises(services.ReturnRejected):
        save(
            kaneyama_officer,
            ret,
            Entry(key(HEALTH), Decimal(120)),
            Entry(key(CREMATION), Decimal(-5)),
        )
    assert not CostShare.objects.filter(municipality=kaneyama, fiscal_year=2025).exclude(kind="plan").exists()  # fmt: skip


def test_a_change_after_approval_keeps_the_approved_value_public(
    reporting_year, kaneyama, kaneyama_officer, secretariat
):
    ret = the_return(reporting_year, kaneyama)
    save(kaneyama_officer, ret, Entry(key(HEALTH), Decimal(120)))
    services.submit_return(
        user=kaneyama_officer, annual_return=the_return(reporting_year, kaneyama)
    )
    services.review_return(
        user=secretariat,
        annual_return=the_return(reporting_year, kaneyama),
        decisions=[services.Decision(key(HEALTH), services.APPROVE)],
    )
    save(kaneyama_officer, the_return(reporting_year, kaneyama), Entry(key(HEALTH), Decimal(150)))
    figure = share(program(HEALTH), kaneyama)
    assert (figure.amount_kyen, figure.status) == (150, FigureStatus.DRAFT)
    assert figure.approved_amount_kyen == 120
    assert CostShare.objects.published().filter(pk=figure.pk).exists()


def test_an_officer_cannot_change_a_submitted_figure(reporting_year, kaneyama, kaneyama_officer):
    save(kaneyama_officer, the_return(reporting_year, kaneyama), Entry(key(HEALTH), Decimal(120)))
    services.submit_return(
        user=kaneyama_officer, annual_return=the_return(reporting_year, kaneyama)
    )
    with pytest.raises(services.ReturnRejected) as rejected:
        save(
            kaneyama_officer, the_return(reporting_year, kaneyama), Entry(key(HEALTH), Decimal(99))
        )
    assert "提出済みのため変更できません" in rejected.value.outcomes[0].errors[0]
    assert share(program(HEALTH), kaneyama).amount_kyen == 120


def test_submit_sends_only_entered_drafts(reporting_year, kaneyama, kaneyama_officer):
    save(
        kaneyama_officer,
        the_return(reporting_year, kaneyama),
        Entry(key(HEALTH), Decimal(120)),
        Entry(key(CREMATION), None, comment="まだ決まっていません"),
    )
    submitted = services.submit_return(
        user=kaneyama_officer, annual_return=the_return(reporting_year, kaneyama)
    )
    assert [line.key for line in submitted] == [key(HEALTH)]
    assert share(program(CREMATION), kaneyama).status == FigureStatus.DRAFT


def test_returning_needs_a_reason_and_changes_nothing_without_one(
    reporting_year, kaneyama, kaneyama_officer, secretariat
):
    save(kaneyama_officer, the_return(reporting_year, kaneyama), Entry(key(HEALTH), Decimal(120)))
    services.submit_return(
        user=kaneyama_officer, annual_return=the_return(reporting_year, kaneyama)
    )
    with pytest.raises(services.ReviewRejected):
        services.review_return(
            user=secretariat,
            annual_return=the_return(reporting_year, kaneyama),
            decisions=[services.Decision(key(HEALTH), services.RETURN, reason="  ")],
        )
    assert share(program(HEALTH), kaneyama).status == FigureStatus.SUBMITTED


def test_only_submitted_figures_can_be_approved(
    reporting_year, kaneyama, kaneyama_officer, secretariat
):
    save(kaneyama_officer, the_return(reporting_year, kaneyama), Entry(key(HEALTH), Decimal(120)))
    with pytest.raises(services.ReviewRejected):
        services.review_return(
            user=secretariat,
            annual_return=the_return(reporting_year, kaneyama),
            decisions=[services.Decision(key(HEALTH), services.APPROVE)],
        )
    assert share(program(HEALTH), kaneyama).approved_at is None


def test_an_officer_cannot_review(reporting_year, kaneyama, kaneyama_officer):
    with pytest.raises(PermissionDenied):
        services.review_return(
            user=kaneyama_officer, annual_return=the_return(reporting_year, kaneyama), decisions=[]
        )


def test_a_locked_year_is_closed_to_officers(
    reporting_year, kaneyama, kaneyama_officer, secretariat
):
    services.lock_year(user=secretariat, reporting_year=reporting_year)
    reporting_year.refresh_from_db()
    with pytest.raises(PermissionDenied):
        save(kaneyama_officer, the_return(reporting_year, kaneyama), Entry(key(HEALTH), Decimal(1)))
    assert share(program(HEALTH), kaneyama) is None


def test_the_secretariat_changes_a_locked_year_only_with_a_reason(
    reporting_year, kaneyama, secretariat
):
    services.lock_year(user=secretariat, reporting_year=reporting_year)
    reporting_year.refresh_from_db()
    with pytest.raises(services.ReturnRejected) as rejected:
        save(secretariat, the_return(reporting_year, kaneyama), Entry(key(HEALTH), Decimal(1)))
    assert "変更の理由" in rejected.value.message
    save(secretariat, the_return(reporting_year, kaneyama), Entry(key(HEALTH), Decimal(1)), reason="監査の指摘")  # fmt: skip
    assert share(program(HEALTH), kaneyama).history.first().history_change_reason == "監査の指摘"


def test_a_flagged_value_is_kept_only_with_a_comment(reporting_year, secretariat, vision):
    satisfaction = kpi("職員の満足度")
    area_key = f"kpi-{satisfaction.pk}"
    with pytest.raises(services.ReturnRejected) as rejected:
        save(secretariat, the_return(reporting_year, None), Entry(area_key, Decimal(120)))
    assert rejected.value.outcomes[0].warnings == ["100% を超えています。"]
    save(secretariat, the_return(reporting_year, None), Entry(area_key, Decimal(120), comment="複数回答の合計"))  # fmt: skip
    assert KPIActual.objects.get(kpi=satisfaction, fiscal_year=2025).value == 120


def test_a_change_beyond_the_kpis_threshold_is_flagged(reporting_year, secretariat):
    screening = kpi("受診者数")  # baseline R6: 2,717
    screening.plausible_change_percent = Decimal(30)
    screening.save()
    with pytest.raises(services.ReturnRejected) as rejected:
        save(
            secretariat,
            the_return(reporting_year, None),
            Entry(f"kpi-{screening.pk}", Decimal(5000)),
        )
    [warning] = rejected.value.outcomes[0].warnings
    assert "前年度の値（2,717）から 84% 変わっています" in warning


def test_a_negative_count_is_an_error_even_with_a_comment(
    reporting_year, kaneyama, kaneyama_officer
):
    farmers = f"kpi-{kpi('圏域内の新規就農者数').pk}"
    with pytest.raises(services.ReturnRejected) as rejected:
        save(
            kaneyama_officer,
            the_return(reporting_year, kaneyama),
            Entry(farmers, Decimal(-1), comment="訂正"),
        )
    assert "マイナスは入力できません" in rejected.value.outcomes[0].errors[0]
