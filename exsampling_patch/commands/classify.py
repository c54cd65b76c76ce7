"""``exsampling classify FILE...``: print each file's top labels, loading the model once.

With ``--patch PATCH``, each file goes through that patch's own chain up to the slot, as a take would in
the running patch: the processing nodes before its classifier (trim, ...), the classifier, the confidence
gate and the slot map after it, each built from the patch's parameters and run by its own node class
(:class:`PatchChain`), the classifier in this process.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from exsampling_patch.commands.arg_types import at_least
from exsampling_patch.commands.classify_chain import ChainError, Outcome, PatchChain
from exsampling_patch.patchfile import closest_existing
from exsampling_patch.phone_formats import READABLE, convert_hint, unreadable_recording

__all__ = ["ChainError", "Outcome", "PatchChain", "register", "run", "unreadable"]

WINDOWS = ("whole", "1s", "2s", "4s")
DEFAULT_TOP = 5
POOLINGS = ("mean", "max", "vote")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "classify", help="classify audio files", description="Classify audio files with the sound classifier, "
        "each file scored as the patch's classifier node scores a take by default (its loudest 3.84 s, as one "
        "window; --window, --pooling and --max-seconds change that). A file that cannot be read gets its own "
        "error and the others still run; the exit code is 1 if any file failed. With --patch, each file goes "
        "through the patch's own chain up to the slot (the nodes that process takes before its classifier, such as "
        "trim; the classifier; the confidence gate; the slot map, with the patch's parameters) and the slot it "
        "would land in is printed, or why not; a node before the classifier that fails on a file is told, and the "
        "file goes on past it unchanged, as in a run (the exit code is 1 then too).",
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="audio files (WAV, FLAC, OGG, ...)")
    parser.add_argument("--patch", default=None, metavar="PATCH",
                        help="a patch file: use its classifier node (if several, the first whose predictions reach "
                        "a slot map) and what is linked before and after it; the model, window, pooling and max "
                        "seconds come from the patch")
    parser.add_argument("--classifier", default=None, metavar="ID",
                        help="with --patch, the id of the classifier node to use, where the patch has several")
    parser.add_argument("--nodes", action="append", default=[], metavar="DIR",
                        help="a folder of node files the patch uses (as run and check take it; again for another); "
                             "only with --patch")
    parser.add_argument("--json", action="store_true",
                        help='one JSON object a line: {"file", "top": [{"label", "probability"}]}, '
                        'plus "reason" when there is nothing to classify, or "error"; with --patch, always '
                        '"slot" (or null) and "reason" (why no slot, or null; a file that failed: its "error"), '
                        'with a slot "slot_probability" (its labels summed), or, where the gate\'s fallback slot '
                        'took a take it turned down, "fallback" (the gate\'s reason) instead; "node_errors" where '
                        'a node before the classifier failed on the take (it went on unchanged, as in a run); and '
                        '"take" where the chain makes several takes of a file')
    parser.add_argument("--top", type=int, default=None, metavar="K",
                        help="how many labels (default 5; with --patch, at most its classifier's top_k)")
    parser.add_argument("--model", default=None,
                        help="a model file from `.venv/bin/exsampling train` (default: shipped)")
    parser.add_argument("--window", choices=WINDOWS, default=None,
                        help="scored windows (default: the classifier node's, whole)")
    parser.add_argument("--pooling", choices=POOLINGS, default=None,
                        help="window pooling (default: the classifier node's, mean)")
    parser.add_argument("--max-seconds", type=at_least(0, float), default=None, metavar="S",
                        help="score each file's loudest S seconds, 0 all of it (default: the classifier node's, 3.84)")
    parser.add_argument("--threads", type=at_least(1), default=None, metavar="N",
                        help="CPU threads the classifier scores a file on (default: the classifier node's, 1)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    asked, args.top = args.top, DEFAULT_TOP if args.top is None else args.top
    if args.top < 1:
        print("error: --top must be at least 1", file=sys.stderr)
        return 2
    if args.patch is not None:
        return run_patch(args, asked)
    if args.nodes:  # a patch's own nodes: without one, nothing would use them
        print("error: --nodes gives the nodes of a patch: use it with --patch", file=sys.stderr)
        return 2
    if args.classifier is not None:
        print("error: --classifier names a node of a patch: use it with --patch", file=sys.stderr)
        return 2
    from exsampling_patch.models import load_classifier
    from exsampling_patch.models.classifier import ModelFileError

    try:
        classifier = load_classifier(args.model, threads=args.threads)
    except (ModelFileError, OSError) as error:
        print(f"error: cannot load the model: {error}", file=sys.stderr)
        return 2
    from exsampling_patch.registry import Registry
    from exsampling_patch.takes import read_take

    # As the node scores takes unless a patch says otherwise: what a file scores here is what a show would do.
    node = Registry.default(entry_points=False).get("classifier").resolve_params({})
    scoring = {"window": args.window or node["window"], "pooling": args.pooling or node["pooling"],
               "max_seconds": node["max_seconds"] if args.max_seconds is None else args.max_seconds}
    from exsampling_patch.models.features import scores_other_span

    trained = classifier.trained_span_seconds
    if scores_other_span(scoring["max_seconds"], trained):
        # as check warns of a patch's classifier: a head read on a span it was not fitted on mishears more often
        print(f"note: it scores each file's loudest {scoring['max_seconds']:g} s, and the model was trained on the "
              f"loudest {trained:g} s: --max-seconds {trained:g} scores files as it was trained", file=sys.stderr)
    failed = False
    for path in args.files:
        row: dict[str, Any] = {"file": path}
        try:
            # Read as a take is (and as --patch reads it): a file with no frames, or damaged, is an error, not a
            # take too short to classify.
            take = read_take(path)
            prediction = classifier.predict(take.samples, take.sample_rate, top_k=args.top, **scoring)
        except Exception as error:  # one bad file must not stop the others
            failed = True
            row["error"] = unreadable(path, error)
        else:
            row.update(prediction.to_dict())
        if args.json:
            print(json.dumps(row), flush=True)
        elif "error" in row:
            print(f"{path}: error: {row['error']}", flush=True)
        elif not row["top"]:
            print(f"{path}: nothing to classify ({row['reason']})", flush=True)
        else:
            print(f"{path}: " + ", ".join(f"{t['label']} {t['probability']:.2f}" for t in row["top"]), flush=True)
    return 1 if failed else 0


# -- --patch: the patch's own chain (classify_chain) ----------------------------------------------------------


def run_patch(args: argparse.Namespace, asked_top: int | None = None) -> int:
    from exsampling_patch.models.classifier import ModelFileError
    from exsampling_patch.node import ParamError
    from exsampling_patch.takes import read_take
    from exsampling_patch.validate import PatchError

    given = [f"--{name.replace('_', '-')}" for name in ("model", "window", "pooling", "max_seconds")
             if getattr(args, name) is not None]
    if given:
        print(f"error: {', '.join(given)} {'comes' if len(given) == 1 else 'come'} from the patch's classifier node "
              "with --patch", file=sys.stderr)
        return 2
    chain: PatchChain | None = None
    try:
        chain = PatchChain(args.patch, classifier_id=args.classifier, threads=args.threads, node_dirs=args.nodes)
        chain.start()
    except ModelFileError as error:
        # The patch's model param names the file: told at its line, as check tells a model file that is not there.
        node_id = chain.classifier.node_id if chain is not None else ""
        print(f"error: {_param_place(args.patch, node_id, 'model')}{error}", file=sys.stderr)
        return 2
    except (PatchError, ChainError, ParamError, OSError) as error:
        said = str(error)  # most name the patch file already, with its line
        print(f"error: {said if said.startswith(str(args.patch)) else f'{args.patch}: {said}'}", file=sys.stderr)
        return 2
    top_k = getattr(chain.classifier, "top_k", None)
    if asked_top is not None and isinstance(top_k, int) and asked_top > top_k:
        # The patch's classifier passes on top_k labels, and its gate and slot map judge those: more cannot be shown.
        print(f"note: the patch's classifier passes on {top_k} labels (its top_k): --top {asked_top} shows those",
              file=sys.stderr)
    for note in chain.notes:  # several classifiers that reach a slot map: which one is used
        print(f"note: {note}", file=sys.stderr)
    for trouble in chain.troubles:  # a plugin's node that could not be built or started: as a run tells it
        print(trouble, file=sys.stderr)
    if chain.cut is not None:  # what reaches the classifier is not what the running patch gives it
        print(f"note: {chain.cut} stores or sends takes and is not run here, nor the nodes before it: each file "
              "goes to the nodes after it as it is", file=sys.stderr)
    # As check warns, of the nodes run here: a table row that changes nothing (`dgo: Chorus`: the dog still went to
    # Bass, with no word of why), a gate summing other slots than its map picks or than its threshold was calibrated
    # with (a take the map would give HH rejected as "not sure").
    for note in chain.check_notes():
        print(f"note: {note}", file=sys.stderr)
    failed = bool(chain.troubles)  # as a run ends with "nodes with errors"
    try:
        for path in args.files:
            try:
                take = read_take(path).derive(take_id=Path(path).name)
                outcomes = chain.run(take)
            except Exception as error:  # one bad file must not stop the others
                failed = True
                # The keys every --patch row has (a script reads row["slot"]), and "error" to tell it failed.
                why = unreadable(path, error)
                _print_row(args, {"file": path, "top": [], "slot": None, "reason": why, "error": why})
                continue
            for outcome in outcomes:
                row: dict[str, Any] = {"file": path}
                if len(outcomes) > 1:
                    row["take"] = outcome.take_id
                # Rounded as the rows without --patch are (6 places): 0.9559802374338863 there was 0.95598 here
                row["top"] = [{"label": label, "probability": round(p, 6)} for label, p in outcome.top[: args.top]]
                row.update(slot=outcome.slot, reason=outcome.reason)
                if outcome.probability is not None:
                    row["slot_probability"] = round(outcome.probability, 6)
                if outcome.fallback:
                    row["fallback"] = outcome.fallback
                if outcome.node_errors:
                    failed = True  # as a run counts the node's error: a script sees the chain did not work as meant
                    row["node_errors"] = outcome.node_errors
                _print_row(args, row)
            for late in chain.late:  # an earlier file's take, sent on after classify went on: not this file's
                print(f"note: {late}", file=sys.stderr, flush=True)
            chain.late.clear()
    finally:
        chain.stop()
    return 1 if failed else 0


def _param_place(patch: str, node_id: str, name: str) -> str:
    """``FILE:LINE: node 'ID': parameter 'NAME': `` for a parameter of ``patch`` (the node's line where it is not
    written), as check tells one; ``FILE: `` where the node is not known."""
    from exsampling_patch.patchfile import read_patch

    source = read_patch(patch).source_map
    line = (source.node_line(node_id, "params", name) or source.node_line(node_id)) if node_id else None
    return f"{patch}:{line}: node '{node_id}': parameter '{name}': " if line else f"{patch}: "


def _folder_hint(folder: Path) -> str:
    """How to name the audio files of a folder given instead of them (`classify session/takes`): a pattern for each
    audio suffix there, most common first, with their count; those of its sub-folders where it holds none itself (a
    folder of takes sorted by label, as `exsampling train` reads); '' where neither holds any."""
    from exsampling_patch.models.datasets import AUDIO_EXTENSIONS  # no torch; only where a folder was given

    for where in ("", "*"):  # the folder's own files, then its sub-folders'
        suffixes: dict[str, int] = {}
        for file in folder.glob(f"{where}/*" if where else "*"):
            suffix = file.suffix.lower()
            if suffix in AUDIO_EXTENSIONS and file.is_file() and \
                    not any(part.startswith(".") for part in file.relative_to(folder).parts):
                suffixes[file.suffix] = suffixes.get(file.suffix, 0) + 1
        if suffixes:
            # Every kind: `classify takes/*.wav` left out the FLAC and MP3 files beside them without a word.
            ranked = sorted(suffixes, key=lambda s: (-suffixes[s], s))
            patterns = " ".join(str(folder / where / f"*{suffix}") for suffix in ranked)
            count = sum(suffixes.values())
            return f" (name its files: {patterns}, {count} of them)"
    return ""


def unreadable(path: str, error: Exception) -> str:
    """What went wrong with one file, in the words of the one who gave it: a missing file, a folder, a file
    that is not audio; otherwise the error itself."""
    where = Path(path)
    if not where.exists():
        meant = closest_existing(where)
        return "no such file" + (f" (did you mean '{meant}'?)" if meant else "")
    if where.is_dir():
        return "a folder, not an audio file" + _folder_hint(where)
    if where.stat().st_size == 0:  # an upload or a copy that failed: "not an audio file" sent people to its format
        return "an empty file (0 bytes)"
    if type(error).__name__ == "LibsndfileError" and "Format not recognised" in str(error):
        kind = unreadable_recording(where)
        if kind:
            return convert_hint(where, kind)
        return f"not an audio file that can be read ({READABLE}, ...)"
    from exsampling_patch.takes import UnusableAudio  # read_take raised it: the takes module is loaded

    if isinstance(error, UnusableAudio):
        return str(error)
    return f"{type(error).__name__}: {error}"


def _print_row(args: argparse.Namespace, row: dict[str, Any]) -> None:
    if args.json:
        print(json.dumps(row), flush=True)
        return
    name = row["file"] + (f" [{row['take']}]" if "take" in row else "")
    if "error" in row:
        print(f"{name}: error: {row['error']}", flush=True)
        return
    labels = ", ".join(f"{t['label']} {t['probability']:.2f}" for t in row["top"]) or "no labels"
    # As the take's line in a run: "kick 96% -> BD, error in rev: ValueError: ..." (the take went on past rev).
    errors = "".join(f", {told}" for told in row.get("node_errors", ()))
    if row["slot"] is None:
        print(f"{name}: {labels} -> no slot: {row['reason']}{errors}", flush=True)
        return
    if "fallback" in row:  # no figure of its own: the gate's reason has them
        print(f"{name}: {labels} -> {row['slot']} (gate's fallback: {row['fallback']}){errors}", flush=True)
        return
    print(f"{name}: {labels} -> {row['slot']} {row['slot_probability']:.2f}{errors}", flush=True)
