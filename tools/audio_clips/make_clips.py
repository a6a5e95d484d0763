"""Build tests/data/audio: the labelled clip set for listening (docs/voice.md, README there).

    .venv/bin/python tools/audio_clips/make_clips.py [--out tests/data/audio]

Needs the project venv (piper + joe voice), Debian's espeak-ng, and network access to
Debian's archive for `apt-get download asterisk-core-sounds-en-wav` (real human speech,
CC-BY-SA-3.0). Everything random is seeded: the same inputs give the same files.
"""

from __future__ import annotations

import argparse
import csv
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "src"))

from backbuddy.adapters.audio_files import read_audio, write_wav  # noqa: E402
from backbuddy.adapters.speech import EspeakVoice, PiperVoice  # noqa: E402
from backbuddy.audio.samples import RATE, to_mono_16k  # noqa: E402

STOP = [
    "stop",
    "Stop!",
    "stop, please",
    "please stop",
    "stop stop",
    "ouch",
    "ouch, stop",
    "pain",
    "that's painful",
    "ow, that hurts",
]
LOOKALIKE = [
    "top",
    "shop",
    "stomp",
    "stock",
    "step",
    "spot",
    "pop",
    "plain",
    "couch",
    "okay",
    "go on",
    "I'm fine",
    "one, two, three, four",
    "breathe in",
    "that feels good",
    "hold on",
]
OKAY = {"okay", "go on", "I'm fine"}
#: Real speech (Allison Smith, asterisk-core-sounds-en-wav 1.6.1, CC-BY-SA-3.0): file → words.
REAL = {
    "digits/1": "one",
    "digits/2": "two",
    "digits/3": "three",
    "digits/4": "four",
    "goodbye": "goodbye",
    "sorry": "sorry",
    "dictate/pause": "pause",
    "one-moment-please": "one moment please",
    "please-try-again": "please try again",
    "cancelled": "cancelled",
    "queue-thankyou": "thank you",
    "vm-no": "no",
}
ASTERISK = "usr/share/asterisk/sounds/en_US_f_Allison"


def slug(text: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in text.lower()).strip("_")


def trim(x: np.ndarray, pad_s: float = 0.3) -> np.ndarray:
    """Cut leading and trailing silence (below -45 dBFS in 10 ms frames), keep `pad_s`."""
    frames = x[: x.size // 160 * 160].reshape(-1, 160)
    loud = np.flatnonzero(np.sqrt(np.mean(frames**2, axis=1)) > 10 ** (-45 / 20))
    if loud.size == 0:
        return x
    a, b = loud[0] * 160, (loud[-1] + 1) * 160
    pad = np.zeros(round(pad_s * RATE), dtype=np.float32)
    return np.concatenate([pad, x[a:b], pad]).astype(np.float32)


def normalise(x: np.ndarray, peak_dbfs: float = -3.0) -> np.ndarray:
    return (x / (np.abs(x).max() + 1e-9) * 10 ** (peak_dbfs / 20)).astype(np.float32)


def breathing(seconds: float, rng: np.random.Generator) -> np.ndarray:
    """Synthetic breathing: band-passed noise under a 4 s in / 6 s out envelope, -40 dBFS."""
    from scipy.signal import butter, sosfilt

    n = round(seconds * RATE)
    noise = rng.standard_normal(n).astype(np.float32)
    noise = sosfilt(butter(2, [250, 2500], btype="bandpass", fs=RATE, output="sos"), noise)
    t = np.arange(n) / RATE
    phase = np.mod(t, 10.0)
    env = np.where(
        phase < 4, np.sin(np.pi * phase / 4) ** 2, 0.6 * np.sin(np.pi * (phase - 4) / 6) ** 2
    )
    x = noise * (0.15 + env)
    return (x / np.sqrt(np.mean(x**2)) * 10 ** (-40 / 20)).astype(np.float32)


def room(seconds: float, rng: np.random.Generator) -> np.ndarray:
    """Pink-ish room noise (1/f by cumulative filtering), -45 dBFS."""
    from scipy.signal import lfilter

    white = rng.standard_normal(round(seconds * RATE))
    pink = lfilter(
        [0.049922, -0.095993, 0.050612, -0.004408], [1, -2.494956, 2.017265, -0.522190], white
    )
    return (pink / np.sqrt(np.mean(pink**2)) * 10 ** (-45 / 20)).astype(np.float32)


def click(rng: np.random.Generator) -> np.ndarray:
    """A joint-pop-like transient: 6 ms of decaying broadband noise plus a damped ring."""
    n = round(0.006 * RATE)
    t = np.arange(n) / RATE
    tau = rng.uniform(0.0006, 0.0015)
    ring = np.sin(2 * np.pi * rng.uniform(2500, 5000) * t) * np.exp(-t / (tau * 1.5))
    burst = rng.standard_normal(n) * np.exp(-t / tau)
    x = burst + 0.6 * ring
    return (x / np.abs(x).max()).astype(np.float32)


def speech_clips(out: Path, rows: list[dict], real_dir: Path) -> None:
    voices = {"joe": PiperVoice(), "espeak": EspeakVoice()}
    for name, voice in voices.items():
        for text in STOP + LOOKALIKE:
            audio, rate = voice.render(text)
            x = normalise(trim(to_mono_16k(audio, rate)))
            kind = "stop" if text in STOP else "okay" if text in OKAY else "other"
            path = out / "speech" / f"{name}_{slug(text)}.wav"
            write_wav(path, x)
            rows.append(
                {
                    "file": path.relative_to(out).as_posix(),
                    "source": name,
                    "kind": "speech",
                    "text": text,
                    "expect": kind,
                    "t": "",
                    "note": "",
                }
            )
    for rel, text in REAL.items():
        x = normalise(trim(read_audio(real_dir / ASTERISK / f"{rel}.wav")))
        path = out / "speech" / f"real_{slug(rel)}.wav"
        write_wav(path, x)
        rows.append(
            {
                "file": path.relative_to(out).as_posix(),
                "source": "real",
                "kind": "speech",
                "text": text,
                "expect": "other",
                "t": "",
                "note": "Allison Smith, CC-BY-SA-3.0",
            }
        )


def pop_clips(out: Path, rows: list[dict], real_dir: Path) -> None:
    """Three 12 s recordings: breathing (and speech) with clicks at known times."""
    rng = np.random.default_rng(42)
    joe = PiperVoice()
    plosive = ["pop", "put it back", "top", "paper cup", "stop", "tip", "keep", "pick"]
    for k in range(3):
        seconds = 12.0
        bed = breathing(seconds, rng) + room(seconds, rng)
        name = f"pops_{k + 1}.wav"
        speech_at: list[tuple[float, float, str]] = []
        if k > 0:  # speech with plosives at random times: no click is labelled in it
            for i, text in enumerate(rng.choice(plosive, size=3, replace=False)):
                audio, rate = (
                    joe.render(str(text))
                    if (i + k) % 2
                    else (read_audio(real_dir / ASTERISK / "please-try-again.wav"), RATE)
                )
                s = normalise(trim(to_mono_16k(audio, rate), 0.0), -12.0)
                at = 1.0 + 3.5 * i + rng.uniform(0, 1.0)
                a = round(at * RATE)
                bed[a : a + s.size] += s[: bed.size - a]
                label = str(text) if (i + k) % 2 else "please try again (real)"
                speech_at.append((at, at + s.size / RATE, label))
        times = np.sort(rng.uniform(0.7, seconds - 0.5, size=9))
        kept = [times[0]]
        for t in times[1:]:
            if t - kept[-1] > 0.4:
                kept.append(t)
        for t in kept:
            rise = float(rng.choice([12, 18, 24, 30, 36]))
            c = click(rng)
            a = round(t * RATE)
            local = bed[max(0, a - 1600) : a]
            level = np.sqrt(np.mean(local**2)) + 1e-6
            bed[a : a + c.size] += c * level * 10 ** (rise / 20)
            near = any(s - 0.1 <= t <= e + 0.1 for s, e, _ in speech_at)
            rows.append(
                {
                    "file": name,
                    "source": "synthetic",
                    "kind": "click",
                    "text": "",
                    "expect": "pop",
                    "t": f"{t:.3f}",
                    "note": f"peak amplitude {rise:g} dB over the local rms"
                    + ("; within 100 ms of speech" if near else ""),
                }
            )
        for s, e, text in speech_at:
            rows.append(
                {
                    "file": name,
                    "source": "joe" if "real" not in text else "real",
                    "kind": "speech_span",
                    "text": text,
                    "expect": "no_pop",
                    "t": f"{s:.3f}-{e:.3f}",
                    "note": "speech with plosives: pops here are not expected",
                }
            )
        write_wav(out / name, np.clip(bed, -1, 1))


def noise_beds(out: Path, rows: list[dict]) -> None:
    rng = np.random.default_rng(7)
    for name, x in (
        ("noise_breathing.wav", breathing(10.0, rng)),
        ("noise_room.wav", room(10.0, rng)),
    ):
        write_wav(out / name, x)
        rows.append(
            {
                "file": name,
                "source": "synthetic",
                "kind": "noise",
                "text": "",
                "expect": "none",
                "t": "",
                "note": "mixed under the speech clips at test time (SNR in the test)",
            }
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=REPO / "tests" / "data" / "audio")
    args = parser.parse_args()
    out: Path = args.out
    (out / "speech").mkdir(parents=True, exist_ok=True)
    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            ["apt-get", "download", "asterisk-core-sounds-en-wav"],
            cwd=tmp,
            check=True,
            capture_output=True,
        )
        deb = next(Path(tmp).glob("asterisk-core-sounds-en-wav_*.deb"))
        subprocess.run(["dpkg-deb", "-x", str(deb), str(Path(tmp) / "x")], check=True)
        real_dir = Path(tmp) / "x"
        speech_clips(out, rows, real_dir)
        pop_clips(out, rows, real_dir)
    noise_beds(out, rows)
    with (out / "labels.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(
            f, fieldnames=["file", "source", "kind", "text", "expect", "t", "note"]
        )
        writer.writeheader()
        writer.writerows(rows)
    print(f"{len(rows)} labels → {out / 'labels.csv'}")


if __name__ == "__main__":
    main()
