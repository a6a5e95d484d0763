"""Reading screening answers from a YAML or JSON file, strictly.

A screening must not quietly take an answer the person did not mean, so a
question answered twice (YAML and JSON both let the last one win) is refused
naming the question and its lines. Yes/no questions take `yes`/`no` (and
`true`/`false`) as words too, in any case, as `--help` promises: JSON has no
bare yes/no, and a quoted "yes" in YAML is a string.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode

from backbuddy.domain.errors import ScreeningInputError
from backbuddy.domain.screening import Questionnaire, load_questions

YES_NO_WORDS = {"yes": True, "no": False, "true": True, "false": False}


class DuplicateAnswer(ValueError):
    """The same question id twice in one mapping."""

    def __init__(self, key: object, line: int | None = None, first: int | None = None) -> None:
        where = f" on line {line} (first on line {first})" if line and first else ""
        super().__init__(f"{key!r} is answered twice{where}; answer each question once")


class _StrictLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing a key that a mapping already has."""

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=deep)
            try:
                first = seen.setdefault(key, key_node.start_mark.line + 1)
            except TypeError:  # an unhashable key: the safe loader says so itself
                continue
            if first != key_node.start_mark.line + 1:
                raise DuplicateAnswer(key, key_node.start_mark.line + 1, first)
        return super().construct_mapping(node, deep=deep)


def read_answers(path: Path, questions: Questionnaire | None = None) -> dict[Any, object]:
    """The answers in a YAML or JSON file; any problem is one line naming the file."""
    kind = "JSON" if path.suffix.lower() == ".json" else "YAML"
    try:
        text = path.read_text(encoding="utf-8")
        data = _json(text) if kind == "JSON" else yaml.load(text, Loader=_StrictLoader)  # noqa: S506
    except OSError as err:
        raise ScreeningInputError(f"{path}: cannot read answers file ({err.strerror})") from None
    except DuplicateAnswer as err:
        raise ScreeningInputError(f"{path}: {err}") from None
    except (ValueError, yaml.YAMLError, RecursionError) as err:  # JSON and Unicode errors too
        detail = " ".join(str(err).split()) or type(err).__name__
        raise ScreeningInputError(f"{path}: not valid {kind} ({detail})") from None
    if not isinstance(data, dict):
        raise ScreeningInputError(
            f"{path}: answers must be a mapping of question id to answer, e.g. 'chest_pain: no'"
        )
    return _words_to_yes_no(data, questions or load_questions())


def _json(text: str) -> Any:
    def unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [k for k, _ in pairs]
        for key in keys:
            if keys.count(key) > 1:
                lines = [*_json_key_lines(text, key), None, None]
                raise DuplicateAnswer(key, line=lines[1], first=lines[0])
        return dict(pairs)

    return json.loads(text, object_pairs_hook=unique)


def _json_key_lines(text: str, key: str) -> list[int]:
    """Lines where `"key":` appears (JSON keeps no positions; this finds the usual spelling)."""
    pattern = re.compile(re.escape(json.dumps(key)) + r"\s*:")
    return [text.count("\n", 0, m.start()) + 1 for m in pattern.finditer(text)]


def _words_to_yes_no(data: dict[Any, object], questions: Questionnaire) -> dict[Any, object]:
    yes_no = {q.id for q in questions.questions if q.choices is None}
    return {
        key: YES_NO_WORDS.get(value.strip().lower(), value)
        if key in yes_no and isinstance(value, str)
        else value
        for key, value in data.items()
    }
