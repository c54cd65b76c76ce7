"""``exsampling classify FILE...``: print each file's top labels, loading the model once.

With ``--patch PATCH``, each file goes through that patch's own chain up to the slot, as a take would in
the running patch: the processing nodes before its classifier (trim, ...), the classifier, the confidence
gate and the slot map after it, each built from the patch's parameters and run by its own node class
(:class:`PatchChain`), the classifier in this process.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from exsampling_patch.commands.arg_types import at_least
from exsampling_patch.patchfile import closest_existing
from exsampling_patch.phone_formats import convert_hint, unreadable_recording

if TYPE_CHECKING:
    from exsampling_patch.messages import Prediction, SlotAssignment, Take
    from exsampling_patch.node import Node
    from exsampling_patch.patch import Patch
    from exsampling_patch.registry import Registry

WINDOWS = ("whole", "1s", "2s", "4s")
DEFAULT_TOP = 5
READABLE = "WAV, FLAC, OGG, MP3, AIFF"  # what libsndfile (soundfile) reads that takes come as
POOLINGS = ("mean", "max", "vote")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "classify", help="classify audio files", description="Classify audio files with the sound classifier, "
        "each file scored as the patch's classifier node scores a take by default (its loudest 5 s, as one "
        "window; --window, --pooling and --max-seconds change that). A file that cannot be read gets its own "
        "error and the others still run; the exit code is 1 if any file failed. With --patch, each file goes "
        "through the patch's own chain up to the slot (the nodes that process takes before its classifier, such as "
        "trim; the classifier; the confidence gate; the slot map, with the patch's parameters) and the slot it "
        "would land in is printed, or why not; a node before the classifier that fails on a file is told, and the "
        "file goes on past it unchanged, as in a run (the exit code is 1 then too).",
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="audio files (WAV, FLAC, OGG, ...)")
    parser.add_argument("--patch", default=None, metavar="PATCH",
                        help="a patch file: use its classifier node (the first one, if several) and what is linked "
                        "before and after it; the model, window, pooling and max seconds come from the patch")
    parser.add_argument("--nodes", action="append", default=[], metavar="DIR",
                        help="folder of user nodes the patch uses (as run and check take it); only with --patch")
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
    parser.add_argument("--model", default=None, help="a model file from `exsampling train` (default: shipped)")
    parser.add_argument("--window", choices=WINDOWS, default=None,
                        help="scored windows (default: the classifier node's, whole)")
    parser.add_argument("--pooling", choices=POOLINGS, default=None,
                        help="window pooling (default: the classifier node's, mean)")
    parser.add_argument("--max-seconds", type=at_least(0, float), default=None, metavar="S",
                        help="score each file's loudest S seconds, 0 all of it (default: the classifier node's, 5)")
    parser.add_argument("--threads", type=at_least(1), default=None,
                        help="CPU threads for inference (default: the classifier node's, 1)")
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


# -- --patch: the patch's own chain ----------------------------------------------------------------------------


class ChainError(ValueError):
    """A patch whose chain cannot be run: no classifier node, or one that cannot be built."""


@dataclass
class Outcome:
    """What the patch made of one take: the classifier's top labels, and the slot or why none."""

    take_id: str
    top: list[tuple[str, float]] = field(default_factory=list)
    slot: str | None = None
    reason: str | None = None
    probability: float | None = None  # the slot's, its labels summed as the map gives it; None past the fallback
    fallback: str | None = None  # the gate's reason, for a take that reached the gate's fallback slot
    node_errors: list[str] = field(default_factory=list)  # a node before the classifier that failed on it, bypassed


@dataclass
class _Step:
    node: Node
    in_port: str
    out_port: str


class PatchChain:
    """A patch's chain from a take to its slot, run in this process by the patch's own node classes.

    From the patch's classifier node (the first in the file, or ``classifier_id``) it follows the links
    back through the nodes that feed it takes (trim, normalize, onset_split, a relay, a plugin's node of any
    family: the README's ``reverse`` has none); the walk stops at a source, or at a node that stores takes (family
    ``storage``, never run: it would write the files), which :attr:`cut` names, and forward to the
    ``confidence_gate`` linked to its predictions and the ``slot_map`` linked to the gate's 'passed' (or to
    the classifier directly). Each node is built with the patch's parameters, relative paths taken from
    the patch's folder, and handles the take as it would in the running patch; the classifier runs in this
    process (``own_process`` off; ``threads`` overrides its parameter). The slot map is not joined with
    other branches (pitch): its slot does not depend on them.
    """

    def __init__(self, patch_path: str | Path, classifier_id: str | None = None, threads: int | None = None,
                 node_dirs: list[str] | None = None) -> None:
        from exsampling_patch.validate import load_patch

        patch_path = Path(patch_path)
        patch, registry = load_patch(patch_path, extra_node_dirs=node_dirs)
        self.base_dir = patch_path.resolve().parent
        self.cut: str | None = None  # the node that stores takes where the walk back stopped, as "'id' (type)"
        classifiers = [spec for spec in patch.nodes.values() if spec.type == "classifier"]
        if classifier_id is not None:
            classifiers = [spec for spec in classifiers if spec.id == classifier_id]
        if not classifiers:
            raise ChainError(f"{patch_path}: no classifier node" + (f" '{classifier_id}'" if classifier_id else ""))
        spec = classifiers[0]
        self.steps = self._upstream(patch, registry, spec.id)
        self.classifier = self._build(patch, registry, spec.id, own_process=False,
                                      **({"threads": threads} if threads is not None else {}))
        self.gate = self._downstream(patch, registry, spec.id, "prediction", "confidence_gate")
        source = (self.gate.node_id, "passed") if self.gate is not None else (spec.id, "prediction")
        self.slot_map = self._downstream(patch, registry, *source, "slot_map")
        self.nodes: list[Node] = [s.node for s in self.steps] + [self.classifier]
        self.nodes += [n for n in (self.gate, self.slot_map) if n is not None]
        self.patch, self.registry, self.path = patch, registry, patch_path

    def check_notes(self) -> list[str]:
        """What ``exsampling check`` warns of this chain's nodes that bears on where a take lands, in line order: a
        model's labels the slot map has no slot for, a table row no model label meets (``dgo: Chorus``), two rows of
        one label, a gate judging by other rows than its map or with its calibrated threshold by another table
        (:mod:`~exsampling_patch.label_checks`), and what each node's type warns of."""
        from exsampling_patch import label_checks
        from exsampling_patch.param_checks import node_type_warnings
        from exsampling_patch.patchfile import read_patch

        source = read_patch(self.path).source_map
        ids = [node.node_id for node in self.nodes]
        found = [warning for check in (label_checks.label_warnings, label_checks.same_label_warnings,
                                       label_checks.gate_table_warnings, label_checks.gate_calibration_warnings)
                 for warning in check(self.patch, self.registry, source)]
        found += [warning for node_id in ids for warning in node_type_warnings(self.patch, self.registry, source,
                                                                               node_id)]
        mine = [warning for warning in found if any(warning.message.startswith(f"node '{node_id}': ")
                                                    for node_id in ids)]
        return [str(warning) for warning in sorted(mine, key=lambda w: (w.line or 0, w.column or 0))]

    def _build(self, patch: Patch, registry: Registry, node_id: str, **overrides: Any) -> Node:
        from exsampling_patch.node import NodeContext

        spec = patch.nodes[node_id]
        return registry.get(spec.type)(node_id, {**spec.params, **overrides}, NodeContext(self.base_dir))

    def _upstream(self, patch: Patch, registry: Registry, node_id: str) -> list[_Step]:
        from exsampling_patch.ports import ANY, TAKE

        steps: list[_Step] = []
        port = "take"
        while True:
            inbound = [link for link in patch.links if (link.target.node, link.target.port) == (node_id, port)]
            if not inbound:
                return steps
            source = inbound[0].source
            node_type = registry.get(patch.nodes[source.node].type)
            take_inputs = [name for name, p in node_type.inputs.items() if p.type in (TAKE, ANY)]
            # Any node that passes takes on is run, whatever its family: a plugin's `reverse` (family "misc") was
            # stepped over with the trim before it, and files were scored as the running patch never scores them.
            if not take_inputs or any(s.node.node_id == source.node for s in steps):
                return steps
            if node_type.family == "storage":
                self.cut = f"'{source.node}' ({patch.nodes[source.node].type})"
                return steps
            steps.insert(0, _Step(self._build(patch, registry, source.node), take_inputs[0], source.port))
            node_id, port = source.node, take_inputs[0]

    def _downstream(self, patch: Patch, registry: Registry, node_id: str, port: str, type_name: str) -> Node | None:
        for link in patch.links:
            if (link.source.node, link.source.port) == (node_id, port) and link.target.port == "prediction" \
                    and patch.nodes[link.target.node].type == type_name:
                return self._build(patch, registry, link.target.node)
        return None

    def start(self) -> None:
        """Start the nodes in order; where one fails to start, the ones started before it are stopped (their
        threads and child processes) before the error goes on: the caller has no chain to stop."""
        for started, node in enumerate(self.nodes):
            try:
                node.start()
            except BaseException:
                for earlier in reversed(self.nodes[:started]):
                    with contextlib.suppress(Exception):  # the start's error is the one to tell
                        earlier.stop()
                raise

    def stop(self) -> None:
        for node in reversed(self.nodes):
            node.stop()

    def run(self, take: Take) -> list[Outcome]:
        """What becomes of ``take``: one outcome, or one per piece when a node upstream splits it."""
        takes, failed = [take], []
        for step in self.steps:
            out: list[Take] = []
            for piece in takes:
                try:
                    out += _handle(step.node, step.in_port, piece, step.out_port)
                except Exception as error:
                    # As the running patch does: the node's error is told, and the take goes on past it unchanged
                    # (the engine's bypass). Told as a failed file, it was in no slot here and in one on the stage.
                    failed.append(f"error in {step.node.node_id}: {type(error).__name__}: {error}")
                    out.append(piece)
            if not out:
                said = step.node.context.statuses[-1].get("label") if step.node.context.statuses else None
                why = f"dropped by {step.node.node_id}" + (f": {said}" if said else "")
                return [Outcome(piece.take_id, reason=why, node_errors=failed) for piece in takes]
            takes = out
        outcomes = [self._classify(piece) for piece in takes]
        for outcome in outcomes:
            outcome.node_errors = failed
        return outcomes

    def _classify(self, take: Take) -> Outcome:
        (prediction,) = _handle(self.classifier, "take", take, "prediction")
        return self.judge(prediction)

    def judge(self, prediction: Prediction) -> Outcome:
        """What the patch's gate and slot map (started) make of the classifier's ``prediction``."""
        from exsampling_patch.messages import gate_reason

        outcome = Outcome(prediction.take.take_id, [(s.label, s.probability) for s in prediction.scores])
        passed = [prediction]
        if self.gate is not None:
            passed = _handle(self.gate, "prediction", prediction, "passed")
            if not passed:  # the gate's own words: it said why on its 'rejected' output
                (told,) = [m for port, m in self.gate.context.emitted if port == "rejected"]
                outcome.reason = told.take.meta["gate_reason"]
                return outcome
        if self.slot_map is None:
            outcome.reason = gate_reason(prediction, 0.0) if not prediction.scores else \
                "the patch has no slot_map after its classifier"
            return outcome
        marked = passed[0]
        assigned: list[SlotAssignment] = _handle(self.slot_map, "prediction", marked, "slot")
        if not assigned:
            # The label the map found no slot for, as the running patch tells it ("no slot for church_bells"):
            # the top three named labels that have slots ("no slot for church_bells, electric_piano_organ").
            said = self.slot_map.context.statuses[-1].get("label") if self.slot_map.context.statuses else None
            outcome.reason = gate_reason(prediction, 0.0) if not prediction.scores else \
                f"{self.slot_map.node_id}'s table has no slot for {said or _labels(marked)}"
            return outcome
        outcome.slot = assigned[0].slot
        if marked.take.meta.get("fallback_slot"):
            # Not the slot's figure: the map gives a fallback take its best label's ("Wind 0.79" for a hi-hat the
            # gate turned down read as sure of Wind); the gate's reason, with its figures, tells why it went there.
            outcome.fallback = marked.take.meta.get("gate_reason")
        else:
            outcome.probability = assigned[0].confidence
        return outcome


def _labels(prediction: Prediction) -> str:
    return ", ".join(s.label for s in prediction.scores[:3])


def _handle(node: Node, in_port: str, message: Any, out_port: str) -> list[Any]:
    """Hand ``message`` to ``node`` as the runtime does; what it emitted on ``out_port``."""
    node.context.emitted.clear()
    node.handle(in_port, message)
    if node.context.errors:
        error = node.context.errors.pop()
        node.context.errors.clear()
        raise error if isinstance(error, BaseException) else RuntimeError(f"{node.node_id}: {error}")
    return [m for port, m in node.context.emitted if port == out_port]


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
        chain = PatchChain(args.patch, threads=args.threads, node_dirs=args.nodes)
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
    if chain.cut is not None:  # what reaches the classifier is not what the running patch gives it
        print(f"note: {chain.cut} stores takes and is not run here, nor the nodes before it: each file goes to "
              "the nodes after it as it is", file=sys.stderr)
    # As check warns, of the nodes run here: a table row that changes nothing (`dgo: Chorus`: the dog still went to
    # Bass, with no word of why), a gate summing other slots than its map picks or than its threshold was calibrated
    # with (a take the map would give HH rejected as "not sure").
    for note in chain.check_notes():
        print(f"note: {note}", file=sys.stderr)
    failed = False
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
                row["top"] = [{"label": label, "probability": p} for label, p in outcome.top[: args.top]]
                row.update(slot=outcome.slot, reason=outcome.reason)
                if outcome.probability is not None:
                    row["slot_probability"] = outcome.probability
                if outcome.fallback:
                    row["fallback"] = outcome.fallback
                if outcome.node_errors:
                    failed = True  # as a run counts the node's error: a script sees the chain did not work as meant
                    row["node_errors"] = outcome.node_errors
                _print_row(args, row)
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
