"""Checks across a MIDI link (:func:`note_problems`): the notes a node plays its slots with (a ``pattern``:
:meth:`~exsampling_patch.node.Node.midi_parts`), against the slot a node it feeds plays each on (a ``sampler``:
:meth:`~exsampling_patch.node.Node.note_slots`).

A pattern plays each slot on the slot's MIDI channel (channel N: slot N, the sampler's default ``mapping:
channel``), every hit on ``root_note`` (60) unless its ``notes`` say otherwise. A sampler with ``mapping:
note_range`` picks the slot by the note, not the channel: every hit of every slot went to whichever slot's range
holds note 60 (or to none), and ``exsampling check`` said nothing. Apart from ``validate.py`` so that it stays
short; ``validate.check_patch`` calls it.
"""

from __future__ import annotations

from exsampling_patch.errors import Problem
from exsampling_patch.node import ParamError
from exsampling_patch.patch import Patch
from exsampling_patch.patchfile import SourceMap
from exsampling_patch.ports import MIDI
from exsampling_patch.registry import Registry

NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")


def note_name(note: int) -> str:
    """``60`` -> ``C4``, as the pattern's ``notes`` take it."""
    return f"{NAMES[note % 12]}{note // 12 - 1}"


def note_problems(patch: Patch, registry: Registry, source: SourceMap) -> list[Problem]:
    """Each part (a pattern's slot) whose hits a node it is linked to by MIDI plays on another of its slots, or on
    none, reported on that part's line (``patterns: HH:``). A part that means a slot the other node does not have
    is left alone (a slot numbered past its slots, a pattern naming them otherwise)."""
    problems: list[Problem] = []
    for link in patch.links:
        sender, taker = (patch.nodes.get(ref.node) for ref in (link.source, link.target))
        if sender is None or taker is None or sender.type not in registry or taker.type not in registry:
            continue
        sender_type, taker_type = registry.get(sender.type), registry.get(taker.type)
        port, into = sender_type.outputs.get(link.source.port), taker_type.inputs.get(link.target.port)
        if port is None or into is None or port.type != MIDI or into.type != MIDI:
            continue
        try:
            parts = sender_type.midi_parts(sender_type.resolve_params(sender.params))
            slots = taker_type.note_slots(taker_type.resolve_params(taker.params)) if parts else None
        except (ParamError, ValueError, TypeError):
            continue  # a value the node refuses: reported on it
        if not slots:
            continue
        known, table = {name.lower() for name in slots[0]}, slots[1]
        for key, (meant, channel, notes) in parts.items():
            if meant.lower() not in known or not 0 <= channel < len(table):
                continue
            wrong = {n: table[channel][n] for n in notes if table[channel][n].lower() != meant.lower()}
            if not wrong:
                continue
            heard = ", ".join(f"note {n} ({note_name(n)}) on " + (f"slot '{s}'" if s else "no slot")
                              for n, s in sorted(wrong.items())[:3])
            held = [n for n in range(128) if table[channel][n].lower() == meant.lower()]
            hint = (f"give it notes that '{link.target.node}' plays on '{meant}' ({note_name(held[0])}-"
                    f"{note_name(held[-1])}), e.g. {{steps: ..., notes: {note_name(held[0])}}}" if held
                    else f"no note on channel {channel + 1} plays '{meant}' there; add it to note_ranges")
            problems.append(Problem(
                f"node '{link.source.node}': pattern '{key}' plays {heard} of '{link.target.node}', not "
                f"'{meant}': with mapping: note_range the sampler picks the slot by the note, not the channel",
                source.file,
                source.node_line(link.source.node, "params", "patterns", key)
                or source.node_line(link.source.node, "params", "patterns") or source.node_line(link.source.node),
                hint=hint,
            ))
    return problems
