"""Which words each cue speaks; the line about stopping is honest about listening; a halt
silences speech first."""

from __future__ import annotations

from backbuddy.audio.config import load
from backbuddy.domain import techniques, wording
from backbuddy.domain.cues import Cue
from backbuddy.services.cue_speech import CueVoice, fixed_texts, sentences, spoken_parts

SAY = load().say


class RecordingSpeaker:
    """A hand-written fake: remembers what it was asked to say and when it was cancelled."""

    def __init__(self) -> None:
        self.log: list[str] = []

    def say(self, text: str) -> None:
        self.log.append(text)

    def cancel(self) -> None:
        self.log.append("<cancel>")


def test_without_listening_the_intro_tells_the_pair_to_say_stop_to_each_other():
    cue = Cue(0.0, "say", wording.STOP_ANY_TIME)
    assert " ".join(spoken_parts(cue, listening=False)) == SAY.not_listening
    assert "say stop to your partner" in SAY.not_listening
    assert "not listening" in SAY.not_listening


def test_with_listening_the_intro_says_backbuddy_listens():
    spoken = spoken_parts(Cue(0.0, "say", wording.STOP_ANY_TIME), listening=True)
    assert " ".join(spoken) == SAY.listening


def test_pace_cues_are_silent_and_step_cues_speak_both_roles():
    assert spoken_parts(Cue(0.0, "pace", "Breathe in slowly.", phase="in", seconds=4), True) == []
    step = Cue(0.0, "step", "Sit", receiver="Sit upright.", assistant="Wait.")
    assert spoken_parts(step, True) == ["Sit", "Receiver: Sit upright.", "Assistant: Wait."]


def test_long_cues_are_spoken_sentence_by_sentence_so_each_is_cached_once():
    cue = Cue(0.0, "move", "Attempt 1 of 3. Breathe out slowly and relax.")
    assert spoken_parts(cue, True) == ["Attempt 1 of 3.", "Breathe out slowly and relax."]


def test_a_halt_cancels_what_is_being_said_before_saying_stop():
    speaker = RecordingSpeaker()
    voice = CueVoice(speaker, listening=True)
    voice.on_cues([Cue(0.0, "say", "A long sentence being spoken.")])
    voice.on_cues([Cue(1.0, "halt", "Stop.", reason="stop:key"), Cue(1.0, "say", wording.RELEASE)])
    assert speaker.log[:3] == ["A long sentence being spoken.", "<cancel>", "Stop."]
    assert " ".join(speaker.log[3:]) == wording.RELEASE


def test_a_refused_ready_naming_a_check_is_spoken_from_pre_rendered_sentences():
    """ "Nearly: hold the position…" and the other refusals that name a set-up check were never
    rendered before the session (a property run found one in session 16): the pair heard them
    late, synthesised on the spot, or not at all."""
    for technique in techniques.load_all().values():
        known = set(fixed_texts(technique, 3))
        hold = technique.checks_hold_s
        said = [wording.not_steady(None, hold)]
        for check in technique.checks:
            said += [
                wording.held_for(check.text),
                wording.not_passing(check.text),
                wording.not_steady(check.text, hold),
            ]
        for text in said:
            assert set(sentences(text)) <= known, (technique.id, text)


def test_the_settle_after_a_new_hold_is_spoken_from_pre_rendered_sentences():
    """The words a Ready, a held move and a lengthened rest say while the camera settles on
    the assistant's hold (session 17)."""
    for technique in techniques.load_all().values():
        known = set(fixed_texts(technique, 3))
        assert set(sentences(wording.SETTLING)) <= known, technique.id
