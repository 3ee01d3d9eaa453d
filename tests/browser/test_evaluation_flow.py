"""The yearly evaluation (進行管理) in the browser (Chromium), as the people who do it use it.

- The secretariat's flow end to end: 金山町's officer writes its 取組状況 in the annual
  return and submits it; the secretariat approves it, writes the program's sheet, is refused
  approval while a KPI lacks its 要因分析 (未把握: no approved data in the year), writes it,
  attaches a public PNG, submits and approves; records a 懇談会 meeting in the admin with an
  opinion, its response and the plan revision that acted on it, and publishes it; a resident
  then reads it all on the program page, the year page and the revision page.
- The public year page on a 390 px phone: the table scrolls in its own box, the page is
  not wider than the screen, and 評価 sorts from the keyboard (Tab, Enter).
- The evaluation pages with content (approved sheets, analyses, 取組状況, evidence,
  published opinions) have no axe finding at 390 and 1280 px and fit a 320 px phone.

Screenshots for docs/officers.md: with ``DOCS_SCREENSHOTS=docs/img`` the first two tests
also write evaluation-year.png, return-activity.png, evaluation-sheet.png and
evaluations-public-phone.png into that folder (viewport-sized); without it they write
nothing and test the same things::

    DOCS_SCREENSHOTS=docs/img .venv/bin/pytest -p no:cacheprovider tests/browser/test_evaluation_flow.py
"""

import io
import os
import re
from datetime import date
from pathlib import Path

import pytest
from django.urls import reverse
from PIL import Image, ImageDraw

from evaluations import services
from evaluations.models import (
    CommitteeMeeting,
    EvaluationRating,
    Opinion,
    ProgramEvaluation,
    TownActivity,
)
from evaluations.selectors import DEFAULT_RATINGS
from kpis.models import KPI
from municipalities.models import Municipality, Profile
from programs.models import Program
from revisions import services as revisions
from tests.constants import FARMING, HEALTH, KANEYAMA, SPECIAL_EDUCATION, TOURISM
from tests.evaluations.helpers import open_year
from tests.factories import make_user
from tests.public.evaluation_data import approve, build, sheet, submit
from tests.standards.pages import evaluation_paths
from vision.loader import load_vision, read_fixtures
from vision.models import Vision

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

YEAR = 2025
ROOT = Path(__file__).resolve().parents[2]
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

ACTIVITY = "金山町保健センターで健康講座を4回開き、町民延べ120人が参加した。"
SHEET = {
    "done": "圏域の保健師・栄養士の合同研修会を2回、住民向けの健康講座を各町村で開いた。",
    "results": "研修会には8市町村から延べ64人が参加した。成果指標の実績は集計中で、承認された値はまだない。",
    "issues": "町村ごとに参加者数の差が大きく、開催数の実績の集め方がそろっていない。",
    "direction_reason": "開催数の集計方法を統一したうえで、研修の内容を見直して続ける。",
}
CAUSE = "各町村の開催数の集計時期がそろわず、年度内に実績を確定できなかった。"
REMEDY = "令和8年度から、開催数を四半期ごとに共通の様式で報告してもらう。"
MEETING = "令和7年度 第1回共生ビジョン懇談会"
OPINION = "健康講座は町村ごとの参加者の差が大きい。開催の仕方を工夫してほしい。"
RESPONSE = "参加の少ない町村では、休日の開催やオンライン配信を検討します。"
REVISION = "令和8年9月変更"
EVIDENCE = "令和7年度 合同研修会の様子"


def shots():
    """The folder the docs' screenshots go to, or None (then nothing is written)."""
    folder = os.environ.get("DOCS_SCREENSHOTS")
    if not folder:
        return None
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    return path


def screenshot(page, name: str) -> None:
    folder = shots()
    if folder is not None:
        page.screenshot(path=str(folder / name))


def png_bytes() -> bytes:
    image = Image.new("RGB", (480, 320), (236, 242, 248))
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 60, 440, 260), outline=(40, 80, 140), width=6)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def load_the_vision():
    # transaction=True tests start from an empty database: load the vision for them, and
    # the 評価 scale a migration writes (a flush after an earlier such test removed it).
    plan, statistics = read_fixtures()
    load_vision(plan=plan, statistics=statistics)
    for code, label, label_en, order in DEFAULT_RATINGS:
        EvaluationRating.objects.get_or_create(
            code=code, defaults={"label": label, "label_en": label_en, "order": order}
        )
    return Vision.objects.current()


def other_programs(secretariat):
    """Two more programs of the year, for a year page with more than one state: 観光
    approved (B), 農業 submitted. Built through the services, as tests/public does."""
    texts = {
        "done": "圏域の観光パンフレットを作り、首都圏の商談会に出展した。",
        "results": "圏域への観光入込客数は前年度並みだった。",
        "issues": "冬の誘客が弱い。",
        "direction_reason": "冬の体験型観光を加えて続ける。",
    }
    approve(
        secretariat,
        sheet(
            secretariat, Program.objects.get(name=TOURISM), YEAR, texts,
            cause="雪の多い時期の来訪が少なかった。", remedy="冬の体験企画を増やす。",
            direction="improve", code="B",
        ),
    )  # fmt: skip
    submit(
        secretariat,
        sheet(
            secretariat, Program.objects.get(name=FARMING), YEAR,
            {**texts, "done": "新規就農者の研修を行った。"},
            cause="担い手の高齢化が進んだ。", remedy="就農相談会を増やす。",
            direction="continue", code="C",
        ),
    )  # fmt: skip


@pytest.fixture
def cast(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    vision = load_the_vision()
    open_year(vision, YEAR)
    secretariat = make_user("t-secretariat", Profile.Role.SECRETARIAT)
    make_user("t-officer-kaneyama", Profile.Role.OFFICER, Municipality.objects.get(code=KANEYAMA))
    revision = revisions.create_revision(
        user=secretariat,
        vision=vision,
        title=REVISION,
        decided_on=date(2026, 9, 1),
        basis="共生ビジョン懇談会（令和8年5月20日）",
    )
    other_programs(secretariat)
    return revision


def log_in(page, username):
    page.context.clear_cookies()
    page.goto(page.base + reverse("admin:login"))
    page.fill("#id_username", username)
    page.fill("#id_password", "test-pass-123")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    page.errors.clear()  # the admin's login page asks for /favicon.ico; not this flow's concern


def click(scope, name: str, role: str = "button"):
    """Click the one ``role`` named ``name`` in ``scope`` (a page or a part of it), and wait
    for the page it leads to."""
    page = getattr(scope, "page", scope)
    with page.expect_navigation():
        scope.get_by_role(role, name=name, exact=True).click()


def messages(page) -> str:
    return page.locator(".messages, .messagelist").inner_text()


def browser_errors(page) -> list[str]:
    # The admin's pages have no icon of their own, so Chromium asks for /favicon.ico.
    return [error for error in page.errors if "/favicon.ico" not in error]


def test_the_secretariat_evaluates_a_year_and_residents_read_it(page, cast):
    health = Program.objects.get(name=HEALTH)
    kpi = KPI.objects.get(program=health)
    revision = cast
    page.set_viewport_size({"width": 1280, "height": 860})

    # 1. 金山町's officer writes the program's 取組状況 in the annual return and submits it.
    log_in(page, "t-officer-kaneyama")
    page.goto(page.base + reverse("returns:return", args=[YEAR, KANEYAMA]))
    field = page.locator(f"#v-activity-{health.pk}")
    field.fill(ACTIVITY)
    # Only the programs 金山町 takes part in ask for a 取組状況.
    special = Program.objects.get(name=SPECIAL_EDUCATION)
    assert page.locator(f"#v-activity-{special.pk}").count() == 0
    page.evaluate("document.getElementById('activities').scrollIntoView({block: 'start'})")
    screenshot(page, "return-activity.png")
    click(page, "確認して提出する")
    assert ACTIVITY in page.locator("main").inner_text()
    click(page, "この内容で提出する")
    assert "1 件を事務局に提出しました" in messages(page)
    activity = TownActivity.objects.get(program=health, municipality__code=KANEYAMA)
    assert (activity.status, activity.approved_text) == ("submitted", "")

    # 2. The secretariat approves it on the review page.
    log_in(page, "t-secretariat")
    page.goto(page.base + reverse("returns:review", args=[YEAR, KANEYAMA]))
    page.check(f'input[name="d-activity-{health.pk}"][value="approve"]')
    click(page, "選んだとおりに承認・差戻しする")
    assert "1 件を承認しました" in messages(page)
    activity.refresh_from_db()
    assert activity.approved_text == ACTIVITY

    # 3. From the admin's start page to the year's completeness, then the program's sheet.
    page.goto(page.base + reverse("admin:index"))
    click(page, "年度の評価（事務局）を開く", role="link")
    click(page, "令和7年度（2025年度）の評価", role="link")
    assert page.url.endswith(reverse("evaluations:year", args=[YEAR]))
    row = page.locator("tr", has=page.get_by_role("link", name=HEALTH, exact=True))
    assert "未作成" in row.inner_text() and "金山町：" in row.inner_text()
    assert f"{kpi.name}（−（未把握））" in row.inner_text()
    screenshot(page, "evaluation-year.png")
    click(page, HEALTH, role="link")
    assert ACTIVITY in page.locator("#activities-heading + p + .table-wrap").inner_text()
    click(page, "評価シートを作成する")
    assert "評価シートを作成しました" in messages(page)

    # The sheet written without the KPI's 要因分析: saved, submitted, approval refused.
    for name, text in SHEET.items():
        page.fill(f"#id_{name}", text)
    page.select_option("#id_direction", "improve")
    page.select_option("#id_rating", str(EvaluationRating.objects.get(code="B").pk))
    click(page, "保存する")
    assert "評価シートを保存しました" in messages(page)
    click(page, "提出する")
    assert "提出しました" in messages(page)
    click(page, "承認する（公開されます）")
    refusal = messages(page)
    assert "次の成果指標の要因分析と改善策が書かれていないため、承認できません" in refusal
    assert f"「{kpi.name}」（−（未把握））" in refusal and "何も変更していません" in refusal
    assert ProgramEvaluation.objects.get(program=health, fiscal_year=YEAR).status == "submitted"
    # The refusal is answered 400 on purpose (nothing changed); no other error so far.
    assert [
        e for e in browser_errors(page) if "/approve/" not in e and "status of 400" not in e
    ] == []
    page.errors.clear()

    # The analysis, the revision the direction led to, a public photo; submitted and approved.
    page.fill(f"#id_cause-{kpi.pk}", CAUSE)
    page.fill(f"#id_remedy-{kpi.pk}", REMEDY)
    page.select_option("#id_revision", str(revision.pk))
    click(page, "保存する")
    assert "評価シートを保存しました" in messages(page)
    page.fill("#evidence-title", EVIDENCE)
    page.set_input_files(
        "#evidence-file",
        files=[{"name": "研修会.png", "mimeType": "image/png", "buffer": png_bytes()}],
    )
    page.check("#evidence-is_public")
    click(page, "根拠資料を登録する")
    assert f"根拠資料「{EVIDENCE}」を登録しました" in messages(page)
    click(page, "提出する")
    page.evaluate("document.getElementById('kpis-heading').scrollIntoView({block: 'start'})")
    screenshot(page, "evaluation-sheet.png")
    click(page, "承認する（公開されます）")
    assert "評価シートを承認しました" in messages(page)
    evaluation = ProgramEvaluation.objects.get(program=health, fiscal_year=YEAR)
    assert evaluation.status == "approved"
    assert evaluation.approved_content["analyses"] == [
        {"kpi": kpi.pk, "cause": CAUSE, "remedy": REMEDY}
    ]

    # 4. The 懇談会 in the admin: one opinion with its response and revision, published.
    page.goto(page.base + reverse("admin:evaluations_committeemeeting_add"))
    page.fill("#id_fiscal_year", str(YEAR))
    page.fill("#id_held_on", "2026-05-20")
    page.fill("#id_title", MEETING)
    page.fill("#id_reviewed", "令和7年度の連携事業の評価")
    page.fill("#id_members_present", "11")
    page.fill("#id_opinions-0-order", "1")
    page.select_option("#id_opinions-0-program", str(health.pk))
    page.fill("#id_opinions-0-text", OPINION)
    page.fill("#id_opinions-0-response", RESPONSE)
    page.select_option("#id_opinions-0-revision", str(revision.pk))
    with page.expect_navigation():
        page.click('input[name="_publish"]')
    assert f"「{MEETING}」の意見と考え方・対応を公表しました" in messages(page)
    meeting = CommitteeMeeting.objects.get(title=MEETING)
    assert meeting.approved_at is not None
    assert meeting.opinions.get().published_response == RESPONSE
    assert browser_errors(page) == []

    # 5. A resident reads it: the program page, the year page, the revision page.
    page.context.clear_cookies()
    page.errors.clear()
    page.goto(page.base + reverse("public:programs:detail", args=[health.pk]))
    text = page.locator("main").inner_text()
    for written in [*SHEET.values(), CAUSE, REMEDY, ACTIVITY, OPINION, RESPONSE, EVIDENCE]:
        assert written in text, written
    assert "B 概ね順調" in text and "改善して継続" in text

    # The site's navigation leads to 年度の評価, and from there to the year.
    click(page.get_by_role("navigation", name="サイト内", exact=True), "年度の評価", role="link")
    click(page, "令和7年度（2025年度）の評価", role="link")
    assert page.url.endswith(reverse("public:evaluations:year", args=[YEAR]))
    row = page.locator(
        "section[aria-labelledby=programs] tbody tr",
        has=page.get_by_role("link", name=HEALTH, exact=True),
    )
    assert re.search(r"B\s*概ね順調", row.inner_text()) and "改善して継続" in row.inner_text()
    committee = page.locator("section[aria-labelledby=committee]").inner_text()
    assert MEETING in committee and OPINION in committee and RESPONSE in committee

    # In English the structure is English, the written text stays Japanese.
    page.goto(page.base + "/en" + reverse("public:evaluations:year", args=[YEAR]))
    nav = page.get_by_role("navigation", name="Site", exact=True)
    assert nav.get_by_role("link", name="Yearly evaluation").get_attribute("aria-current") == "true"
    opinion = page.locator('section[aria-labelledby=committee] dd[lang="ja"]', has_text=OPINION)
    assert opinion.count() == 1

    page.goto(page.base + reverse("public:revisions:detail", args=[revision.pk]))
    origins = page.locator("section[aria-labelledby=origins]").inner_text()
    assert OPINION in origins and RESPONSE in origins and HEALTH in origins
    assert browser_errors(page) == []


def ready_year_with_ratings():
    """令和7年度 with three programs approved (A, B, C) and a published 懇談会."""
    vision = load_the_vision()
    open_year(vision, YEAR)
    user = make_user("t-secretariat", Profile.Role.SECRETARIAT)
    for name, code in [(FARMING, "C"), (HEALTH, "A"), (TOURISM, "B")]:
        texts = {field: f"{name}の{field}" for field in services.WRITTEN_FIELDS}
        program = Program.objects.get(name=name)
        evaluation = sheet(
            user,
            program,
            YEAR,
            texts,
            cause="要因",
            remedy="改善策",
            direction="continue",
            code=code,
        )
        approve(user, evaluation)
    meeting = CommitteeMeeting.objects.create(
        vision=vision, fiscal_year=YEAR, held_on=date(2026, 5, 20), title=MEETING,
        reviewed="令和7年度の連携事業の評価", members_present=11,
    )  # fmt: skip
    Opinion.objects.create(meeting=meeting, order=1, text=OPINION, response=RESPONSE)
    services.approve_meeting(user=user, meeting=meeting)


def test_the_public_year_page_on_a_phone_scrolls_its_table_and_sorts_by_keyboard(page):
    ready_year_with_ratings()
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(page.base + reverse("public:evaluations:year", args=[YEAR]), wait_until="networkidle")

    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    box = page.evaluate(
        """() => {
            const table = document.querySelector('section[aria-labelledby=programs] .table-wrap table');
            const wrap = table.closest('.table-wrap');
            return {region: wrap.getAttribute('role') === 'region' && wrap.tabIndex === 0
                            && wrap.getAttribute('aria-labelledby') === table.caption.id,
                    scrolls: getComputedStyle(wrap).overflowX === 'auto',
                    inside: wrap.getBoundingClientRect().right <= window.innerWidth};
        }"""
    )
    assert box == {"region": True, "scrolls": True, "inside": True}

    # Tab to the 評価 column's sort link, then Enter.
    for _ in range(80):
        page.keyboard.press("Tab")
        href = page.evaluate("document.activeElement.getAttribute('href') || ''")
        if "sort=rating" in href:
            break
    else:
        pytest.fail("Tab never reached the sort link of 評価")
    assert page.evaluate("document.activeElement.textContent").startswith("評価")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "sort=rating" in page.url
    header = page.locator("section[aria-labelledby=programs] th[aria-sort]")
    assert header.get_attribute("aria-sort") == "ascending"
    assert header.inner_text().startswith("評価")
    ratings = page.locator(
        "section[aria-labelledby=programs] tbody tr td:nth-of-type(2)"
    ).all_inner_texts()
    codes = [text.split()[0] for text in ratings]
    assert codes[:3] == ["A", "B", "C"]
    assert set(codes[3:]) == {"未評価"}
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # Back where the table begins, for the docs' screenshot.
    page.evaluate("document.getElementById('programs').scrollIntoView({block: 'start'})")
    screenshot(page, "evaluations-public-phone.png")
    assert page.errors == []


def test_the_evaluation_pages_with_content_pass_axe_and_fit_a_320_pixel_phone(browser, live_server):
    """tests/standards/test_axe.py and tests/browser/test_phone_width.py check the pages
    of public_paths() on the plan alone; here the evaluation pages carry content."""
    if not AXE_JS.exists():
        message = f"{AXE_JS} missing (make setup-checkers: npm ci)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)

    vision = load_the_vision()
    published = build(make_user("t-secretariat", Profile.Role.SECRETARIAT), vision)
    paths = [
        *evaluation_paths(),
        f"/evaluations/{YEAR}/",
        f"/programs/{published.tourism.pk}/",
        f"/revisions/{published.revision.pk}/",
    ]
    paths += ["/en" + path for path in paths]
    axe = AXE_JS.read_text(encoding="utf-8")
    found, wide = [], {}
    for width in (320, 390, 1280):
        context = browser.new_context(
            locale="ja-JP", viewport={"width": width, "height": 900}, bypass_csp=True
        )
        page = context.new_page()
        try:
            for path in paths:
                response = page.goto(live_server.url + path, wait_until="networkidle")
                assert response.status == 200, path
                if width == 320:
                    scroll = page.evaluate("document.documentElement.scrollWidth")
                    if scroll > width:
                        wide[path] = scroll
                    continue
                page.add_script_tag(content=axe)
                violations = page.evaluate(
                    "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})"
                    ".then(r => r.violations.map(v => v.id + ': '"
                    " + v.nodes.map(n => n.target.join(' ')).slice(0, 3).join(', ')))",
                    AXE_TAGS,
                )
                found += [f"{path} @{width}px {v}" for v in violations]
        finally:
            context.close()
    assert wide == {}
    assert not found, "\n".join(found)
