"""When the result asks a question (the grounding of issue 14), its answers are buttons that
re-ground the scan through `POST /scans/{id}/answer`; the hazard, when there is one, comes first.

Runs once issue 14's grounding is merged (the API then has `api.scans.answers`); skipped before.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.api.scans import imagegen
from tests.web.conftest import BrowserPage, LiveServer
from tests.web.test_journey import log_in, scan_photo

pytestmark = [pytest.mark.services, pytest.mark.slow]
pytest.importorskip("api.scans.answers", reason="needs issue 14's POST /scans/{id}/answer")


def test_question_answers_are_buttons_that_change_the_guidance(
    live_server: LiveServer, open_page: Callable[..., BrowserPage]
) -> None:
    web = open_page(live_server.url, viewport="phone")
    page = web.page
    log_in(web, "asker")
    scan_photo(web, "피자 박스", imagegen.jpeg(64, 64))
    question = page.locator("#result .question").first
    question.wait_for()
    answers = question.locator("button.answer")
    assert answers.count() >= 2
    web.shots("question")
    before = page.locator("#result article.guide").first.inner_text()
    answers.last.click()
    page.get_by_role("status").filter(has_text="고마워요").wait_for()
    after = page.locator("#result article.guide").first.inner_text()
    assert after != before and page.locator("#result .question").count() == 0
    web.shots("answered")
    assert web.errors == []


def test_a_hazard_is_shown_before_the_steps(
    live_server: LiveServer, open_page: Callable[..., BrowserPage]
) -> None:
    web = open_page(live_server.url, viewport="phone")
    page = web.page
    log_in(web, "careful")
    scan_photo(web, "리튬 배터리", imagegen.jpeg(64, 64))
    card = page.locator("#result article.guide").first
    card.locator(".hazard").wait_for()
    order = card.evaluate("c => [...c.children].map(e => e.className || e.tagName)")
    assert order.index("hazard") < order.index("steps")
    web.shots("hazard")
    assert web.errors == []
