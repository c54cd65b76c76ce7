"""Replaying a show log (see ``docs/replay.md``) through the sampler, offline and faster than real time.

A :class:`~exsampling_patch.nodes.sampler.Sampler` node with ``device: none`` is built from the logged patch's
sampler parameters (or another patch's); each take the sampler was given is assigned to its slot at its logged
time through the node's own ``assign`` handler, controls go through its ``control`` handler, and each MIDI
message is queued on its ring with its logged time; its core renders block after block, each block's start
being its place in the show, so timed notes start at their frame.

A show whose sampler played on a sound device also logged what its audio callback did, at which frame of the
stream (``played`` and ``swap`` lines) and the stream's block size (the ``audio`` line). Such a show is replayed
frame for frame (:func:`_render_frames`): blocks of the live block size from the stream's first frame, each take
taken up at the block the live callback took it up, each MIDI event applied at its frame (an untimed note at the
start of the live block that drained it, a timed one at the frame it was placed), whichever way it came in (the
patch, or the sampler's own MIDI port). Sample ``n`` of the replay is then frame ``n`` of the live stream.

What the replay reads from the show log and collects (its lines, the takes' audio, another patch's slot map) is
:mod:`.show_log`'s; its names are here too, as ``exsampling replay`` and the sampler node type find them.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np

from exsampling_patch.error_text import error_text
from exsampling_patch.messages import ControlValue, SlotAssignment, Take
from exsampling_patch.nodes.sampler.assign import LoadedUntold
from exsampling_patch.nodes.sampler.input_errors import tell_on_input
from exsampling_patch.nodes.sampler.ring import ALL_OFF, NOTE_OFF, NOTE_ON
from exsampling_patch.nodes.sampler.show_log import Collect, ShowAudioError, live_xruns, read_show, remapper, take_audio

__all__ = ["BASE", "ShowAudioError", "live_xruns", "read_show", "remapper", "render_show"]

BASE = 1000.0  # the offline clock's time at the show's start (timed events need a time > 0)


def render_show(sampler_type: type, lines: list[dict[str, Any]], audio_dir: Path, sampler_id: str | None = None,
                params: dict[str, Any] | None = None, slot_for: Callable[[dict[str, Any]], str | None] | None = None,
                sample_rate: int = 0, block: int = 256, tail: float = 1.0,
                on_assign: Callable[[float, str, str], None] | None = None,
                problems: list[str] | None = None) -> tuple[np.ndarray, int]:
    """Render the show in ``lines`` through a sampler; returns (mono float32 audio, sample rate).

    ``params``: the sampler's parameters (default: the logged ones of ``sampler_id``, the first sampler);
    ``slot_for``: gives the slot of a take from its logged prediction (another patch's slot map), instead of the
    logged assignment. ``on_assign(t, slot, take_id)`` is told each load. ``problems`` gets each error the sampler
    told while replaying ("sampler '<id>': <error>", the take named in it): the replay may then differ from the show.
    """
    header = lines[0]
    nodes = header.get("nodes", {})
    samplers = [nid for nid, spec in nodes.items() if spec.get("type") == "sampler"]
    sampler_id = sampler_id or (samplers[0] if samplers else "sampler")
    logged = dict(nodes.get(sampler_id, {}).get("params", {}))
    audio_rate, live_block, played = _live_stream(lines, sampler_id)
    rate = int(sample_rate or audio_rate or logged.get("sample_rate") or 48000)
    exact = audio_rate is not None and bool(live_block) and rate == int(audio_rate) and played
    chosen = dict(params if params is not None else logged)
    chosen.update(device="none", virtual_port="", midi_port="", sample_rate=rate, swap="now", audio_process=False)
    context = Collect()
    node = sampler_type(sampler_id, chosen, context)
    node.start()
    try:
        if exact:
            return _render_frames(node, lines, audio_dir, sampler_id, slot_for, rate, live_block, tail,
                                  on_assign), rate
        return _render(node, lines, audio_dir, sampler_id, slot_for, rate, block, tail, on_assign), rate
    finally:
        node.stop()
        if problems is not None:
            problems.extend(f"sampler '{sampler_id}': {error}" for error in context.told)


def _live_stream(lines: Iterable[dict[str, Any]], sampler_id: str) -> tuple[Any, int, bool]:
    """What the show says of the sampler's live stream, in one pass over its lines: its sample rate and its block
    size, each from the first of its ``audio`` lines that gives it (None, 0 without one), and whether its callback
    logged what it did (``played`` or ``swap`` lines). The pass stops once all three are known."""
    audio_rate: Any = None
    live_block = 0
    played = False
    for line in lines:
        kind = line["event"]
        if line.get("sampler") != sampler_id:
            continue
        if kind == "audio":
            if audio_rate is None and line.get("sample_rate"):
                audio_rate = line.get("sample_rate")
            if not live_block and line.get("blocksize"):
                live_block = int(line["blocksize"])
        elif kind in ("played", "swap"):
            played = True
        if played and audio_rate is not None and live_block:
            break
    return audio_rate, live_block, played


def _events(lines: Iterable[dict[str, Any]], sampler_id: str, audio_dir: Path,
            slot_for: Callable[[dict[str, Any]], str | None] | None) -> list[tuple[float, int, Any]]:
    """(time, order, what) for each load, control and MIDI message of the sampler, in show order."""
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
            samples, rate = take_audio(audio_dir, given)
            meta = {"pitch_hz": given["pitch_hz"]} if given.get("pitch_hz") else {}
            take = Take(samples, int(rate), take_id=line["take_id"], meta=meta, frames_first=True)
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
                if _slot_index(node, slot, take) is None:
                    continue
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
    channel, note, sender = int(line.get("channel", 0)), int(line.get("note", 0)), int(line.get("sender", 0))
    if kind == "note_on":
        ring.push(NOTE_ON, channel, note, int(line.get("velocity", 0)), 0.0, at, sender)
    elif kind == "note_off":
        ring.push(NOTE_OFF, channel, note, 0, 0.0, at, sender)
    elif kind == "control_change" and line.get("control") in (120, 123):
        ring.push(ALL_OFF, channel, 0, 0, 0.0, at, sender)


def _render_frames(node: Any, lines: list[dict[str, Any]], audio_dir: Path, sampler_id: str,
                   slot_for: Callable[[dict[str, Any]], str | None] | None, rate: int, block: int, tail: float,
                   on_assign: Callable[[float, str, str], None] | None) -> np.ndarray:
    """The show frame for frame, from what the live callback did (``played``, ``swap``): sample ``n`` of the
    result is frame ``n`` of the live stream, rendered in blocks of the live ``block`` size.

    Every event goes to the core as a timed one, due at its frame (:mod:`.schedule`), in the order the live callback
    applied them: a note-on starts at that frame, a note-off or all-notes-off applies at the start of that block,
    as live. Gain, mute and master-gain changes apply from the block the live callback applied them at
    (``applied`` lines); a show logged before the callback noted them has only their time (``t``): they apply at the
    first block that began after it, placed on the stream by the ``audio`` line's clock (to within a block). Lock
    controls are not replayed: the swaps say what each slot took up; nor all-notes-off controls: the callback's
    ``all_off`` is a ``played`` line.

    A sampler whose audio process died and was restarted has lines of each process (``epoch``), each counting its
    stream's frames from 0 (:func:`_epoch_bases`): a later one's frames are placed after the earlier one's by the
    two streams' clocks (their ``audio`` lines), on the live block grid; at the block the earlier process was found
    dead every voice stops, as its stream did, and the replay is silent until the next one's first block.
    """
    audio: dict[str, dict[str, Any]] = {}
    predictions: dict[str, dict[str, Any]] = {}
    anchors: dict[int, tuple[float, int]] = {}  # epoch -> (show time, stream frame) of one live block's start
    clocks: dict[int, tuple[float, int]] = {}  # epoch -> its latest clock line: the callback's filtered block clock
    ended: dict[int, float] = {}  # epoch -> show time its audio process was found dead
    events: list[tuple[int, int, Any]] = []
    controls: list[tuple[float, int, Any]] = []
    applied = False  # the callback noted the controls it applied (``applied`` lines): those, not the ``control`` lines
    for order, line in enumerate(lines):
        kind = line["event"]
        if kind in ("prediction", "gate") and line.get("decision") != "rejected":
            predictions[line["take_id"]] = line
        elif kind == "sampler_take" and line.get("sampler") == sampler_id:
            audio[line["take_id"]] = line
        elif line.get("sampler") != sampler_id:
            continue
        elif kind == "clock":
            clocks[int(line.get("epoch") or 0)] = (float(line["block_t"]), int(line["block_frame"]))
        elif kind == "audio" and line.get("block_t") is not None:
            epoch = int(line.get("epoch") or 0)
            anchors.setdefault(epoch, (float(line["block_t"]), int(line.get("block_frame") or 0)))
            if epoch and line.get("ended_t") is not None:
                ended.setdefault(epoch - 1, float(line["ended_t"]))
        elif kind == "swap":
            take_id = str(line.get("take_id") or "")
            given = audio.get(take_id) if take_id else None
            slot: str | None = line["slot"]
            if given is not None and slot_for is not None and take_id in predictions:
                slot = slot_for(predictions[take_id])
            if slot is None:
                continue
            if given is None:  # emptied (or a take the log has no audio of): the slot is silent from here
                events.append((int(line["frame"]), order, ("empty", slot)))
                continue
            samples, file_rate = take_audio(audio_dir, given)
            meta = {"pitch_hz": given["pitch_hz"]} if given.get("pitch_hz") else {}
            take = Take(samples, int(file_rate), take_id=take_id, meta=meta, frames_first=True)
            events.append((int(line["frame"]), order, ("load", slot, take, given.get("label"))))
        elif kind == "played":
            events.append((int(line["frame"]), order, ("midi", line)))
        elif kind == "applied":
            applied = True
            events.append((int(line["frame"]), order, ("applied", line["name"], float(line["value"]))))
        elif kind == "control" and line["name"].rpartition(".")[2].lower() in ("gain", "mute"):
            controls.append((float(line["t"]), order, ("control", line["name"], float(line["value"]))))
    epochs = [int(lines[order].get("epoch") or 0) for _, order, _ in events]  # each counts its stream's frames
    if len(set(epochs)) > 1:
        bases, cuts = _epoch_bases(events, epochs, {**anchors, **clocks}, ended, rate, block)
        events = [(bases[e] + frame, order, what) for (frame, order, what), e in zip(events, epochs, strict=True)]
        events += [(frame, -1, ("cut",)) for frame in cuts]
    anchor = anchors.get(0)
    if controls and anchor is not None and not applied:  # an older show: by the time the control came
        t0, f0 = anchor
        for t, order, what in controls:  # the first block that began after it
            frame = f0 + int(np.ceil((t - t0) * rate / block)) * block
            events.append((max(0, frame), order, what))
    events.sort(key=lambda e: (e[0], e[1]))
    last = max([e[0] for e in events] + [0])
    total = last + int(tail * rate)
    blocks = -(-total // block)
    out_audio = np.zeros(blocks * block, np.float32)
    out = np.zeros((block, 1), np.float32)
    core, ring = node.core, node.state.ring
    i = 0
    for b in range(blocks):
        start = b * block
        while i < len(events) and events[i][0] < start + block:
            frame, _, what = events[i]
            i += 1
            if what[0] == "load":
                _, slot, take, label = what
                index = _slot_index(node, slot, take)
                if index is None:
                    continue
                _take_up(node, index, take, label)
                if on_assign is not None:
                    on_assign(frame / rate, slot, take.take_id)
            elif what[0] == "empty":
                with contextlib.suppress(KeyError):  # a slot the replaying sampler has not: its take was told
                    node.clear(what[1])
            elif what[0] == "control":
                node.handle("control", ControlValue(what[1], what[2]))
            elif what[0] == "applied":
                _apply(node, what[1], what[2])
            elif what[0] == "cut":
                _cut(core)
            else:
                _push_at(ring, what[1], BASE + frame / rate)
        core.render(out, at=BASE + start / rate)
        out_audio[start:start + block] = out[:, 0]
    return out_audio[:total]


def _slot_index(node: Any, slot: str, take: Take) -> int | None:
    """The index of ``slot`` in the replaying sampler, or None, told on its ``assign`` input naming the take: a slot
    it has not (``--patch`` with other slot names and no slot map). Before, the frame-for-frame replay ended in a
    KeyError traceback, and the replay from times told "no slot named ..." naming no take, to no one."""
    try:
        return int(node._slot_index(slot))
    except KeyError as error:
        tell_on_input(node, f"{take.name} not loaded into slot {slot}: {error.args[0]}")
        return None


def _take_up(node: Any, index: int, take: Take, label: str | None) -> None:
    """Load ``take`` into slot ``index`` as the live callback took it up, lock or not: the swap says it did. Its sound
    is in the slot even where its status report fails (``LoadedUntold``): that is told on the node's ``assign``
    input, as the assign handler tells it, and the replay goes on. Before, it raised out of the replay: no WAV, the
    report's words alone."""
    untold: LoadedUntold | None = None
    with node._records_lock:
        record = node.records[index]
        record.push(take, label, node.history)
        try:
            node._load(index, take, label)
        except LoadedUntold as error:
            untold = error
    if untold is not None:
        tell_on_input(node, f"{take.name} loaded into slot {record.name}, but its status could not be told: "
                            f"{error_text(untold.__cause__ or untold)}")


def _epoch_bases(events: list[tuple[int, int, Any]], epochs: list[int], anchors: dict[int, tuple[float, int]],
                 ended: dict[int, float], rate: int, block: int) -> tuple[dict[int, int], list[int]]:
    """Where each audio process's frame 0 falls in the replay (epoch -> replay frame), and the replay frames at which
    an earlier process's stream stopped.

    Epoch ``e`` after ``p``: its block at ``(t_e, f_e)`` lies ``(t_e - t_p) * rate`` frames after ``p``'s at
    ``(t_p, f_p)`` (the latest clock point of each); rounded to the live block grid (JACK's cycles run on across a
    restart), and never before the block after ``p``'s last event. ``p``'s stream stopped at the block after it was
    found dead (``ended``), else where ``e`` starts. Without both clocks, ``e`` starts after ``p``'s last event."""
    last: dict[int, int] = {}
    for (frame, _, _), epoch in zip(events, epochs, strict=True):
        last[epoch] = max(last.get(epoch, 0), frame)
    order = sorted(set(epochs) | set(anchors))
    bases, cuts = {order[0]: 0}, []
    for p, e in itertools.pairwise(order):
        after = (bases[p] + last.get(p, 0)) // block * block + block  # the block after p's last event
        if p in anchors and e in anchors:
            (t_p, f_p), (t_e, f_e) = anchors[p], anchors[e]
            start = round((bases[p] + f_p + (t_e - t_p) * rate - f_e) / block) * block
            cut = -(-int(bases[p] + f_p + (ended[p] - t_p) * rate) // block) * block if p in ended else start
        else:
            start = cut = after
        bases[e] = max(start, after)
        cuts.append(min(max(cut, after), bases[e]))
    return bases, cuts


def _cut(core: Any) -> None:
    """The stream stopped (its audio process died): every voice and held event goes, as with the process; the next
    process's core starts with no crossfade and unit applied gains."""
    core.active.fill(False)
    core.releasing.fill(False)
    core.held.count = 0
    for s in range(core.slots):
        core._end_crossfade(s)
    core.applied_gain.fill(1.0)


def _push_at(ring: Any, line: dict[str, Any], due: float) -> None:
    kind = line.get("type")
    channel, note, velocity = int(line.get("channel", 0)), int(line.get("note", 0)), int(line.get("velocity", 0))
    sender = int(line.get("sender", 0))  # a tagged all-notes-off ended its sender's notes only, live and here
    if kind == "note_on":
        ring.push(NOTE_ON, channel, note, velocity, 0.0, due, sender)
    elif kind == "note_off":
        ring.push(NOTE_OFF, channel, note, 0, 0.0, due, sender)
    elif kind == "all_off":
        ring.push(ALL_OFF, channel, 0, 0, 0.0, due, sender)


def _apply(node: Any, name: str, value: float) -> None:
    """Set a gain, mute or the master gain in the state the core reads, as the live callback found it (a slot the
    replaying patch does not have is left out)."""
    target, _, what = name.rpartition(".")
    state = node.state
    if target.lower() == "master":
        state.master[0] = value
        return
    try:
        index = node._slot_index(target)
    except KeyError:
        return
    if what.lower() == "mute":
        state.mute[index] = value >= 0.5
    else:
        state.gain[index] = value
