"""What the public pages write for a KPI (or one of its years) that has no grade.

The words are the public pages' own, translated on /en/: the progress report
(``reports/report.py``) writes its own always-Japanese words for the same statuses, so this
is a public page's concern rather than the KPI rules' (``kpis.progress``), and it needs
``kpis.progress.Status``, which ``core`` may not import.
"""

from django.utils.translation import gettext as _

from kpis.progress import Status


def status_text(status, judgement=None) -> str:
    """−（未把握）, 評価対象外（目標未設定）… for a status; "" for one with nothing to say.

    ``judgement``: the ``KPIProgress`` or ``YearJudgement`` the status belongs to; with it,
    集計中 says who has reported (集計中（1/8市町村が報告）), as the report and town pages do.
    """
    if status == Status.COLLECTING and judgement is not None:
        year = getattr(judgement, "collecting", None) or judgement
        reported, missing = getattr(year, "reported", []), getattr(year, "missing", [])
        if reported or missing:
            return _("集計中（%(n)s/%(m)s市町村が報告）") % {
                "n": len(reported),
                "m": len(reported) + len(missing),
            }
    return {
        Status.NO_DATA: _("−（未把握）"),
        Status.NO_TARGET: _("評価対象外（目標未設定）"),
        Status.NO_BASELINE: _("評価対象外（現状値未設定）"),
        Status.TO_BE_SET: _("事業化後に設定"),
        Status.COLLECTING: _("集計中"),
        Status.JUDGED: _("基準年度のため評価なし"),
    }.get(status, "")
