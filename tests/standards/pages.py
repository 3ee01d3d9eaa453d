"""The public pages the standards tests check, in Japanese and in English.

Every kind of public page is here once or twice: the pages of the navigation, a
program with one KPI and the program whose KPI is summed over the towns, a town,
the vision document, a published year's report and a plan revision (both made by
the ``yearly_cycle`` fixture of tests/standards/conftest.py), and the yearly
evaluation: its index, the page of the latest year with something published (the
plan's first year when nothing is) and, when one is approved, a program's evaluation.
"""

from evaluations.models import CommitteeMeeting, ProgramEvaluation
from programs.models import Program
from tests.constants import FARMING, OKURA, TOURISM
from vision.models import Vision


def evaluation_paths() -> list[str]:
    """The yearly evaluation's pages, with content when there is some."""
    approved = ProgramEvaluation.objects.published().order_by("-fiscal_year", "program_id")
    years = set(approved.values_list("fiscal_year", flat=True))
    years |= set(CommitteeMeeting.objects.published().values_list("fiscal_year", flat=True))
    year = max(years) if years else Vision.objects.current().period_start
    paths = ["/evaluations/", f"/evaluations/{year}/"]
    latest = approved.first()
    if latest is not None:
        paths.append(f"/evaluations/{latest.fiscal_year}/programs/{latest.program_id}/")
    return paths


def public_paths(*, report_year: int | None = None, revision: int | None = None) -> list[str]:
    tourism = Program.objects.get(name=TOURISM).pk
    farming = Program.objects.get(name=FARMING).pk
    ja = [
        "/",
        "/plan/",
        f"/programs/{tourism}/",
        f"/programs/{farming}/",
        "/kpis/",
        "/towns/",
        f"/towns/{OKURA}/",
        "/statistics/",
        "/agreement/",
        "/about/progress/",
        "/about/accessibility/",
        "/opendata/",
        "/document/",
        "/reports/",
        "/revisions/",
        "/revisions/compare/",
        "/areas/",
        "/indicators/",
    ]
    if report_year:
        ja.append(f"/reports/{report_year}/")
    if revision:
        ja.append(f"/revisions/{revision}/")
    ja += evaluation_paths()
    return ja + ["/en" + path for path in ja]
