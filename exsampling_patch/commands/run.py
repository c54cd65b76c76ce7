"""``exsampling run PATCH``: run a patch headless (on stage), until Ctrl+C or for a number of seconds."""

from __future__ import annotations

import argparse
import logging
import re
import signal
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from exsampling_patch.commands.arg_types import at_least, positive_seconds
from exsampling_patch.commands.console_lines import ConsoleLines
from exsampling_patch.commands.late_loads import NotLoadedCount
from exsampling_patch.commands.library_log import default_log_path, library_noise_to
from exsampling_patch.commands.patch_watch import (
    file_stamp,
    model_edited_text,
    model_files,
    node_file_edited_text,
    node_files,
    watch_file,
    watch_patch_file,
)
from exsampling_patch.commands.run_signals import (  # the window's three: imported from here by tests too
    EXIT_CUT_OFF,
    EXIT_GRACE,
    SAME_SIGNAL_ENV,  # noqa: F401
    SAME_SIGNAL_SECONDS,  # noqa: F401
    StopSignals,
    same_signal_seconds,  # noqa: F401
    stopping_text,
)
from exsampling_patch.commands.stage import StageConsole
from exsampling_patch.commands.start_watch import NOTICES, REMIND_EVERY, StartWatch, import_notices
from exsampling_patch.errors import PatchError
from exsampling_patch.patch import Patch
from exsampling_patch.runtime import Engine, Event, NodeError, NodeStarted, NodeStatus, TakeEnded, showlog
from exsampling_patch.runtime.parts import running_at
from exsampling_patch.stop_news import (  # the summary's words: imported from here by tests and tools too
    arriving_parts,
    cut_off_counts,
    cut_off_news,
    ends_text,
    joined,
    kept_takes,
    phones_parts,
    recovered_text,
    summary_word,
    unfinished_text,
    unsent_parts,
    unsent_unknown,
)
from exsampling_patch.validate import load_patch_with_warnings
from exsampling_patch.wording import counted

log = logging.getLogger("exsampling.run")

NODE_NEVER_STARTED = 3
"""Exit status of a run that ended with a node that never started (1: the patch has problems; 130: Ctrl+C)."""
START_GRACE = 0.5  # after Ctrl+C during start-up: how long the node starting then may take to finish its start()
STOP_SECONDS = 0.4  # for queued work to finish at stop; each node's own stop comes on top (--for: 0.5 s in all)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "run", help="run a patch without the editor (on stage)",
        description="Run a patch without the editor. Exits 1 if the "
        "patch has problems (printed as FILE:LINE: message). A node that fails while running is reported "
        "(the same error again is counted, not printed each time) and bypassed; the rest of the patch goes on. "
        "Exit status: 0, or 2 for a usage error, or 3 when the run ended with a node that never started (each is "
        f"named, with why), or {EXIT_CUT_OFF} when the run went well but its exit handlers (a plugin's, a stalled "
        f"stdout) had not ended {EXIT_GRACE:g} s after it and were cut off, or 130 after Ctrl+C (143 after SIGTERM, "
        "129 when its terminal closed: SIGHUP).",
    )
    parser.add_argument("patch", metavar="PATCH", help="patch file (YAML)")
    parser.add_argument("--for", dest="duration", type=positive_seconds, metavar="SECONDS",
                        help="stop this many seconds after the patch is running (start-up not counted; "
                        "default: run until Ctrl+C)")
    parser.add_argument("-q", "--quiet", action="store_true",
                        help="print only the line that the patch is running, failures, recoveries, the web recorder's "
                        "URL and QR code (for phones to pair) and the summary (no line per take or per other port)")
    # -v means here what it means before the command (`exsampling -v run`): more detail in the log. It printed every
    # message hop instead, so that `exsampling -v run` and `exsampling run -v` did two different things.
    parser.add_argument("-v", "--verbose", dest="more_verbose", action="count", default=0,
                        help="more detail in the log, as 'exsampling -v run' (-vv: debug); the log is --log's file")
    parser.add_argument("--trace", dest="hops", action="store_true",
                        help="also print every message hop between nodes (with --json: MessageHop events)")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object per event on stdout (event, at, node_id, ...), for scripts: "
                        "NodeStarted, NodeStatus, NodeError, NodeHung, TakeEnded (MessageHop with --trace); the last "
                        "line is RunStopped, the summary's counts (seconds, during_start_up, clean, takes by fate, "
                        "takes_told by what each take's line says, not_loaded, recovered, recovered_by_source, "
                        "node_errors, never_started, cut_off, kept_by, unsent, unsent_unknown, held_on_phones, "
                        "uploads_cut_off, uploads_arriving, signal, exit_status; cut_off counts every take in flight "
                        "at the stop by source, kept_by those of them a node kept, by node; unsent_unknown says why "
                        "an output's unsent count may leave out takes kept earlier); on stderr: the web recorder's URL "
                        "and QR code (for phones to pair) with its warnings, and the summary")
    parser.add_argument("--takes", action="store_true", help=argparse.SUPPRESS)  # now the default
    parser.add_argument("--log", metavar="FILE", default=None,
                        help="where libraries' own messages (libjack, PortAudio) and the log go; default "
                        "~/.local/state/exsampling/run.log; '-': the terminal")
    parser.add_argument("--show-log", metavar="FILE", default=None,
                        help="where the show log goes (JSON lines, for 'exsampling replay'); default "
                        "<take folder>/../shows/<start>.jsonl, beside the takes (see docs/replay.md); 'none': no log. "
                        "A FILE there already is kept, never appended to: show.jsonl taken, the log goes to "
                        "show-2.jsonl, -3 ...")
    parser.add_argument("--nodes", action="append", default=[], metavar="DIR",
                        help="a folder of node files (*.py); give it again for another")
    parser.add_argument("--workers", type=at_least(1), default=None, metavar="N",
                        help="threads that run the nodes' work (default: one per CPU, at least 2)")
    parser.add_argument("--start-notice", type=positive_seconds, default=NOTICES[0], metavar="SECONDS",
                        help=f"name a node on the console once its start (or, at the end, its stop; or a node plugin "
                        f"once its import) has taken "
                        f"this long (default: "
                        f"{NOTICES[0]:g}; again at {NOTICES[1]:g} s and every {REMIND_EVERY / 60:g} minutes)")
    # own_signals: main stops quietly on SIGTERM until run() puts its handler in place (cli.EarlyStops)
    parser.set_defaults(func=run, exit_at_once=True, own_signals=True)  # see cli.exit_at_once


def run(args: argparse.Namespace) -> int:
    out = sys.stdout
    try:
        return _run(args, out)
    finally:
        sys.stdout = out  # with --json, stderr meanwhile (see _run)


def _run(args: argparse.Namespace, out: TextIO) -> int:
    """The run; with ``--json``, its JSON lines on ``out``, the process's ``sys.stdout`` on entry."""
    # Every line for a person, here and on the console: one that cannot be written neither ends the show (stderr on a
    # full disk ended it with exit status 1 at "running") nor goes without a word (console_lines)
    lines = ConsoleLines()
    read = file_stamp(args.patch)  # an edit saved from here on is told (patch_watch): the run plays what it read
    try:
        with import_notices("stops the run", args.start_notice, lines=lines):
            patch, registry, warnings, plugins = load_patch_with_warnings(args.patch, extra_node_dirs=args.nodes)
    except PatchError as error:
        for problem in error.problems:
            lines.say(str(problem))
        for warning in error.warnings:  # as check tells them beside the problems
            lines.say(f"warning: {warning}")
        for plugin in error.plugins:  # a plugin that failed to import may be why the patch fails
            lines.say(f"warning: plugin {plugin}")
        return 1
    for warning in warnings:  # as check tells them: the show runs, but likely not as meant
        lines.say(f"warning: {warning}")
    for plugin_problem in plugins:
        lines.say(f"warning: plugin {plugin_problem}")

    log_path = None if args.log == "-" else Path(args.log) if args.log else default_log_path()
    if log_path is not None:
        try:
            library_noise_to(log_path)
        except OSError as error:  # a folder, a read-only home: the show goes on without the file
            lines.say(f"warning: libraries' own messages stay on the terminal: cannot write --log {log_path}: "
                      f"{error.strerror or error}")
            log_path = None
    mode = "json" if args.json else "quiet" if args.quiet else "normal"
    if mode == "json":
        # stdout is the JSON lines' alone: a node's print() (in a handler, on a thread of its own) went there too,
        # between them, and a script reading them failed on it. Any other print goes to the console's stderr (set
        # just above, where there is a --log).
        sys.stdout = sys.stderr
    console = StageConsole(patch, mode, out=out, err=sys.stderr, lines=lines)
    console.hops = args.hops
    for spec in patch.nodes.values():  # the console prints the recorder's URL and QR code, in its place
        if spec.type == "web_recorder":
            spec.params = {**spec.params, "print_qr": False}
    engine = Engine(registry, workers=args.workers, base_dir=Path(args.patch).resolve().parent, patch_file=args.patch)
    # as the classifiers read them at their start: a save from here on is told (retrained into, mid-show)
    models = {node_id: (model, file_stamp(model))
              for node_id, model in model_files(patch, Path(args.patch).resolve().parent).items()}
    plugin_code = {file: (types, file_stamp(file)) for file, types in node_files(patch, registry).items()}
    console.node = engine.find_node
    console.in_flight = lambda take_id: take_id in engine.ledger  # read each time: a start makes a new one

    fates: dict[str, int] = {}  # by the runtime's fate, as the JSON record's "takes" always counted them
    told: dict[str, int] = {}  # by the words of the take lines (summary_word): the summary line's counts
    not_loaded = NotLoadedCount()  # of told's "slot": those no output loaded, less those loaded after all
    started_nodes: set[str] = set()
    start_errors: dict[str, str] = {}  # node id -> the first error it reported before it started
    # takes stored by the last run and passed on again at this start (a kill -9, a stop mid-burst): the summary
    # counted them with this run's, and a performer who recorded nothing since read them as new
    recovering: dict[str, str] = {}  # take id -> its source
    recovered: dict[str, int] = {}  # source -> how many of its takes

    def report(event: Event) -> None:
        if isinstance(event, TakeEnded):
            fates[event.fate] = fates.get(event.fate, 0) + 1
            word = summary_word(event.fate, event.reason)
            told[word] = told.get(word, 0) + 1
            not_loaded.ended(event)  # counted apart where its line says "no output has it"
            if event.take_id in recovering:
                source = recovering.pop(event.take_id)
                recovered[source] = recovered.get(source, 0) + 1
        elif isinstance(event, NodeStatus) and event.status.get("recovered") and event.status.get("take"):
            recovering[str(event.status["take"])] = event.node_id
        elif isinstance(event, NodeStatus) and event.status.get("loaded_after_all"):
            not_loaded.loaded_after_all(str(event.status["loaded_after_all"]))
        elif isinstance(event, NodeStatus) and event.status.get("refused_take"):
            # a take the web recorder refused for good never flows, so never ends: counted, or lost from the summary
            fates["refused"] = fates.get("refused", 0) + 1
            told["refused"] = told.get("refused", 0) + 1
        elif isinstance(event, NodeError):
            if event.node_id not in started_nodes:
                start_errors.setdefault(event.node_id, event.error)
        elif isinstance(event, NodeStarted):
            started_nodes.add(event.node_id)
            log.info("started %s (%s)", event.node_id, event.type_name)
        console(event)

    engine.events.subscribe(report, *console.kinds())
    show = None
    if args.show_log != "none":
        base_dir = Path(args.patch).resolve().parent
        # --show-log FILE given again (a show restarted with the same command) gets a file of its own, as two default
        # logs of one second do: appended to the first, the two shows were replayed as one.
        show_path = showlog.unused_path(Path(args.show_log)) if args.show_log else \
            showlog.default_path(patch, base_dir, time.time())
        sources = [nid for nid, spec in patch.nodes.items() if not registry.get(spec.type).inputs]
        try:
            show = showlog.ShowLog(show_path, patch, sources, samplers_of(patch),
                                   patch_path=str(Path(args.patch).resolve()),
                                   on_problem=lambda text: console.say(
                                       f"{time.strftime('%H:%M:%S')} warning: show log {show_path}: {text}"))
        except OSError as error:
            console.say(f"warning: no show log: cannot write {show_path}: {error.strerror or error}")
        else:
            engine.events.subscribe(show, *showlog.KINDS)
            if mode == "normal":
                taken = f" ({args.show_log} is there already, kept as it is)" \
                    if args.show_log and show_path != Path(args.show_log) else ""
                console.say(f"show log: {show_path}{taken}")
    if log_path is not None and mode == "normal":
        console.say(f"libraries' own messages (JACK, PortAudio) go to {log_path}")
    console.announce_static(registry)

    signals = StopSignals()  # read where the run waits, stops and tells its exit status
    stop, stopped_by, stopping = signals.stop, signals.stopped_by, signals.stopping
    signals.install()
    try:  # the handlers restored and the stop's pipe closed however the run ends (main runs it in tests)
        starting = time.monotonic()
        # The nodes start on a thread of their own: start-up may take seconds (a model to load, a device to open), and
        # Ctrl+C meanwhile must stop the run at once, not when the last node has started.
        start_failed: list[BaseException] = []

        def start() -> None:
            try:
                engine.start(patch, checked=True)  # load_patch has just checked it
            except BaseException as error:  # re-raised on the main thread
                start_failed.append(error)

        starter = threading.Thread(target=start, name="exsampling-start", daemon=True)
        starter.start()
        def where_of(node_id: str) -> str:  # where a plugin's start() waits: "has not returned" alone left it to guess
            kind = registry.types.get(patch.nodes[node_id].type) if node_id in patch.nodes else None
            return running_at(starter.ident, kind) if kind is not None else ""

        watch = StartWatch(lambda node_id: patch.nodes[node_id].type if node_id in patch.nodes else "",
                           args.start_notice, where_of)
        while starter.is_alive() and not stop.wait(0.02):
            node_id, call = engine.starting_call or (None, "start")
            slow = watch.check(node_id, time.monotonic(), call)
            if slow:
                console.say(f"{time.strftime('%H:%M:%S')} {slow}")
        interrupted = starter.is_alive()
        if interrupted:  # a signal came during start-up: start no more nodes, and do not wait for the one starting
            engine.abort_start()
            starter.join(START_GRACE)
        if start_failed:
            raise start_failed[0]
        if show is not None:
            for node_id in samplers_of(patch):
                if node_id not in started_nodes:
                    # Its start() failed, or the stop kept it from starting: it played nothing, and asked what it
                    # played, it told the console a Python error.
                    continue
                node = engine.find_node(node_id)
                if callable(getattr(node, "played", None)):
                    show.watch(node_id, node.played)  # type: ignore[union-attr]
        running = time.monotonic()  # --for counts from here: the patch is running (start-up may take seconds)
        if not stop.is_set():
            name = patch.name or args.patch
            # "running ExSampling: 11 nodes" read as all eleven running, the recorder that could not listen among them:
            # its error may have scrolled away above the QR code, and the show had no way in for takes.
            unstarted = [f"'{node_id}'" for node_id in patch.nodes if node_id not in started_nodes]
            nodes = (f"{len(patch.nodes) - len(unstarted)} of {counted(len(patch.nodes), 'node')} (not started: "
                     f"{', '.join(unstarted)})" if unstarted else counted(len(patch.nodes), "node"))
            # A console that cannot take it (stderr on a full disk, `--log -`) ended the show here with exit status 1
            console.say(f"running {name}: {nodes}, {counted(len(patch.links), 'link')}, started in "
                        f"{running - starting:.1f} s"
                        + (f"; for {args.duration:g} s" if args.duration else "; Ctrl+C stops"))
            watching = threading.Event()
            watch_patch_file(args.patch, read, watching, console.say)
            for node_id, (model, model_read) in models.items():
                watch_file(model, model_read, watching, console.say, model_edited_text(model, node_id, args.patch))
            check = " ".join([".venv/bin/exsampling check", args.patch,
                              *(f"--nodes {folder}" for folder in args.nodes)])
            for file, (types, code_read) in plugin_code.items():
                watch_file(file, code_read, watching, console.say, node_file_edited_text(file, types, check))
            stop.wait(args.duration)
            watching.set()
        if stopped_by:
            console.say(stopping_text(stopped_by[0]))
        ran = time.monotonic() - running
        stopping.set()
        console.stopping()
        if show is not None:
            show.stopping()
        threading.Thread(target=watch_stop, args=(engine, watch.type_of, args.start_notice, console), daemon=True,
                         name="exsampling-stop-watch").start()
        clean = engine.stop(timeout=STOP_SECONDS)
        stopping.clear()  # what follows (the summary) is no stop: a signal there is told as one in a run
        console.flush_errors()  # how often an error came again since its last line, before the summary
        # counted once, for the line and the JSON alike: a node whose stop was given up on may still report
        kept = kept_takes(engine.ledger)  # named by the node they wait at, not their source alone
        cut_off_by_source, unsent_by_node = cut_off_counts(engine.ledger), unsent_counts(engine)
        uncounted = unsent_unknown(engine.status_snapshot())  # an output's count is a floor: why
        held, uploads_cut = counts_of(engine, "held_on_phones"), counts_of(engine, "uploads_cut_off")
        arriving = counts_of(engine, "uploads_arriving")
        cut_off = (joined(cut_off_news(engine.ledger, engine.errors, patch, registry, kept))
                   + unsent_text(unsent_by_node, uncounted) + phones_text(held, uploads_cut, arriving))
        if show is not None:
            show.close()
        failed = dict(engine.error_counts)  # one C call: a node still running may add to it
        never = [node_id for node_id in patch.nodes if node_id not in started_nodes]
        # FILE:LINE of a classifier's model or a folder parameter that stopped its start, for the line and the JSON
        # alike
        places = {node_id: model_place(args.patch, patch, node_id, start_errors.get(node_id, "")) for node_id in never}
        console.say((f"stopped during start-up, {time.monotonic() - starting:.1f} s in" if interrupted
                     else f"stopped after {ran:.1f} s running")
                    + ("" if clean else f" ({unfinished_text(engine.unfinished)})")
                    + (f"; {ends_text(told, not_loaded.count)}" if told else "")
                    + (recovered_text(sum(recovered.values()), sum(told.values()), recovered) if recovered else "")
                    + (f"; nodes with errors: {', '.join(f'{n} ({c})' for n, c in failed.items())}" if failed else "")
                    + cut_off)
        signals.ended()  # said: a signal from here on neither quits at once nor changes the exit status
        for node_id in [n for n in never if n in start_errors or not interrupted]:
            why = start_errors.get(node_id, "")
            console.say(f"{places[node_id]}node '{node_id}' never started" + (f": {why}" if why else ""))
        stopped_first = [n for n in never if n not in start_errors and interrupted]
        if stopped_first:  # a Ctrl+C in the default patch's start-up told eight nodes, one line each, the same why
            names = ", ".join(f"'{n}'" for n in stopped_first)
            console.say(f"node{'s' if len(stopped_first) > 1 else ''} {names} never started: the run was stopped "
                        "first")
        # 130 after Ctrl+C, 143 after SIGTERM, 129 after SIGHUP, as a shell reports them
        code = 128 + stopped_by[0] if stopped_by else NODE_NEVER_STARTED if never else 0
        # the summary's counts for a script, which read only stdout: the text line is on stderr
        if mode == "json":
            console.json_line("RunStopped", time.time(), {
                "seconds": round(time.monotonic() - starting if interrupted else ran, 3),
                "during_start_up": interrupted,
                "clean": clean, "takes": dict(sorted(fates.items())), "takes_told": dict(sorted(told.items())),
                "not_loaded": not_loaded.count, "recovered": sum(recovered.values()),
                "recovered_by_source": recovered,
                "node_errors": failed,
                "never_started": {node_id: places[node_id] + start_errors[node_id] if start_errors.get(node_id)
                                  else "the run was stopped first" if interrupted else "" for node_id in never},
                "cut_off": cut_off_by_source, "kept_by": dict(Counter(node for node, _why in kept.values())),
                "unsent": unsent_by_node, "unsent_unknown": uncounted, "held_on_phones": held,
                "uploads_cut_off": uploads_cut, "uploads_arriving": arriving,
                "signal": signal.Signals(stopped_by[0]).name if stopped_by else None, "exit_status": code}, last=True)
        return code
    finally:
        signals.uninstall(ignore=getattr(args, "process_ends", False))  # set by cli.main


def model_place(patch_file: str, patch: Patch, node_id: str, why: str) -> str:
    """``FILE:LINE: `` of a classifier's ``model`` (its node's line where not written) when its start failed on that
    file (one check cannot tell, or changed after it), as `classify --patch` tells it: the line to change was left
    to find; so of a folder parameter the system refused (:mod:`..runtime.path_errors`: a read-only disk, no check
    tells it), whose line was left to find as well; '' otherwise."""
    from exsampling_patch.patchfile import read_patch

    spec = patch.nodes.get(node_id)
    folder = re.search(r"the folder of parameter '([^']+)'", why)
    if spec is None:
        return ""
    if spec.type == "classifier" and why.startswith("not a readable model file"):
        param = "model"
    elif folder is not None:
        param = folder.group(1)
    else:
        return ""
    source = read_patch(patch_file).source_map  # read again: only here, where a line is told
    line = source.node_line(node_id, "params", param) or source.node_line(node_id)
    return f"{patch_file}:{line}: " if line else ""


def watch_stop(engine: Engine, type_of: Callable[[str], str], first_notice: float, console: StageConsole) -> None:
    """Name a node whose stop() has not returned, as :class:`StartWatch` names a start (a plugin joining a thread
    that never ends): the terminal stayed silent after "running" for as long as it hung. Ends with the stop."""
    # Where the node's code is (a dump of every thread's frames, the GIL held) is read only for a notice told, not
    # at each look: read every 50 ms, it held the GIL up to ~20 ms of each 50 while a stop() ran.
    watch = StartWatch(type_of, first_notice, lambda node_id: (engine.stopping_call or ("", ""))[1])
    node = engine.stopping_node
    while engine.running or node is not None:
        slow = watch.check(node, time.monotonic(), "stop")
        if slow:
            console.say(f"{time.strftime('%H:%M:%S')} {slow}")
        time.sleep(0.05)
        node = engine.stopping_node


def unsent_text(counts: dict[str, int], unknown: dict[str, str] | None = None) -> str:
    """The summary's part for takes an output kept unsent at its stop, worded as the editor's Stop says them
    (:func:`exsampling_patch.stop_news.unsent_parts`). ``counts``: :func:`unsent_counts`; ``unknown``: node -> why
    its count leaves out takes an earlier run kept (:func:`exsampling_patch.stop_news.unsent_unknown`)."""
    return joined(unsent_parts(counts, unknown))


def unsent_counts(engine: Engine) -> dict[str, int]:
    """Node -> the takes it kept unsent at its stop (its ``unsent`` status), for the nodes that kept any."""
    return counts_of(engine, "unsent")


def counts_of(engine: Engine, name: str) -> dict[str, int]:
    """Node -> its status ``name``, a count, for the nodes whose count is above 0."""
    # A snapshot: a node whose stop was given up on, or a device thread, may still report as this is read.
    return {node_id: status[name] for node_id, status in engine.status_snapshot().items()
            if isinstance(status.get(name), int) and status[name] > 0}


def phones_text(held: dict[str, int], uploads_cut: dict[str, int], arriving: dict[str, int]) -> str:
    """The summary's part for the takes a web recorder's stop leaves on their way, none of which ended (so the take
    counts said nothing of them): those it refused for its full disk (507) and did not store since (``held``: the
    nodes' ``held_on_phones`` status), the uploads its stop cut mid-body (``uploads_cut``: ``uploads_cut_off``), both
    kept on their phones, which send them again; and the uploads it was still checking and storing when its stop
    stopped waiting for them (``arriving``: ``uploads_arriving``): stored, such a take is passed on at the next start;
    refused, its phone keeps it. Worded as the editor's Stop says it (:mod:`exsampling_patch.stop_news`)."""
    parts = phones_parts(held, uploads_cut) + arriving_parts(arriving)
    return "; " + "; ".join(parts) if parts else ""


def samplers_of(patch: object) -> list[str]:
    """Ids of the patch's sampler nodes."""
    return [nid for nid, spec in getattr(patch, "nodes", {}).items() if spec.type == "sampler"]
