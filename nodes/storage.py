"""Take writer: stores takes as audio files with a JSON sidecar of their metadata."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np

from exsampling_patch.messages import Take
from exsampling_patch.node import Input, Node, Output, Param
from exsampling_patch.ports import TAKE
from exsampling_patch.takes import AUDIO_SUFFIXES, file_stem, write_take

#: The most of a file's name (bytes) a stored take keeps. A name may have 255; its sidecar's temporary file adds
#: ``.`` and ``.json.PID-XXXXXXXX.part`` to it, and a second take of that name ``-2``: a recorder's long name (80
#: Japanese characters are 240 bytes) was "error in writer: File name too long", the take stored nowhere.
_STEM_BYTES = 200


#: What a message that is no take is, in words, by its class's name (the take writer's error names what it got).
_KINDS = {"Prediction": "a prediction", "SlotAssignment": "a slot assignment", "ControlValue": "a control value",
          "Message": "a MIDI message"}


class NotATake(TypeError):
    """Something other than a take reached a take writer (through a port of type any): told in words, not as an
    AttributeError of the first thing the writer asked of it."""


def not_a_take(node_id: str, message: object) -> NotATake:
    """The error for ``message``, not a take, on take writer ``node_id``'s take input."""
    if isinstance(message, str):
        got = f"the text {message[:40]!r}"
    elif isinstance(message, bool | int | float):
        got = f"the number {message}"
    elif message is None:
        got = "nothing (None)"
    elif isinstance(message, np.ndarray):  # a take's samples sent without their take
        got = f"an array of samples ({' x '.join(map(str, message.shape))})"
    elif isinstance(message, list | tuple):
        got = f"a list of {len(message)} items"
    elif isinstance(message, dict):
        got = f"a mapping of {len(message)} keys"
    else:
        # Else a plugin's own kind of message: its class's name is the one clue to which plugin sent it
        got = next((words for cls in type(message).__mro__ if (words := _KINDS.get(cls.__name__))),
                   f"a {type(message).__name__} object (a plugin's own kind of message)")
    return NotATake(f"take writer '{node_id}' got {got}, not a take: it stores takes (audio); what feeds its "
                    "'take' input through a port that passes anything (a relay, a plugin's) sent it")


class TakeWriter(Node):
    """Write each take to a folder (atomically, flushed to disk) and pass it on with its path."""

    type_name = "take_writer"
    family = "storage"
    hang_after = 60.0  # a slow disk (network, SD card) is not a hang

    take = Input(TAKE, "takes to store", multiple=True)
    written = Output(TAKE, "the stored take, with its path", report=True)

    folder = Param("path", None, "the folder to write into", required=True)
    file_format = Param(str, "same", "file format; 'same' keeps the source file's (WAV for one not written here: "
                        "MP3, AIFF)",
                        choices=("same", "wav", "flac", "ogg"))
    subtype = Param(str, "same", "sample format; 'same' keeps the take's",
                    choices=("same", "PCM_16", "PCM_24", "PCM_32", "FLOAT"))
    naming = Param(str, "original", "file names: the source file's name, or the take id",
                   choices=("original", "take_id"))

    def start(self) -> None:
        self._folder = self.resolve_path(self.folder)
        self._folder.mkdir(parents=True, exist_ok=True)
        self._count = 0
        self._lock = threading.Lock()

    def _target(self, take: Take) -> Path:
        source_name = take.path.name if take.path is not None else take.meta.get("file_name")
        suffix = Path(source_name).suffix.lower() if source_name else ".wav"
        if suffix not in AUDIO_SUFFIXES:
            # An MP3 or AIFF a folder source read (its default patterns take them) failed here, each take an
            # error: stored as WAV, the sound it was read as, not encoded again at a loss.
            suffix = ".wav"
        if self.file_format != "same":
            suffix = f".{self.file_format}"
        stem = Path(source_name).stem if self.naming == "original" and source_name else file_stem(take.take_id)
        while len(os.fsencode(stem)) > _STEM_BYTES:  # by characters: none cut in two
            stem = stem[:-1]
        target = self._folder / f"{stem}{suffix}"
        n = 2
        while target.exists():  # never overwrite a stored take
            target = self._folder / f"{stem}-{n}{suffix}"
            n += 1
        return target

    def on_take(self, take: Take) -> None:
        if not isinstance(take, Take):  # a link from a port of type any: no link check stopped it
            raise not_a_take(self.node_id, take)
        subtype = None if self.subtype == "same" else self.subtype
        stored = write_take(take, self._target(take), subtype)
        self._count += 1
        name = stored.path.name if stored.path else ""
        # The take's line on the console says where it went (as a sampler's names its slot): "done (writer)" names
        # the first node where it reached an end, which a performer could not open. Its folder as the patch names it.
        self.report_status(last_file=name, written=self._count, take=take.take_id,
                           stored=(Path(str(self.folder)) / name).as_posix())
        self.emit("written", stored)
