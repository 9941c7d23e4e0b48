"""A person's journey in headless Chromium, on a phone and on a desktop: log in, scan a photo with
live progress, read the guidance, try a non-image, search, see the history and the streak."""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from api.knowledge import load_bundle
from api.scans.models import ScanFeedback
from tests.api.scans import imagegen
from tests.web.conftest import ARTIFACTS, BrowserPage, LiveServer

pytestmark = [pytest.mark.services, pytest.mark.slow]

README_SHOT = ARTIFACTS.parents[2] / "docs" / "images"


def korean(text: str) -> str:
    """The Korean part of a bilingual knowledge-base text ("헹군다 (rinse)" -> "헹군다")."""
    return text.split(" (", maxsplit=1)[0]


def log_in(web: BrowserPage, nickname: str) -> None:
    page = web.page
    page.get_by_label("닉네임").fill(nickname)
    page.get_by_role("button", name="로그인", exact=True).click()
    page.get_by_role("heading", name="사진으로 묻기", level=2).wait_for()


def scan_photo(
    web: BrowserPage, note: str, data: bytes, name: str = "bottle.jpg", mime: str = "image/jpeg"
) -> None:
    page = web.page
    page.locator("#file").set_input_files(files=[{"name": name, "mimeType": mime, "buffer": data}])
    page.get_by_label("메모 (선택)").fill(note)
    page.get_by_role("button", name="분석하기").click()


def refuse_non_images(web: BrowserPage) -> None:
    """A text file is refused before any upload; bytes that only claim to be a JPEG, by the server."""
    page = web.page
    page.locator("#file").set_input_files(
        files=[{"name": "notes.txt", "mimeType": "text/plain", "buffer": b"hello"}]
    )
    page.get_by_role("button", name="분석하기").click()
    alert = page.get_by_role("alert")
    assert re.search(
        r"이미지 파일\(JPEG, PNG, WebP\)만 올릴 수 있어요\. 고른 파일: notes\.txt", alert.inner_text()
    )
    web.shots("not-an-image")
    scan_photo(web, "", b"this is not really a jpeg", name="fake.jpg")
    page.get_by_text("이미지로 읽을 수 없는 파일이에요").wait_for()
    web.shots("fake-jpeg")


def search_and_open(web: BrowserPage) -> None:
    """Search by name, then open an item's guidance."""
    page = web.page
    page.get_by_role("button", name="품목 검색").click()
    page.get_by_label("품목 이름").fill("우유팩")
    page.get_by_role("button", name="검색", exact=True).click()
    first = page.locator("#search-results button.hit").first
    first.wait_for()
    assert "우유팩" in first.inner_text()
    first.click()
    detail = page.locator("#item-detail article.guide")
    detail.wait_for()
    assert "이렇게 버려요" in detail.inner_text()
    web.shots("search")


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_log_in_scan_search_and_history(
    viewport: str, live_server: LiveServer, open_page: Callable[..., BrowserPage]
) -> None:
    web = open_page(live_server.url, viewport=viewport)
    page = web.page
    streams: list[tuple[str, int, str]] = []
    page.on(
        "response",
        lambda r: (
            streams.append((r.url, r.status, r.headers.get("content-type", "")))
            if r.url.endswith("/events")
            else None
        ),
    )
    assert page.get_by_role("heading", name="로그인", level=2).is_visible()
    assert page.get_by_role("heading", name="개발용 로그인").is_visible()
    web.shots("login")

    log_in(web, f"web-{viewport}")
    assert page.locator("#who-name").text_content() == f"web-{viewport}"
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["waste_access"]["httpOnly"] and cookies["waste_refresh"]["path"] == "/api/v1/auth"
    web.shots("scan-form")

    # A photo with a note: uploaded through the ticket, progress from the SSE stream, then guidance.
    # Every value the progress box takes is recorded, to see the stages arrive one by one.
    page.evaluate(
        """() => { const box = document.querySelector('#progress'); window.stagesSeen = [];
        new MutationObserver(() => window.stagesSeen.push(box.dataset.stage))
          .observe(box, { attributes: true, attributeFilter: ['data-stage'] }); }"""
    )
    scan_photo(web, "투명 페트병", imagegen.jpeg(800, 600, gps=1))
    page.locator("#progress[data-stage='done']").wait_for()
    recorded: list[str] = page.evaluate("window.stagesSeen")
    seen = [stage for i, stage in enumerate(recorded) if i == 0 or stage != recorded[i - 1]]
    assert seen == ["upload", "queued", "analysing", "grounding", "done"], recorded
    card = page.locator("#result article.guide").first
    card.wait_for()
    kb_item = load_bundle().search("투명 페트병", 1)[0][0]
    guide = card.inner_text()
    assert korean(kb_item.bin) in guide
    assert all(korean(step) in guide for step in kb_item.steps)
    assert "이렇게 버려요" in guide and "자주 하는 실수" in guide and "출처" in guide
    assert page.locator("#stages li").all_inner_texts() == [
        "사진 올리는 중 ✓", "대기 중 ✓", "사진 분석 중 ✓", "배출 기준 확인 중 ✓", "완료 ✓"
    ]  # fmt: skip
    assert streams and streams[0][1] == 200 and streams[0][2].startswith("text/event-stream")
    web.shots("result")
    page.locator("#progress").evaluate("e => e.scrollIntoView()")
    screen = web.shots("result-screen", full_page=False)

    refuse_non_images(web)
    search_and_open(web)

    # History lists the scan (the fake JPEG never became one) and the streak counts today.
    page.get_by_role("button", name="기록").click()
    row = page.locator("#history-list .scan-row").first
    row.wait_for()
    assert page.locator("#history-list .scan-row").count() == 1
    assert kb_item.name_ko in row.inner_text() and "완료" in row.inner_text()
    stats = page.locator("#stats").inner_text()
    assert "전체 1회" in stats and "연속 1일째" in stats and "오늘 분석함" in stats
    web.shots("history")
    row.get_by_role("button").click()
    page.locator("#result article.guide").first.wait_for()

    assert web.errors == []
    if viewport == "phone" and os.environ.get("WASTE_TEST_UPDATE_SCREENSHOTS") == "1":  # the README's
        README_SHOT.mkdir(parents=True, exist_ok=True)
        shutil.copy(screen, README_SHOT / "web-result-phone.png")


def test_correction_searches_items_and_is_stored(
    live_server: LiveServer, open_page: Callable[..., BrowserPage]
) -> None:
    web = open_page(live_server.url, viewport="desktop")
    page = web.page
    log_in(web, "corrector")
    scan_photo(web, "투명 페트병", imagegen.png(64, 64, mode="RGB"), name="x.png", mime="image/png")
    card = page.locator("#result article.guide").first
    card.wait_for()
    card.get_by_role("button", name="이게 아니에요").click()
    card.get_by_label("실제 품목 이름").fill("우유팩")
    card.get_by_role("button", name="검색", exact=True).click()
    card.locator("button.hit").first.click()
    page.get_by_role("status").filter(has_text="고마워요").wait_for()
    milk = load_bundle().search("우유팩", 1)[0][0]
    assert korean(milk.name_ko) in page.locator("#result article.guide h3").first.inner_text()
    web.shots("corrected")
    with live_server.context.session_factory() as session:
        feedback = session.scalars(select(ScanFeedback)).all()
    assert [(f.correct, f.expected_category_id) for f in feedback] == [(False, milk.category_id)]
    assert web.errors == []


def test_english_browser_and_keyboard_only(
    live_server: LiveServer, open_page: Callable[..., BrowserPage]
) -> None:
    web = open_page(live_server.url, viewport="phone", locale="en-US")
    page = web.page
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.get_by_role("heading", name="Development login").is_visible()
    # Focus starts on the view's heading; before it only the skip link, after it the nickname field.
    assert page.evaluate("document.activeElement.id") == "login-title"
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "nickname"
    page.keyboard.type("keyboard-user")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Ask with a photo", level=2).wait_for()
    assert page.evaluate("document.activeElement.id") == "scan-title"  # focus follows the view
    web.shots("english-scan")
    page.get_by_role("button", name="Search items").focus()
    page.keyboard.press("Enter")
    page.get_by_label("Item name").focus()
    page.keyboard.type("battery")
    page.keyboard.press("Enter")
    page.locator("#search-results button.hit").first.wait_for()
    assert page.locator("#search-count").inner_text().endswith("found")
    web.shots("english-search")
    assert web.errors == []


def test_history_pages_with_the_cursor(
    live_server: LiveServer, open_page: Callable[..., BrowserPage]
) -> None:
    import httpx

    web = open_page(live_server.url, viewport="desktop")
    log_in(web, "pager")
    # Twelve scans made through the API by the same user: the page shows 10, then the other 2.
    with httpx.Client(base_url=live_server.url, cookies={}, timeout=10) as api:
        token = api.post("/api/v1/auth/dev/token", json={"nickname": "pager"}).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        for index in range(12):
            created = api.post(
                "/api/v1/scans",
                files={"image": ("p.jpg", imagegen.jpeg(32, 32), "image/jpeg")},
                data={"note": f"종이컵 {index}"},
                headers=headers,
            )
            assert created.status_code == 202, created.text
    page = web.page
    page.get_by_role("button", name="기록").click()
    rows = page.locator("#history-list .scan-row")
    rows.nth(9).wait_for()
    assert rows.count() == 10
    page.get_by_role("button", name="더 보기").click()
    rows.nth(11).wait_for()
    assert rows.count() == 12
    assert page.get_by_role("button", name="더 보기").is_hidden()
    web.shots("history-pages")
    assert web.errors == []


def tile_png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (256, 256), (200, 225, 205)).save(out, format="PNG")
    return out.getvalue()


def test_nearby_points_list_and_map_from_a_local_tile_server(
    make_live_server: Callable[..., LiveServer], open_page: Callable[..., BrowserPage], httpserver: Any
) -> None:
    httpserver.expect_request(re.compile(r"^/tiles/\d+/\d+/\d+\.png$")).respond_with_data(
        tile_png(), content_type="image/png"
    )
    server = make_live_server(web_map_tile_url=httpserver.url_for("/tiles/{z}/{x}/{y}.png"))
    web = open_page(
        server.url,
        viewport="phone",
        geolocation={"latitude": 37.5663, "longitude": 126.9779},  # Seoul City Hall (sample points)
        permissions=["geolocation"],
    )
    page = web.page
    log_in(web, "walker")
    page.get_by_role("button", name="품목 검색").click()
    page.get_by_label("품목 이름").fill("건전지")
    page.get_by_role("button", name="검색", exact=True).click()
    page.locator("#search-results button.hit").first.click()
    page.get_by_role("button", name="가까운 배출 장소").click()
    points = page.locator("ol.points li")
    points.first.wait_for()
    text = points.first.inner_text()
    assert "[샘플] 시청 폐건전지·형광등 수거함" in text and re.search(r"\d+ m", text)
    assert "월 09:00–18:00" in text
    link = points.first.get_by_role("link", name="카카오맵에서 보기")
    assert link.get_attribute("href").startswith("https://map.kakao.com/link/map/")
    # Polled from here: page.evaluate is exempt from the page's CSP, wait_for_function's in-page
    # polling is not (script-src 'self' refuses its eval when the first check is not yet true).
    tiles_loaded = "[...document.querySelectorAll('.map img.tile')].every(i => i.complete && i.naturalWidth)"
    deadline = time.monotonic() + 30
    while not page.evaluate(tiles_loaded):
        assert time.monotonic() < deadline, "map tiles did not load"
        page.wait_for_timeout(100)
    assert page.locator(".map .marker").count() == points.count()
    assert any(request.path.startswith("/tiles/") for request, _ in httpserver.log)
    web.shots("nearby-map")
    assert web.errors == []
