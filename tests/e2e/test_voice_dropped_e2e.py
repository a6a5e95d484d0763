"""Sound the server dropped during the movement, in Debian's Chromium with a fake microphone,
the real server and the real models (voice review): the page says backbuddy is not listening
("say stop to your partner"), the movement pauses and says why, and Resume goes on."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .flows import into_the_movement_listening, start_session
from .test_voice_e2e import QUIET_AFTER_STOP, STOP, listening_server, mic_page

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.xdist_group("browser")]

__all__ = ["listening_server", "mic_page"]

#: Keeps the session socket once it carries the page's first audio message.
KEEP_SOCKET = """(() => {
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    if (data instanceof ArrayBuffer && !window.__audioSocket) window.__audioSocket = this;
    return send.call(this, data);
  };
})()"""

#: 4 s of silence in 256 ms audio messages, at once: more than the server takes ahead of
#: real time (AUDIO_AHEAD_S = 3 s), so the end of it is dropped, as a stop inside it would be.
BURST = """() => {
  for (let k = 0; k < 16; k++) {
    const buf = new ArrayBuffer(8 + 2 * 4096);
    const head = new DataView(buf);
    "BBA1".split("").forEach((c, i) => head.setUint8(i, c.charCodeAt(0)));
    head.setUint16(6, 16000, true);
    window.__audioSocket.send(buf);
  }
}"""


@pytest.mark.parametrize("mic_page", [QUIET_AFTER_STOP], indirect=True)
def test_sound_dropped_mid_movement_pauses_it_and_the_page_says_it_is_not_listening(
    mic_page, listening_server
):
    page = mic_page
    page.add_init_script(KEEP_SOCKET)
    into_the_movement_listening(page, listening_server.url)
    page.evaluate(BURST)
    session = page.locator("#session")
    expect(session).to_have_attribute("data-listening", "unavailable", timeout=10_000)
    expect(page.locator("#mic-text")).to_contain_text("dropped")
    expect(page.locator("#mic-text")).to_contain_text("say stop to your partner", ignore_case=True)
    expect(session).to_have_attribute("data-mode", "paused", timeout=10_000)
    pause = page.locator("#captions li.pause").first
    expect(pause).to_contain_text("sound was dropped")
    expect(pause).to_contain_text("does not count")  # a pause the pair did not cause
    page.get_by_role("button", name="Resume").click()
    expect(session).not_to_have_attribute("data-mode", "paused", timeout=10_000)


@pytest.mark.parametrize("mic_page", [STOP], indirect=True)
def test_the_microphone_check_passes_in_the_step_where_the_assistant_holds(
    mic_page, listening_server
):
    """There a voice pauses at once (the assistant's hands are on): the check's own "stop"
    first pauses, then still confirms the check (and halts, as any stop)."""
    page = mic_page
    start_session(page, listening_server.url, camera=False)
    page.get_by_role("button", name="We're in position").click()
    expect(page.locator("#captions")).to_contain_text("Assistant steps in behind")
    page.get_by_role("button", name="Listen with the microphone").click()
    session = page.locator("#session")
    expect(session).to_have_attribute("data-listening", "checked", timeout=60_000)
    expect(page.locator("#captions li.pause").first).to_contain_text("we heard you")
    expect(session).to_have_attribute("data-mode", "halted")
    page.get_by_role("button", name="Resume").click()
    expect(session).to_have_attribute("data-mode", "setup")
