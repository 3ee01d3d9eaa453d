"""Open data of every area in one file: each dataset with the area as its first columns.

/opendata/areas/{dataset}.csv and .json: the rows of each area's current vision, as the
area's own file has them (/areas/<slug>/opendata/…), with 圏域ID (the area's slug) and
圏域名 in front, so that anyone can compare areas. Areas in their display order, the
rows of each area in the order of its own file.

Comparing the figures themselves is another matter: most KPIs are local. Only KPIs
that carry the same indicator code mean the same thing in two areas.
"""

import csv
import io

from django.http import Http404, HttpResponse, JsonResponse

from public.area_views import current_visions
from public.opendata import DATASETS
from vision.areas import across_areas
from vision.models import Area

AREA_COLUMNS = ["圏域ID", "圏域名"]


def area_visions():
    """(area, its current vision) for every area that has one, in display order."""
    areas = list(Area.objects.all())
    current = current_visions(areas)
    return [(area, current[area.pk]) for area in areas if area.pk in current]


def _dataset(name):
    dataset = DATASETS.get(name)
    if dataset is None:
        raise Http404("そのデータセットはありません。")
    return dataset


@across_areas
def combined_csv(request, name):
    dataset = _dataset(name)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(AREA_COLUMNS + [c.header for c in dataset.all_csv_columns])
    for area, vision in area_visions():
        rows = dataset.csv(vision)
        next(rows)  # each area's header
        writer.writerows([area.slug, area.name, *row] for row in rows)
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="areas_{dataset.name}.csv"'
    return response


@across_areas
def combined_json(request, name):
    dataset = _dataset(name)
    rows = [
        {"area": area.slug, "area_name": area.name, **row}
        for area, vision in area_visions()
        for row in dataset.json(vision)
    ]
    return JsonResponse(rows, safe=False, json_dumps_params={"ensure_ascii": False})
