"""What the pair can read before a session, as data: topics of passages quoting the guide.

`data/learn.yaml` holds them. Each passage carries `source`, the guide sentences it
rests on (a test checks each occurs verbatim in the guide), and says whether it
restates the guide (`basis: guide`) or is backbuddy's own rule in line with it
(`basis: backbuddy`, naming the safety invariant). A malformed file fails with its
path and field, like a technique file.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from backbuddy.domain.errors import DefinitionError

Basis = Literal["guide", "backbuddy"]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Passage(_Model):
    """One paragraph for people, with the guide sentences it rests on."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    text: str = Field(min_length=1)
    source: tuple[str, ...] = Field(min_length=1)
    basis: Basis
    rule: str | None = Field(default=None, pattern=r"^I[1-9]$")

    @model_validator(mode="after")
    def _rule_names_backbuddy_s_own(self) -> Passage:
        if self.basis == "backbuddy" and self.rule is None:
            raise ValueError("a passage on backbuddy's own rule names it (rule: I1…I8)")
        if self.basis == "guide" and self.rule is not None:
            raise ValueError("a passage that restates the guide names no backbuddy rule")
        return self


class Topic(_Model):
    """A page section: its guide heading, a one-line summary and its passages."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str = Field(min_length=1)
    section: str = Field(min_length=1, description="the guide's heading it comes from")
    summary: str = Field(min_length=1)
    passages: tuple[Passage, ...] = Field(min_length=1)


class Learn(_Model):
    topics: tuple[Topic, ...] = Field(min_length=1)

    def topic(self, topic_id: str) -> Topic:
        found = next((t for t in self.topics if t.id == topic_id), None)
        if found is None:
            known = ", ".join(t.id for t in self.topics)
            raise DefinitionError(f"no topic {topic_id!r} to learn about; known: {known}")
        return found


def default_path() -> Path:
    return Path(__file__).resolve().parent.parent / "data" / "learn.yaml"


def load_file(path: Path) -> Learn:
    """Load and validate one learn file; any problem names the file and the field."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise DefinitionError(f"{path}: cannot read it ({err.strerror})") from None
    except yaml.YAMLError as err:
        raise DefinitionError(f"{path}: not valid YAML ({err})") from None
    try:
        return Learn.model_validate(raw)
    except ValidationError as err:
        first = err.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise DefinitionError(f"{path}: field {field}: {first['msg']}") from None


@lru_cache(maxsize=1)
def load() -> Learn:
    """The shipped topics (read once)."""
    return load_file(default_path())
