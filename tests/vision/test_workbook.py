"""The vision workbook (vision/workbook.py): export, import, the commands and the upload screen.

The session database holds 新庄最上 (tests/conftest.py). ``new_area`` is its export with
another 識別名 and 名称: its municipalities are the registered ones with the same values, so
they are reused and everything else is created (one full import, about as slow as
load_vision). ``small_area`` is a made-up area of two new municipalities and one program,
written with ``write_workbook``: quick to import, for the commands and the upload screen.
Bad files are ``new_area`` with one thing broken; each must be refused with a message
naming the sheet, the row and the column, and leave every table as it was.
"""

import copy
import datetime
import io
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.urls import reverse

from kpis.models import KPI
from municipalities.models import Municipality, Profile
from municipalities.validators import check_digit
from programs.models import CostShare, Program
from tests.constants import KANEYAMA, SHINJO
from tests.factories import PASSWORD
from vision import workbook
from vision.loader import read_english_names, read_fixtures
from vision.models import ItemParty, PopulationFigure, Vision
from vision.quality import check_vision
from vision.workbook import (
    SHEETS,
    Document,
    WorkbookRejected,
    export_document,
    export_workbook,
    import_workbook,
    read_workbook,
    write_workbook,
)

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
SLUG = "shinjo-mogami-3"
NEW_SLUG = "test-area-2"
NEW_TITLE = "テスト圏域 共生ビジョン"
NOT_A_MEMBER = "062014"  # 山形市: a valid code, not in 新庄最上
SMALL_SLUG = "small-area"
SMALL_CODES = {
    SHINJO: "99001" + str(check_digit("99001")),
    KANEYAMA: "99002" + str(check_digit("99002")),
}


# --- helpers -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def exported(django_db_setup, django_db_blocker) -> bytes:
    with django_db_blocker.unblock():
        return export_workbook(Vision.objects.get(slug=SLUG))


@pytest.fixture(scope="module")
def new_area(exported) -> bytes:
    return edited(exported, "ビジョン", {"B2": NEW_SLUG, "B4": NEW_TITLE})


@pytest.fixture(scope="module")
def small_area(django_db_setup, django_db_blocker) -> bytes:
    with django_db_blocker.unblock():
        document = export_document(Vision.objects.get(slug=SLUG))
    return write_workbook(small_document(document))


def small_document(document: Document) -> Document:
    """新庄市 and 金山町 under new codes, item 1 with its first program, two census years."""
    plan, stats = copy.deepcopy(document.plan), copy.deepcopy(document.statistics)
    keep = set(SMALL_CODES)
    plan["vision"].update(
        slug=SMALL_SLUG, title="小さな圏域 共生ビジョン", area_name="小さな圏域", edition=1
    )
    plan["municipalities"] = [m for m in plan["municipalities"] if m["code"] in keep]
    field = plan["policy_fields"][0]
    field["categories"] = [field["categories"][0]]
    item = field["categories"][0]["items"][0]
    field["categories"][0]["items"] = [item]
    item["parties"] = {KANEYAMA: "party"}
    program = item["programs"][0]
    item["programs"] = [program]
    program["participants"] = [SHINJO, KANEYAMA]
    program["shares"] = {
        year: {c: a for c, a in shares.items() if c in keep}
        for year, shares in program["shares"].items()
    }
    plan["policy_fields"] = [field]
    pop = stats["population"]
    pop["rows"] = [r for r in pop["rows"] if r["code"] is None or r["code"] in keep]
    for row in pop["rows"]:
        row["values"] = row["values"][:2]
        row["printed_rates"] = row["printed_rates"] and row["printed_rates"][:2]
    pop["years"], pop["census_years"] = pop["years"][:2], pop["census_years"][:2]
    pop["projection_years"], pop["printed_area_share"] = [], pop["printed_area_share"][:2]
    stats["daytime"]["rows"] = [r for r in stats["daytime"]["rows"] if r["code"] in keep]
    stats["commuting"]["rows"] = [r for r in stats["commuting"]["rows"] if r["origin"] in keep]
    for row in stats["commuting"]["rows"]:
        row["flows"] = {c: n for c, n in row["flows"].items() if c in keep}
        row["printed_shares"] = {c: n for c, n in row["printed_shares"].items() if c in keep}
    for row in stats["hospital"]["rows"]:
        row["by_home"] = {c: n for c, n in row["by_home"].items() if c in keep | {"other"}}
        row["printed_shares"] = {
            c: n for c, n in row["printed_shares"].items() if c in row["by_home"]
        }
    return Document(recoded(plan), recoded(stats), document.names_en)


def recoded(value):
    if isinstance(value, dict):
        return {SMALL_CODES.get(k, k): recoded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [recoded(v) for v in value]
    return SMALL_CODES.get(value, value) if isinstance(value, str) else value


def edited(data: bytes, sheet: str, cells: dict, *, cell_type: str | None = None) -> bytes:
    """The workbook with some cells of one sheet set (a "=…" string becomes a formula)."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    for ref, value in cells.items():
        book[sheet][ref] = value
        if cell_type:
            book[sheet][ref].data_type = cell_type
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def restructured(data: bytes, change) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(data))
    change(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def counts() -> dict:
    models = (Vision, Municipality, Program, KPI, CostShare, ItemParty, PopulationFigure)
    return {model.__name__: model.objects.count() for model in models}


def refusal(data: bytes) -> str:
    """The messages an import of ``data`` is refused with; asserts nothing was saved."""
    before = counts()
    with pytest.raises(WorkbookRejected) as rejected:
        import_workbook(data, dry_run=False)
    assert counts() == before
    return "\n".join(rejected.value.messages)


def numbers_as_decimals(value):
    if isinstance(value, dict):
        return {k: numbers_as_decimals(v) for k, v in value.items()}
    if isinstance(value, list):
        return [numbers_as_decimals(v) for v in value]
    if isinstance(value, str) and value.lstrip("-").replace(".", "", 1).isdigit():
        return ("number", Decimal(value).normalize())
    return value


def same_document(a, b) -> bool:
    """Equal values and the same key order (the order the loader creates rows in)."""
    a, b = numbers_as_decimals(a), numbers_as_decimals(b)
    return a == b and json.dumps(a, default=str) == json.dumps(b, default=str)


# --- export ------------------------------------------------------------------------------


def test_the_export_has_the_guide_and_every_sheet_with_its_headers(exported):
    book = openpyxl.load_workbook(io.BytesIO(exported), read_only=True)
    assert book.sheetnames == ["説明", *(sheet.title for sheet in SHEETS)]
    for sheet in SHEETS:
        if not sheet.vertical:
            header = next(book[sheet.title].iter_rows(max_row=1, values_only=True))
            assert list(header) == sheet.headers


def test_the_guide_documents_every_column_of_every_sheet(exported):
    book = openpyxl.load_workbook(io.BytesIO(exported), read_only=True)
    documented = {(row[0], row[1]) for row in book["説明"].iter_rows(values_only=True)}
    expected = {(sheet.title, column.header) for sheet in SHEETS for column in sheet.columns}
    assert expected <= documented


def test_the_documentation_has_every_sheet_and_column():
    text = (ROOT / "docs" / "vision-workbook.md").read_text(encoding="utf-8")
    missing = [
        f"{sheet.title}: {column.header}"
        for sheet in SHEETS
        for column in sheet.columns
        if f"### {sheet.title}\n" not in text or f"| {column.header} |" not in text
    ]
    assert missing == []


def test_codes_are_written_as_text(exported):
    book = openpyxl.load_workbook(io.BytesIO(exported))
    cell = book["市町村"]["A2"]
    assert (cell.value, cell.data_type, cell.number_format) == (SHINJO, "s", "@")


def test_the_export_is_the_document_the_fixtures_hold(vision):
    plan, statistics = read_fixtures()
    names = {k: v for k, v in read_english_names().items() if not k.startswith("_")}
    document = export_document(vision)
    assert same_document(document.plan, plan)
    assert same_document(document.statistics, statistics)
    assert same_document(document.names_en, names)


def test_the_workbook_reads_back_to_the_exported_document(vision, exported):
    document = export_document(vision)
    read = read_workbook(exported)
    assert same_document(read.plan, document.plan)
    assert same_document(read.statistics, document.statistics)
    assert read.names_en == document.names_en


def test_export_vision_writes_the_only_vision_without_its_slug(tmp_path):
    call_command("export_vision", str(tmp_path / "out.xlsx"), stdout=io.StringIO())
    book = openpyxl.load_workbook(tmp_path / "out.xlsx", read_only=True)
    assert book["ビジョン"]["B2"].value == SLUG


def test_export_vision_refuses_an_unknown_slug(tmp_path):
    with pytest.raises(CommandError, match="識別名「nowhere」の圏域・ビジョンはありません"):
        call_command("export_vision", "nowhere", str(tmp_path / "out.xlsx"))


def test_export_vision_takes_an_area_or_a_vision_and_asks_when_there_are_several(tmp_path):
    from tests.factories import make_vision

    other = make_vision(slug="kaku-2", edition=2)
    out = tmp_path / "out.xlsx"
    call_command("export_vision", "kaku", str(out), stdout=io.StringIO())  # the area's current
    assert openpyxl.load_workbook(out, read_only=True)["ビジョン"]["B2"].value == other.slug
    call_command("export_vision", SLUG, str(out), stdout=io.StringIO())  # a vision by its slug
    assert openpyxl.load_workbook(out, read_only=True)["ビジョン"]["B2"].value == SLUG
    with pytest.raises(CommandError, match="圏域が複数あります.*kaku.*shinjo-mogami"):
        call_command("export_vision", str(out))


# --- import ------------------------------------------------------------------------------


def test_a_new_area_is_created_with_the_same_plan(vision, new_area):
    result = import_workbook(new_area, dry_run=False)
    created = Vision.objects.get(slug=NEW_SLUG)
    assert (result.saved, result.vision_id, created.title) == (True, created.pk, NEW_TITLE)
    assert result.reused == {"市町村": 8}
    original, copy = export_document(vision), export_document(created)
    copy.plan["vision"].update(slug=SLUG, title=vision.title)
    assert (copy.plan, copy.statistics, copy.names_en) == (
        original.plan,
        original.statistics,
        original.names_en,
    )


def test_an_area_of_its_own_municipalities_is_created(small_area):
    result = import_workbook(small_area, dry_run=False)
    vision = Vision.objects.get(slug=SMALL_SLUG)
    codes = sorted(vision.municipalities.values_list("code", flat=True))
    assert (codes, result.created["市町村"], result.reused) == (sorted(SMALL_CODES.values()), 2, {})


def test_the_import_reports_the_quality_checks_of_the_new_area(small_area):
    result = import_workbook(small_area, dry_run=False)
    assert result.findings == check_vision(Vision.objects.get(slug=SMALL_SLUG))
    assert result.findings


def test_a_dry_run_saves_nothing_and_says_what_it_would_create(small_area):
    before = counts()
    result = import_workbook(small_area, dry_run=True)
    assert counts() == before
    assert (result.saved, result.created["連携事業"], result.created["市町村"]) == (False, 1, 2)


def test_the_dry_run_says_when_the_public_pages_would_switch_to_the_new_area(small_area):
    assert import_workbook(small_area, dry_run=True).becomes_current is False
    fourth = edited(small_area, "ビジョン", {"B5": 4})  # 次数 4: a later edition than 新庄最上's
    assert import_workbook(fourth, dry_run=True).becomes_current is True


def test_import_vision_dry_run_prints_the_counts_and_saves_nothing(tmp_path, small_area):
    path = tmp_path / "area.xlsx"
    path.write_bytes(small_area)
    out = io.StringIO()
    before = counts()
    call_command("import_vision", str(path), "--dry-run", stdout=out)
    assert counts() == before
    assert "連携事業: 1" in out.getvalue()
    assert "--dry-run のため、何も保存していません。" in out.getvalue()


def test_import_vision_saves_the_new_area(tmp_path, small_area):
    path = tmp_path / "area.xlsx"
    path.write_bytes(small_area)
    call_command("import_vision", str(path), stdout=io.StringIO())
    assert Vision.objects.filter(slug=SMALL_SLUG).exists()


def test_import_vision_refuses_a_bad_file_and_saves_nothing(tmp_path, new_area):
    path = tmp_path / "area.xlsx"
    path.write_bytes(edited(new_area, "負担額", {"E2": "abc"}))
    before = counts()
    with pytest.raises(CommandError, match="シート「負担額」2行目 E列「負担額（千円）」"):
        call_command("import_vision", str(path))
    assert counts() == before


def test_an_existing_slug_is_refused(exported):
    assert "識別名「shinjo-mogami-3」のビジョンはすでに登録されています" in refusal(exported)


def test_an_existing_title_is_refused(exported):
    message = refusal(edited(exported, "ビジョン", {"B2": NEW_SLUG}))
    assert (
        "名称「新庄最上定住自立圏 第3次共生ビジョン」のビジョンはすでに登録されています" in message
    )


def test_a_registered_municipality_with_other_values_is_refused(new_area):
    message = refusal(edited(new_area, "市町村", {"B2": "新庄市（別名）"}))
    assert "シート「市町村」2行目: 062057（新庄市）は登録済みの市町村で、市町村名が" in message


def test_a_code_typed_as_a_number_keeps_its_leading_zero(new_area):
    data = edited(new_area, "協定締結", {"B2": int(KANEYAMA)})  # Excel drops the zero: 63614
    item = read_workbook(data).plan["policy_fields"][0]["categories"][0]["items"][0]
    assert item["parties"][KANEYAMA] == "party"


# --- bad files: refused with sheet, row and column; nothing saved ---------------------------


def test_a_missing_sheet_is_refused(new_area):
    data = restructured(new_area, lambda book: book.remove(book["負担額"]))
    assert "シート「負担額」がありません" in refusal(data)


def test_a_missing_column_is_refused(new_area):
    data = restructured(new_area, lambda book: book["成果指標"].delete_cols(7))
    assert "シート「成果指標」1行目（見出し）に「現状値」の列がありません" in refusal(data)


def test_a_hidden_sheet_is_refused(new_area):
    def hide(book):
        book["人口"].sheet_state = "hidden"

    assert "シート「人口」が非表示になっています" in refusal(restructured(new_area, hide))


def test_a_wrong_check_digit_is_refused(new_area):
    message = refusal(edited(new_area, "協定締結", {"B2": "063615"}))
    assert "シート「協定締結」2行目 B列「市町村コード」: 「063615」: " in message
    assert "検査数字" in message


def test_a_code_of_no_member_is_refused(new_area):
    message = refusal(edited(new_area, "負担額", {"D2": NOT_A_MEMBER}))
    assert (
        "シート「負担額」2行目 D列「市町村コード」: 市町村コード 062014 は「市町村」シートにありません"
        in message
    )


def test_a_party_outside_the_members_is_refused(new_area):
    message = refusal(edited(new_area, "協定締結", {"B2": NOT_A_MEMBER}))
    assert "シート「協定締結」2行目 B列「市町村コード」: 市町村コード 062014 は" in message


def test_the_central_city_as_a_party_is_refused(new_area):
    message = refusal(edited(new_area, "協定締結", {"B2": SHINJO}))
    assert "シート「協定締結」2行目 B列「市町村コード」: 新庄市は中心市（協定の甲）です" in message


def test_text_in_a_number_column_is_refused(new_area):
    message = refusal(edited(new_area, "負担額", {"E2": "abc"}))
    assert "シート「負担額」2行目 E列「負担額（千円）」: 「abc」は数値として読めません" in message


def test_a_decimal_where_a_whole_number_belongs_is_refused(new_area):
    message = refusal(edited(new_area, "負担額", {"E2": 612.5}))
    assert "シート「負担額」2行目 E列「負担額（千円）」: 「612.5」は整数ではありません" in message


def test_a_formula_is_refused(new_area):
    message = refusal(edited(new_area, "負担額", {"E2": "=600+12"}))
    assert "シート「負担額」2行目 E列「負担額（千円）」: 数式（=600+12）は使えません" in message


def test_an_error_value_is_refused(new_area):
    message = refusal(edited(new_area, "市町村", {"F2": "#N/A"}, cell_type="e"))
    assert "シート「市町村」2行目 F列「人口（人）」: エラー値「#N/A」は使えません" in message


def test_a_date_is_refused(new_area):
    message = refusal(edited(new_area, "事業費見込の計", {"C2": datetime.datetime(2025, 4, 1)}))
    assert "シート「事業費見込の計」2行目 C列「年度（西暦）」: 日付・時刻のセルです" in message


def test_a_duplicate_key_is_refused(new_area):
    message = refusal(edited(new_area, "連携事業", {"A3": 1}))  # row 3 (item 2's) as 1-1 again
    assert (
        "シート「連携事業」3行目: 項目番号と事業番号（1・1）が重複しています（2行目にもあります）"
        in message
    )


def test_a_row_for_a_program_that_is_not_there_is_refused(new_area):
    message = refusal(edited(new_area, "成果指標", {"B2": 9}))
    assert (
        "シート「成果指標」2行目 B列「事業番号」: 項目番号 1 の事業番号 9 は「連携事業」シートにありません"
        in message
    )


def test_a_baseline_without_its_year_is_refused(new_area):
    message = refusal(edited(new_area, "成果指標", {"H2": None}))
    assert "シート「成果指標」2行目 H列「現状値の年度（西暦）」: 現状値を入れたときは" in message


def test_an_unknown_choice_is_refused(new_area):
    message = refusal(edited(new_area, "ビジョン", {"B6": "確定"}))
    assert "シート「ビジョン」6行目 B列（項目「状態」）: 「確定」ではなく" in message


def test_a_file_that_is_not_a_workbook_is_refused():
    assert "Excel ブック（.xlsx）ではありません" in refusal(b"code,name\n062057,x\n")


def test_a_broken_zip_is_refused():
    assert "Excel ファイル（.xlsx）として読めません" in refusal(b"PK\x03\x04broken")


# --- the upload screen -------------------------------------------------------------------


@pytest.fixture
def pending_dir(tmp_path, monkeypatch) -> Path:
    monkeypatch.setattr(workbook, "PENDING_DIR", tmp_path / "pending")
    return tmp_path / "pending"


def upload(client, data: bytes, name: str = "area.xlsx"):
    file = io.BytesIO(data)
    file.name = name
    return client.post(reverse("admin:vision_vision_import"), {"file": file})


def test_the_platform_administrator_sees_the_upload_screen(client, secretariat):
    client.force_login(secretariat)
    response = client.get(reverse("admin:vision_vision_import"))
    assert response.status_code == 200
    assert "ビジョンの取り込み" in response.content.decode()


def test_a_secretariat_who_is_not_a_superuser_is_refused(client, small_area, pending_dir):
    user = User.objects.create_user("t-secretariat-staff", password=PASSWORD, is_staff=True)
    Profile.objects.create(user=user, role=Profile.Role.SECRETARIAT)
    client.force_login(user)
    assert client.get(reverse("admin:vision_vision_import")).status_code == 403
    before = counts()
    assert upload(client, small_area).status_code == 403
    assert counts() == before


def test_an_officer_does_not_find_the_upload_screen(client, kaneyama_officer):
    client.force_login(kaneyama_officer)
    assert client.get(reverse("admin:vision_vision_import")).status_code == 404


def test_preview_then_confirm_creates_the_vision(client, secretariat, small_area, pending_dir):
    client.force_login(secretariat)
    before = counts()
    response = upload(client, small_area)
    assert response.status_code == 302
    assert counts() == before  # the preview saves nothing
    preview = client.get(response["Location"])
    assert preview.status_code == 200
    assert "小さな圏域 共生ビジョン" in preview.content.decode()
    assert "作られるデータ" in preview.content.decode()
    confirmed = client.post(response["Location"], {"confirm": "1"})
    created = Vision.objects.get(slug=SMALL_SLUG)
    assert confirmed["Location"] == reverse("admin:vision_vision_change", args=[created.pk])
    assert list(pending_dir.iterdir()) == []


def test_a_bad_file_shows_its_problems_and_saves_nothing(
    client, secretariat, new_area, pending_dir
):
    client.force_login(secretariat)
    before = counts()
    response = upload(client, edited(new_area, "負担額", {"E2": "abc"}))
    assert response.status_code == 400
    assert "シート「負担額」2行目 E列「負担額（千円）」" in response.content.decode()
    assert counts() == before
    assert not pending_dir.exists() or list(pending_dir.iterdir()) == []


def test_confirming_after_the_database_changed_saves_nothing(
    client, secretariat, small_area, pending_dir
):
    client.force_login(secretariat)
    location = upload(client, small_area)["Location"]
    Vision.objects.create(
        slug=SMALL_SLUG, area_name="先に登録", title="先に登録", edition=1, period_start=2026,
        period_end=2030,
    )  # fmt: skip
    before = counts()
    response = client.post(location, {"confirm": "1"})
    assert response.status_code == 409
    assert "すでに登録されています" in response.content.decode()
    assert counts() == before


def test_cancel_drops_the_kept_file(client, secretariat, small_area, pending_dir):
    client.force_login(secretariat)
    location = upload(client, small_area)["Location"]
    client.post(location, {"cancel": "1"})
    assert list(pending_dir.iterdir()) == []
    assert client.get(location).status_code == 404


def test_another_users_preview_is_not_found(client, secretariat, small_area, pending_dir):
    client.force_login(secretariat)
    location = upload(client, small_area)["Location"]
    other = User.objects.create_superuser("t-other-admin", "o@example.invalid", PASSWORD)
    client.force_login(other)
    assert client.get(location).status_code == 404


def test_the_platform_administrator_downloads_a_workbook(client, secretariat):
    client.force_login(secretariat)
    response = client.get(reverse("admin:vision_vision_export", args=[SLUG]))
    assert response.status_code == 200
    assert openpyxl.load_workbook(io.BytesIO(response.content), read_only=True).sheetnames[0] == (
        "説明"
    )


# --- the round trip, measured on everything the public sees -------------------------------


@pytest.mark.slow
def test_the_round_trip_changes_no_public_page_or_open_data_file(tmp_path):
    """migrate + load_vision → export_vision; migrate + import_vision; bench.snapshot of
    both (every public page in ja and en, every open-data file, the progress report):
    ``diff -r`` finds no difference."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'loaded.sqlite3'}"}
    exported = tmp_path / "exported.xlsx"
    for command in (["migrate"], ["load_vision"], ["export_vision", str(exported)]):
        subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", *command, "-v0" if command == ["migrate"] else "-v1"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
    runs = [
        subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", *args], cwd=ROOT, env=os.environ.copy()
        )
        for args in (
            ["bench.snapshot", str(tmp_path / "loaded")],
            ["tests.vision.workbook_snapshot", str(tmp_path / "imported"), str(exported)],
        )
    ]
    assert [run.wait(timeout=600) for run in runs] == [0, 0]
    assert len(list((tmp_path / "loaded").rglob("*"))) > 100
    diff = subprocess.run(  # noqa: S603
        ["diff", "-r", str(tmp_path / "loaded"), str(tmp_path / "imported")],  # noqa: S607
        capture_output=True,
        text=True,
    )
    assert (diff.returncode, diff.stdout[:2000]) == (0, "")
