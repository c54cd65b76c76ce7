"""A stand-in for the parts of Ableton Live's object model the remote script touches.

Live cannot run here; this is the one mock the project allows. Names follow Live's API
(``Song.tracks``, ``Track.clip_slots``/``devices``/``has_midi_input``, ``ClipSlot.create_audio_clip``,
``SimplerDevice.replace_sample``, ``SimplerDevice.sample.file_path``); ``version`` 11 leaves out what only Live 12
has.
"""

from __future__ import annotations

from typing import Any


class Clip:
    def __init__(self, file_path: str) -> None:
        self.file_path = file_path
        self.name = ""


class ClipSlot:
    def __init__(self) -> None:
        self.clip: Clip | None = None
        self.fired = 0

    @property
    def has_clip(self) -> bool:
        return self.clip is not None

    def delete_clip(self) -> None:
        if self.clip is None:
            raise RuntimeError("no clip to delete")
        self.clip = None

    def fire(self) -> None:
        self.fired += 1


class ClipSlot12(ClipSlot):
    def create_audio_clip(self, path: str) -> None:
        if self.clip is not None:
            raise RuntimeError("clip slot is not empty")
        self.clip = Clip(path)


class Sample:
    def __init__(self, file_path: str) -> None:
        self.file_path = file_path


class Simpler:
    class_name = "OriginalSimpler"

    def __init__(self) -> None:
        self.sample: Sample | None = None


class Simpler12(Simpler):
    def replace_sample(self, path: str) -> None:
        self.sample = Sample(path)


class Track:
    def __init__(self, name: str, version: int = 12, midi: bool = False, simpler: bool = False, scenes: int = 4):
        self.name = name
        self.has_midi_input = midi
        self.has_audio_input = not midi
        slot_type = ClipSlot12 if version >= 12 else ClipSlot
        self.clip_slots = [slot_type() for _ in range(scenes)]
        self.devices: list[Any] = [(Simpler12 if version >= 12 else Simpler)()] if simpler else []


class Song:
    def __init__(self, tracks: list[Track]) -> None:
        self.tracks = tracks


class CInstance:
    """What Live passes to ``create_instance``: the song, and message/log hooks."""

    def __init__(self, song: Song) -> None:
        self._song = song
        self.messages: list[str] = []
        self.log: list[str] = []

    def song(self) -> Song:
        return self._song

    def show_message(self, text: str) -> None:
        self.messages.append(text)

    def log_message(self, text: str) -> None:
        self.log.append(text)
