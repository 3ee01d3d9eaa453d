"""with_towns: municipality foreign keys set from the municipalities a page already has."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from municipalities.models import Municipality
from municipalities.towns import with_towns
from vision.models import PopulationFigure

pytestmark = pytest.mark.django_db


def test_it_sets_each_row_s_municipality_from_the_map_without_a_query(vision):
    towns = {m.pk: m for m in Municipality.objects.all()}
    rows = list(PopulationFigure.objects.filter(vision=vision, municipality__isnull=False))
    with CaptureQueriesContext(connection) as queries:
        with_towns(rows, towns, "municipality")
        names = {row.municipality.name for row in rows}
    assert len(queries) == 0
    assert names == {m.name for m in Municipality.objects.filter(population_figures__in=rows)}


def test_it_fetches_a_municipality_missing_from_the_map_in_one_query(vision):
    rows = list(PopulationFigure.objects.filter(vision=vision, municipality__isnull=False))
    with CaptureQueriesContext(connection) as queries:
        with_towns(rows, {}, "municipality")
        codes = {row.municipality.code for row in rows}
    assert len(queries) == 1
    assert codes == set(
        PopulationFigure.objects.filter(pk__in=[r.pk for r in rows]).values_list(
            "municipality__code", flat=True
        )
    )


def test_a_row_without_a_municipality_keeps_none(vision):
    rows = with_towns(
        PopulationFigure.objects.filter(vision=vision, municipality__isnull=True),
        {},
        "municipality",
    )
    assert rows and all(row.municipality is None for row in rows)
