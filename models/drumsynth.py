"""Electronic drum hits from LMMS's DrumSynth presets, rendered by LMMS and labelled by their file names.

lmms-common ships some 760 DrumSynth presets (``samples/drumsynth/<kit>/<name>.ds``): each describes one drum
sound by its synthesis (a tone with a pitch drop, noise, overtones, noise bands), from emulations of drum
machines (TR-808, TR-909, TR-606, CR-78, CR-8000, LinnDrum) to hundreds of house, hip-hop and electro hits.
LMMS plays a ``.ds`` file as a sample; ``lmms render`` turns a project that plays each preset once into one
audio file, which is cut at the known note starts. A preset whose name says what drum it is gets that label
(:func:`label_of`); the rest (sound effects, synth stabs, congas and bongos, which no label covers) are left out.

Rendering needs ``lmms`` on the PATH (Debian package lmms); the presets come from lmms-common, already fetched
for its samples.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import zlib
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import quoteattr

import numpy as np

from .one_shot_cut import cut_one_shot

__all__ = ["DRUMSYNTH_RECIPE", "LmmsFailed", "LmmsMissing", "label_of", "labelled_presets", "presets_digest",
           "render_presets"]

IGNORED_KITS = frozenset({"effects", "magnetboy", "misc_fx", "misc_synth"})
"""Folders of sound effects and synth sounds: nothing in them is a drum of a label."""
AMBIGUOUS = frozenset({"snare&hat", "fisa_k_h", "fisa_s_b", "hihatopclo", "tomita_clip", "boom"})
"""Presets whose names say two instruments, or mislead (``tomita`` is not a tom)."""
NAMED = {"simple-h": "hihat_closed", "simple-k": "kick", "simple-s": "snare"}
"""Presets whose names say their drum by one letter."""
_SECONDS_PER_PRESET = 5.0
_TICKS_PER_SECOND = 96  # 192 ticks a bar at 120 BPM
_BATCH = 64
_RENDER_RATE = 44100
DRUMSYNTH_RECIPE = "drumsynth-1"


def _tokens(stem: str) -> list[str]:
    """The words of a preset's name, lower case, with trailing numbers dropped (``Hat-c2`` -> hat, c)."""
    return [word.rstrip("0123456789") for word in re.split(r"[^a-z0-9]+", stem.lower()) if word]


def label_of(kit: str, stem: str) -> str | None:
    """The label of the preset ``<kit>/<stem>.ds``, from its name (and its kit's folder), or None."""
    name = stem.lower()
    if kit in IGNORED_KITS or name in AMBIGUOUS:
        return None
    if name in NAMED:
        return NAMED[name]
    words = set(_tokens(stem))
    first = _tokens(stem)[0] if _tokens(stem) else ""
    hat = (bool(words & {"hat", "hats", "hh", "hihat"}) or kit == "misc_hats"
           or (first == "h" and bool(words & {"open", "closed"})))
    if "ride" in words:
        return "ride_cymbal"
    if "cym" in name or "crash" in words:
        return "crash_cymbal"
    if hat and words & {"o", "oh", "open", "opened"}:
        return "hihat_open"
    if hat:
        return "hihat_closed"
    if "snare" in name or "snr" in name or "sn" in words or first == "s":
        return "snare"
    if "clap" in name or "clp" in words:
        return "clap_snap"
    if ("kick" in name or "kik" in name or "bass_drum" in name or "bd" in words or first == "k"
            or name.endswith("bd")):
        return "kick"
    if words & {"tom", "toms", "tommy", "syntom"}:
        return "tom"
    if "cowbell" in name or "cow" in words:
        return "cowbell"
    if any(part in name for part in ("tamb", "shake", "shaka", "shaak", "maracas")):
        return "tambourine_shaker"
    if any(part in name for part in ("rim", "clave", "wood", "stick")) or "stk" in words:
        return "woodblock_rim"
    if "upright" in words:
        return "double_bass"
    if "bass" in name:
        return "electric_bass"
    return None


def labelled_presets(folder: Path) -> list[tuple[Path, str]]:
    """Every preset under ``folder`` (``<kit>/<name>.ds``) that has a label, with its label, in a fixed order."""
    return [(p, label) for p in sorted(folder.glob("*/*.ds")) if (label := label_of(p.parent.name, p.stem))]


def presets_digest(folder: Path) -> str:
    """Names a render: the recipe and the presets with their labels (other labels: rendered again)."""
    listing = repr([(f"{p.parent.name}/{p.name}", label) for p, label in labelled_presets(folder)])
    return f"{DRUMSYNTH_RECIPE}-{zlib.crc32(listing.encode()):08x}"


def _project(presets: Sequence[Path]) -> str:
    """An LMMS project that plays each preset once, :data:`_SECONDS_PER_PRESET` apart, at its own pitch."""
    step = int(_SECONDS_PER_PRESET * _TICKS_PER_SECOND)
    tracks = []
    for i, preset in enumerate(presets):
        tracks.append(
            f'<track type="0" muted="0" name="t{i}" solo="0">'
            '<instrumenttrack pitch="0" vol="100" fxch="0" pan="0" basenote="57" usemasterpitch="1" pitchrange="1">'
            '<instrument name="audiofileprocessor"><audiofileprocessor interp="1" reversed="0" looped="0" '
            f'sframe="0" lframe="0" eframe="1" src={quoteattr(str(preset))} amp="100" stutter="0"/></instrument>'
            '<eldata fwet="0" ftype="0" fres="0.5" fcut="14000"/><fxchain numofeffects="0" enabled="0"/>'
            '</instrumenttrack>'
            f'<pattern type="1" muted="0" steps="16" name="p{i}" pos="{i * step}" len="{step}">'
            f'<note pos="0" len="{step - 24}" key="57" vol="100" pan="0"/></pattern></track>')
    return ('<?xml version="1.0"?>\n<!DOCTYPE lmms-project>\n'
            '<lmms-project type="song" version="1.0" creator="LMMS" creatorversion="1.2.2">'
            '<head timesig_denominator="4" bpm="120" masterpitch="0" mastervol="100" timesig_numerator="4"/>'
            f'<song><trackcontainer type="song">{"".join(tracks)}</trackcontainer></song></lmms-project>')


_RENDER_ATTEMPTS = 3
#: Seconds one render (a batch of :data:`_BATCH` presets) may take before LMMS is taken to hang and is stopped: a
#: module constant, so that a test can lower it.
RENDER_TIMEOUT = 900.0


def _render(presets: Sequence[Path], lmms: str = "lmms") -> np.ndarray:
    """The presets played one after another, mono float32 at 44.1 kHz, by ``lmms`` (the program's path)."""
    import soundfile as sf

    with tempfile.TemporaryDirectory() as tmp:
        project, wav = Path(tmp) / "presets.mmp", Path(tmp) / "presets.wav"
        project.write_text(_project(presets), encoding="utf-8")
        command = [lmms, "--allowroot", "render", str(project), "-f", "wav", "-s", str(_RENDER_RATE), "-o", str(wav)]
        env = {"HOME": tmp, "PATH": "/usr/bin:/bin", "QT_QPA_PLATFORM": "offscreen"}
        for attempt in range(_RENDER_ATTEMPTS):
            try:
                done = subprocess.run(command, capture_output=True, timeout=RENDER_TIMEOUT, env=env)
            except subprocess.TimeoutExpired as late:  # a traceback naming a temporary project, before
                raise LmmsFailed(_refusal(presets, f"it ran past {RENDER_TIMEOUT:g} s and was stopped",
                                          late.stderr or late.stdout)) from None
            # LMMS 1.2.2 now and then dies of a segfault on a render that succeeds when run again (seen once in
            # 3 runs of the test suite): a crash by a signal is retried, a refusal (an exit status) is not.
            if done.returncode >= 0 or attempt == _RENDER_ATTEMPTS - 1:
                break
        if done.returncode != 0:
            how = (f"it ended by signal {-done.returncode}" if done.returncode < 0
                   else f"it exited with status {done.returncode}")
            raise LmmsFailed(_refusal(presets, how, done.stderr or done.stdout))
        try:
            audio, _ = sf.read(str(wav), dtype="float32", always_2d=True)
        except (RuntimeError, OSError) as error:  # libsndfile's words named a temporary file, not the presets
            how = ("it exited with status 0 but wrote no audio file" if not wav.is_file()
                   else f"the audio file it wrote is unreadable ({error})")
            raise LmmsFailed(_refusal(presets, how, done.stderr or done.stdout)) from None
    return np.asarray(audio.mean(axis=1), dtype=np.float32)


def _refusal(presets: Sequence[Path], how: str, said: bytes | str | None) -> str:
    """Which presets LMMS did not render, ``how`` it failed, and LMMS's own words (the end of what it printed)."""
    names = [f"{p.parent.name}/{p.name}" for p in presets]
    which = (f"the DrumSynth preset {names[0]}" if len(names) == 1
             else f"the {len(names)} DrumSynth presets {names[0]} to {names[-1]}")
    text = (said.decode("utf-8", "replace") if isinstance(said, bytes) else said or "").strip()
    tail = " / ".join(line.strip() for line in text[-300:].splitlines() if line.strip()) or "it printed nothing"
    return f"LMMS could not render {which} (in {presets[0].parent.parent}): {how}: {tail}"


def _cut(audio: np.ndarray, index: int, silent_dbfs: float) -> np.ndarray | None:
    """Preset ``index``'s hit: from its start to where its tail falls 60 dB below its peak (None: silent)."""
    a = int(index * _SECONDS_PER_PRESET * _RENDER_RATE)
    return cut_one_shot(audio[a : a + int(_SECONDS_PER_PRESET * _RENDER_RATE)], _RENDER_RATE, silent_dbfs, 0.01)


class LmmsMissing(RuntimeError):
    """LMMS, which renders the presets, is not installed: the message says how to install it (told without the
    class's name, as the product's own errors are)."""


class LmmsFailed(RuntimeError):
    """LMMS refused or failed a render: the message names the presets and gives the end of what LMMS printed."""


def render_presets(folder: Path, out: Path, silent_dbfs: float = -50.0) -> dict[str, int]:
    """Render every labelled preset under ``folder`` into ``out/<label>/*.flac``; returns counts per label.

    Skipped when ``out`` holds a render by the same rules (``out/.done``)."""
    import soundfile as sf

    stamp, digest = out / ".done", presets_digest(folder)
    if stamp.is_file() and stamp.read_text().split()[:1] == [digest]:
        return {p.name: len(list(p.glob("*.flac"))) for p in sorted(out.iterdir()) if p.is_dir()}
    lmms = shutil.which("lmms")
    if lmms is None:
        raise LmmsMissing("lmms is not installed (apt-get install lmms): it renders the DrumSynth presets")
    labelled = labelled_presets(folder)
    shutil.rmtree(out, ignore_errors=True)
    counts: dict[str, int] = {}
    for start in range(0, len(labelled), _BATCH):
        batch = labelled[start : start + _BATCH]
        # The lmms found here: the render's own PATH is /usr/bin:/bin, which one in /usr/local/bin is not on.
        audio = _render([p for p, _ in batch], lmms)
        for i, (preset, label) in enumerate(batch):
            hit = _cut(audio, i, silent_dbfs)
            if hit is None:
                continue
            target = out / label / f"drumsynth_{preset.parent.name}_{re.sub(r'[^A-Za-z0-9]+', '_', preset.stem)}.flac"
            target.parent.mkdir(parents=True, exist_ok=True)
            sf.write(str(target), hit, _RENDER_RATE, subtype="PCM_16")
            counts[label] = counts.get(label, 0) + 1
    out.mkdir(parents=True, exist_ok=True)
    stamp.write_text(f"{digest} {sum(counts.values())}")
    return counts
