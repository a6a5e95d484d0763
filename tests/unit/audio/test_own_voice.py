"""Our own voice in the microphone (audio/own_voice.py): echo spans, and a person's voice
told from our echo by level while we speak (double talk)."""

from __future__ import annotations

from backbuddy.audio.config import load as load_config
from backbuddy.audio.heard import VoiceOnset
from backbuddy.audio.own_voice import OwnVoice

CONFIG = load_config().own_voice
W = 0.032


def learned(level: float = -46.0, seconds: float = 3.0) -> OwnVoice:
    """An OwnVoice that heard `seconds` of our speech at `level` dBFS in set-up (from 0)."""
    own = OwnVoice(CONFIG)
    t = 0.0
    while t < seconds:
        own.mark(t, t + W)
        own.learn(level)
        t += W
    return own


def test_a_voice_clearly_louder_than_our_echo_while_we_speak_is_a_person_once_per_stretch():
    own = learned(-46.0)
    own.mark(10.0, 10.032)
    assert own.voices([], 10.0, 10.032, -46.0 + CONFIG.margin_db - 1, speech=True) == []
    got = own.voices([], 10.0, 10.032, -30.0, speech=True)
    assert got == [VoiceOnset(t=10.032, onset=10.0)]
    own.mark(10.032, 10.064)
    assert own.voices([], 10.032, 10.064, -30.0, speech=True) == []  # once per stretch
    own.mark(10.064, 10.096)
    assert own.voices([], 10.064, 10.096, -60.0, speech=False) == []  # the stretch ended
    own.mark(10.096, 10.128)
    assert own.voices([], 10.096, 10.128, -30.0, speech=True) != []


def test_an_onset_while_we_are_silent_is_always_hers_and_one_over_our_voice_is_our_echo():
    own = learned()
    onset = VoiceOnset(t=20.032, onset=20.0)
    assert own.voices([onset], 20.0, 20.032, -70.0, speech=True) == [onset]
    own.mark(30.0, 31.0)
    echo = VoiceOnset(t=30.5, onset=30.468)
    assert own.voices([echo], 30.468, 30.5, -46.0, speech=True) == []
    assert own.echo(31.0 + CONFIG.echo_tail_s)
    assert not own.echo(31.0 + CONFIG.echo_tail_s + 0.01)


def test_nothing_is_told_apart_before_enough_of_our_speech_was_heard():
    own = learned(seconds=CONFIG.learn_min_s / 2)
    own.mark(10.0, 10.032)
    assert own.ceiling_db is None
    assert own.voices([], 10.0, 10.032, -10.0, speech=True) == []


def test_the_echo_level_follows_the_last_keep_s_of_our_speech():
    own = learned(-46.0)
    for _ in range(round(CONFIG.keep_s / W) + 1):
        own.learn(-30.0)  # the volume was turned up
    assert own.ceiling_db == -30.0


def test_after_the_volume_is_turned_up_one_pause_line_teaches_the_louder_echo():
    """Turned up 10 dB after set-up, our echo may pause the movement once (the safe side); the
    pause line that follows is learned (a pause changes nothing), so the next cue does not."""
    own = learned(-46.0, seconds=CONFIG.keep_s)
    own.mark(100.0, 100.032)
    assert own.voices([], 100.0, 100.032, -36.0, speech=True) != []  # the one false pause
    for _ in range(round(3.0 / W)):  # "Paused: we heard you. …" (≈ 3 s), learned
        own.learn(-36.0)
    assert own.voices([], 105.0, 105.032, -70.0, speech=False) == []  # her stretch ended
    own.mark(110.0, 110.032)
    assert own.voices([], 110.0, 110.032, -36.0, speech=True) == []


def test_a_person_talking_on_over_our_line_is_not_learned_as_our_echo():
    """In a pause she began speaking while we were silent and talks on over our pause line:
    her level is not our echo's, so it must not raise what a person must be louder than."""
    own = learned(-46.0)
    before = own.ceiling_db
    her = VoiceOnset(t=50.032, onset=50.0)
    assert own.voices([her], 50.0, 50.032, -26.0, speech=True) == [her]
    for i in range(1, 60):  # our pause line starts; she talks on (the gate stays in speech)
        t = 50.0 + i * W
        own.mark(t, t + W)
        assert own.voices([], t, t + W, -26.0, speech=True) == []
        own.learn(-26.0)
    assert own.ceiling_db == before
    assert own.voices([], 60.0, 60.032, -70.0, speech=False) == []  # her stretch ended
    own.mark(60.032, 60.064)
    own.learn(-46.0)  # our line alone again: learned
    assert len(own._levels) == round(3.0 / W) + 1


def _heard(own: OwnVoice, t: float, seconds: float, level: float) -> float:
    """A person speaking `seconds` from `t` while we are silent (the microphone check)."""
    assert own.voices([VoiceOnset(t + W, t)], t, t + W, level, speech=True)
    for k in range(1, round(seconds / W)):
        own.voices([], t + k * W, t + (k + 1) * W, level, speech=True)
    end = t + seconds
    own.voices([], end, end + W, -70.0, speech=False)  # her stretch ends
    return end + W


def test_our_echo_as_loud_as_her_voice_is_loud_and_one_clearly_under_it_is_not():
    own = learned(-30.0)  # our echo's level, learned in set-up
    assert own.loud  # nobody heard yet: we cannot show a voice would be told apart
    _heard(own, 5.0, 0.6, -28.0)  # her check, about as loud as our echo (no echo cancelling)
    assert own.voice_db is not None
    assert own.loud
    quiet_echo = learned(-45.0)
    _heard(quiet_echo, 5.0, 0.6, -28.0)  # echo cancelled to ~17 dB under her voice
    assert not quiet_echo.loud
    assert not OwnVoice(CONFIG).loud  # nothing of ours heard: nothing to speak less for


def test_speech_going_on_after_our_echo_has_ended_is_hers_once_even_as_quiet_as_our_echo():
    own = learned(-30.0)
    own.mark(10.0, 11.0)  # our piece of a cue; the gate goes into speech on it (our echo)
    assert own.voices([VoiceOnset(10.1, 10.05)], 10.05, 10.1, -30.0, speech=True) == []
    t = 11.0 + CONFIG.echo_tail_s - W
    assert own.voices([], t, t + W, -30.0, speech=True) == []  # still our echo's tail
    t = 11.0 + CONFIG.echo_tail_s + 0.01
    got = own.voices([], t, t + W, -30.0, speech=True)  # the silence after it: she talks on
    assert got == [VoiceOnset(t=t + W, onset=t)]
    assert own.voices([], t + W, t + 2 * W, -30.0, speech=True) == []  # once per stretch


def test_our_echo_ending_with_the_gate_closing_in_its_tail_passes_for_nobody():
    own = learned(-30.0)
    own.mark(10.0, 11.0)
    own.voices([VoiceOnset(10.1, 10.05)], 10.05, 10.1, -30.0, speech=True)
    t = 11.0 + 0.2  # the gate closes within the tail (our echo has gone)
    assert own.voices([], t, t + W, -60.0, speech=False) == []
    t = 11.0 + CONFIG.echo_tail_s + 0.1
    assert own.voices([], t, t + W, -60.0, speech=False) == []
