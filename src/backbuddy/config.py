"""Settings: where data lives, where the web app listens, and safety limits.

Settings may tighten safety, never loosen it: a shorter screening validity, a
lower speed limit, fewer attempts. A value that would loosen a technique's limits
is refused with a SettingsError that names the variable and the allowed bound.
Nothing is built at import time; call `load_settings()` where settings are needed.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any

import platformdirs
from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from backbuddy.domain import techniques as tech
from backbuddy.domain.errors import BackbuddyError

ENV_PREFIX = "BACKBUDDY_"
#: The longest a screening stays valid: one sitting (design.md I1).
MAX_SCREENING_VALID_HOURS = 2.0
#: Overridable limits and the direction that tightens them (-1: lower is safer).
TIGHTER_IS: dict[str, int] = {
    "gentle_speed_deg_s": -1,
    "hard_speed_deg_s": -1,
    "max_range_deg": -1,
    "attempts": -1,
    "pop_rest_min": +1,
}


class SettingsError(BackbuddyError):
    """A setting is malformed or would loosen safety."""


def default_db_path() -> Path:
    """The SQLite file in the user data dir; the store creates the folder when it opens."""
    return platformdirs.user_data_path("backbuddy") / "backbuddy.sqlite3"


def db_url(value: str | Path) -> str:
    """A database URL from a URL or a plain file path (taken as a SQLite file)."""
    text = str(value).strip()
    if "://" in text:
        return text
    if not text:
        raise ValueError("is empty; give a database URL or a file path")
    return f"sqlite:///{Path(text).expanduser().resolve()}"


class Settings(BaseSettings):
    """Every knob backbuddy reads from the environment (`BACKBUDDY_*`) or the CLI."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="forbid", frozen=True)

    db: str = Field(default_factory=lambda: db_url(default_db_path()))
    screening_valid_hours: float = Field(default=MAX_SCREENING_VALID_HOURS, gt=0)
    gentle_speed_deg_s: float | None = Field(default=None, gt=0)
    hard_speed_deg_s: float | None = Field(default=None, gt=0)
    max_range_deg: float | None = Field(default=None, gt=0)
    attempts: int | None = Field(default=None, ge=1)
    pop_rest_min: float | None = Field(default=None, gt=0)
    #: The two-person step: find every person (MoveNet) and measure only the receiver; off,
    #: MediaPipe alone follows whichever one person it finds first.
    two_person: bool = True
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    token: SecretStr | None = None

    @field_validator("db", mode="before")
    @classmethod
    def _db(cls, value: Any) -> str:
        return db_url(value)

    @field_validator("screening_valid_hours")
    @classmethod
    def _one_sitting(cls, hours: float) -> float:
        if hours > MAX_SCREENING_VALID_HOURS:
            raise ValueError(
                f"{hours:g} h would loosen safety: a screening is valid for at most "
                f"{MAX_SCREENING_VALID_HOURS:g} h (one sitting); it may only be shortened"
            )
        return hours

    @model_validator(mode="after")
    def _only_tighten(self) -> Settings:
        if not self.overrides():
            return self
        for technique in tech.load_all().values():
            self.limits_for(technique)
        return self

    @model_validator(mode="after")
    def _loopback_or_token(self) -> Settings:
        if not is_loopback(self.host) and self.token is None:
            raise ValueError(
                f"host {self.host!r} is reachable from other machines; set "
                f"{ENV_PREFIX}TOKEN to a secret to allow that, or keep 127.0.0.1"
            )
        return self

    def overrides(self) -> dict[str, float | int]:
        """The limit overrides that are set."""
        return {k: v for k in TIGHTER_IS if (v := getattr(self, k)) is not None}

    def limits_for(self, technique: tech.Technique) -> tech.Limits:
        """The technique's limits tightened by these settings; refuses any loosening."""
        base = technique.limits
        overrides = self.overrides()
        for name, value in overrides.items():
            own = getattr(base, name)
            if (value - own) * TIGHTER_IS[name] < 0:
                bound = "≤" if TIGHTER_IS[name] < 0 else "≥"
                raise ValueError(
                    f"{ENV_PREFIX}{name.upper()}={value:g} would loosen safety: settings may "
                    f"only tighten a limit, and technique {technique.id!r} has {own:g} "
                    f"(use a value {bound} {own:g})"
                )
        try:
            narrowed = tech.Limits(**{**base.model_dump(), **overrides})
        except ValidationError as err:
            problem = err.errors()[0]["msg"].removeprefix("Value error, ")
            raise ValueError(
                f"limits for technique {technique.id!r}: {problem} "
                f"(lower {ENV_PREFIX}GENTLE_SPEED_DEG_S together with the hard limit)"
            ) from None
        return base.tightened(narrowed)


def is_loopback(host: str) -> bool:
    """localhost or a loopback address: the only hosts that need no token."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment, with CLI values (None = not given) on top."""
    given = {k: v for k, v in overrides.items() if v is not None}
    try:
        return Settings(**given)
    except ValidationError as err:
        raise SettingsError(_explain(err)) from None


def _explain(err: ValidationError) -> str:
    first = err.errors()[0]
    message = str(first["msg"]).removeprefix("Value error, ")
    loc = first["loc"]
    if not loc:
        return f"setting refused: {message}"
    name = f"{ENV_PREFIX}{str(loc[0]).upper()}"
    return f"setting {name} refused: {message}"
