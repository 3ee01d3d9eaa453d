"""For search engines: /robots.txt and /sitemap.xml (served by the app itself).

The sitemap lists every public page once per language (Japanese at /, English at
/en/) with its hreflang alternates and x-default (the Japanese page), like the pages'
own <link rel="alternate">. The officers' pages (/returns/) and the admin are
disallowed in robots.txt and never listed.
"""

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from evaluations.models import CommitteeMeeting, ProgramEvaluation
from municipalities.models import Municipality
from programs.models import Program
from vision.models import PlanRevision, ReportingYear

PAGES = [
    "public:home",
    "public:plan",
    "public:kpis:list",
    "public:municipalities:index",
    "public:statistics",
    "public:agreement",
    "public:progress_rules",
    "public:accessibility",
    "opendata:index",
    "public:document:page",
    "public:reports:index",
    "public:revisions:index",
    "public:evaluations:index",
]


class PublicSitemap(Sitemap):
    i18n = True
    languages = [code for code, _name in settings.LANGUAGES]
    alternates = True
    x_default = True

    def items(self):
        items = [(name, ()) for name in PAGES]
        items += [
            ("public:programs:detail", (pk,))
            for pk in Program.objects.order_by("pk").values_list("pk", flat=True)
        ]
        items += [
            ("public:municipalities:detail", (code,))
            for code in Municipality.objects.order_by("code").values_list("code", flat=True)
        ]
        items += [
            ("public:reports:year", (year,))
            for year in ReportingYear.objects.filter(report_published_at__isnull=False)
            .order_by("fiscal_year")
            .values_list("fiscal_year", flat=True)
        ]
        items += [
            ("public:revisions:detail", (pk,))
            for pk in PlanRevision.objects.order_by("pk").values_list("pk", flat=True)
        ]
        # The yearly evaluation: the years with something published, and each program's
        # approved evaluation of a year (evidence files are downloads, never listed).
        evaluated = list(
            ProgramEvaluation.objects.published()
            .order_by("fiscal_year", "program_id")
            .values_list("fiscal_year", "program_id")
        )
        years = {year for year, _program in evaluated}
        years |= set(CommitteeMeeting.objects.published().values_list("fiscal_year", flat=True))
        items += [("public:evaluations:year", (year,)) for year in sorted(years)]
        items += [("public:evaluations:program", pair) for pair in evaluated]
        return items

    def location(self, item):
        name, args = item
        return reverse(name, args=args)


SITEMAPS = {"public": PublicSitemap}


@require_GET
def robots_txt(request):
    lines = [
        "User-agent: *",
        f"Disallow: /{settings.ADMIN_URL}",
        "Disallow: /returns/",
        "Disallow: /evaluation/",
        "Disallow: /i18n/",
        "",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
