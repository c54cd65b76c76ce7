"""A take assigned to a sampler's slot (``Sampler.on_assign``): loaded, skipped (the slot locked) or told not loaded."""

from __future__ import annotations

from typing import Any

from exsampling_patch.messages import SlotAssignment
from exsampling_patch.nodes.sampler.handoff import SamplesNotShared
from exsampling_patch.nodes.sampler.rate import rate_for_takes


def assign(node: Any, assignment: SlotAssignment) -> None:
    """Load ``assignment`` into ``node``'s slot (``node``: the :class:`~exsampling_patch.nodes.sampler.Sampler`), or
    tell why not."""
    try:
        index = node._slot_index(assignment.slot)
    except KeyError as error:
        node.report_error(str(error.args[0]))
        node.tell_fate(assignment, "not_loaded", f"not loaded into sampler '{node.node_id}': {error.args[0]}")
        return
    record = node.records[index]
    try:
        if not record.locked:  # the wait for the rate is not under the records lock (see .rate)
            rate_for_takes(node)
    except SamplesNotShared as error:
        _not_loaded(node, assignment, record.name, error)
        return
    with node._records_lock:
        if record.locked:
            node.report_status(slot=record.name, skipped=assignment.take.take_id, locked=True)
            node.tell_fate(assignment, "skipped", f"skipped: slot {record.name} locked")
            return
        try:
            node._load(index, assignment.take, assignment.label, node._swap_due())
        except SamplesNotShared as error:  # the slot keeps what it had
            _not_loaded(node, assignment, record.name, error)
            return
        record.push(assignment.take, assignment.label, node.history)
        sent = node._asked.get(node.buffers[index].serial)
        if sent is not None:  # its status, ``loaded`` and end wait for the audio process's word (answers.settle)
            sent.assignment, sent.kept, sent.pushed = assignment, node.keep_open(assignment), True
            return
    node.emit("loaded", assignment)


def _not_loaded(node: Any, assignment: SlotAssignment, slot: str, error: SamplesNotShared) -> None:
    node.report_error(f"{assignment.take.name} not loaded into slot {slot}: {error}")
    node.tell_fate(assignment, "not_loaded", f"not loaded into sampler '{node.node_id}': {error}")
