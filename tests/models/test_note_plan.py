"""The notes rendered from sound fonts: pitched notes held long as often as short (sample packs record each note
to its natural end: a piano held 1.5 s sounds like a mallet to a model that only heard short ones), drum hits
short, and every note given room for its release before the next one starts."""

from __future__ import annotations

import shutil
from pathlib import Path

import mido
import numpy as np
import pytest
import soundfile as sf

from exsampling_patch.models.musical import MUSICAL_CLASSES, SOURCES
from exsampling_patch.models.oneshots import (
    DEFAULT_CACHE,
    LONG_NOTE_SHARE,
    RELEASE_SECONDS,
    RENDER_RECIPE,
    _note_plan,
    _write_midi,
    class_stamp,
    fetch_package,
    note_slot_seconds,
    render_source,
)

CLASSES = {c.label: c for c in MUSICAL_CLASSES}


def test_pitched_notes_are_held_long_as_often_as_short() -> None:
    plan = _note_plan(CLASSES["acoustic_piano"], [0], np.random.default_rng(3), 400)
    held = np.array([note[4] for note in plan])
    assert held.min() >= 0.15 and held.max() <= 4.5
    long_share = float((held >= 1.4).mean())
    assert abs(long_share - LONG_NOTE_SHARE) < 0.08, long_share
    assert float((held >= 3.0).mean()) > 0.15, "some notes ring for seconds, as a sample pack's do"


def test_each_program_plays_its_instruments_range() -> None:
    """Recorded instruments play their whole range: a tuba's low notes (far below a trumpet's) and a piano's
    lowest and highest octaves must be heard as brass and piano, not as a bass or a mallet."""
    brass = _note_plan(CLASSES["brass"], [0], np.random.default_rng(7), 600)
    notes = {program: [note for _, p, note, _, _ in brass if p == program] for program in (56, 58)}
    assert min(notes[58]) <= 30 and max(notes[58]) <= 65, "tuba"
    assert min(notes[56]) >= 52, "trumpet"
    piano = [note for _, _, note, _, _ in _note_plan(CLASSES["acoustic_piano"], [0], np.random.default_rng(7), 400)]
    assert min(piano) <= 26 and max(piano) >= 103
    for cls in MUSICAL_CLASSES:
        for program in cls.programs:
            lo, hi = cls.notes_of(program)
            assert 21 <= lo < hi <= 108, (cls.label, program)


def test_drum_hits_stay_short() -> None:
    plan = _note_plan(CLASSES["kick"], [0, 8, 16], np.random.default_rng(3), 96)
    assert {note[0] for note in plan} == {9}
    assert {note[4] for note in plan} == {0.1}


def test_each_note_has_room_for_its_release(tmp_path: Path) -> None:
    plan = _note_plan(CLASSES["bowed_strings"], [0], np.random.default_rng(5), 40)
    starts = _write_midi(plan, tmp_path / "notes.mid")
    seconds, on, off = 0.0, [], []
    for message in mido.MidiFile(str(tmp_path / "notes.mid")):
        seconds += message.time
        if message.type == "note_on" and message.velocity > 0:
            on.append(seconds)
        elif message.type in ("note_off", "note_on"):
            off.append(seconds)
    assert np.allclose(on, starts, atol=2e-3)
    for i, (_, _, _, _, held) in enumerate(plan):
        assert abs(off[i] - on[i] - held) < 2e-3
        if i + 1 < len(plan):
            assert on[i + 1] - off[i] >= RELEASE_SECONDS - 2e-3  # the next note starts after the release
            assert abs(on[i + 1] - on[i] - note_slot_seconds(held)) < 2e-3


@pytest.mark.slow
def test_a_class_rendered_by_another_recipe_is_rendered_again(tmp_path: Path) -> None:
    """Real fluidsynth on a real sound font (Debian's timgm6mb-soundfont, 6 MB): long notes come out long, and a
    cached class whose stamp names an older recipe (short notes only) or another definition of the class is
    not reused; a class rendered beside cached ones gets the notes it gets from scratch."""
    source = next(s for s in SOURCES if s.name == "timgm6mb")
    root, _ = fetch_package(source.package, DEFAULT_CACHE)
    out = tmp_path / "timgm6mb"
    # 2 notes a class (4 took half as long again): the strings' still held 1.7 and 3.0 s
    counts = render_source(source, root, out, per_class=2)
    assert set(counts) == {c.label for c in MUSICAL_CLASSES}
    piano = out / "acoustic_piano"
    assert (piano / ".done").read_text().split() == [*class_stamp(CLASSES["acoustic_piano"]).split(),
                                                     str(counts["acoustic_piano"])]
    assert class_stamp(CLASSES["acoustic_piano"]).startswith(RENDER_RECIPE + " ")
    lengths = [sf.info(str(p)).duration for p in (out / "bowed_strings").glob("*.flac")]
    assert max(lengths) > 1.6, lengths  # the plan is seeded: the same notes at every run

    # A cache that lacks a drum class and a pitched one between cached classes: only those two are rendered (two
    # fluidsynth runs, where a cache of the first class alone took 25), each beside cached classes before and after.
    resumed = tmp_path / "resumed"
    missing = {"snare", "bowed_strings"}
    for cls in MUSICAL_CLASSES:
        if cls.label not in missing:
            shutil.copytree(out / cls.label, resumed / cls.label)
    before = {cls.label: (resumed / cls.label / ".done").stat().st_mtime_ns
              for cls in MUSICAL_CLASSES if cls.label not in missing}
    render_source(source, root, resumed, per_class=2)
    assert {label: (resumed / label / ".done").stat().st_mtime_ns for label in before} == before  # reused
    for cls in MUSICAL_CLASSES:
        assert sorted(p.name for p in (resumed / cls.label).glob("*.flac")) == \
            sorted(p.name for p in (out / cls.label).glob("*.flac")), cls.label

    (piano / ".done").write_text("4")  # as the first recipe stamped it
    (piano / "stale.flac").write_bytes(b"")
    strings = out / "bowed_strings"
    (strings / ".done").write_text(f"{RENDER_RECIPE} 0badc0de 4")  # from another definition of the class
    (strings / "stale.flac").write_bytes(b"")
    (out / "kick" / "kept.flac").write_bytes(b"")
    render_source(source, root, out, per_class=2)
    assert not (piano / "stale.flac").exists(), "the class was rendered again"
    assert not (strings / "stale.flac").exists(), "the class defined anew was rendered again"
    assert (piano / ".done").read_text().startswith(RENDER_RECIPE)
    assert (out / "kick" / "kept.flac").exists(), "a class of this recipe is reused"
