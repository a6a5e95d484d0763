"""Typed audio errors: each message tells a person what failed and what still works."""

from __future__ import annotations

from backbuddy.domain.errors import BackbuddyError


class AudioError(BackbuddyError):
    """An audio file cannot be read (names the file and why)."""


class ListeningUnavailable(BackbuddyError):
    """No microphone, or a listening model is missing: the session runs with keys only."""


class ModelMissing(ListeningUnavailable):
    """A pinned model is not installed, or not the pinned file."""


class SpeechUnavailable(BackbuddyError):
    """No voice or no audio output: cues are shown as captions only."""
