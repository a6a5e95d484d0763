"""Techniques as data: the guide's two, quoted verbatim; bad files refused by path and field.

Every malformed variant below is the real seated hug extension with one thing
broken, written to tmp_path under the file name its id asks for.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, get_args

import pytest
import yaml

from backbuddy.domain import rules, session, techniques
from backbuddy.domain.errors import DefinitionError, UnknownTechnique
from backbuddy.domain.techniques import Limits, Technique

REPO = Path(__file__).resolve().parents[3]
GUIDE = REPO / "src" / "backbuddy" / "data" / "guide" / "partner-back-guide.txt"
SHARED_GUIDE = REPO / ".." / "shared" / "guide" / "partner-back-guide.txt"
FILES = sorted(techniques.default_dir().glob("*.yaml"))


def raw(technique_id: str = "seated_hug_extension") -> dict[str, Any]:
    path = techniques.default_dir() / f"{technique_id}.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def write(folder: Path, data: dict[str, Any], name: str | None = None) -> Path:
    path = folder / f"{name or data['id']}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def sources(node: Any) -> Iterator[str]:
    """Every value of every `source:` key, however deep."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "source":
                yield from value if isinstance(value, list) else [value]
            else:
                yield from sources(value)
    elif isinstance(node, list):
        for item in node:
            yield from sources(item)


# ── the guide's two techniques ───────────────────────────────────────────────


def test_the_guide_s_two_techniques_load_by_file_name():
    loaded = techniques.load_all()
    assert list(loaded) == ["seated_hug_extension", "side_lying_rotation"]
    assert [t.region for t in loaded.values()] == ["thoracic", "lumbar"]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_every_source_quotes_the_guide_verbatim(path):
    guide = GUIDE.read_text(encoding="utf-8")
    quoted = list(sources(yaml.safe_load(path.read_text(encoding="utf-8"))))
    assert len(quoted) > 10
    missing = [q for q in quoted if q not in guide]
    assert missing == [], f"{path.name}: not found verbatim in the guide"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_every_instruction_the_engine_gives_carries_its_source(path):
    technique = techniques.load_file(path)
    guide = GUIDE.read_text(encoding="utf-8")
    instructions = list(technique.instructions())
    assert len(instructions) >= 8
    assert all(i.source in guide for i in instructions)


def test_the_packaged_guide_is_the_shared_guide():
    if not SHARED_GUIDE.exists():
        pytest.skip(f"no shared guide at {SHARED_GUIDE}")
    assert GUIDE.read_bytes() == SHARED_GUIDE.read_bytes()


def test_a_check_is_found_by_id():
    hug = techniques.get("seated_hug_extension")
    assert hug.check("arms_crossed").unit == "ratio"


def test_an_unknown_technique_names_the_known_ones():
    with pytest.raises(UnknownTechnique, match="'cat_cow'; known techniques: seated_hug"):
        techniques.get("cat_cow")


# ── a third technique is one file ────────────────────────────────────────────


def test_a_third_technique_is_one_more_file(tmp_path):
    for path in FILES:
        shutil.copy(path, tmp_path)
    third = raw() | {"id": "gentle_hug", "name": "Gentle Hug"}
    write(tmp_path, third)
    loaded = techniques.load_all(tmp_path)
    assert list(loaded) == ["gentle_hug", "seated_hug_extension", "side_lying_rotation"]
    technique = techniques.get("gentle_hug", tmp_path)
    assert session.new_session(technique, None).technique.name == "Gentle Hug"


def test_a_technique_file_changed_in_place_is_read_anew(tmp_path):
    """Parsed techniques are kept (a session start read both files each time, 70–150 ms of
    the server's event loop), but by their text: an edit of the same length, made at once,
    is what the next load gives; a file broken in place is refused, and mended, read again."""
    path = write(tmp_path, raw() | {"name": "Hug A"})
    assert techniques.load_file(path).name == "Hug A"
    assert techniques.load_file(path) is techniques.load_file(path)  # kept, not parsed again
    path.write_text(path.read_text(encoding="utf-8").replace("Hug A", "Hug B"), encoding="utf-8")
    assert techniques.load_file(path).name == "Hug B"
    good = path.read_text(encoding="utf-8")
    path.write_text(good.replace("name: Hug B", "name: [Hug B"), encoding="utf-8")
    with pytest.raises(DefinitionError, match="not valid YAML"):
        techniques.load_file(path)
    path.write_text(good, encoding="utf-8")
    assert techniques.load_file(path).name == "Hug B"


def test_an_empty_folder_has_no_techniques(tmp_path):
    assert techniques.load_all(tmp_path) == {}


# ── malformed files: path, field and reason ──────────────────────────────────

Edit = Callable[[dict[str, Any]], None]


def _set(path: str, value: Any) -> Edit:
    def edit(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = data
        for key in parents:
            node = node[int(key)] if key.isdigit() else node[key]
        node[int(last) if last.isdigit() else last] = value

    return edit


def _delete(key: str) -> Edit:
    return lambda data: data.pop(key)


def _phases(edit: Callable[[list[dict[str, Any]]], None]) -> Edit:
    return lambda data: edit(data["phases"])


BROKEN = [
    ("missing field", _delete("name"), "field name: Field required"),
    ("missing limits", _delete("limits"), "field limits: Field required"),
    ("wrong type", _set("limits.attempts", "three"), "field limits.attempts: Input should be"),
    ("more than 3 attempts", _set("limits.attempts", 4), "field limits.attempts: .*less than or"),
    ("unknown field", _set("colour", "blue"), "field colour: Extra inputs are not permitted"),
    ("unknown region", _set("region", "neck"), "field region: Input should be 'thoracic'"),
    ("empty source", _set("roles.receiver.source", ""), "field roles.receiver.source: String"),
    ("missing role", lambda d: d["roles"].pop("assistant"), "field roles: .*missing role"),
    ("min above max", _set("checks.0.min", 50), r"field checks\.0: .*min \(50.0\) is above max"),
    (
        "a covered reading's limit on a check read from the image alone",
        _set("checks.0.covered_fails_above", 40),
        r"field checks\.0: .*covered_fails_above needs read_alone",
    ),
    (
        "a covered reading's limit inside the check's range",
        _set("checks.1.covered_fails_above", 1.0),
        r"field checks\.1: .*must lie above max",
    ),
    (
        "an elbow rise on a check read from the image alone",
        _set("checks.0.covered_elbows_rise_above", 0.1),
        r"field checks\.0: .*covered_elbows_rise_above needs read_alone",
    ),
    (
        "an elbow rise of zero",
        _set("checks.1.covered_elbows_rise_above", 0),
        r"field checks\.1\.covered_elbows_rise_above: Input should be greater than 0",
    ),
    (
        "a rising margin on a check read from the image alone",
        lambda d: d["checks"][0].update(rising_per_s=3.0, rising_margin=0.05),
        r"field checks\.0: .*rising_per_s and rising_margin need read_alone",
    ),
    (
        "a rising rate without its margin",
        _set("checks.1.rising_margin", None),
        r"field checks\.1: .*rising_per_s and rising_margin go together",
    ),
    (
        "check ids repeat",
        _set("checks.1.id", "sitting_upright"),
        "field checks: .*check ids must be unique",
    ),
    (
        "unknown check in a step",
        lambda d: d["setup"][0]["checks"].append("toes_pointed"),
        r"field setup: .*setup step 'receiver_position' names unknown check\(s\): "
        r"\['toes_pointed'\]",
    ),
    (
        "two mobilise phases",
        _phases(lambda ps: ps.insert(0, dict(ps[1]))),
        "field phases: .*phases need exactly one 'mobilise' phase",
    ),
    (
        "no mobilise phase",
        _phases(lambda ps: ps.pop(1)),
        "field phases: .*phases need exactly one 'mobilise' phase",
    ),
    (
        "mobilise not on the exhale",
        _set("phases.1.breath", "in"),
        r"field phases: .*the 'mobilise' phase must be on the exhale \(breath: out\)",
    ),
    (
        "the hold without the assistant's hands on",
        _set("phases.2.hands_on", False),
        r"field phases: .*the 'mobilise' and 'hold' phases are hands-on \(hands_on: true\)",
    ),
    (
        "a breath hold",
        _set("phases.2.breath", "hold"),
        "field phases.2.breath: Input should be 'in', 'out', 'gentle' or 'normal'",
    ),
    (
        "movement and hold longer than one exhale",
        _set("phases.1.seconds", 6),
        "field phases: .*the movement spans 9 s without breathing in; "
        "one comfortable exhale is at most 8 s",
    ),
    (
        "release without an inhale",
        _set("phases.3.breath", "normal"),
        "field phases: .*the movement spans 21 s without breathing in",
    ),
    (
        "no inhale at all",
        lambda d: [p.update(breath="out") for p in d["phases"] if p["id"] != "mobilise"],
        "field phases: .*the movement spans 25 s without breathing in",
    ),
    ("unknown phase", _set("phases.3.id", "bounce"), "field phases.3.id: Input should be"),
    ("phase too long", _set("phases.0.seconds", 60), "field phases.0.seconds: .*less than or"),
    (
        "gentle not below hard",
        _set("limits.gentle_speed_deg_s", 30),
        "field limits: .*gentle_speed_deg_s must be below hard_speed_deg_s",
    ),
    ("pop rest too short", _set("limits.pop_rest_min", 5), "field limits.pop_rest_min: "),
    ("caution widens", _set("caution.range_factor", 1.5), "field caution.range_factor: "),
    (
        "placement region upside down",
        _set("placement.azimuth_deg", [90, 40]),
        r"field placement: .*azimuth_deg: 90.0 is above 40.0",
    ),
    (
        "placement elevation out of range",
        _set("placement.elevation_deg", [-100, 10]),
        "field placement: .*elevation_deg must lie within",
    ),
    ("placement without evidence", lambda d: d["placement"].pop("evidence"), "placement.evidence"),
    (
        "grey fading where the page finds the people",
        _set("video.page_two_people", True),
        "field video: .*grey_fades needs page_two_people: false",
    ),
    (
        "grey fading with nothing greyed over the assistant",
        _set("video.grey_assistant", False),
        "field video: .*grey_fades needs grey_assistant: true",
    ),
]


@pytest.mark.parametrize(("edit", "message"), [b[1:] for b in BROKEN], ids=[b[0] for b in BROKEN])
def test_a_malformed_technique_names_file_field_and_reason(tmp_path, edit, message):
    data = raw()
    edit(data)
    path = write(tmp_path, data, "seated_hug_extension")
    with pytest.raises(DefinitionError, match=message) as err:
        techniques.load_file(path)
    assert str(err.value).startswith(f"{path}: field ")


def test_the_id_must_match_the_file_name(tmp_path):
    path = write(tmp_path, raw(), "hug")
    with pytest.raises(DefinitionError) as err:
        techniques.load_file(path)
    assert str(err.value) == f"{path}: field id: 'seated_hug_extension' must match the file name"


def test_a_bad_file_stops_load_all_naming_it(tmp_path):
    shutil.copy(FILES[0], tmp_path)
    (tmp_path / "zz_broken.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    with pytest.raises(DefinitionError, match="zz_broken.yaml: not valid YAML"):
        techniques.load_all(tmp_path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("id: [unclosed\n", "not valid YAML"),
        ("- a list\n- of things\n", "a technique file must be a mapping of fields"),
        ("just words\n", "a technique file must be a mapping of fields"),
        ("", "a technique file must be a mapping of fields"),
    ],
    ids=["not YAML", "a list", "a string", "empty"],
)
def test_a_file_that_is_not_a_yaml_mapping_is_refused(tmp_path, text, message):
    path = tmp_path / "seated_hug_extension.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DefinitionError, match=message) as err:
        techniques.load_file(path)
    assert str(err.value).startswith(f"{path}: ")


def test_an_unreadable_file_is_refused(tmp_path):
    path = tmp_path / "missing.yaml"
    with pytest.raises(DefinitionError, match="cannot read technique file"):
        techniques.load_file(path)


# ── breathing (issue 11): every phase breathable, the movement within one exhale ─

#: One comfortable exhale: ~6 breaths a minute is 5 s out (clinical-facts §4); 8 s leaves
#: room for a slow, relaxed exhale and stays well short of holding the breath.
ONE_EXHALE_S = 8.0
BREATH_WORDS = {
    "in": "breathe in",
    "out": "breathe out",
    "gentle": "breathing gently",
    "normal": "breathe normally",
}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_no_phase_asks_to_hold_the_breath(path):
    technique = techniques.load_file(path)
    assert all(p.breath != "hold" for p in technique.phases)
    hold = next(p for p in technique.phases if p.id == "hold")
    assert hold.breath == "gentle"
    assert "never hold your breath" in hold.text.lower()
    assert 3 <= hold.seconds <= 5  # clinical-facts §4: hold 3-5 s within one exhale


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_the_movement_and_the_hold_fit_in_one_comfortable_exhale(path):
    """Every run of consecutive phases without an inhale that contains movement (moving
    toward the stretch, holding it, coming back) lasts at most ONE_EXHALE_S."""
    phases = techniques.load_file(path).phases
    n = len(phases)
    assert any(p.breath == "in" for p in phases)
    for i in range(n):
        if phases[i].breath == "in" or phases[i - 1].breath != "in":
            continue
        run, k = [], i
        while phases[k % n].breath != "in":
            run.append(phases[k % n])
            k += 1
        if {p.id for p in run} & {"mobilise", "hold", "release"}:
            assert sum(p.seconds for p in run) <= ONE_EXHALE_S, [p.id for p in run]
    mobilise = next(p for p in phases if p.id == "mobilise")
    assert mobilise.breath == "out"
    assert phases[phases.index(mobilise) - 1].breath == "in"  # a fresh breath before moving


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_each_phase_s_breath_label_matches_its_words(path):
    """The page and the terminal show the breath; the words must say the same."""
    for phase in techniques.load_file(path).phases:
        assert BREATH_WORDS[phase.breath] in phase.text.lower(), phase.id
    rest = next(p for p in techniques.load_file(path).phases if p.id == "rest")
    assert rest.breath == "normal"


def test_the_engine_s_phase_sets_name_only_known_phases():
    known = set(get_args(techniques.PhaseKind))
    assert known >= rules.MOVEMENT_PHASES
    assert known >= rules.HALT_ON_SPEED_PHASES
    assert known >= techniques.MOVING_PHASES >= rules.MOVEMENT_PHASES
    assert known - rules.HALT_ON_SPEED_PHASES == {"rest"}


def test_the_assistant_s_step_is_confirmed_by_the_pair_not_the_camera():
    """Issue 11: the checks see only the receiver, so they cannot prove the assistant's hold."""
    for technique in techniques.load_all().values():
        first, *rest = technique.setup
        assert first.confirm == "camera"
        assert [s.confirm for s in rest] == ["pair"] * len(rest)


# ── limits ───────────────────────────────────────────────────────────────────


def test_limits_refuse_a_gentle_speed_at_or_above_the_hard_one():
    with pytest.raises(ValueError, match="gentle_speed_deg_s must be below hard_speed_deg_s"):
        Limits(
            gentle_speed_deg_s=20,
            hard_speed_deg_s=20,
            max_range_deg=10,
            attempts=3,
            pop_rest_min=20,
        )


def test_techniques_are_frozen():
    hug: Technique = techniques.get("seated_hug_extension")
    with pytest.raises(ValueError, match="frozen"):
        hug.name = "Other"  # type: ignore[misc]


@pytest.mark.parametrize("technique", techniques.load_all().values(), ids=lambda t: t.id)
def test_where_to_put_the_camera_names_the_side_a_lying_region_holds_for(technique: Technique):
    """The set-up page's "Where to put the camera" tells the pair which side to lie on before
    they lie down: the placement gate refuses the other side (docs/accuracy.md, "The other
    side"), and until this said it only the refusal did."""
    side = None if technique.placement is None else technique.placement.lying_side
    if side is None:
        assert "lies on the" not in technique.camera
    else:
        assert f"lies on the {side} side, facing the camera" in technique.camera


def test_a_technique_may_grey_nobody_over_the_assistant_and_by_default_greys_him(tmp_path):
    """`video.grey_assistant` (session 25): unset, the assistant is greyed as before; false with
    a flat grey (no `grey_fades`) loads; with `grey_fades` it is refused (the bad combination
    above)."""
    data = raw("side_lying_rotation")
    data["video"].pop("grey_assistant", None)
    assert techniques.load_file(write(tmp_path, data)).video.grey_assistant
    data["video"]["grey_assistant"] = False
    assert not techniques.load_file(write(tmp_path, data)).video.grey_assistant
