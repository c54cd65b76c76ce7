"""The messages that flow along links, one dataclass per port type.

Messages are immutable: a node that changes a take returns a new one (``take.derive(...)``), so a
take fanned out to several nodes is never changed under another node's feet.
"""

from __future__ import annotations

import itertools
import math
import secrets
import time
from dataclasses import InitVar, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from exsampling_patch.mixdown import mix_down

_take_numbers = itertools.count(1)
_RUN = secrets.token_hex(2)
"""This process's, after each default id's number: a later run counts from 1 again, maybe within the second."""


def default_take_id() -> str:
    """The id of a take its source did not name (a folder's file without a sidecar, an OSC ``/take``), in the web
    recorder's and the microphone's style: ``take-20250101-203000-0001a3f2``. Unique across runs too, not only in
    the run: copies for Live (named after the id) and sent logs outlive a run, and a later run's take of the same
    number must not overwrite an earlier run's copy that Live or a slot's history still uses."""
    return f"take-{time.strftime('%Y%m%d-%H%M%S')}-{next(_take_numbers):04d}{_RUN}"


FOLDER_FILE = "folder_file"
"""``Take.meta`` key: the file a ``folder_source`` read the take from, relative to its folder (``toms/kick.wav``)."""


@dataclass(frozen=True)
class Location:
    """Where a take was recorded (WGS84 degrees; accuracy in metres when the recorder knows it)."""

    latitude: float
    longitude: float
    accuracy_m: float | None = None

    def __str__(self) -> str:
        return f"{self.latitude:.6f}/{self.longitude:.6f}"


#: Samples of more columns than this, and more columns than rows (frames), are taken to be (channels, frames) and
#: refused: a 2-row array of 44100 columns is a stereo second written channels-first.
CHANNELS_FIRST_ABOVE = 8

#: Integer PCM as soundfile reads it into floats: (offset, full scale) by dtype.
_PCM_SCALE: dict[np.dtype[Any], tuple[float, float]] = {
    np.dtype(np.int16): (0.0, 32768.0),
    np.dtype(np.int32): (0.0, 2147483648.0),
    np.dtype(np.uint8): (128.0, 128.0),
    np.dtype(np.int8): (0.0, 128.0),
}


def _as_float(samples: Any) -> np.ndarray:
    """``samples`` as float32 in [-1, 1]: integer PCM scaled as soundfile reads it (int16 by 32768), not cast
    (an int16 take was values up to 32767, and every later node clipped it or took it for a roar)."""
    array = np.asarray(samples)
    if array.dtype.kind not in "iu":
        return np.asarray(array, dtype=np.float32)
    scale = _PCM_SCALE.get(array.dtype)
    if scale is None:
        raise ValueError(f"take samples of dtype {array.dtype} are no audio format: give float samples in [-1, 1] "
                         "or int16, int32, int8 or uint8 PCM")
    offset, full = scale
    return ((array.astype(np.float64) - offset) / full).astype(np.float32)


@dataclass(frozen=True, eq=False)
class Take:
    """An audio take.

    ``samples`` is float32 with shape ``(frames, channels)``, one channel at least, and read-only: a take fanned
    out to several branches shares its samples, so a node that changes them works on a copy (``take.samples * gain``,
    ``take.samples.copy()``) and passes on ``take.derive(new_samples)``. ``path`` is where the take is stored
    on disk, once it is. ``meta`` holds what nodes learnt about it on the way (``"pitch_hz"``,
    ``"subtype"``, ...): add to it with :meth:`derive`, never mutate it.

    Integer PCM samples are scaled as soundfile reads them (int16 by 32768, int32 by 2**31, int8 by 128, uint8
    from 128 by 128; other integers are refused); float samples are taken as they are. An array of more than
    :data:`CHANNELS_FIRST_ABOVE` columns and fewer rows than columns is refused as channels-first (a stereo
    ``(2, 44100)``): pass its transpose, ``samples.T``. ``frames_first=True`` says the layout is known (samples read
    from a file, or from a device's ring): a piece of a many-channel take shorter than its channel count is what it
    says. :meth:`derive` knows it where the samples keep the take's channel count.
    """

    samples: np.ndarray
    sample_rate: int
    take_id: str = field(default_factory=default_take_id)
    source: str = ""
    path: Path | None = None
    recorded_at: float = field(default_factory=time.time)
    location: Location | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    frames_first: InitVar[bool] = False

    def __post_init__(self, frames_first: bool) -> None:
        samples = _as_float(self.samples)
        if samples.ndim == 1:
            samples = samples[:, np.newaxis]
        if samples.ndim != 2:
            raise ValueError(f"take samples must be (frames, channels), got shape {samples.shape}")
        frames, channels = samples.shape
        if 0 < frames < channels and channels > CHANNELS_FIRST_ABOVE and not frames_first:
            # (channels, frames) read as (frames, channels) made a take of a few frames and thousands of channels.
            raise ValueError(f"take samples of shape {samples.shape} look channels-first: samples are (frames, "
                             f"channels), and this would be {frames} frames of {channels} channels; pass samples.T")
        if samples.shape[1] == 0:  # here, not as a ZeroDivisionError deep in the first mix-down (Take.mono)
            raise ValueError(f"take samples have no channel, got shape {samples.shape}")
        if self.sample_rate <= 0:
            raise ValueError(f"take sample rate must be positive, got {self.sample_rate}")
        if samples.flags.writeable:
            samples = samples.view()  # a read-only view: the caller's own array stays as it was
            samples.flags.writeable = False
        object.__setattr__(self, "samples", samples)

    @property
    def frames(self) -> int:
        return int(self.samples.shape[0])

    @property
    def channels(self) -> int:
        return int(self.samples.shape[1])

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return self.frames / self.sample_rate

    @property
    def name(self) -> str:
        """How a person is told of the take: by its file, relative to the folder it was dropped into, for a take a
        ``folder_source`` read (whose id is the default, :func:`default_take_id`: a file without a sidecar has none);
        by its id otherwise. The id stays the take's key (unique in the run, which a file name is not)."""
        file_name = self.meta.get(FOLDER_FILE)
        return file_name if isinstance(file_name, str) and file_name else self.take_id

    def latency_status(self) -> dict[str, float]:
        """``{"latency_ms": ...}`` since the take was stored (``meta["stored_at"]``, monotonic), or ``{}``.

        Nodes pass it to ``report_status`` so observers see each take's end-to-end latency at that node.
        """
        stored_at = self.meta.get("stored_at")
        if isinstance(stored_at, int | float):
            return {"latency_ms": round((time.monotonic() - float(stored_at)) * 1000.0, 3)}
        return {}

    def mono(self) -> np.ndarray:
        """The channels mixed down to one float32 vector (:func:`~exsampling_patch.mixdown.mix_down`: their
        mean, or the loudest channel of a take whose channels cancel each other out)."""
        return mix_down(self.samples)

    def derive(self, samples: np.ndarray | None = None, sample_rate: int | None = None, **changes: Any) -> Take:
        """A copy with new samples and/or fields; ``meta`` entries given in ``meta=`` are merged in.

        A take with new samples is no longer the file at ``path``: its ``path`` becomes None (unless given)
        and the file it came from stays in ``meta["source_path"]``. ``samples`` are read as the constructor reads
        them: ``(frames, channels)``, integer PCM scaled to [-1, 1], a channels-first array refused.
        """
        meta = {**self.meta, **changes.pop("meta", {})}
        if samples is not None and "path" not in changes and self.path is not None:
            changes["path"] = None
            meta.setdefault("source_path", str(self.path))
        # Columns as many as the take's channels: its own layout (a short piece of a 16-channel take was refused as
        # channels-first, and so was any copy of it, its samples checked again).
        shape = np.shape(self.samples if samples is None else samples)
        changes.setdefault("frames_first", len(shape) == 2 and shape[1] == self.channels)
        return replace(
            self,
            samples=self.samples if samples is None else samples,
            sample_rate=self.sample_rate if sample_rate is None else sample_rate,
            meta=meta,
            **changes,
        )

    def __repr__(self) -> str:
        return (
            f"Take({self.take_id!r}, {self.duration:.3f} s, {self.sample_rate} Hz, "
            f"{self.channels} ch, source={self.source!r})"
        )


@dataclass(frozen=True)
class Score:
    """One label and its probability."""

    label: str
    probability: float


@dataclass(frozen=True)
class Prediction:
    """What a classifier made of a take: top labels, best first, or a reason why there are none."""

    take: Take
    scores: tuple[Score, ...]
    reason: str | None = None

    @property
    def label(self) -> str | None:
        return self.scores[0].label if self.scores else None

    @property
    def confidence(self) -> float:
        return self.scores[0].probability if self.scores else 0.0


def gate_reason(prediction: Prediction, threshold: float, judged: tuple[str, float] | None = None) -> str | None:
    """Why a confidence gate at ``threshold`` rejects ``prediction`` (said for a phone), or None if it passes.

    "not sure (dog 31%)" for a best label below the threshold; "nothing to classify: silent (peak -80 dBFS
    < -60 dBFS)" for a take the classifier had no labels for. ``judged`` is what the gate compared, when not the
    best label: (a slot, its summed probability), said as "not sure (hihat_closed 25%, HH 31%)".
    """
    if not prediction.scores:
        if (prediction.reason or "").startswith("error in "):
            return prediction.reason
        what, _, detail = (prediction.reason or "no labels").partition(": ")
        return f"nothing to classify: {what}" + (f" ({detail})" if detail else "")
    name, confidence = judged if judged is not None else (prediction.label or "", prediction.confidence)
    if confidence >= threshold:
        return None
    judged_figure = _below_percent(confidence, threshold)
    if name == prediction.label:
        return f"not sure ({prediction.label} {judged_figure})"
    return f"not sure ({prediction.label} {round(prediction.confidence * 100)}%, {name} {judged_figure})"


def _below_percent(value: float, threshold: float) -> str:
    """``value`` as a percentage that reads as below ``threshold``: "31%", but "99.8%" at a 0.999 gate, not a
    rounded "100%" that contradicts the rejection: as few places as tell it apart from the threshold."""
    for places in range(0, 7):
        shown = round(value * 100, places)
        if shown < threshold * 100:
            return f"{shown:.{places}f}%"
    return f"{math.floor(value * 100 * 10**6) / 10**6:.6f}%"  # too close to call by rounding: cut, never up


@dataclass(frozen=True)
class SlotAssignment:
    """A take to be loaded into the sampler slot (or DAW track) named ``slot``."""

    slot: str
    take: Take
    label: str | None = None
    confidence: float = 0.0


@dataclass(frozen=True)
class ControlValue:
    """A named number: a fader, a knob, a level."""

    name: str
    value: float


def summarize(message: Any) -> str:
    """A one-line description of a message, for logs, the stage console and the editor."""
    if isinstance(message, Take):
        where = f" at {message.location}" if message.location else ""
        name = message.path.name if message.path else message.take_id
        return f"take {name}: {message.duration:.2f} s, {message.sample_rate} Hz, {message.channels} ch{where}"
    if isinstance(message, Prediction):
        if not message.scores:
            return f"prediction for {message.take.take_id}: nothing ({message.reason})"
        top = ", ".join(f"{s.label} {s.probability:.2f}" for s in message.scores[:3])
        return f"prediction for {message.take.take_id}: {top}"
    if isinstance(message, SlotAssignment):
        return f"slot {message.slot} <- {message.take.take_id} ({message.label}, {message.confidence:.2f})"
    return repr(message)


def message_problem(port_type: str, message: Any) -> str | None:
    """Why ``message`` cannot go out of an output of type ``port_type`` (a port type's name), or None.

    :meth:`Node.emit` asks, so that a node emitting the wrong thing (a take's samples instead of the take) is
    told at its own emit, not as an AttributeError in whichever node the message reached. Told in words, with what
    to send: the one who meets it is writing a node, and "not str" named neither."""
    expected = _MESSAGE_CLASSES.get(port_type)
    if expected is not None and not isinstance(message, expected):
        return f"carries {_CARRIES[port_type]}; emit got {_what_got(message)}"
    if port_type == "midi" and not _is_mido(message):
        return f"carries {_CARRIES['midi']}; emit got {_what_got(message)}"
    return None


def _is_mido(message: Any) -> bool:
    # mido imported only if used; a subclass of mido's (a message tagged with its sender) is one too
    return any(c.__module__.split(".")[0] == "mido" for c in type(message).__mro__)


def _what_got(message: Any) -> str:
    """What a node emitted, in words: its type's name is Python's."""
    if message is None:
        return "nothing (None)"
    if isinstance(message, str):
        return f"text {message[:40] + '...' if len(message) > 40 else message!r}"
    if isinstance(message, bool):
        return f"a yes/no ({message})"
    if isinstance(message, (int, float, np.number)):
        return f"a number ({message})"
    if isinstance(message, np.ndarray):
        return f"an array of samples ({' x '.join(map(str, message.shape))})"
    if isinstance(message, (bytes, bytearray)):
        return f"bytes ({len(message)})"
    if isinstance(message, (list, tuple)):
        return f"a list of {len(message)} items"
    if isinstance(message, dict):
        return f"a mapping of {len(message)} keys"
    for kind, words in _MESSAGE_WORDS.items():
        if isinstance(message, kind):
            return words
    if _is_mido(message):
        return "a MIDI message"
    return f"an object of your class {type(message).__name__}"  # a node's own class: its name is all there is


_MESSAGE_CLASSES: dict[str, type] = {
    "take": Take, "prediction": Prediction, "slot": SlotAssignment, "control": ControlValue,
}
_MESSAGE_WORDS: dict[type, str] = {
    Take: "a take", Prediction: "a prediction", SlotAssignment: "a slot assignment", ControlValue: "a control value",
}
# What each output carries, and how a node makes one: a constructor to call is words enough for a node's writer.
_CARRIES: dict[str, str] = {
    "take": "takes (a sound with its samples and rate: pass on the take received, or take.derive(samples) for new "
            "samples)",
    "prediction": "predictions (a take's labels and scores: made with Prediction(take, scores))",
    "slot": "slot assignments (a take for a slot: made with SlotAssignment(slot, take, label, confidence))",
    "control": "control values (a name and a number: made with ControlValue(name, value))",
    "midi": "MIDI messages (a note, a control change, a clock tick...: made with mido.Message)",
}
