"""Listening thresholds and pinned models, read from `data/audio.yaml` and validated."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from backbuddy.domain.errors import DefinitionError


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class VadConfig(_Model):
    """When the voice-activity probabilities mean someone is speaking."""

    start_probability: float = Field(gt=0, lt=1)
    keep_probability: float = Field(gt=0, lt=1)
    end_silence_s: float = Field(gt=0)
    max_utterance_s: float = Field(gt=0)
    pad_s: float = Field(ge=0)
    min_utterance_s: float = Field(ge=0)
    #: The early look (docs/voice.md): speech this long whose probability falls below this.
    early_after_s: float = Field(ge=0)
    early_below_probability: float = Field(gt=0, lt=1)
    early_looks: int = Field(ge=0)


class PopConfig(_Model):
    """The click detector's recipe (energy above `highpass_hz`, rise and fast fall)."""

    highpass_hz: float = Field(gt=0, lt=8000)
    frame_ms: float = Field(gt=0)
    median_s: float = Field(gt=0)
    rise_db: float = Field(gt=0)
    fall_db: float = Field(gt=0)
    fall_within_ms: float = Field(gt=0)
    min_gap_s: float = Field(ge=0)
    speech_guard_s: float = Field(ge=0)
    floor_dbfs: float
    #: Frames quieter than this are digital silence, not a background (no microphone's own
    #: noise is this low: int16 sound cannot go under about -101 dBFS unless it is zeros).
    silence_dbfs: float = Field(le=-90)


class WordsConfig(_Model):
    """Words that stop, words that are only recorded, and the recogniser's hint."""

    stop: tuple[str, ...] = Field(min_length=1)
    okay: tuple[str, ...]
    hotwords: str
    #: The quick look (docs/voice.md): Whisper's encoder over this much audio, not its 30 s.
    glance_s: float = Field(gt=0, le=30)
    #: An early look's stop counts only at or above this average log-probability.
    early_min_logprob: float = Field(le=0)


class OwnVoiceConfig(_Model):
    """Our own voice in the microphone (audio/own_voice.py): its echo tail, and how much
    louder than our echo a voice must be to be a person's (double talk)."""

    echo_tail_s: float = Field(ge=0)
    percentile: float = Field(gt=0, le=100)
    margin_db: float = Field(gt=0)
    learn_min_s: float = Field(gt=0)
    keep_s: float = Field(gt=0)
    #: A person's voice (heard while we were silent): its level at this percentile of her
    #: speech windows, from voice_min_s of it on. Our echo is *loud* when that level is not
    #: margin_db over our echo's: double talk cannot tell her from it, so we speak less.
    voice_percentile: float = Field(gt=0, le=100)
    voice_min_s: float = Field(gt=0)
    #: Speaking less where the hands are on (docs/voice.md): silence after each piece of a cue.
    gap_s: float = Field(gt=0)


class SayConfig(_Model):
    """The spoken line about stopping, honest about whether backbuddy listens; and what we
    say when our own voice is as loud as a person's in the microphone."""

    listening: str = Field(min_length=1)
    not_listening: str = Field(min_length=1)
    loud_echo: str = Field(min_length=1)


class ModelPin(_Model):
    """A model file inside a pinned wheel: where it is and what its bytes must hash to."""

    package: str
    version: str
    file: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    licence: str


class AudioConfig(_Model):
    vad: VadConfig
    pops: PopConfig
    words: WordsConfig
    own_voice: OwnVoiceConfig
    say: SayConfig
    models: dict[str, ModelPin]


@cache
def load() -> AudioConfig:
    """The packaged `audio.yaml`; a malformed file fails naming the field."""
    path = Path(__file__).resolve().parent.parent / "data" / "audio.yaml"
    try:
        return AudioConfig.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (ValidationError, yaml.YAMLError) as err:
        raise DefinitionError(f"{path}: {err}") from None
