"""Typed errors whose messages tell a person what to do next.

Every error backbuddy raises on purpose derives from BackbuddyError, so the CLI
and the web app can turn it into one clear line without a traceback.
"""


class BackbuddyError(Exception):
    """Base of every expected error; `str(err)` is the message a user sees."""

    exit_code = 2


class DefinitionError(BackbuddyError):
    """A technique or screening YAML file is malformed (names file, field and reason)."""


class EventError(BackbuddyError):
    """An event could not be read: malformed, unknown kind, wrong field, time going backwards."""


class UnknownTechnique(BackbuddyError):
    """No technique has the requested id."""


class ScreeningInputError(BackbuddyError):
    """Screening answers are missing, unknown or of the wrong type."""


class ScreeningUnfinished(ScreeningInputError):
    """Answers are missing, but those given block another technique (`kept`: its id) and
    were stored as its screening, so the red flag is not lost (domain.screening.kept_for)."""

    def __init__(self, message: str, kept: str) -> None:
        super().__init__(message)
        self.kept = kept


class ScreeningRequired(BackbuddyError):
    """No valid screening for this technique in this sitting (invariant I1)."""


class ScreeningBlocked(BackbuddyError):
    """The screening outcome does not allow this technique today."""

    def __init__(self, message: str, outcome: str, result: object | None = None) -> None:
        super().__init__(message)
        self.outcome = outcome
        self.exit_code = 4 if outcome == "block_emergency" else 3
        #: The screening result that blocks, when there is one to show (a ScreeningResult).
        self.result = result


class TransitionNotAllowed(BackbuddyError):
    """An event arrived in a state that cannot take it."""


class SessionLimitReached(BackbuddyError):
    """A frequency or rest rule (I6, I8) forbids a new session now (exit 3: not now)."""

    exit_code = 3


class StoreError(BackbuddyError):
    """The session store cannot be opened, read or written."""


class JournalError(StoreError):
    """The journal of writes the database refused cannot be read or written: what it keeps
    (a symptom, perhaps) is unknown, so nothing may start (`adapters.sql_journal`)."""


class VideoError(BackbuddyError):
    """A video or image file cannot be opened or decoded (names the file and what to try)."""


class CameraError(VideoError):
    """A camera is missing, busy, or stopped giving frames."""


class PoseModelError(BackbuddyError):
    """The pose model cannot run as asked (e.g. a model that is not bundled and would download)."""
