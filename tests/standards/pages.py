"""The public pages the standards tests check, in Japanese and in English.

Every kind of public page is here once or twice: the pages of the navigation, a
program with one KPI and the program whose KPI is summed over the towns, a town,
the vision document, a published year's report and a plan revision (both made by
the ``yearly_cycle`` fixture of tests/standards/conftest.py).
"""

from programs.models import Program
from tests.constants import FARMING, OKURA, TOURISM


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
    ]
    if report_year:
        ja.append(f"/reports/{report_year}/")
    if revision:
        ja.append(f"/revisions/{revision}/")
    return ja + ["/en" + path for path in ja]
