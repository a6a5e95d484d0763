"""What a person does in the browser, step by step, for the e2e tests and the benchmark."""

from __future__ import annotations

from typing import Any

TECHNIQUE = "seated_hug_extension"


#: Clicks every question's answer on the screening page: the last choice for the ids given,
#: "no" for the rest (the same click, input and change events as a person's click).
CLICK_ANSWERS = """(yes) => { for (const f of document.querySelectorAll('fieldset.question')) {
  const radios = f.querySelectorAll('input[type=radio]');
  const pick = yes.includes(f.id.slice(2)) ? radios[radios.length - 1]
    : f.querySelector('input[value=no]');
  pick.click();
  if (!pick.checked) throw new Error(`${f.id}: the answer did not take`); } }"""


def answer_screening(
    page: Any,
    base: str,
    yes: tuple[str, ...] = (),
    technique: str = TECHNIQUE,
    by_hand: bool = True,
) -> None:
    """Open the screening for `technique` and answer every question (no, unless in `yes`).

    On a phone the questions come a few a screen: each screen is answered, then Next.
    `by_hand` False: all the answers are clicked by one script on the page (`CLICK_ANSWERS`)
    instead of one Playwright check per question (25 round trips and actionability waits:
    ~3 s of a walk at load 18), then Next and the outcome as a person presses them. For tests
    whose subject comes after the screening; the walk by hand stays the screening tests'
    (test_pages_e2e.py, test_screening_steps_e2e.py, test_blocks_e2e.py).
    """
    page.goto(f"{base}/screening/{technique}")
    if not by_hand:
        page.evaluate(CLICK_ANSWERS, list(yes))
    while True:
        for fieldset in page.locator("fieldset.question:visible").all() if by_hand else []:
            qid = fieldset.get_attribute("id").removeprefix("q-")
            if qid in yes:
                fieldset.locator("input[type=radio]").last.check()
            else:
                fieldset.locator("input[value=no]").check()
        following = page.locator("#steps-next:visible")
        if not following.count():
            break
        following.click()
    page.get_by_role("button", name="See the outcome").click()


def start_session(page: Any, base: str, camera: bool = True, technique: str = TECHNIQUE) -> None:
    """Clean screening (its answers clicked by one script: `answer_screening`'s `by_hand`) →
    outcome → set-up page of `technique`, with or without the camera watch."""
    answer_screening(page, base, technique=technique, by_hand=False)
    go = page.get_by_role("button", name="Go to set-up")
    go.wait_for()  # the outcome page is there: only now can the camera box be counted
    box = page.get_by_label("Use the camera watch (recommended)")
    if box.count() and not camera:
        box.uncheck()
    go.click()
    page.wait_for_selector("#session[data-link='up']")
    page.wait_for_selector("#session[data-mode='setup']")


def into_the_movement_listening(page: Any, base: str) -> None:
    """A session without the camera whose microphone check passes (the clip's "stop" pauses
    the set-up; Resume), then both set-up steps, until the first movement (mobilise)."""
    start_session(page, base, camera=False)
    page.get_by_role("button", name="Listen with the microphone").click()
    # A generous wait for a state: on a loaded machine the word took up to ~28 s (session 18).
    page.wait_for_selector("#session[data-listening='checked']", timeout=60_000)
    page.get_by_role("button", name="Resume").click()
    page.wait_for_selector("#session[data-mode='setup']")
    for _ in range(2):
        page.get_by_role("button", name="We're in position").click()
        page.wait_for_timeout(300)
    page.wait_for_function(
        "window.backbuddy.view.lastState && window.backbuddy.view.lastState.phase === 'mobilise'",
        timeout=30_000,
    )
