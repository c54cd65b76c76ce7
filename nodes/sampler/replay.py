"""Replaying a show log (see ``docs/replay.md``) through the sampler, offline and faster than real time.

A :class:`~exsampling_patch.nodes.sampler.Sampler` node with ``device: none`` is built from the logged patch's
sampler parameters (or another patch's); each take the sampler was given is assigned to its slot at its logged
time through the node's own ``assign`` handler, controls go through its ``control`` handler, and each MIDI
message is queued on its ring with its logged time; its core renders block after block, each block's start
being its place in the show, so timed notes start at their frame.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np

from exsampling_patch.messages import ControlValue, Prediction, Score, SlotAssignment, Take
from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.sampler.ring import ALL_OFF, NOTE_OFF, NOTE_ON

BASE = 1000.0  # the offline clock's time at the show's start (timed events need a time > 0)


class _Collect(NodeContext):
    def __init__(self) -> None:
        super().__init__(None)
        self.emitted: list[tuple[str, Any]] = []
        self.problems: list[str] = []

    def emit(self, node_id: str, port: str, message: Any) -> None:
        self.emitted.append((port, message))

    def report_error(self, node_id: str, error: BaseException | str) -> None:
        self.problems.append(str(error))


def read_show(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def remapper(slot_map_type: type, params: dict[str, Any]) -> Callable[[dict[str, Any]], str | None]:
    """The slot another patch's slot map gives a logged prediction (its own code, on the logged scores)."""
    context = _Collect()
    node = slot_map_type("map", params, context)
    node.start()

    def slot_for(prediction: dict[str, Any]) -> str | None:
        meta = {"fallback_slot": prediction["fallback_slot"]} if prediction.get("fallback_slot") else {}
        take = Take(np.zeros(1, np.float32), 48000, take_id=prediction["take_id"], meta=meta)
        scores = tuple(Score(str(label), float(p)) for label, p in prediction.get("scores", []))
        context.emitted.clear()
        node.handle("prediction", Prediction(take, scores))
        return next((m.slot for port, m in context.emitted if isinstance(m, SlotAssignment)), None)

    return slot_for


def render_show(sampler_type: type, lines: list[dict[str, Any]], audio_dir: Path, sampler_id: str | None = None,
                params: dict[str, Any] | None = None, slot_for: Callable[[dict[str, Any]], str | None] | None = None,
                sample_rate: int = 0, block: int = 256, tail: float = 1.0,
                on_assign: Callable[[float, str, str], None] | None = None) -> tuple[np.ndarray, int]:
    """Render the show in ``lines`` through a sampler; returns (mono float32 audio, sample rate).

    ``params``: the sampler's parameters (default: the logged ones of ``sampler_id``, the first sampler);
    ``slot_for``: gives the slot of a take from its logged prediction (another patch's slot map), instead of the
    logged assignment. ``on_assign(t, slot, take_id)`` is told each load.
    """
    header = lines[0]
    nodes = header.get("nodes", {})
    samplers = [nid for nid, spec in nodes.items() if spec.get("type") == "sampler"]
    sampler_id = sampler_id or (samplers[0] if samplers else "sampler")
    logged = dict(nodes.get(sampler_id, {}).get("params", {}))
    audio_rate = next((line.get("sample_rate") for line in lines if line["event"] == "audio"
                       and line.get("sampler") == sampler_id and line.get("sample_rate")), None)
    rate = int(sample_rate or audio_rate or logged.get("sample_rate") or 48000)
    chosen = dict(params if params is not None else logged)
    chosen.update(device="none", virtual_port="", midi_port="", sample_rate=rate, swap="now", audio_process=False)
    context = _Collect()
    node = sampler_type(sampler_id, chosen, context)
    node.start()
    try:
        return _render(node, lines, audio_dir, sampler_id, slot_for, rate, block, tail, on_assign), rate
    finally:
        node.stop()


def _events(lines: Iterable[dict[str, Any]], sampler_id: str, audio_dir: Path,
            slot_for: Callable[[dict[str, Any]], str | None] | None) -> list[tuple[float, int, Any]]:
    """(time, order, what) for each load, control and MIDI message of the sampler, in show order."""
    import soundfile

    audio: dict[str, dict[str, Any]] = {}
    predictions: dict[str, dict[str, Any]] = {}
    out: list[tuple[float, int, Any]] = []
    for order, line in enumerate(lines):
        kind = line["event"]
        if kind in ("prediction", "gate") and line.get("decision") != "rejected":
            predictions[line["take_id"]] = line
        elif kind == "sampler_take" and line.get("sampler") == sampler_id:
            audio[line["take_id"]] = line
        elif line.get("sampler") != sampler_id:
            continue
        elif kind == "load":
            given = audio.get(line["take_id"])
            if given is None:
                continue
            slot: str | None = line["slot"]
            if slot_for is not None and line["take_id"] in predictions:
                slot = slot_for(predictions[line["take_id"]])
            if slot is None:
                continue
            samples, rate = soundfile.read(audio_dir / given["file"], dtype="float32", always_2d=False)
            meta = {"pitch_hz": given["pitch_hz"]} if given.get("pitch_hz") else {}
            take = Take(samples, int(rate), take_id=line["take_id"], meta=meta)
            due = float(line.get("due") or 0.0)
            out.append((float(line["t"]), order, ("load", slot, take, given.get("label"), due)))
        elif kind == "control" and not line["name"].lower().endswith(".rollback"):
            out.append((float(line["t"]), order, ("control", line["name"], float(line["value"]))))
        elif kind == "midi":
            out.append((float(line["t"]), order, ("midi", line)))
    out.sort(key=lambda e: (e[0], e[1]))
    return out


def _render(node: Any, lines: list[dict[str, Any]], audio_dir: Path, sampler_id: str,
            slot_for: Callable[[dict[str, Any]], str | None] | None, rate: int, block: int, tail: float,
            on_assign: Callable[[float, str, str], None] | None) -> np.ndarray:
    from dataclasses import replace

    events = _events(lines, sampler_id, audio_dir, slot_for)
    last = max([e[0] for e in events] + [float(e[2][1].get("due", 0.0)) for e in events if e[2][0] == "midi"]
               + [0.0])
    total = int((last + tail) * rate)
    blocks = -(-total // block)
    audio = np.zeros(blocks * block, np.float32)
    out = np.zeros((block, 1), np.float32)
    core, ring = node.core, node.state.ring
    i = 0
    for b in range(blocks):
        start = b * block / rate
        while i < len(events) and events[i][0] <= start:
            what = events[i][2]
            i += 1
            if what[0] == "load":
                _, slot, take, label, due = what
                node.handle("assign", SlotAssignment(slot, take, label))
                if due > 0.0:  # swapped on a beat or bar in the show: at the same time here
                    index = node._slot_index(slot)
                    core.pending[index] = replace(core.pending[index], due=BASE + due)
                if on_assign is not None:
                    on_assign(start, slot, take.take_id)
            elif what[0] == "control":
                node.handle("control", ControlValue(what[1], what[2]))
            else:
                _push(ring, what[1])
        core.render(out, at=BASE + start)
        audio[b * block:(b + 1) * block] = out[:, 0]
    return audio[:total]


def _push(ring: Any, line: dict[str, Any]) -> None:
    kind, due = line.get("type"), float(line.get("due") or 0.0)
    at = BASE + due if due > 0.0 else 0.0
    channel, note = int(line.get("channel", 0)), int(line.get("note", 0))
    if kind == "note_on":
        ring.push(NOTE_ON, channel, note, int(line.get("velocity", 0)), 0.0, at)
    elif kind == "note_off":
        ring.push(NOTE_OFF, channel, note, 0, 0.0, at)
    elif kind == "control_change" and line.get("control") in (120, 123):
        ring.push(ALL_OFF, channel, 0, 0, 0.0, at)
