"""Cues as stored and sent: empty fields left out, and read back unchanged."""

from __future__ import annotations

import json

from backbuddy.domain.cues import CUE_KINDS, Cue, from_dict, to_dict


def test_to_dict_leaves_out_empty_fields():
    assert to_dict(Cue(1.5, "halt", "Stop.", reason="stop:key")) == {
        "t": 1.5,
        "kind": "halt",
        "text": "Stop.",
        "reason": "stop:key",
    }


def test_a_full_cue_round_trips_through_json():
    cue = Cue(
        11.0,
        "move",
        "Attempt 1 of 3. Lean back slowly.",
        reason=None,
        phase="out",
        seconds=5.0,
        step="mobilise",
        receiver="Keep breathing out.",
        assistant="Lean back slowly.",
    )
    assert from_dict(json.loads(json.dumps(to_dict(cue)))) == cue


def test_every_cue_kind_round_trips():
    for kind in CUE_KINDS:
        cue = Cue(0.0, kind, kind)  # type: ignore[arg-type]
        assert from_dict(to_dict(cue)) == cue


def test_move_is_one_of_the_kinds():
    assert "move" in CUE_KINDS
    assert set(CUE_KINDS) >= {"halt", "pause", "refer", "aftercare", "done"}
