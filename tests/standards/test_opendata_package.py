"""The open data described by a Frictionless Data Package and a DCAT catalogue (issue 13 C, D).

The served datapackage.json and every file it names are written to a folder from the
test client, then ``frictionless`` validates the package as a consumer would: every
CSV and JSON file against its Table Schema (types, the code as 6-digit text).
"""

import json

import pytest
from frictionless import validate

from core.models import FigureStatus
from kpis.models import KPI
from programs.models import CostShare, Program
from public.opendata import CODE_PATTERN, DATASETS, LICENSE_URL
from tests.constants import HEALTH, KANEYAMA, SHINJO
from tests.factories import make_actual, make_share

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved_figures(vision, kaneyama):
    """One approved figure of each kind a dataset holds: a town's, the area's, a budget."""
    make_actual(
        KPI.objects.get(name="圏域内の新規就農者数"),
        "3",
        municipality=kaneyama,
        status=FigureStatus.APPROVED,
    )
    make_actual(KPI.objects.get(name="年間事業開催数"), "27", status=FigureStatus.APPROVED)
    make_share(Program.objects.get(name=HEALTH), KANEYAMA, 115, kind=CostShare.Kind.BUDGET)


def get_json(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return json.loads(response.content)


@pytest.fixture
def package_folder(client, approved_figures, tmp_path):
    """datapackage.json and every file it names, as served."""
    response = client.get("/opendata/datapackage.json")
    assert response.status_code == 200
    (tmp_path / "datapackage.json").write_bytes(response.content)
    for resource in json.loads(response.content)["resources"]:
        file = client.get(f"/opendata/{resource['path']}")
        assert file.status_code == 200, resource["path"]
        (tmp_path / resource["path"]).write_bytes(file.content)
    return tmp_path


def test_frictionless_finds_the_package_valid(package_folder):
    report = validate(str(package_folder / "datapackage.json"))
    assert report.valid, report.flatten(["resourceName", "rowNumber", "fieldName", "note"])


def test_frictionless_catches_a_code_without_its_leading_zero(package_folder):
    # The check has teeth: the same package with 62057 (Excel's way) is invalid.
    path = package_folder / f"{SHINJO}_municipalities.csv"
    path.write_text(path.read_text("utf-8-sig").replace("\n062057,", "\n62057,"), "utf-8-sig")
    assert not validate(str(package_folder / "datapackage.json")).valid


def test_every_dataset_has_a_csv_and_a_json_resource(client, vision):
    package = get_json(client, "/opendata/datapackage.json")
    paths = {r["path"] for r in package["resources"]}
    assert paths == {f"{SHINJO}_{name}.{ext}" for name in DATASETS for ext in ("csv", "json")}


def test_the_code_is_a_six_digit_string_in_every_schema(client, vision):
    package = get_json(client, "/opendata/datapackage.json")
    for resource in package["resources"]:
        first = resource["schema"]["fields"][0]
        assert (first["type"], first["constraints"]["pattern"]) == ("string", CODE_PATTERN)


def test_the_package_states_the_licence_and_the_attribution(client, vision):
    package = get_json(client, "/opendata/datapackage.json")
    assert package["licenses"][0]["path"] == LICENSE_URL
    assert "公共データ利用規約（第1.0版）" in package["licenses"][0]["title"]
    assert "出典：" in package["description"] and "CC BY 4.0" in package["description"]


def test_the_catalogue_lists_every_dataset_with_downloads_that_work(client, vision):
    catalog = get_json(client, "/opendata/catalog.jsonld")
    assert catalog["@type"] == "dcat:Catalog"
    assert catalog["dct:license"] == {"@id": LICENSE_URL}
    identifiers = [d["dct:identifier"] for d in catalog["dcat:dataset"]]
    assert identifiers == [f"{SHINJO}_{name}" for name in DATASETS]
    for dataset in catalog["dcat:dataset"]:
        for distribution in dataset["dcat:distribution"]:
            url = distribution["dcat:downloadURL"]["@id"]
            assert client.get(url.removeprefix("http://testserver")).status_code == 200, url


def test_the_catalogue_is_served_as_json_ld(client, vision):
    response = client.get("/opendata/catalog.jsonld")
    assert response["Content-Type"].startswith("application/ld+json")
    assert "出典：" in json.loads(response.content)["dct:rights"]["@value"]
