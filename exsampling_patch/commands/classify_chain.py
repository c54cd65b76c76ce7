"""The chain ``exsampling classify --patch`` sends each file through: a patch's own nodes from a take to its slot
(the nodes that process takes before its classifier, the classifier, the confidence gate and the slot map), run in
this process by the patch's own node classes, as the running patch runs them."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

    From the patch's classifier node (the first in the file, or ``classifier_id``) it follows the links
    back through the nodes that feed it takes (trim, normalize, onset_split, a relay, a plugin's node of any
    family: the README's ``reverse`` has none); the walk stops at a source, or at a node that stores or sends takes
    (family ``storage`` or ``outputs``, never run: it would write the files or send them out), which :attr:`cut`
    names, and forward to the
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
        self.troubles: list[str] = []  # a node before the classifier that could not be built or started, told
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
            if node_type.family in CUT_FAMILIES:  # it would write the files, or send them out (to Live, a peer)
                self.cut = f"'{source.node}' ({patch.nodes[source.node].type})"
                return steps
            steps.insert(0, _Step(self._build_step(patch, registry, source.node), take_inputs[0], source.port))
            node_id, port = source.node, take_inputs[0]

    def _build_step(self, patch: Patch, registry: Registry, node_id: str) -> Node:
        """A node before the classifier, or, as the running patch has, a stand-in that passes on what it gets where
        its own ``__init__`` raised (a plugin's): its error told in :attr:`troubles`, not a traceback."""
        from exsampling_patch.node import NodeContext, ParamError
        from exsampling_patch.runtime.parts import Failed, error_text

        try:
            return self._build(patch, registry, node_id)
        except ParamError:
            raise  # the patch's parameter: told at its line, as check tells it
        except Exception as error:
            self.troubles.append(f"error in node '{node_id}' in __init__(): {error_text(error)}: as in a run, the "
                                 "files go on past it unchanged")
            return Failed(node_id, registry.get(patch.nodes[node_id].type), NodeContext(self.base_dir), error)

    def _downstream(self, patch: Patch, registry: Registry, node_id: str, port: str, type_name: str) -> Node | None:
        for link in patch.links:
            if (link.source.node, link.source.port) == (node_id, port) and link.target.port == "prediction" \
                    and patch.nodes[link.target.node].type == type_name:
                return self._build(patch, registry, link.target.node)
        return None

    def start(self) -> None:
        """Start the nodes in order; where one fails to start, the ones started before it are stopped (their
        threads and child processes) before the error goes on: the caller has no chain to stop. A node before the
        classifier whose start() raises is told in :attr:`troubles` and gets the files all the same, as the running
        patch (which starts without it) still hands it takes."""
        from exsampling_patch.runtime.parts import error_text

        steps = {step.node.node_id for step in self.steps}
        for started, node in enumerate(self.nodes):
            try:
                node.start()
            except BaseException as error:
                if node.node_id in steps and isinstance(error, Exception):
                    self.troubles.append(f"error in node '{node.node_id}' in start(): {error_text(error)}: as in a "
                                         "run, the files still go through it")
                    continue
                for earlier in reversed(self.nodes[:started]):
                    with contextlib.suppress(Exception):  # the start's error is the one to tell
                        earlier.stop()
                raise

    def stop(self) -> None:
        for node in reversed(self.nodes):
            node.stop()

    def run(self, take: Take) -> list[Outcome]:
        """What becomes of ``take``: one outcome, or one per piece when a node upstream splits it."""
        from exsampling_patch.node import HandlerReturned
        from exsampling_patch.runtime.parts import error_text

        takes, failed = [take], []
        for step in self.steps:
            out: list[Take] = []
            for piece in takes:
                try:
                    out += _handle(step.node, step.in_port, piece, step.out_port)
                except Exception as error:
                    # As the running patch does: the node's error is told, and the take goes on past it unchanged
                    # (the engine's bypass). Told as a failed file, it was in no slot here and in one on the stage.
                    failed.append(f"error in {step.node.node_id}: {error_text(error)}")
                    # A handler that sent its take on, then returned it as well: what it sent goes on, as in a run.
                    sent = [m for port, m in step.node.context.emitted if port == step.out_port]
                    out += sent if isinstance(error, HandlerReturned) and sent else [piece]
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
