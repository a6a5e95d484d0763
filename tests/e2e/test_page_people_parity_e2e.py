"""The page's people detector against the server's, through the same role rule (issue 15,
item 2): on the frames of a two-person truth clip (the seated hug, the assistant behind
the receiver, and the lying receiver with the assistant kneeling beside), MoveNet on
`@litertjs/core` in real Chromium and MoveNet on LiteRT in Python see the same pictures;
each side's people go through the server's own role rule (`PageRoles.place`) and the
answers are compared frame by frame (`tests/support/page_people_parity.py`; all ten clips:
`tools/calibrate/page_people_parity.py`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, Playwright
from tests.support.page_people_parity import compare

from .conftest import BROWSER_ARGS, CHROMIUM, ROOT, Server

TRUTH = ROOT / "tests" / "data" / "truth"
pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture
def app_page(playwright: Playwright, server: Server) -> Iterator[Page]:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=BROWSER_ARGS)
    page = browser.new_page()
    page.goto(server.url)
    yield page
    browser.close()


@pytest.mark.parametrize(
    "clip",
    ["hug_correct_setup_side_front_60_f34_with_m26", "side_correct_slow_front_f34_with_m58"],
)
def test_the_pages_people_give_the_servers_roles_on_a_two_person_clip(
    app_page: Page, clip: str
) -> None:
    parity = compare(TRUTH / f"{clip}.mp4", app_page, every=4, limit=14)
    assert len(parity.identities) >= 13
    # Same pictures, same model, two runtimes: the same verdict on (nearly) every frame…
    assert parity.agreement >= 0.9, parity.identities
    # …and where both found the receiver, the same person, the same box.
    assert parity.ious, "neither side ever found the receiver"
    assert min(parity.ious) >= 0.9, parity.ious
