"""In a real browser: on a phone the screening comes a few questions a screen, with a progress
bar, Back and Next, the answers kept; it is still one form, posted once. On a laptop, and on
a phone without JavaScript, it stays one page. No wrapped question runs into its answers
(issue 13 item 8).
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from backbuddy.adapters.sql_store import SqlStore
from backbuddy.domain.screening import load_questions

from .conftest import Server, shot
from .flows import TECHNIQUE

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 800}
PER_STEP = 3
QUESTIONS = load_questions().questions


def visible_questions(page: Page) -> list[str]:
    ids = page.locator("fieldset.question:visible").evaluate_all("els => els.map(e => e.id)")
    return [i.removeprefix("q-") for i in ids]


def answer_visible_no(page: Page) -> None:
    for fieldset in page.locator("fieldset.question:visible").all():
        fieldset.locator("input[value=no]").check()


def legends_stay_in_their_boxes(page: Page) -> None:
    """Each visible question's text sits inside its box, above its answers (no overlap)."""
    boxes: list[dict[str, Any]] = page.locator("fieldset.question:visible").evaluate_all(
        """els => els.map(f => { const r = (e) => e.getBoundingClientRect();
          const b = r(f), l = r(f.querySelector('legend')), a = r(f.querySelector('.answers'));
          return {id: f.id, box: [b.left, b.top, b.right, b.bottom],
                  legend: [l.left, l.top, l.right, l.bottom], answers: [a.top]}; })"""
    )
    assert boxes
    for b in boxes:
        left, top, right, bottom = b["box"]
        l_left, l_top, l_right, l_bottom = b["legend"]
        assert left <= l_left <= l_right <= right, b
        assert top <= l_top <= l_bottom <= bottom, b
        assert l_bottom <= b["answers"][0] + 0.5, b


def posts_to_screening(page: Page) -> list[str]:
    seen: list[str] = []
    page.on(
        "request",
        lambda r: seen.append(r.url) if r.method == "POST" and "/screening/" in r.url else None,
    )
    return seen


def stored_answers(server: Server) -> dict[str, Any]:
    with SqlStore(f"sqlite:///{server.db}") as store:
        (screening,) = store.screenings()
        return dict(screening.answers)


def test_on_a_phone_the_screening_comes_in_short_steps(
    browser: Browser, plain_server: Server
) -> None:
    context = browser.new_context(viewport=PHONE, is_mobile=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    try:
        posts = posts_to_screening(page)
        page.goto(f"{plain_server.url}/screening/{TECHNIQUE}")
        steps = -(-len(QUESTIONS) // PER_STEP)
        expect(page.locator("#steps-bar")).to_be_visible()
        expect(page.locator("#steps-text")).to_have_text(
            f"Step 1 of {steps} · questions 1–{PER_STEP} of {len(QUESTIONS)}"
        )
        assert visible_questions(page) == [q.id for q in QUESTIONS[:PER_STEP]]
        expect(page.get_by_role("button", name="Back")).to_be_disabled()
        expect(page.get_by_role("button", name="See the outcome")).to_be_hidden()
        legends_stay_in_their_boxes(page)
        width = page.evaluate("document.scrollingElement.scrollWidth")
        assert width <= PHONE["width"]
        shot(page, "70-screening-phone-step-1")

        # Next with a question open: it stays, says why, and marks what is missing.
        page.locator("fieldset.question:visible input[value=no]").first.check()
        page.get_by_role("button", name="Next").click()
        expect(page.locator("#steps-error")).to_be_visible()
        expect(page.locator("fieldset.question.missing:visible")).to_have_count(PER_STEP - 1)
        assert visible_questions(page)[0] == QUESTIONS[0].id
        shot(page, "71-screening-phone-missing")

        answer_visible_no(page)
        page.get_by_role("button", name="Next").click()
        assert visible_questions(page) == [q.id for q in QUESTIONS[PER_STEP : 2 * PER_STEP]]
        expect(page.locator("#steps-progress")).to_have_attribute("value", "2")
        # Back: the first screen's answers are still there.
        page.get_by_role("button", name="Back").click()
        for qid in visible_questions(page):
            expect(page.locator(f"#q-{qid} input[value=no]")).to_be_checked()
        page.get_by_role("button", name="Next").click()

        for _ in range(steps - 1):
            answer_visible_no(page)
            legends_stay_in_their_boxes(page)
            following = page.locator("#steps-next:visible")
            if following.count():
                following.click()
        expect(page.locator("#steps-text")).to_contain_text(f"Step {steps} of {steps}")
        expect(page.get_by_role("button", name="Next")).to_be_hidden()
        shot(page, "72-screening-phone-last-step")
        assert posts == []
        page.get_by_role("button", name="See the outcome").click()
        expect(page.get_by_role("heading", name="You can go ahead")).to_be_visible()
        assert len(posts) == 1, posts
        assert set(stored_answers(plain_server)) == {q.id for q in QUESTIONS}
        shot(page, "73-screening-phone-outcome")
    finally:
        context.close()
    assert not errors, f"the page threw: {errors}"


def test_on_a_laptop_every_question_is_on_one_page(page: Page, plain_server: Server) -> None:
    page.set_viewport_size(LAPTOP)
    page.goto(f"{plain_server.url}/screening/{TECHNIQUE}")
    expect(page.locator("fieldset.question:visible")).to_have_count(len(QUESTIONS))
    expect(page.locator("#steps-bar")).to_be_hidden()
    expect(page.get_by_role("button", name="Next")).to_be_hidden()
    legends_stay_in_their_boxes(page)
    shot(page, "74-screening-laptop")


def test_a_phone_without_javascript_gets_one_page_that_posts(
    browser: Browser, plain_server: Server
) -> None:
    context = browser.new_context(viewport=PHONE, is_mobile=True, java_script_enabled=False)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    try:
        page.goto(f"{plain_server.url}/screening/{TECHNIQUE}")
        expect(page.locator("fieldset.question:visible")).to_have_count(len(QUESTIONS))
        expect(page.locator("#steps-bar")).to_be_hidden()
        legends_stay_in_their_boxes(page)
        shot(page, "75-screening-phone-no-javascript")
        answer_visible_no(page)
        page.get_by_role("button", name="See the outcome").click()
        expect(page.get_by_role("heading", name="You can go ahead")).to_be_visible()
    finally:
        context.close()
    assert not errors, f"the page threw: {errors}"
