"""The chain ``exsampling classify --patch`` sends each file through: a patch's own nodes from a take to its slot
(the nodes that process takes before its classifier, the classifier, the confidence gate and the slot map), run in
this process by the patch's own node classes, as the running patch runs them. Which file each message is of, and
what a node sends late: ``classify_files.py``."""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from exsampling_patch.commands.classify_files import FILE_MARK, LATE_SECONDS, FileContext, FileMarks, fated
from exsampling_patch.commands.classify_hang import Hung, handle_within_limit, told_at

if TYPE_CHECKING:
    from collections.abc import Iterator

    from exsampling_patch.messages import Prediction, SlotAssignment, Take
    from exsampling_patch.node import Node
    from exsampling_patch.patch import Patch
    from exsampling_patch.registry import Registry


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


#: Families of the nodes that ``classify --patch`` never runs: they store takes or send them out of the machine.
CUT_FAMILIES = ("storage", "outputs")


class PatchChain:
    """A patch's chain from a take to its slot, run in this process by the patch's own node classes.

    From the patch's classifier node (``classifier_id``, or the first in the file whose predictions reach a slot
    map, or the first) it follows the links
    back through the nodes that feed it takes (trim, normalize, onset_split, a relay, a plugin's node of any
    family: the README's ``reverse`` has none); the walk stops at a source, or at a node that stores or sends takes
    (family ``storage`` or ``outputs``, never run: it would write the files or send them out), which :attr:`cut`
    names, and forward to the
    ``confidence_gate`` linked to its predictions and the ``slot_map`` linked to the gate's 'passed' (or to
    the classifier directly), through the nodes that pass predictions on (a relay), run as well. Each node is built
    with the patch's parameters, relative paths taken from
    the patch's folder, and handles the take as it would in the running patch; the classifier runs in this
    process (``own_process`` off; ``threads`` overrides its parameter). The slot map is not joined with
    other branches (pitch): its slot does not depend on them. A node that answers from a thread of its own is waited
    for ``late_seconds`` (:data:`LATE_SECONDS`, as the command does; a test's is shorter).
    """

    def __init__(self, patch_path: str | Path, classifier_id: str | None = None, threads: int | None = None,
                 node_dirs: list[str] | None = None, late_seconds: float = LATE_SECONDS) -> None:
        from exsampling_patch.validate import load_patch

        patch_path = Path(patch_path)
        patch, registry = load_patch(patch_path, extra_node_dirs=node_dirs)
        self.base_dir = patch_path.resolve().parent
        self.cut: str | None = None  # the node that stores takes where the walk back stopped, as "'id' (type)"
        self.troubles: list[str] = []  # a node before the classifier that could not be built or started, told
        self.notes: list[str] = []  # which classifier is used, where the patch has several that reach a slot map
        classifiers = [spec for spec in patch.nodes.values() if spec.type == "classifier"]
        if classifier_id is not None:
            classifiers = [spec for spec in classifiers if spec.id == classifier_id]
        if not classifiers:
            raise ChainError(f"{patch_path}: no classifier node" + (f" '{classifier_id}'" if classifier_id else ""))
        # The classifier whose predictions reach a slot map: a patch's first classifier may only log (a second
        # model tried beside the one that plays), and its files were said to land in no slot.
        mapped = [spec for spec in classifiers if self._reaches_map(patch, registry, spec.id)]
        spec = (mapped or classifiers)[0]
        if len(mapped) > 1:
            self.notes.append(f"the classifiers {', '.join(repr(s.id) for s in mapped)} each lead to a slot map: "
                              f"'{spec.id}' is used (--classifier ID picks another)")
        self.steps = self._upstream(patch, registry, spec.id)
        self.classifier = self._build(patch, registry, spec.id, own_process=False,
                                      **({"threads": threads} if threads is not None else {}))
        # Forward through the nodes that pass predictions on (a relay, a plugin's), run as the patch runs them.
        self.to_gate, self.gate = self._downstream(patch, registry, spec.id, "prediction", "confidence_gate")
        source = (self.gate.node_id, "passed") if self.gate is not None else (spec.id, "prediction")
        if self.gate is None:
            self.to_gate = []
        self.to_map, self.slot_map = self._downstream(patch, registry, *source, "slot_map")
        self.nodes: list[Node] = [s.node for s in self.steps] + [self.classifier] + [s.node for s in self.to_gate]
        self.nodes += [n for n in (self.gate,) if n is not None] + [s.node for s in self.to_map]
        self.nodes += [n for n in (self.slot_map,) if n is not None]
        self.patch, self.registry, self.path = patch, registry, patch_path
        # The threads each node began in its start() or its handler, beyond those of run_thread: a plugin's own
        # threading.Thread or executor that passes takes on later was not waited for, and classify said "dropped".
        self._spawned: dict[str, set[threading.Thread]] = {}
        # Which file each message is of (FILE_MARK): what a node's own thread sent of a file after classify had
        # stopped waiting for it was taken as the next file's, which was then said to land in the first one's slot.
        self.files = FileMarks(late_seconds)
        self._sent: dict[str, list[tuple[str, Any]]] = {}  # node id -> what its last handler call gave
        #: What a node sent of an earlier file, after classify had stopped waiting for it: not followed, told.
        self.late = self.files.late
        # node id -> the file (take id) its handler hung on, and the thread that handler runs on
        self._hung: dict[str, tuple[str, threading.Thread | None]] = {}
        self._callers: set[threading.Thread] = set()  # the threads _guarded ran handlers on

    def check_notes(self) -> list[str]:
        """What ``exsampling check`` warns of this chain's nodes that bears on where a take lands, in line order: a
        model's labels the slot map has no slot for, a table row no model label meets (``dgo: Chorus``), two rows of
        one label, a gate judging by other rows than its map or with its calibrated threshold by another table
        (:mod:`~exsampling_patch.label_checks`), a classifier scoring another span than its model was trained on,
        and what each node's type warns of."""
        from exsampling_patch import label_checks
        from exsampling_patch.param_checks import node_type_warnings
        from exsampling_patch.patchfile import read_patch

        source = read_patch(self.path).source_map
        ids = [node.node_id for node in self.nodes]
        found = [warning for check in (label_checks.label_warnings, label_checks.same_label_warnings,
                                       label_checks.gate_table_warnings, label_checks.gate_calibration_warnings,
                                       label_checks.span_warnings)
                 for warning in check(self.patch, self.registry, source)]
        found += [warning for node_id in ids for warning in node_type_warnings(self.patch, self.registry, source,
                                                                               node_id)]
        mine = [warning for warning in found if any(warning.message.startswith(f"node '{node_id}': ")
                                                    for node_id in ids)]
        return [str(warning) for warning in sorted(mine, key=lambda w: (w.line or 0, w.column or 0))]

    def _build(self, patch: Patch, registry: Registry, node_id: str, **overrides: Any) -> Node:
        spec = patch.nodes[node_id]
        return registry.get(spec.type)(node_id, {**spec.params, **overrides}, FileContext(self.base_dir))

    def _upstream(self, patch: Patch, registry: Registry, node_id: str) -> list[_Step]:
        from exsampling_patch.ports import ANY, TAKE

        steps: list[_Step] = []
        port = "take"
        while True:
            inbound = [link for link in patch.links if (link.target.node, link.target.port) == (node_id, port)]
            if not inbound:
                return steps
            source = inbound[0].source
            if len({link.source.node for link in inbound}) > 1:
                # Takes reach it more than one way, and a file could have come any of them: the way taken is told,
                # where trim before the classifier was stepped over (a folder linked first) without a word.
                others = ", ".join(dict.fromkeys(f"'{link.source.node}'" for link in inbound[1:]
                                                 if link.source.node != source.node))
                self.notes.append(f"'{node_id}' also gets takes from {others}: each file goes the way through "
                                  f"'{source.node}' (linked first)")
            node_type = registry.get(patch.nodes[source.node].type)
            take_inputs = [name for name, p in node_type.inputs.items() if p.type in (TAKE, ANY)]
            # Any node that passes takes on is run, whatever its family: a plugin's `reverse` (family "misc") was
            # stepped over with the trim before it, and files were scored as the running patch never scores them.
            if not take_inputs or any(s.node.node_id == source.node for s in steps):
                return steps
            if node_type.family in CUT_FAMILIES:  # it would write the files, or send them out (to Live, a peer)
                self.cut = f"'{source.node}' ({patch.nodes[source.node].type})"
                return steps
            steps.insert(0, _Step(self._build_step(patch, registry, source.node), take_inputs[0], source.port))
            node_id, port = source.node, take_inputs[0]

    def _build_step(self, patch: Patch, registry: Registry, node_id: str) -> Node:
        """A node before the classifier, or, as the running patch has, a stand-in that passes on what it gets where
        its own ``__init__`` raised (a plugin's): its error told in :attr:`troubles`, not a traceback."""
        from exsampling_patch.node import ParamError
        from exsampling_patch.runtime.parts import Failed, error_text

        try:
            return self._build(patch, registry, node_id)
        except ParamError:
            raise  # the patch's parameter: told at its line, as check tells it
        except Exception as error:
            where = told_at(error, registry.get(patch.nodes[node_id].type))
            self.troubles.append(f"error in node '{node_id}' in __init__(): {error_text(error)}{where}: as in a run, "
                                 "the files go on past it unchanged")
            return Failed(node_id, registry.get(patch.nodes[node_id].type), FileContext(self.base_dir), error)

    def _reaches_map(self, patch: Patch, registry: Registry, node_id: str) -> bool:
        gate = _forward(patch, registry, node_id, "prediction", "confidence_gate")
        source = (gate[-1][0], "passed") if gate is not None else (node_id, "prediction")
        return _forward(patch, registry, *source, "slot_map") is not None

    def _downstream(self, patch: Patch, registry: Registry, node_id: str, port: str,
                    type_name: str) -> tuple[list[_Step], Node | None]:
        """The nodes that pass ``node_id``'s ``port`` on to the first node of ``type_name``, and that node."""
        path = _forward(patch, registry, node_id, port, type_name)
        if path is None:
            return [], None
        steps = [_Step(self._build(patch, registry, step_id), in_port, out_port)
                 for step_id, in_port, out_port in path[:-1]]
        return steps, self._build(patch, registry, path[-1][0])

    def start(self) -> None:
        """Start the nodes in order; where one fails to start, the ones started before it are stopped (their
        threads and child processes) before the error goes on: the caller has no chain to stop. A node before the
        classifier whose start() raises is told in :attr:`troubles` and gets the files all the same, as the running
        patch (which starts without it) still hands it takes."""
        from exsampling_patch.runtime.parts import error_text

        steps = {step.node.node_id for step in self.steps}
        for started, node in enumerate(self.nodes):
            try:
                with self._watch(node):
                    node.start()
            except BaseException as error:
                if node.node_id in steps and isinstance(error, Exception):
                    self.troubles.append(f"error in node '{node.node_id}' in start(): {error_text(error)}"
                                         f"{told_at(error, node)}: as in a run, the files still go through it")
                    continue
                for earlier in reversed(self.nodes[:started]):
                    with contextlib.suppress(Exception):  # the start's error is the one to tell
                        earlier.stop()
                raise

    @contextlib.contextmanager
    def _watch(self, node: Node) -> Iterator[None]:
        """Note the threads ``node`` begins within the block (the chain runs in this one thread)."""
        before = set(threading.enumerate())
        try:
            yield
        finally:  # not the thread a guarded handler ran on (_guarded): the node's own
            self._spawned.setdefault(node.node_id, set()).update(set(threading.enumerate()) - before - self._callers)

    def _has_threads(self, node: Node) -> bool:
        own = [*node._threads, *self._spawned.get(node.node_id, ())]
        return any(thread.is_alive() for thread in own)

    def stop(self) -> None:
        for node in reversed(self.nodes):
            node.stop()

    def run(self, take: Take) -> list[Outcome]:
        """What becomes of ``take``: one outcome, or one per piece when a node upstream splits it."""
        from exsampling_patch.node import HandlerReturned
        from exsampling_patch.runtime.ledger import take_key
        from exsampling_patch.runtime.parts import error_text

        mark = self.files.begin(take.take_id)
        takes, failed = [take.derive(meta={FILE_MARK: mark})], []
        for step in self.steps:
            if isinstance(step.node.context, FileContext):
                step.node.context.fated.clear()  # the fates told of earlier files, or in its start()
                # A node may end a take by its id (tell_fate_of): the one it got, or the one its source gave it.
                step.node.context.files.update({key: mark for piece in takes
                                                for key in (piece.take_id, take_key(piece) or piece.take_id)})
            heard = len(step.node.context.statuses)  # what it said before is not of this file
            out: list[Take] = []
            for piece in takes:
                try:
                    with self._watch(step.node):
                        out += self._handle(step.node, step.in_port, piece, step.out_port, guard=True)
                except Exception as error:
                    # As the running patch does: the node's error is told, and the take goes on past it unchanged
                    # (the engine's bypass). Told as a failed file, it was in no slot here and in one on the stage.
                    failed.append(f"error in {step.node.node_id}: {error_text(error)}{told_at(error, step.node)}")
                    # A handler that sent its take on, then returned it as well: what it sent goes on, as in a run.
                    sent = [m for port, m in self._sent[step.node.node_id] if port == step.out_port]
                    out += sent if isinstance(error, HandlerReturned) and sent else [piece]
            if not out and not fated(step.node, mark) and self._has_threads(step.node):
                # A node that answers from a thread of its own (a plugin's queue): a run delivers what it emits
                # later, and classify said "dropped by" it. Waited for, a bounded time.
                out = self.files.wait(step.node, step.out_port)
                if not out:
                    self.files.owe(step.node.node_id, mark)
                    why = (f"no take from {step.node.node_id} within {self.files.late_seconds:g} s: it answers from "
                           "a thread of its own, later or not at all, and classify cannot follow it further")
                    return [Outcome(piece.take_id, reason=why, node_errors=failed) for piece in takes]
            if not out:
                fresh = step.node.context.statuses[heard:]
                said = fresh[-1].get("label") if fresh else None
                why = f"dropped by {step.node.node_id}" + (f": {said}" if said else "")
                return [Outcome(piece.take_id, reason=why, node_errors=failed) for piece in takes]
            takes = out
        outcomes = [self._classify(piece) for piece in takes]
        for outcome in outcomes:
            outcome.node_errors = failed + outcome.node_errors
        return outcomes

    def _classify(self, take: Take) -> Outcome:
        (prediction,) = self._handle(self.classifier, "take", take, "prediction")
        return self.judge(prediction)

    def _pass(self, steps: list[_Step], prediction: Prediction, outcome: Outcome) -> Prediction | None:
        """``prediction`` through the nodes that pass predictions on (a relay): what comes out, None where one kept
        it (``outcome`` told why); a node's error told in ``outcome``, the prediction going on past it, as in a run."""
        from exsampling_patch.runtime.parts import error_text

        for step in steps:
            try:
                out = self._handle(step.node, step.in_port, prediction, step.out_port, guard=True)
            except Exception as error:
                told = f"{error_text(error)}{told_at(error, step.node)}"
                outcome.node_errors.append(f"error in {step.node.node_id}: {told}")
                continue
            if not out:
                outcome.reason = f"dropped by {step.node.node_id}"
                return None
            prediction = out[0]
        return prediction

    def judge(self, prediction: Prediction) -> Outcome:
        """What the patch's gate and slot map (started) make of the classifier's ``prediction``."""
        from exsampling_patch.messages import gate_reason

        outcome = Outcome(prediction.take.take_id, [(s.label, s.probability) for s in prediction.scores])
        passed = [prediction]
        if self.gate is not None:
            relayed = self._pass(self.to_gate, prediction, outcome)
            if relayed is None:
                return outcome
            passed = self._handle(self.gate, "prediction", relayed, "passed")
            if not passed:  # the gate's own words: it said why on its 'rejected' output
                (told,) = [m for port, m in self._sent[self.gate.node_id] if port == "rejected"]
                outcome.reason = told.take.meta["gate_reason"]
                return outcome
        if self.slot_map is None:
            outcome.reason = gate_reason(prediction, 0.0) if not prediction.scores else \
                "the patch has no slot_map after its classifier"
            return outcome
        relayed = self._pass(self.to_map, passed[0], outcome)
        if relayed is None:
            return outcome
        assigned: list[SlotAssignment] = self._handle(self.slot_map, "prediction", relayed, "slot")
        if not assigned:
            # The label the map found no slot for, as the running patch tells it ("no slot for church_bells"):
            # the top three named labels that have slots ("no slot for church_bells, electric_piano_organ").
            said = self.slot_map.context.statuses[-1].get("label") if self.slot_map.context.statuses else None
            outcome.reason = gate_reason(prediction, 0.0) if not prediction.scores else \
                f"{self.slot_map.node_id}'s table has no slot for {said or _labels(relayed)}"
            return outcome
        outcome.slot = assigned[0].slot
        if assigned[0].take.meta.get("fallback_slot"):
            # Not the slot's figure: the map gives a fallback take its best label's ("Wind 0.79" for a hi-hat the
            # gate turned down read as sure of Wind); the gate's reason, with its figures, tells why it went there.
            outcome.fallback = assigned[0].take.meta.get("gate_reason")
        else:
            outcome.probability = assigned[0].confidence
        return outcome

    def _handle(self, node: Node, in_port: str, message: Any, out_port: str, guard: bool = False) -> list[Any]:
        """Hand ``message`` to ``node`` as the runtime does; what it sent of this file on ``out_port`` since the last
        call (all it sent of it, port by port, in :attr:`_sent`, a handler's error raised or not). With ``guard``
        (a node the file goes on past when it fails), a handler past its ``hang_after`` raises :class:`Hung`."""
        self.files.collect(node)  # what its thread sent since: of this file, or of an earlier one (told, not taken)
        try:
            if guard:
                self._guarded(node, in_port, message)
            else:
                node.handle(in_port, message)
        finally:
            self.files.collect(node)
            self._sent[node.node_id] = self.files.take_kept(node.node_id)
        if node.context.errors:
            error = node.context.errors.pop()
            node.context.errors.clear()
            raise error if isinstance(error, BaseException) else RuntimeError(f"{node.node_id}: {error}")
        return [m for port, m in self._sent[node.node_id] if port == out_port]

    def _guarded(self, node: Node, in_port: str, message: Any) -> None:
        """``node.handle(in_port, message)`` waited for as long as a run waits before it tells the node hung: a
        plugin's handler that never returned held classify there for ever. The files after go past a hung node
        until its handler returns, as a run's watchdog tells the node recovered then."""
        hung = self._hung.get(node.node_id)
        if hung is not None and (hung[1] is None or hung[1].is_alive()):
            raise Hung(f"hung on an earlier file ({hung[0]}): its handler has not returned; the file goes on past it "
                       "unchanged")
        # Back from its hang: a handler slow once (a model loading on its first take) kept every later file from
        # the node, each said hung on the first though it had returned long before.
        self._hung.pop(node.node_id, None)
        try:
            handle_within_limit(node, in_port, message, self._callers)
        except Hung as hang:
            self._hung[node.node_id] = (self.files.name(), hang.thread)
            raise

def _forward(patch: Patch, registry: Registry, node_id: str, port: str,
             type_name: str) -> list[tuple[str, str, str]] | None:
    """The way from ``node_id``'s ``port`` to a node of ``type_name`` (its 'prediction'), through nodes that pass
    predictions on (a relay, a plugin's node; not a classifier, gate or map, nor one that stores or sends takes):
    ``(node, in port, out port)`` of each, the last ``(node of type_name, "prediction", "")``; None where none."""
    from exsampling_patch.ports import ANY, PREDICTION

    seen: set[str] = set()
    ways: list[tuple[str, str, list[tuple[str, str, str]]]] = [(node_id, port, [])]
    while ways:
        source, out, path = ways.pop(0)
        for link in patch.links:
            if (link.source.node, link.source.port) != (source, out):
                continue
            target = patch.nodes[link.target.node]
            if target.type == type_name and link.target.port == "prediction":
                return [*path, (target.id, "prediction", "")]
            if target.id in seen or target.type in ("classifier", "confidence_gate", "slot_map"):
                continue
            node_type = registry.get(target.type)
            inlet = node_type.inputs.get(link.target.port)
            if node_type.family in CUT_FAMILIES or inlet is None or inlet.type not in (PREDICTION, ANY):
                continue
            seen.add(target.id)
            for name, outlet in node_type.outputs.items():
                if outlet.type in (PREDICTION, ANY):
                    ways.append((target.id, name, [*path, (target.id, link.target.port, name)]))
    return None


def _labels(prediction: Prediction) -> str:
    return ", ".join(s.label for s in prediction.scores[:3])
