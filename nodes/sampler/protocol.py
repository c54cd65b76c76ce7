"""The messages between the sampler node (:class:`.host.AudioProcess`) and its audio process (:mod:`.server`),
defined once for both ends; sent pickled over the connection of :mod:`exsampling_patch.child_process`.

To the process: :class:`Setup` first, then :class:`Load` (the take's samples at ``offset`` in the shared arena,
or with offset -1 in a file of their own whose descriptor follows: :mod:`.handoff`), :class:`Stage` likewise for
samples sent ahead of their assignment, :class:`LoadStaged` that puts them in a slot, :class:`Unstage` that drops
them, and :class:`~exsampling_patch.child_process.Stop`. From it: :class:`Rate` (first), :class:`Ready`,
:class:`Opened`, :class:`MidiPorts`, :class:`Error`, :class:`Status`, :class:`Staged`, :class:`Loaded`, :class:`Freed`,
:class:`Unread`, :class:`~exsampling_patch.child_process.Stopping` (at once on a Stop) and :class:`Stopped`. Gains,
notes from the patch and meters go through the shared state, not messages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from exsampling_patch.nodes.sampler.rig import AudioConfig

#: The audio process's exit status once a JACK server that went away under it answers again: its PortAudio
#: cannot find the server again (it looked for audio hosts once), a new process does; the node starts one.
JACK_BACK_EXIT = 75

# -- to the audio process -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Setup:
    """The first message: the rig to run, the shared state's and the arena's descriptors (passed with the
    process) and the arena's size."""

    config: AudioConfig
    state_fd: int
    arena_fd: int
    arena_bytes: int


@dataclass(frozen=True)
class Load:
    """Put a take into ``slot``: its samples at ``offset`` in the arena, or -1: in a file whose descriptor
    follows."""

    slot: int
    serial: int
    frames: int
    pitch_hz: float
    due: float
    offset: int = -1


@dataclass(frozen=True)
class Stage:
    """Samples sent ahead of their assignment, kept under ``key`` (``offset`` as in :class:`Load`)."""

    key: int
    frames: int
    offset: int = -1


@dataclass(frozen=True)
class LoadStaged:
    """Put the samples staged under ``key`` into ``slot``."""

    slot: int
    key: int
    serial: int
    frames: int
    pitch_hz: float
    due: float


@dataclass(frozen=True)
class Unstage:
    """Drop the samples staged under ``key``: no slot will take them."""

    key: int


# -- from it ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rate:
    """The stream's sample rate (asked of the device when the node's configuration left it 0)."""

    sample_rate: int


@dataclass(frozen=True)
class Ready:
    """The rig is started."""


@dataclass(frozen=True)
class Opened:
    """The sound device is open; the PortAudio JACK client's name for a stream through JACK (None otherwise)."""

    jack_client: str | None


@dataclass(frozen=True)
class MidiPorts:
    """The name of each MIDI input's open port ("" while closed)."""

    names: list[str]


@dataclass(frozen=True)
class Error:
    text: str
    about: str = ""  # the device it is about, as Node.report_error's: it stands until that one opens again


@dataclass(frozen=True)
class Status:
    values: dict[str, Any]


@dataclass(frozen=True)
class Staged:
    """The answer to each :class:`Stage` read: its samples under ``key`` are ``kept`` (a :class:`LoadStaged` may name
    them), or not (they could not be taken: its assignment sends them whole). The node names no other key: a Stage
    that failed here, or a damaged one (:class:`Unread`), left the slot as it was, the take said loaded."""

    key: int
    kept: bool = True


@dataclass(frozen=True)
class Loaded:
    """The answer to each :class:`Load` and :class:`LoadStaged` read: the take numbered ``serial`` is in ``slot``, or,
    with ``why``, it is not (its file not received or mapped, a slot this process does not have, ...): the slot plays
    what it played before. A damaged one is answered :class:`Unread` instead."""

    slot: int
    serial: int
    why: str = ""


@dataclass(frozen=True)
class Freed:
    """Arena blocks that nothing reads any more."""

    offsets: list[int]


@dataclass(frozen=True)
class Unread:
    """The node's message number ``position`` (from 1, after :class:`Setup`) could not be read or acted on before
    its samples were taken: an arena block it points at is not read, and goes back (nothing else would free it)."""

    position: int


@dataclass(frozen=True)
class Stopped:
    """The rig is stopped; the process ends."""
