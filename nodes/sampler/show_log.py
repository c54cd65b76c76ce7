"""What ``exsampling replay`` reads and collects around the rendering (:mod:`.replay`): the show log's lines
(:func:`read_show`), the audio of each take it names, the context that collects what a replaying node emits and
tells (:class:`Collect`), another patch's slot map choosing the takes' slots again (:func:`remapper`), and the
xruns the live stream reported (:func:`live_xruns`). Apart from the rendering, which plays the show block by block.
"""

from __future__ import annotations

import contextlib
import itertools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from exsampling_patch.error_text import error_text
from exsampling_patch.messages import Prediction, Score, SlotAssignment, Take
from exsampling_patch.node import NodeContext


class ShowAudioError(Exception):
    """A take's audio that the show log names cannot be read (its folder not copied with the log, a file cut
    short): the message names the file and what to do."""


def take_audio(audio_dir: Path, given: dict[str, Any]) -> tuple[np.ndarray, int]:
    """The samples and rate of the audio a sampler was given, as the show log names it (``sampler_take``)."""
    import soundfile

    path = audio_dir / str(given["file"])
    if not path.is_file():
        raise ShowAudioError(f"the audio of take {given.get('take_id')} is missing: {path} (a show log's takes are "
                             f"in the folder of the same name beside it: copy that folder with the log)")
    try:
        samples, rate = soundfile.read(path, dtype="float32", always_2d=False)
    except (OSError, soundfile.SoundFileError) as error:
        raise ShowAudioError(f"the audio of take {given.get('take_id')} cannot be read: {path} "
                             f"({str(error).rpartition(': ')[2] or error})") from None
    return samples, int(rate)


class Collect(NodeContext):
    """The replay's context: what the node emits, and each error it tells, also in :attr:`told` (``exsampling replay``
    prints them: before, a take the replay failed to load was told to no one)."""

    def __init__(self) -> None:
        super().__init__(None)
        self.emitted: list[tuple[str, Any]] = []
        self.problems: list[str] = []
        self.told: list[str] = []

    def emit(self, node_id: str, port: str, message: Any) -> None:
        self.emitted.append((port, message))

    def report_error(self, node_id: str, error: BaseException | str, about: str = "") -> None:
        self.problems.append(str(error))
        self.told.append(error if isinstance(error, str) else error_text(error))

    def report_message_error(self, node_id: str, error: BaseException | str, port: str) -> None:
        super().report_message_error(node_id, error, port)
        self.told.append(error if isinstance(error, str) else error_text(error))


def read_show(path: Path) -> list[dict[str, Any]]:
    """The show log's lines, each up to its "\\n" only: the log writes text as is (``ensure_ascii=False``), and
    ``str.splitlines()`` would also break a take's name or label at U+2028, U+2029 or U+0085. A last line without
    its "\\n" that does not parse (a run killed mid-write) is left out; any other line that does not parse raises.

    A file that is no show log (a take, a patch, a file of other JSON) raises a ValueError that says so and names
    its first line that is not one ("line 3: not a show log ..."): the replay read it on and failed far from it."""
    with open(path, encoding="utf-8", errors="replace", newline="\n") as file:  # a kill may cut a character too
        text = file.read()
    *whole, last = text.split("\n")  # last: "" after a whole log's final "\n"
    numbered = [(number, line) for number, line in enumerate(whole, 1) if line.strip()]
    if last.strip() and not numbered:  # its only line: read as any other ("an empty file" of a one-line file)
        numbered.append((len(whole) + 1, last))
    elif last.strip():
        with contextlib.suppress(ValueError):  # cut short mid-write: the show up to it is replayed
            json.loads(last)
            numbered.append((len(whole) + 1, last))
    if not numbered:
        raise ValueError("an empty file, not a show log")
    lines: list[dict[str, Any]] = []
    for number, line in numbered:
        try:
            event = json.loads(line)
        except ValueError as error:
            # json's own words end "line 1 column 5 (char 4)": its line is the string's, not the file's.
            at = f" at column {error.colno}" if isinstance(error, json.JSONDecodeError) else ""
            raise ValueError(f"line {number}: not a show log (a JSON object a line, as 'exsampling run' writes): "
                             f"{getattr(error, 'msg', error)}{at}") from None
        if not isinstance(event, dict) or "event" not in event:
            raise ValueError(f"line {number}: not a show log (each line is a JSON object with an 'event')")
        if not lines and event["event"] != "show":
            raise ValueError(f"line {number}: not a show log (one begins with its 'show' line, the patch run)")
        lines.append(event)
    starts = [number for (number, _), event in zip(numbered, lines, strict=True) if event["event"] == "show"]
    if len(starts) > 1:
        raise ValueError(_shows_in_one(path, starts))
    return lines


def _shows_in_one(path: Path, starts: list[int]) -> str:
    """Why a log of several shows (a run before 6bb48c8 given a --show-log FILE that was there appended to it) is
    not replayed, and how to split it: read as one show, the shows' times (each from 0) overlapped into one WAV.
    Which show was meant is not known (the first, or the run restarted after it), so none is picked."""
    import shlex

    ranges = [f"{start},{end - 1}" for start, end in itertools.pairwise(starts)] + [f"{starts[-1]},$"]
    splits = "\n".join(f"  sed -n '{lines}p' {shlex.quote(str(path))} > "
                       f"{shlex.quote(str(path.with_name(f'{path.stem}-show{n}{path.suffix}')))}"
                       for n, lines in enumerate(ranges, 1))
    return (f"line {starts[1]}: a second show begins here: this log holds {len(starts)} shows (at lines "
            f"{', '.join(map(str, starts))}), one appended to the other by a run given a --show-log file that was "
            f"there already; replayed as one, their times would overlap. Split it beside it (its takes' audio is "
            f"found from its folder) and replay the show meant:\n{splits}")


def remapper(slot_map_type: type, params: dict[str, Any], map_id: str = "map",
             problems: list[str] | None = None) -> Callable[[dict[str, Any]], str | None]:
    """The slot another patch's slot map gives a logged prediction (its own code, on the logged scores).

    A take the map places in no slot (a label its table has not, no fallback) gets None, and ``problems`` a line
    naming the map (``map_id``) and the take, with the map's reason, once a take: ``exsampling replay`` prints it
    and exits 2. Before, the map's word went into its context and no one read it: the take was left out silently."""
    context = Collect()
    node = slot_map_type(map_id, params, context)
    node.start()
    unplaced: set[str] = set()  # takes told already: a take logged twice (a load, then its swap) is one problem

    def slot_for(prediction: dict[str, Any]) -> str | None:
        # A gate's fallback slot: a rejected take's, or a passed one's for labels with no slot (the map's own
        # fallback first), as the map applied them live.
        meta = {key: prediction[key] for key in ("fallback_slot", "gate_fallback_slot") if prediction.get(key)}
        take = Take(np.zeros(1, np.float32), 48000, take_id=prediction["take_id"], meta=meta)
        scores = tuple(Score(str(label), float(p)) for label, p in prediction.get("scores", []))
        context.emitted.clear()
        context.fates.clear()
        context.told.clear()
        node.handle("prediction", Prediction(take, scores))
        slot = next((m.slot for port, m in context.emitted if isinstance(m, SlotAssignment)), None)
        if slot is None and problems is not None and take.take_id not in unplaced:
            unplaced.add(take.take_id)
            problems.append(f"slot map '{map_id}': {take.name} not replayed: {_unplaced_reason(context)}")
        return slot

    return slot_for


def _unplaced_reason(context: Collect) -> str:
    """Why the map placed the take in no slot, in its own words: the error it told, else the fate it told."""
    if context.told:
        return context.told[-1]
    return context.fates[-1][1] if context.fates else "the map gave it no slot"


def live_xruns(lines: list[dict[str, Any]], sampler_id: str | None = None) -> list[dict[str, Any]]:
    """The xruns the live stream of the sampler (default: the show's first) reported (``xrun`` lines: ``count``,
    ``frame``, ``epoch``): dropouts the audience heard, which a replay cannot reproduce."""
    nodes = lines[0].get("nodes", {}) if lines else {}
    samplers = [nid for nid, spec in nodes.items() if spec.get("type") == "sampler"]
    sampler_id = sampler_id or (samplers[0] if samplers else "sampler")
    return [line for line in lines if line.get("event") == "xrun" and line.get("sampler") == sampler_id]
