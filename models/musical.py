"""The musical classes the classifier knows beside ESC-50's everyday ones, and where their sounds come from.

Each class is defined by General MIDI: drum notes (channel 10, in each drum kit a sound font has) or
instrument programs with a playable note range. :mod:`models.oneshots` renders them from sound fonts and reads
the one-shot sample packs named in :data:`SOURCES`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["DRUM_KITS", "MUSICAL_CLASSES", "SOURCES", "MusicalClass", "Source"]


@dataclass(frozen=True)
class MusicalClass:
    """A label, and the General MIDI sounds that make it."""

    label: str
    drum_notes: tuple[int, ...] = ()
    programs: tuple[int, ...] = ()
    note_range: tuple[int, int] = (48, 84)
    sample_patterns: tuple[str, ...] = ()
    """Glob patterns (relative to a sample pack's root) of one-shot files of this class."""


MUSICAL_CLASSES: tuple[MusicalClass, ...] = (
    MusicalClass("kick", drum_notes=(35, 36),
                 sample_patterns=("drums/bassdrum*", "drums/kick*")),
    MusicalClass("snare", drum_notes=(38, 40),
                 sample_patterns=("drums/snare0*", "drums/snare_[aehms]*", "drums/nasty_snare*")),
    MusicalClass("hihat_closed", drum_notes=(42, 44),
                 sample_patterns=("drums/hihat_closed*", "drums/hihat_foot*")),
    MusicalClass("hihat_open", drum_notes=(46,), sample_patterns=("drums/hihat_opened*",)),
    MusicalClass("tom", drum_notes=(41, 43, 45, 47, 48, 50), sample_patterns=("drums/tom*",)),
    MusicalClass("crash_cymbal", drum_notes=(49, 57, 52, 55), sample_patterns=("drums/crash*",)),
    MusicalClass("ride_cymbal", drum_notes=(51, 59, 53), sample_patterns=("drums/ride*",)),
    MusicalClass("clap_snap", drum_notes=(39,), sample_patterns=("drums/clap*", "misc/snaph*")),
    MusicalClass("tambourine_shaker", drum_notes=(54, 69, 70, 82), sample_patterns=("drums/shaker*",)),
    MusicalClass("cowbell", drum_notes=(56,)),
    MusicalClass("woodblock_rim", drum_notes=(37, 75, 76, 77),
                 sample_patterns=("drums/rim*", "drums/sidestick*", "drums/wood*", "drums/snare_rim*",
                                  "drums/nasty_rim*")),
    MusicalClass("mallets", programs=(8, 9, 10, 11, 12, 13), note_range=(60, 96)),
    MusicalClass("chime_bell", programs=(14, 112), drum_notes=(80, 81), note_range=(60, 90)),
    MusicalClass("acoustic_piano", programs=(0, 1, 3), note_range=(33, 96),
                 sample_patterns=("instruments/piano*",)),
    MusicalClass("electric_piano_organ", programs=(2, 4, 5, 16, 17, 18, 19), note_range=(36, 90),
                 sample_patterns=("instruments/e_organ*", "instruments/church_organ*", "instruments/e_piano*")),
    MusicalClass("acoustic_guitar", programs=(24, 25), note_range=(40, 84),
                 sample_patterns=("instruments/steel_guitar01*", "latin/latin_guitar*")),
    MusicalClass("electric_guitar", programs=(26, 27, 28, 29, 30), note_range=(40, 84),
                 sample_patterns=("instruments/steel_guitar_*distorted*",)),
    MusicalClass("electric_bass", programs=(33, 34, 35, 36, 37), note_range=(28, 55),
                 sample_patterns=("instruments/bassslap*",)),
    MusicalClass("double_bass", programs=(32, 43), note_range=(28, 55)),
    MusicalClass("bowed_strings", programs=(40, 41, 42, 44, 48, 49), note_range=(40, 96),
                 sample_patterns=("instruments/violin*", "instruments/cello*", "stringsnpads/strings*")),
    MusicalClass("flute_recorder", programs=(72, 73, 74, 75), note_range=(60, 96),
                 sample_patterns=("instruments/flute*",)),
    MusicalClass("reeds", programs=(68, 69, 70, 71), note_range=(46, 84)),
    MusicalClass("saxophone", programs=(64, 65, 66, 67), note_range=(44, 80)),
    MusicalClass("brass", programs=(56, 57, 58, 59, 60, 61), note_range=(34, 80),
                 sample_patterns=("instruments/trumpet*", "latin/latin_brass*")),
    MusicalClass("harmonica", programs=(22,), note_range=(60, 84)),
    MusicalClass("choir_voice", programs=(52, 53), note_range=(48, 79),
                 sample_patterns=("stringsnpads/chorus*",)),
)
"""The musical labels. The slot table (``nodes/slot_table.py``) sends each to its natural slot. A gong is in
the table but not here: no allowed source has one (General MIDI has no gong)."""

DRUM_KITS: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 16, 17, 18, 24, 25, 32, 33, 34, 40, 41, 48)
"""General MIDI / GS drum kits (bank 128 programs): standard, room, power, electronic, TR-808, jazz, brush,
orchestra, and the variants some fonts have. Each source renders the ones it has."""


@dataclass(frozen=True)
class Source:
    """A Debian package that holds sound fonts or one-shot samples, and what in it is used."""

    name: str
    package: str
    path: str
    """The sound font file, or the sample folder, inside the package."""
    licence: str
    kind: str = "soundfont"
    """``soundfont`` (rendered note by note with fluidsynth) or ``samples`` (one-shot files read as they are)."""
    kits: tuple[int, ...] = field(default=DRUM_KITS)


SOURCES: tuple[Source, ...] = (
    Source("fluidr3", "fluid-soundfont-gm", "usr/share/sounds/sf2/FluidR3_GM.sf2", "MIT"),
    Source("musescore", "musescore-general-soundfont-small", "usr/share/sounds/sf3/MuseScore_General_Lite.sf3",
           "MIT"),
    Source("timgm6mb", "timgm6mb-soundfont", "usr/share/sounds/sf2/TimGM6mb.sf2", "GPL-2"),
    Source("sf_gmbank", "csound-soundfont", "usr/share/sounds/sf2/sf_GMbank.sf2", "public domain"),
    Source("generaluser", "minuet-data", "usr/share/minuet/soundfonts/GeneralUser-v1.47.sf2",
           "GeneralUser GS licence (free use and redistribution; Debian: GPL-2+)"),
    Source("a320u", "denemo-data", "usr/share/sounds/sf2/A320U.sf2", "GPL-2"),
    Source("lmms", "lmms-common", "usr/share/lmms/samples", "GPL-2+ (LMMS)", kind="samples"),
)
"""Open sources of musical one-shots from Debian's archive. None of the held-out packages (see the model card)
is among them."""
