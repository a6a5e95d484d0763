"""The declarative scene description (scenes.yaml) as dataclasses, with validation."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .body import Phenotype
from .poses import HUG_SETUPS, SIDE_SETUPS

TECHNIQUES = {"seated_hug_extension": HUG_SETUPS, "side_lying_rotation": SIDE_SETUPS}


@dataclass(frozen=True)
class Look:
    skin: tuple = (0.80, 0.62, 0.50)
    hair: tuple = (0.20, 0.14, 0.10)
    shirt: tuple = (0.20, 0.35, 0.60)
    trousers: tuple = (0.15, 0.15, 0.18)
    feet: tuple | None = None  # None = barefoot (skin)
    long_sleeves: bool = False


@dataclass(frozen=True)
class BodySpec:
    id: str
    phenotype: Phenotype
    look: Look
    note: str = ""


@dataclass(frozen=True)
class CameraSpec:
    """Camera placement. `azimuth_deg` is measured around the vertical from the direction the
    receiver faces (0 = straight in front); + turns toward world +X, which is the receiver's left
    when seated and toward the head when lying on the left side. `height_m` above the floor,
    `distance_m` horizontal from the look-at point (the body's bounding-box centre at frame 0)."""

    id: str
    azimuth_deg: float
    height_m: float
    distance_m: float
    yfov_deg: float = 50.0


@dataclass(frozen=True)
class LightSpec:
    id: str
    key: float = 3.0  # directional key light intensity
    fill: float = 1.0
    ambient: float = 0.35
    key_azimuth_deg: float = -35.0  # relative to the camera, around the vertical
    key_elevation_deg: float = 40.0
    color: tuple = (1.0, 1.0, 1.0)
    background: tuple = (0.86, 0.85, 0.82)
    wall: tuple = (0.80, 0.78, 0.74)
    floor: tuple = (0.55, 0.42, 0.30)


@dataclass(frozen=True)
class Segment:
    kind: str  # "hold" | "move"
    seconds: float = 0.0
    amplitude_deg: float = 0.0
    peak_deg_s: float = 0.0

    @property
    def duration(self) -> float:
        return (
            self.seconds if self.kind == "hold" else 2 * abs(self.amplitude_deg) / self.peak_deg_s
        )


@dataclass(frozen=True)
class ClipSpec:
    id: str
    technique: str
    setup: str
    body: str
    camera: str
    light: str
    motion: tuple[Segment, ...]
    motion_name: str = "custom"
    assistant: str | None = None  # a body id: the assistant behind the receiver
    note: str = ""
    size: tuple[int, int] | None = None
    # the whole flow (issue 12): the assistant out of view for `alone` seconds, then walking in
    # over `step` seconds to where he takes hold; the receiver is alone on camera first
    assistant_enters: tuple[float, float] | None = None  # (alone_s, step_s)
    # the receiver's arms go from crossed to hanging over (start_s, seconds): a wrong set-up that
    # only begins once she has been seen right
    arms_drop: tuple[float, float] | None = None


@dataclass
class Scenes:
    fps: int
    size: dict[str, tuple[int, int]]
    bodies: dict[str, BodySpec] = field(default_factory=dict)
    cameras: dict[str, dict[str, CameraSpec]] = field(default_factory=dict)
    lights: dict[str, LightSpec] = field(default_factory=dict)
    clips: list[ClipSpec] = field(default_factory=list)


def _segment(d: dict) -> Segment:
    if "hold" in d:
        return Segment("hold", seconds=float(d["hold"]))
    if "move" in d:
        seg = Segment("move", amplitude_deg=float(d["move"]), peak_deg_s=float(d["peak_deg_s"]))
        if seg.peak_deg_s <= 0:
            raise ValueError(f"peak_deg_s must be > 0: {d}")
        return seg
    raise ValueError(f"a motion segment is {{hold: s}} or {{move: deg, peak_deg_s: v}}, got {d}")


def _fields(cls, d: dict, where: str) -> dict:
    names = {f.name for f in dataclasses.fields(cls)}
    extra = set(d) - names
    if extra:
        raise ValueError(f"{where}: unknown keys {sorted(extra)}; allowed {sorted(names)}")
    return {k: tuple(v) if isinstance(v, list) else v for k, v in d.items()}


def load(path: str | Path) -> Scenes:
    raw = yaml.safe_load(Path(path).read_text())
    sc = Scenes(fps=int(raw["fps"]), size={k: tuple(v) for k, v in raw["size"].items()})
    for bid, b in raw["bodies"].items():
        sc.bodies[bid] = BodySpec(
            id=bid,
            phenotype=Phenotype(**_fields(Phenotype, b.get("phenotype", {}), f"body {bid}")),
            look=Look(**_fields(Look, b.get("look", {}), f"body {bid} look")),
            note=b.get("note", ""),
        )
    for tech, cams in raw["cameras"].items():
        if tech not in TECHNIQUES:
            raise ValueError(f"cameras: unknown technique {tech!r}")
        sc.cameras[tech] = {
            cid: CameraSpec(id=cid, **_fields(CameraSpec, c, f"camera {cid}"))
            for cid, c in cams.items()
        }
    for lid, li in raw["lights"].items():
        sc.lights[lid] = LightSpec(id=lid, **_fields(LightSpec, li, f"light {lid}"))
    motions = raw.get("motions", {})
    seen = set()
    for c in raw["clips"]:
        tech = c["technique"]
        if tech not in TECHNIQUES:
            raise ValueError(f"clip {c.get('id')}: unknown technique {tech!r}")
        if c["setup"] not in TECHNIQUES[tech]:
            raise ValueError(f"clip {c['id']}: unknown set-up {c['setup']!r} for {tech}")
        for key, table in (("body", sc.bodies), ("light", sc.lights)):
            if c[key] not in table:
                raise ValueError(f"clip {c['id']}: unknown {key} {c[key]!r}")
        if c["camera"] not in sc.cameras[tech]:
            raise ValueError(f"clip {c['id']}: unknown camera {c['camera']!r} for {tech}")
        motion = c["motion"]
        if isinstance(motion, str):
            motion = motions[motion]
        mname = c["motion"] if isinstance(c["motion"], str) else "custom"
        short = {"seated_hug_extension": "hug", "side_lying_rotation": "side"}[tech]
        cid = c.get("id") or f"{short}_{c['setup']}_{mname}_{c['camera']}_{c['body']}"
        for key in ("assistant_enters", "arms_drop"):
            if key in c and (len(c[key]) != 2 or min(c[key]) < 0):
                raise ValueError(
                    f"clip {cid}: {key} is [start or alone seconds, seconds], got {c[key]}"
                )
        if c.get("assistant_enters") and not c.get("assistant"):
            raise ValueError(f"clip {cid}: assistant_enters needs an assistant")
        if c.get("arms_drop") and (tech != "seated_hug_extension" or c["setup"] != "correct"):
            raise ValueError(f"clip {cid}: arms_drop is for a correct seated hug set-up")
        if c.get("assistant"):
            if c["assistant"] not in sc.bodies:
                raise ValueError(f"clip {cid}: unknown assistant body {c['assistant']!r}")
            if not c.get("id"):
                cid += f"_with_{c['assistant']}"
        if cid in seen:
            raise ValueError(f"duplicate clip id {cid}")
        seen.add(cid)
        sc.clips.append(
            ClipSpec(
                id=cid,
                technique=tech,
                setup=c["setup"],
                body=c["body"],
                camera=c["camera"],
                light=c["light"],
                motion=tuple(_segment(s) for s in motion),
                motion_name=mname,
                assistant=c.get("assistant"),
                note=c.get("note", ""),
                size=tuple(c["size"]) if "size" in c else None,
                assistant_enters=tuple(c["assistant_enters"]) if "assistant_enters" in c else None,
                arms_drop=tuple(c["arms_drop"]) if "arms_drop" in c else None,
            )
        )
    return sc
