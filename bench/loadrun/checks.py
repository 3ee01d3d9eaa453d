"""The count check: the database read directly after the run.

- Officers: every figure each officer saved is stored exactly once, with the value last
  saved, submitted, with one history row per confirmed save plus one for the submission;
  no row nobody saved.
- Approvals: every figure of the secretariat's pool (and of the freshness probe) is
  either still submitted, untouched (one history row: its creation), or approved exactly
  once: its approved value is its value, approved by ``secretariat``, two history rows
  (creation, approval) of which one approved. Every approval answered 302 is in the
  database; every approved figure was in an action the run sent.
"""

from __future__ import annotations

import dj_database_url
import psycopg

from bench.loadrun.traffic import YEAR, Officer


def connect(url: str):
    config = dj_database_url.parse(url)
    return psycopg.connect(
        dbname=config["NAME"], user=config["USER"] or None, host=config["HOST"] or None,
        port=config["PORT"] or None, autocommit=True,
    )  # fmt: skip


SHARE_ROWS = """
SELECT s.program_id, s.kind, count(*), min(s.amount_kyen), max(s.amount_kyen),
       min(s.status), max(s.status),
       (SELECT count(*) FROM programs_historicalcostshare h WHERE h.id = min(s.id))
FROM programs_costshare s JOIN municipalities_municipality m ON m.id = s.municipality_id
WHERE m.code = %s AND s.fiscal_year = %s AND s.kind IN ('budget', 'settlement')
GROUP BY s.program_id, s.kind
"""
KPI_ROWS = """
SELECT a.kpi_id, count(*), min(a.value), max(a.value), min(a.status), max(a.status),
       (SELECT count(*) FROM kpis_historicalkpiactual h WHERE h.id = min(a.id))
FROM kpis_kpiactual a JOIN kpis_kpi k ON k.id = a.kpi_id
LEFT JOIN municipalities_municipality m ON m.id = a.municipality_id
WHERE a.fiscal_year = %s AND a.kpi_id = ANY(%s)
  AND ((k.is_sum_of_municipalities AND m.code = %s)
       OR (NOT k.is_sum_of_municipalities AND a.municipality_id IS NULL))
GROUP BY a.kpi_id
"""
APPROVAL_ROWS = """
SELECT a.id, a.status, a.value, a.approved_value, a.approved_at IS NOT NULL, u.username,
       (SELECT count(*) FROM kpis_historicalkpiactual h WHERE h.id = a.id),
       (SELECT count(*) FROM kpis_historicalkpiactual h
        WHERE h.id = a.id AND h.status = 'approved')
FROM kpis_kpiactual a LEFT JOIN auth_user u ON u.id = a.approved_by_id
WHERE a.id = ANY(%s)
"""


def check_officers(url: str, officers: list[Officer]) -> dict:
    """Every saved figure stored exactly once, with the last value, submitted, full history."""
    problems: list[str] = []
    figures = 0
    with connect(url) as conn:
        for officer in officers:
            stored = {}
            for program, kind, count, low, high, s1, s2, history in conn.execute(
                SHARE_ROWS, (officer.code, YEAR)
            ):
                stored[f"{kind}-{program}"] = (count, low, high, s1, s2, history)
            kpi_ids = [int(k[4:]) for k in officer.last_saved if k.startswith("kpi-")]
            for kpi, count, low, high, s1, s2, history in conn.execute(
                KPI_ROWS, (YEAR, kpi_ids, officer.code)
            ):
                stored[f"kpi-{kpi}"] = (count, low, high, s1, s2, history)
            extra = set(stored) - set(officer.last_saved)
            if extra:
                problems.append(f"{officer.code}: rows nobody saved: {sorted(extra)}")
            expected_history = officer.rounds_confirmed + (1 if officer.submitted else 0)
            for line, value in officer.last_saved.items():
                figures += 1
                if line not in stored:
                    problems.append(f"{officer.code} {line}: lost (no row)")
                    continue
                count, low, high, s1, s2, history = stored[line]
                if count != 1:
                    problems.append(f"{officer.code} {line}: {count} rows")
                if not (low == high == value):
                    problems.append(f"{officer.code} {line}: stored {low}..{high}, saved {value}")
                status = "submitted" if officer.submitted else "draft"
                if not (s1 == s2 == status):
                    problems.append(f"{officer.code} {line}: status {s1}/{s2}, expected {status}")
                if history != expected_history:
                    problems.append(
                        f"{officer.code} {line}: {history} history rows, "
                        f"expected {expected_history} (saves + submission)"
                    )
    return {"figures": figures, "problems": problems}


def check_approvals(url: str, pks: list[int], confirmed: set[int], uncertain: set[int]) -> dict:
    """Each figure of ``pks`` still submitted and untouched, or approved exactly once."""
    problems: list[str] = []
    approved = submitted = 0
    approved_unconfirmed = []
    with connect(url) as conn:
        rows = {row[0]: row[1:] for row in conn.execute(APPROVAL_ROWS, (pks,))}
    for pk in pks:
        if pk not in rows:
            problems.append(f"actual {pk}: lost (no row)")
            continue
        status, value, approved_value, has_date, by, history, approvals = rows[pk]
        if status == "approved":
            approved += 1
            if pk not in confirmed:
                if pk in uncertain:
                    approved_unconfirmed.append(pk)  # its answer was lost: allowed
                else:
                    problems.append(f"actual {pk}: approved, but in no action the run sent")
            if not (approved_value == value and has_date and by == "secretariat"):
                problems.append(
                    f"actual {pk}: approved value {approved_value} (value {value}), "
                    f"approved_at set: {has_date}, by {by}"
                )
            if (history, approvals) != (2, 1):
                problems.append(
                    f"actual {pk}: {history} history rows, {approvals} approved "
                    "(expected 2: created, approved once)"
                )
        elif status == "submitted":
            submitted += 1
            if pk in confirmed:
                problems.append(f"actual {pk}: approval answered 302 but not stored")
            if (history, approved_value, has_date) != (1, None, False):
                problems.append(
                    f"actual {pk}: still submitted, but {history} history rows, "
                    f"approved value {approved_value}"
                )
        else:
            problems.append(f"actual {pk}: status {status}")
    return {
        "figures": len(pks),
        "approved": approved,
        "still_submitted": submitted,
        "approved_though_answer_lost": len(approved_unconfirmed),
        "problems": problems,
    }
