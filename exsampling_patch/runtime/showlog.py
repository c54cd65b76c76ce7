"""The show log: what happened in a run, one JSON object a line, for ``exsampling replay`` and for people.

An observer of the runtime's events (no node logic here: it reads the messages that hop between nodes and the
events the engine publishes). The observer only queues what it is given, on the thread that published it (a
worker, a source's thread; never the sampler's audio callback, which publishes nothing); a thread of its own
turns each into a line, hashes take files, writes the audio each sampler was given, and flushes every line.

Lines (``t``: seconds since the show began, on the clock the sampler schedules by; ``due``: when a timed MIDI
message was to be heard, on the same scale):

- ``show``: the header: start time, patch file, every node's type and parameters.
- ``take``: a take a source emitted: ``path`` of its file and the file's ``sha256``; ``recovered``: true for a take
  stored by an earlier run and passed on again at this one's start (``meta["recovered"]``).
- ``prediction`` / ``gate``: a prediction a node emitted (``gate``: on a ``passed`` or ``rejected`` output,
  ``decision`` says which), its label, confidence, top scores.
- ``assign``: a slot assignment a node emitted (slot, take, label, confidence).
- ``sampler_take``: the audio a sampler was given for a take (``file``, float32 WAV beside the log, with its
  ``sha256``), with its pitch: what the replay loads.
- ``load``: a sampler loaded a take into a slot (an assignment, or a roll-back); ``due`` when it swaps later.
- ``midi``: a MIDI message into a sampler's ``midi`` input; ``control``: a control value into its ``control``
  input (lock, gain, mute, roll-back).
- ``audio``: what a sampler's sound device said when its stream opened (sample rate, block size, output
  latency); after a restart of its audio process, its ``epoch`` (the processes before it) and when the previous
  one was found dead (``ended_t``). ``played``, ``swap`` and ``applied`` lines of such a process have its
  ``epoch``: their frames count from its own stream's start. ``clock``: now and then, a block's start
  (``block_t``) and stream frame (``block_frame``), from the callback's filtered block clock. ``xrun``: the
  stream reported an xrun (``count`` so far), seen by the callback at the block at ``frame``.
- ``played`` / ``swap``: what a sampler's audio callback did, at the stream frame it did it (``frame``): each MIDI
  event it applied, whichever way it came (the ``midi`` input, or the sampler's own MIDI port: ``source``; the
  sending node's tag, ``sender``, where it had one), and each take a slot took up. ``applied``: a gain, mute or
  master-gain change (``name``, ``value``) as the callback applied it, from the block at ``frame`` on. Read from
  the sampler (:meth:`watch`) by this log's thread, every :data:`POLL_SECONDS`; the callback only writes them into
  a ring of preallocated arrays.
- ``fate``: a take's end (:class:`~exsampling_patch.runtime.events.TakeEnded`; a slot's end with ``loaded``, the
  outputs that loaded the take: ``[]`` where an output missed it and none has it); ``error``: a node's error, with the
  handler's ``port``, or ``during``: the method that raised outside one (``start``, ``stop``...), and ``where``: the
  line of a plugin's code that raised (:class:`~exsampling_patch.runtime.events.NodeError`).
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import json
import logging
import queue
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from exsampling_patch.context import patch_path
from exsampling_patch.messages import ControlValue, Prediction, SlotAssignment, Take
from exsampling_patch.patch import Patch
from exsampling_patch.runtime.events import Event, MessageHop, NodeError, NodeStatus, TakeEnded
from exsampling_patch.takes import file_stem

log = logging.getLogger(__name__)

VERSION = 1
KINDS: tuple[type[Event], ...] = (MessageHop, NodeError, NodeStatus, TakeEnded)
_SEEN_KEEP = 512  # recent (node, port, message) triples: one message emitted to several inputs is one line
#: Sampler takes whose audio file the log remembers (the last this many, by take id): a take assigned to several
#: samplers or slots is written once while remembered. One assigned again after it was forgotten is written again,
#: to a file of its own (``<take>-2.wav``): a file a line names is never rewritten (libsndfile stamps a float WAV's
#: PEAK chunk with the time, so the line's sha256 would no longer match). Bounded for a long show's memory: it grew
#: by a take id, a file name and a digest with every take, some 17,000 in three hours of 8 phones.
WRITTEN_KEEP = 256
_DUE_PAST, _DUE_FUTURE = 1.0, 10.0  # a MIDI message's ``time`` within this of now is its due time (as the sampler)
_STOP = object()
_STOPPING = object()
POLL_SECONDS = 0.05  # how often the writer reads what the watched samplers' callbacks played


def default_path(patch: Patch, base_dir: Path, started: float) -> Path:
    """``<take folder>/../shows/<start>.jsonl`` for the first node with a ``folder`` parameter (the recorder's, the
    folder source's), else ``<patch folder>/shows/<start>.jsonl``."""
    stamp = datetime.datetime.fromtimestamp(started).strftime("%Y%m%d-%H%M%S")
    shows = base_dir.resolve() / "shows"
    for spec in patch.nodes.values():
        folder = spec.params.get("folder")
        if isinstance(folder, str) and folder:
            shows = patch_path(folder, base_dir).parent / "shows"
            break
    return unused_path(shows / f"{stamp}.jsonl")  # two runs in one second: each its own log


def unused_path(path: Path) -> Path:
    """``path``, or where it is taken ``<stem>-2<suffix>``, ``-3`` ...: the first that does not exist. A show log
    is never appended to another show (replay read the two as one, their times overlapping) nor to another file.
    A folder is left as it is: opening it is refused, and the run says so."""
    if path.is_dir():
        return path
    found, n = path, 1
    while found.exists():
        n += 1
        found = path.with_name(f"{path.stem}-{n}{path.suffix}")
    return found


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float | np.floating):
        return float(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return str(value)


class ShowLog:
    """Writes the show log of one run to ``path`` (audio for the samplers in ``path``'s stem folder).

    ``sources``: the nodes that begin takes; ``samplers``: the sampler nodes. Subscribe :meth:`__call__` to the
    engine's events for :data:`KINDS`; :meth:`close` after the engine has stopped. ``on_problem`` is told, once for
    each kind of failure, what the log could not write (a line for a person, from the log's thread).
    """

    def __init__(self, path: Path, patch: Patch, sources: Iterable[str], samplers: Iterable[str],
                 patch_path: str = "", on_problem: Callable[[str], None] | None = None) -> None:
        self.path = Path(path)
        self._on_problem = on_problem
        self._told: set[tuple[str, str]] = set()  # the failures told to on_problem: (type, why)
        self.audio_dir = self.path.with_suffix("")
        self.sources, self.samplers = frozenset(sources), frozenset(samplers)
        self.t0 = time.monotonic()
        self.t0_perf = time.perf_counter()
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._seen: OrderedDict[tuple[str, str, int], Any] = OrderedDict()
        # take id -> (file, sha256) of the audio written, the last WRITTEN_KEEP, the oldest first
        self._written: OrderedDict[str, tuple[str, str]] = OrderedDict()
        self._watched: dict[str, Callable[[], list[dict[str, Any]]]] = {}  # sampler id -> its played()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # A file name that is not UTF-8 (a Latin-1 card's café.wav, its byte a lone surrogate in a take's path) is
        # written as the JSON escape \udce9, read back as it was: strict UTF-8 refused the line, and the take was
        # missing from the log and from a replay of the show.
        self._file: TextIO = open(self.path, "a", encoding="utf-8",  # noqa: SIM115 (closed by close())
                                  errors="backslashreplace")
        self._write({"event": "show", "version": VERSION, "t": 0.0,
                     "started": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
                     "patch": patch_path, "name": patch.name,
                     "nodes": {nid: {"type": spec.type, "params": _plain(dict(spec.params))}
                               for nid, spec in patch.nodes.items()}})
        self._thread = threading.Thread(target=self._run, name="exsampling-show-log", daemon=True)
        self._thread.start()

    def __call__(self, event: Event) -> None:
        """The observer: queue the event (the publisher's thread does nothing more)."""
        if isinstance(event, MessageHop) and not self._wanted(event):
            return
        self._queue.put(event)

    def _wanted(self, hop: MessageHop) -> bool:
        message = hop.message
        if hop.target in self.samplers and hop.target_port in ("midi", "control", "assign"):
            return True
        if isinstance(message, Take):
            return hop.node_id in self.sources
        return isinstance(message, Prediction | SlotAssignment)

    def watch(self, sampler_id: str, played: Callable[[], list[dict[str, Any]]]) -> None:
        """Log what ``played()`` returns (a sampler node's :meth:`played`: what its audio callback did, at which
        stream frame), read on this log's thread: ``played`` and ``swap`` lines."""
        self._watched = {**self._watched, sampler_id: played}

    def stopping(self) -> None:
        """The run begins to stop: a ``stopping`` line, after what the samplers played until now. Stopping closes
        JACK clients and ends processes, and the stream reports an xrun then (every run on the JACK dummy server):
        without the line, each replay told of "dropouts the audience heard" at the end of every show."""
        self._queue.put(_STOPPING)

    def close(self, timeout: float = 5.0) -> None:
        """Write what is queued, then close the file."""
        self._queue.put(_STOP)
        self._thread.join(timeout)
        with contextlib.suppress(Exception):
            self._file.close()

    # -- the writer thread ----------------------------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            try:
                event = self._queue.get(timeout=POLL_SECONDS)
            except queue.Empty:
                self._poll()
                continue
            if event is _STOP:
                self._poll()
                return
            if event is _STOPPING:
                self._poll()
                try:
                    self._write({"event": "stopping", "t": round(time.monotonic() - self.t0, 6)})
                except Exception as error:
                    self._problem("could not write to it", error)
                continue
            try:
                for line in self._lines(event):
                    self._write(line)
            except Exception as error:
                self._problem("could not write to it", error)

    def _poll(self) -> None:
        for sampler_id, played in self._watched.items():
            try:
                records = played()
            except Exception as error:
                self._problem(f"could not read what sampler {sampler_id} played", error)
                continue
            try:
                for record in records:
                    self._write(self._played(sampler_id, record))
            except Exception as error:
                self._problem("could not write to it", error)

    def _problem(self, doing: str, error: Exception) -> None:
        """Tell ``on_problem`` of a failure, once for each kind. Why: its takes' audio folder gone or the disk full,
        the log went on without lines (a take's audio, its assignment), only the libraries' log saying so: the show
        was found unreplayable after it, when nothing could be done about it any more.

        The library log gets each kind once too; where the failure is the files' (the disk full, a folder gone) and
        ``on_problem`` tells it in words, only at debug level. Logged at every line, a full disk filled the
        console: the library log is on the same disk as a rule (its handler's own write failing, Python printed
        "--- Logging error ---" and a traceback to the terminal for each line, 20 times a second while the sampler
        played)."""
        # A libsndfile error's text names its file ("Error opening '<take>.wav': System error."): keyed on it, a
        # full disk was told once per take (29 warnings for a burst of 30); its own error string is the kind.
        sndfile = getattr(error, "error_string", None)
        if isinstance(error, OSError) and error.strerror:
            why, where = error.strerror, f" ({error.filename})" if error.filename else ""
        elif isinstance(sndfile, str) and sndfile:
            why, where = sndfile, f" ({str(error).removesuffix(sndfile).strip().removesuffix(':')})"
        else:
            why, where = str(error), ""
        kind = (type(error).__name__, why)
        if kind in self._told:
            return
        self._told.add(kind)
        text = (f"{doing}: {why}{where}; what it missed is not in the log, and a replay of this show lacks it "
                "(told once)")
        if not (isinstance(error, OSError) or isinstance(sndfile, str)):
            level = logging.ERROR  # not the files': a fault here, whose traceback is what finds it
        else:
            level = logging.WARNING if self._on_problem is None else logging.DEBUG
        with contextlib.suppress(Exception):  # the log's thread goes on, whatever the logging handler meets
            log.log(level, "show log %s: %s", self.path, text, exc_info=error)
        if self._on_problem is not None:
            with contextlib.suppress(Exception):  # the log's thread goes on, whatever the person's line meets
                self._on_problem(text)

    def _played(self, sampler_id: str, record: dict[str, Any]) -> dict[str, Any]:
        line = self._played_line(sampler_id, record)
        if record.get("epoch"):  # done by a restarted audio process: its frames count from its own stream's start
            line["epoch"] = record["epoch"]
        return line

    def _played_line(self, sampler_id: str, record: dict[str, Any]) -> dict[str, Any]:
        if record["type"] == "xrun":
            return {"event": "xrun", "t": round(time.monotonic() - self.t0, 6), "sampler": sampler_id,
                    "count": record["count"], "frame": record["frame"]}
        if record["type"] == "clock":
            return {"event": "clock", "t": round(time.monotonic() - self.t0, 6), "sampler": sampler_id,
                    "block_t": round(record["block_time"] - self.t0_perf, 6), "block_frame": record["frame"]}
        if record["type"] == "control":
            return {"event": "applied", "t": round(time.monotonic() - self.t0, 6), "sampler": sampler_id,
                    "frame": record["frame"], "name": record["name"], "value": record["value"]}
        if record["type"] == "swap":
            return {"event": "swap", "t": round(time.monotonic() - self.t0, 6), "sampler": sampler_id,
                    "frame": record["frame"], "slot": record["slot"], "take_id": record["take_id"]}
        stamp = float(record.get("stamp") or 0.0)
        line = {"event": "played", "t": round(stamp - self.t0_perf, 6) if stamp else None, "sampler": sampler_id}
        line.update({k: record[k] for k in ("frame", "type", "channel", "note", "velocity", "source")})
        if record.get("sender"):  # a tagged all-notes-off ended its sender's notes only: the replay's must too
            line["sender"] = record["sender"]
        return line

    def _write(self, line: dict[str, Any]) -> None:
        self._file.write(json.dumps(line, ensure_ascii=False) + "\n")
        self._file.flush()

    def _t(self, event: Event) -> float:
        return round(event.time - self.t0, 6)

    def _first(self, hop: MessageHop) -> bool:
        """Whether this is the first hop of a message out of its port (one line per message, not per link)."""
        key = (hop.node_id, hop.port, id(hop.message))
        if key in self._seen:
            return False
        self._seen[key] = hop.message  # kept referenced: its id stays its own while remembered
        while len(self._seen) > _SEEN_KEEP:
            self._seen.popitem(last=False)
        return True

    def _lines(self, event: Event) -> list[dict[str, Any]]:
        t = self._t(event)
        if isinstance(event, MessageHop):
            return self._hop(event, t)
        if isinstance(event, TakeEnded):
            line = {"event": "fate", "t": t, "node": event.node_id, "take_id": event.take_id, "fate": event.fate,
                    "reason": event.reason, "slots": list(event.slots), "recorder": event.recorder}
            if event.fate == "slot" and event.loaded is not None:  # "not loaded into Live" beside a sampler, or alone
                line["loaded"] = list(event.loaded)
            return [line]
        if isinstance(event, NodeError):
            return [{"event": "error", "t": t, "node": event.node_id, "error": event.error, "port": event.port,
                     "during": event.during, "where": event.where}]
        if isinstance(event, NodeStatus) and event.node_id in self.samplers:
            status = event.status
            # A take the audio process refused is skipped: its status names what the slot plays instead, no load.
            if "take" in status and "slot" in status and "skipped" not in status:
                due = status.get("swap_due") or 0.0
                line = {"event": "load", "t": t, "sampler": event.node_id, "slot": status["slot"],
                        "take_id": status["take"], "label": status.get("label") or ""}
                if due:
                    line["due"] = round(float(due) - self.t0_perf, 6)
                return [line]
            if "sample_rate" in status:
                line = {"event": "audio", "t": t, "sampler": event.node_id,
                        **{k: _plain(status[k]) for k in ("device", "sample_rate", "blocksize", "output_latency_ms")
                           if k in status}}
                if isinstance(status.get("block_time"), float) and status["block_time"] > 0.0:
                    # one live block's start (its callback's time) and stream frame: places controls on the stream
                    line["block_t"] = round(status["block_time"] - self.t0_perf, 6)
                    line["block_frame"] = int(status.get("block_frame") or 0)
                if status.get("epoch"):  # a restarted audio process: its stream's frames count from 0 again
                    line["epoch"] = int(status["epoch"])
                    if isinstance(status.get("previous_ended"), float) and status["previous_ended"] > 0.0:
                        line["ended_t"] = round(status["previous_ended"] - self.t0_perf, 6)  # the previous one's end
                return [line]
        return []

    def _hop(self, hop: MessageHop, t: float) -> list[dict[str, Any]]:
        message = hop.message
        lines: list[dict[str, Any]] = []
        if hop.target in self.samplers:
            if hop.target_port == "midi":
                lines.append(self._midi(hop, t))
            elif hop.target_port == "control" and isinstance(message, ControlValue):
                lines.append({"event": "control", "t": t, "sampler": hop.target, "name": message.name,
                              "value": float(message.value)})
            elif hop.target_port == "assign" and isinstance(message, SlotAssignment):
                lines.append(self._sampler_take(hop, t, message))
        if not self._first(hop):
            return lines
        if isinstance(message, Take):
            lines.insert(0, self._take(hop, t, message))
        elif isinstance(message, Prediction):
            scores = sorted(message.scores, key=lambda s: -s.probability)[:5]
            line: dict[str, Any] = {"event": "prediction", "t": t, "node": hop.node_id, "port": hop.port,
                                    "take_id": message.take.take_id, "label": message.label,
                                    "confidence": float(message.confidence),
                                    "scores": [[s.label, round(float(s.probability), 6)] for s in scores]}
            if hop.port in ("passed", "rejected"):
                line["event"], line["decision"] = "gate", hop.port
                line["reason"] = str(message.take.meta.get("gate_reason") or message.reason or "")
            for key in ("fallback_slot", "gate_fallback_slot"):  # the latter: a passed one's, for labels with no slot
                if message.take.meta.get(key):
                    line[key] = str(message.take.meta[key])
            lines.insert(0, line)
        elif isinstance(message, SlotAssignment):
            lines.insert(0, {"event": "assign", "t": t, "node": hop.node_id, "slot": message.slot,
                             "take_id": message.take.take_id, "label": message.label,
                             "confidence": float(message.confidence)})
        return lines

    def _take(self, hop: MessageHop, t: float, take: Take) -> dict[str, Any]:
        path = take.path
        digest = ""
        if path is not None and Path(path).is_file():
            try:
                digest = sha256_of(Path(path))
            except OSError as error:
                digest = f"unreadable: {error}"
        return {"event": "take", "t": t, "node": hop.node_id, "take_id": take.take_id, "source": take.source,
                "path": str(path) if path is not None else None, "sha256": digest, "sample_rate": take.sample_rate,
                "frames": int(np.asarray(take.samples).shape[0]),
                "seconds": round(np.asarray(take.samples).shape[0] / max(1, take.sample_rate), 6),
                # The last run's take, passed on again at this start: not recorded during this show.
                "recovered": bool(take.meta.get("recovered"))}

    def _sampler_take(self, hop: MessageHop, t: float, assignment: SlotAssignment) -> dict[str, Any]:
        """The exact audio the sampler was given (the take after processing), written once per take while the log
        remembers it (the last :data:`WRITTEN_KEEP` takes; one older, assigned again, gets a file of its own)."""
        import soundfile

        take = assignment.take
        written = self._written.get(take.take_id)
        if written is None:
            self.audio_dir.mkdir(parents=True, exist_ok=True)
            # A file of an older log keeps its name: replay reads it from that log's line, not from the take id.
            stem = file_stem(take.take_id)
            name, n = f"{stem}.wav", 1
            while (self.audio_dir / name).exists():  # an earlier line's (a take forgotten): that line's stays its own
                n += 1
                name = f"{stem}-{n}.wav"
            target = self.audio_dir / name
            samples = np.asarray(take.samples, np.float32)
            soundfile.write(target, samples, take.sample_rate, subtype="FLOAT")
            written = (f"{self.audio_dir.name}/{name}", sha256_of(target))
            self._written[take.take_id] = written
            while len(self._written) > WRITTEN_KEEP:
                self._written.popitem(last=False)
        else:
            self._written.move_to_end(take.take_id)
        return {"event": "sampler_take", "t": t, "sampler": hop.target, "slot": assignment.slot,
                "take_id": take.take_id, "label": assignment.label, "file": written[0], "sha256": written[1],
                "sample_rate": take.sample_rate, "pitch_hz": _plain(take.meta.get("pitch_hz")),
                "path": str(take.path) if take.path is not None else None}

    def _midi(self, hop: MessageHop, t: float) -> dict[str, Any]:
        message = hop.message
        line: dict[str, Any] = {"event": "midi", "t": t, "sampler": hop.target,
                                "type": str(getattr(message, "type", type(message).__name__))}
        for key in ("channel", "note", "velocity", "control", "value"):
            value = getattr(message, key, None)
            if isinstance(value, int):
                line[key] = value
        sender = getattr(message, "sender", 0)  # a pattern's tag (nodes/midi_sender.py): its all-notes-off is its own
        if isinstance(sender, int) and sender:
            line["sender"] = sender
        with contextlib.suppress(Exception):
            line["bytes"] = bytes(message.bytes()).hex()
        due = getattr(message, "time", 0)
        published = hop.time - self.t0 + self.t0_perf  # the hop's time on the perf_counter clock
        if isinstance(due, float) and published - _DUE_PAST < due < published + _DUE_FUTURE:
            line["due"] = round(due - self.t0_perf, 6)
        return line
