"""``exsampling replay SHOW_LOG --out show.wav``: render a show log offline through the sampler (docs/replay.md)."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from exsampling_patch.commands.arg_types import at_least
from exsampling_patch.errors import PatchError
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.patchfile import closest_existing
from exsampling_patch.registry import Registry
from exsampling_patch.slot_takers import slot_takers_fed
from exsampling_patch.validate import load_patch
from exsampling_patch.wording import counted


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "replay", help="render a show log offline to a WAV file",
        description="Re-run a show from its log (written by every 'exsampling run'): each take the sampler got is "
        "loaded into its slot at its time, and the MIDI it got is played at its times, through the sampler's own "
        "code, offline and faster than real time. With --patch, the same takes and MIDI go through another "
        "patch's sampler and slot map (a different table, other slot names) to compare.",
    )
    parser.add_argument("show", metavar="SHOW_LOG",
                        help="a show log (.jsonl) of one show, with the folder of its takes beside it: 'exsampling "
                        "run' names it as it starts (the default patch's: session/shows/<start>.jsonl)")
    parser.add_argument("--out", required=True, metavar="WAV", help="the audio file to write (mono float32 WAV)")
    parser.add_argument("--patch", metavar="OTHER.yaml", default=None,
                        help="replay through this patch's sampler and slot map instead of the show's")
    parser.add_argument("--sampler", default=None, help="which sampler node of the show (default: the first; "
                        "an id the show has not is refused, naming its samplers)")
    parser.add_argument("--rate", type=at_least(0), default=0, metavar="HZ",
                        help="sample rate of the WAV, in Hz (default: the show's). At another rate than the show's "
                        "sound device ran at, the replay is not frame for frame as the show played: each event is "
                        "placed by its logged time, to within a block (docs/replay.md)")
    parser.add_argument("--block", type=at_least(1), default=256, metavar="FRAMES",
                        help="frames per rendered block (default 256)")
    parser.set_defaults(func=replay)


def out_problem(out: Path) -> str:
    """Why the WAV file ``out`` cannot be written, or ''."""
    if out.is_dir():
        return f"a folder: name the WAV file to write in it, such as {out / 'replay.wav'}"
    if out.suffix.lower() != ".wav":
        return "replay writes a float32 WAV file: name it .wav"
    if not out.parent.is_dir():
        return f"no folder {out.parent}"
    if not os.access(out.parent, os.W_OK):
        return f"its folder {out.parent} is not writable"
    return ""


def write_failure(out: Path, size: int, error: BaseException) -> str:
    """Why writing ``size`` bytes to ``out`` failed, in words: libsndfile says only "System error." for a file it
    could not open or write, where the reason (a link to a folder that is gone, a read-only disk, a full one) is what
    a person can act on."""
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    try:
        with open(out, "ab"):  # appends nothing: whether it opens, and why not
            pass
    except OSError as opening:
        return opening.strerror or str(opening)
    try:
        free = shutil.disk_usage(out.resolve().parent).free
    except OSError:
        free = None
    if free is not None and free < size:
        return f"the disk is full ({free / 1e6:.0f} MB free, the WAV takes {size / 1e6:.0f} MB)"
    if not out.is_file():  # a device (a link to /dev/full): whether a byte goes in; a file is not written to here
        try:
            with open(out, "ab") as probe:
                probe.write(b"\0")
                probe.flush()
        except OSError as writing:
            why, target = writing.strerror or str(writing), out.resolve()
            return f"{why} (a link to {target})" if target != out.absolute() else why
    return str(error)


def show_samplers(header: dict[str, Any]) -> list[str]:
    """The ids of the samplers the show's header (its first line) logged, in its order: the first is the one
    replayed without ``--sampler`` (render_show's)."""
    nodes = header.get("nodes")
    return [nid for nid, spec in nodes.items() if isinstance(spec, dict) and spec.get("type") == "sampler"] \
        if isinstance(nodes, dict) else []


def sampler_problem(header: dict[str, Any], chosen: str | None) -> str:
    """Why the show's header (its first line) has no sampler to replay, or no sampler ``chosen``; '' if it has."""
    samplers = show_samplers(header)
    if not samplers:
        return "the show's patch has no sampler node: nothing to replay"
    if chosen is not None and chosen not in samplers:
        return f"--sampler {chosen}: the show has no sampler of that id (its samplers: {', '.join(samplers)})"
    return ""


def unreadable(show: Path, error: OSError) -> str:
    """Why the show log could not be read, with where it may be, as ``run`` says of a patch: "No such file or
    directory" alone named no way out of a mistyped name, and "Is a directory" none of the logs in the folder
    (shows/, beside the takes, where every run writes one)."""
    if isinstance(error, IsADirectoryError):
        names = sorted(path.name for path in show.glob("*.jsonl"))
        if not names:
            return "a folder, not a show log, and none (.jsonl) is in it"
        earlier = "..., " if len(names) > 8 else ""  # named by their start: the last ones are the latest
        return f"a folder, not a show log: name one of its show logs ({earlier}{', '.join(names[-8:])})"
    why = error.strerror or str(error)
    if isinstance(error, FileNotFoundError):
        meant = closest_existing(show)
        return f"{why} (did you mean '{meant}'?)" if meant else why
    return why


def other_sampler(patch: Patch, registry: Registry, chosen: str | None) -> tuple[NodeSpec | None, NodeSpec | None]:
    """The sampler of ``--patch``'s ``patch`` to replay through, and the slot map to choose the takes' slots again
    (None: none): the sampler of id ``chosen`` (the show's: ``--sampler``, else the first it logged) where it has one,
    else the one the first map whose slots reach a sampler feeds, else the file's first; the first map whose slots
    reach that sampler, else the file's first. The file's first sampler was used whatever ``--sampler`` named, and the
    file's first map, a second map tried beside the one that plays (or one feeding Live) putting the takes in its own
    slots."""
    samplers = [spec for spec in patch.nodes.values() if spec.type == "sampler"]
    maps = [spec for spec in patch.nodes.values() if spec.type == "slot_map"]
    fed = {spec.id: slot_takers_fed(patch, registry, spec.id) for spec in maps}
    sampler = next((spec for spec in samplers if spec.id == chosen), None) \
        or next((spec for spec_map in maps for spec in samplers if spec.id in fed[spec_map.id]), None) \
        or (samplers[0] if samplers else None)
    feeding = [spec for spec in maps if sampler is not None and sampler.id in fed[spec.id]]
    return sampler, next(iter(feeding or maps), None)


def replay(args: argparse.Namespace) -> int:
    import soundfile

    refused = out_problem(Path(args.out))  # before the rendering: the write came after it, in a traceback
    if refused:
        print(f"error: --out {args.out}: {refused}", file=sys.stderr)
        return 1
    registry = Registry.default()
    sampler_type: Any = registry.get("sampler")
    show = Path(args.show)
    try:
        lines = sampler_type.read_show(show)
    except OSError as error:
        print(f"{show}: {unreadable(show, error)}", file=sys.stderr)
        return 1
    except ValueError as error:
        print(f"{show}: {error}", file=sys.stderr)
        return 1
    refused = sampler_problem(lines[0], args.sampler)  # else a silent WAV, and "wrote" as if all went well
    if refused:
        print(f"{show}: {refused}", file=sys.stderr)
        return 1
    params = slot_for = None
    problems: list[str] = []  # each problem told while replaying (a take not loaded, or placed nowhere): printed below
    if args.patch:
        try:
            patch, registry = load_patch(args.patch)
        except PatchError as error:
            for problem in error.problems:
                print(problem, file=sys.stderr)
            return 1
        # Without --sampler, the one the show is replayed for: a sampler of its id is that one in the other patch
        # before any a map feeds (a second sampler first in the file, the map feeding both).
        sampler, slot_map = other_sampler(patch, registry, args.sampler or show_samplers(lines[0])[0])
        if sampler is None:
            print(f"{args.patch}: no sampler node", file=sys.stderr)
            return 1
        params = dict(sampler.params)
        if slot_map is not None:
            # A take its map places nowhere is told among the problems: it was left out of the WAV silently.
            slot_for = sampler_type.remapper(registry.get("slot_map"), dict(slot_map.params), slot_map.id, problems)
    began = time.perf_counter()
    try:
        audio, rate = sampler_type.render_show(sampler_type, lines, show.parent, args.sampler, params,
                                               slot_for, args.rate, args.block, problems=problems)
    except sampler_type.ShowAudioError as error:  # the log copied without its takes' folder: was a traceback
        print(f"{show}: {error}", file=sys.stderr)
        return 1
    out = Path(args.out)
    existed = out.exists() or out.is_symlink()
    try:
        soundfile.write(out, audio, rate, subtype="FLOAT")
    except (OSError, RuntimeError) as error:  # soundfile's LibsndfileError is a RuntimeError
        # Its checks passed (out_problem), yet the write can fail: a full disk, a link to a folder that is gone, a
        # folder root may write in but a share refuses. Was a traceback after the whole rendering.
        why = write_failure(out, audio.nbytes, error)
        if not existed and out.is_file() and not out.is_symlink():
            out.unlink(missing_ok=True)  # what it began to write: no half a WAV left for a whole one
        print(f"error: --out {args.out}: could not write it: {why}", file=sys.stderr)
        return 1
    took = time.perf_counter() - began
    print(f"wrote {args.out}: {len(audio) / rate:.1f} s at {rate} Hz in {took:.1f} s", file=sys.stderr)
    # Not those once the run began to stop (its JACK clients closing): the show was over, no dropout was heard.
    stop = next((i for i, line in enumerate(lines) if line.get("event") == "stopping"), len(lines))
    xruns = sampler_type.live_xruns(lines[:stop], args.sampler)
    if xruns:
        at = (", ".join(f"{x['frame'] / _stream_rate(lines, x, rate):.2f} s" for x in xruns[:8])
              + (" ..." if len(xruns) > 8 else ""))
        print(f"the live run had {counted(len(xruns), 'xrun')} (stream at {at}): dropouts the "
              "audience heard, which a replay cannot reproduce; it plays on where the recording jumped",
              file=sys.stderr)
    return told_problems(show, problems)


#: The exit status of a replay that wrote its WAV but told problems (1: no WAV written).
UNFAITHFUL = 2


def told_problems(show: Path, problems: list[str]) -> int:
    """Print each problem told while replaying (by the sampler, or the slot map of ``--patch``), a line each naming its
    node and take, and the exit status: 0 without any, else :data:`UNFAITHFUL` (docs/replay.md). Before, they were
    collected and never read: a take the replay could not load was left out of the WAV, and the command said "wrote",
    exit 0."""
    for problem in problems:
        print(f"{show}: {problem}", file=sys.stderr)
    if not problems:
        return 0
    print(f"the replay may not be what the show played: it told {counted(len(problems), 'problem')} "
          f"(exit status {UNFAITHFUL})", file=sys.stderr)
    return UNFAITHFUL


def _stream_rate(lines: list[dict[str, Any]], xrun: dict[str, Any], replayed: int) -> float:
    """The rate of the live stream an xrun's frame counts (its sampler's ``audio`` line of the same process): a
    replay at another --rate said the xruns at frames over its own rate, 7.82 s read as 8.51 s at 44.1 kHz."""
    for line in lines:
        if (line.get("event") == "audio" and line.get("sampler") == xrun.get("sampler")
                and line.get("epoch", 0) == xrun.get("epoch", 0) and line.get("sample_rate")):
            return float(line["sample_rate"])
    return float(replayed)
