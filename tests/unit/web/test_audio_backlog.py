"""A page cannot make the server drop its sound by itself (voice review): dropped sound now
pauses the movement, so a page that could overflow the server's backlog at will could pause it
at will. The most audio the page's rate lets in before a waiting chunk is a second old (when
the stream stops listening anyway) stays below the backlog the server drops at."""

from __future__ import annotations

from backbuddy.audio.samples import RATE
from backbuddy.web.audio_in import AudioRate
from backbuddy.web.audio_socket import AUDIO_GAP_S, MAX_BACKLOG_S

CHUNK_S = 512 / RATE


def admitted(send_every_s: float, for_s: float) -> tuple[float, int]:
    """Audio seconds taken, and chunks refused, for a page sending a 32 ms chunk every
    `send_every_s` for `for_s` seconds (monotonic time from 100 s)."""
    rate, taken, refused, t = AudioRate(), 0.0, 0, 100.0
    while t < 100.0 + for_s:
        if rate.too_fast(t, CHUNK_S):
            refused += 1
        else:
            taken += CHUNK_S
        t += send_every_s
    return taken, refused


def test_a_page_at_its_fastest_cannot_fill_the_backlog_before_listening_is_lost():
    taken, refused = admitted(0.001, AUDIO_GAP_S)  # 32 chunks a millisecond's worth of sound
    assert refused > 0  # the rate did hold it back
    assert taken <= MAX_BACKLOG_S


def test_a_microphone_in_real_time_is_never_refused():
    assert admitted(CHUNK_S, 60.0)[1] == 0
