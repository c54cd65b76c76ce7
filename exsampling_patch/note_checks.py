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

from collections.abc import Iterator, Mapping
from typing import Any

from exsampling_patch.errors import Problem
from exsampling_patch.node import Node, ParamError
from exsampling_patch.node_checks import hook_where
from exsampling_patch.patch import Link, Patch
from exsampling_patch.patchfile import SourceMap
from exsampling_patch.ports import MIDI
from exsampling_patch.registry import Registry

NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")


def note_name(note: int) -> str:
    """``60`` -> ``C4``, as the pattern's ``notes`` take it."""
    return f"{NAMES[note % 12]}{note // 12 - 1}"


Parts = dict[str, tuple[str, int, tuple[int, ...]]]


def _hook(node_type: type[Node], hook: str, params: Mapping[str, Any], node_id: str,
          failed: list[tuple[str, str]] | None) -> Any:
    """``node_type``'s ``hook`` (``midi_parts``, ...) on ``params``; None where it refuses a value (reported on the
    node) or raises otherwise: that is added to ``failed`` as (node id, what raised, where), for a problem on the
    node. A plugin's KeyError there ended check, run and the editor in a traceback."""
    method = getattr(node_type, hook)
    try:
        return method(params)
    except (ParamError, ValueError, TypeError):
        return None  # a value the node refuses: reported on it
    except Exception as error:
        if failed is not None:
            failed.append((node_id, f"{node_type.type_name}.{hook} raised {type(error).__name__}: {error}"
                                    + hook_where(method, error)))
        return None


def _midi_links(patch: Patch, registry: Registry, failed: list[tuple[str, str]] | None = None,
                ) -> Iterator[tuple[Link, Parts, type[Node], Mapping[str, Any]]]:
    """Each MIDI link from a node that says what it plays (:meth:`Node.midi_parts`): the link, those parts, and
    the type and parameters in effect of the node it feeds. A ``midi_parts`` that raises is added to ``failed``
    (see :func:`_hook`)."""
    for link in patch.links:
        sender, taker = (patch.nodes.get(ref.node) for ref in (link.source, link.target))
        if sender is None or taker is None or sender.type not in registry or taker.type not in registry:
            continue
        sender_type, taker_type = registry.get(sender.type), registry.get(taker.type)
        port, into = sender_type.outputs.get(link.source.port), taker_type.inputs.get(link.target.port)
        if port is None or into is None or port.type != MIDI or into.type != MIDI:
            continue
        try:
            sender_params = sender_type.resolve_params(sender.params)
            parts = _hook(sender_type, "midi_parts", sender_params, link.source.node, failed)
            taker_params = taker_type.resolve_params(taker.params) if parts else {}
        except (ParamError, ValueError, TypeError):
            continue  # a value the node refuses: reported on it
        if parts:
            yield link, parts, taker_type, taker_params


def note_problems(patch: Patch, registry: Registry, source: SourceMap) -> list[Problem]:
    """Each part (a pattern's slot) whose hits a node it is linked to by MIDI plays on another of its slots, or on
    none, reported on that part's line (``patterns: HH:``). A part that means a slot the other node does not have
    is left alone (a slot numbered past its slots, a pattern naming them otherwise)."""
    problems: list[Problem] = []
    failed: list[tuple[str, str]] = []
    for link, parts, taker_type, taker_params in _midi_links(patch, registry, failed):
        slots = _hook(taker_type, "note_slots", taker_params, link.target.node, failed)
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
    for node_id, what in dict.fromkeys(failed):  # once, for a node linked more than once
        problems.append(Problem(f"node '{node_id}': {what}", source.file, source.node_line(node_id)))
    return problems


def slot_order_warnings(patch: Patch, registry: Registry, source: SourceMap) -> list[Problem]:
    """Per MIDI link, the parts (a pattern's slots) sent on the channel of another slot of a node that picks the slot
    by the channel (a sampler's ``mapping: channel``): the pattern's ``slots`` are not in the sampler's
    ``slot_names`` order. Likely a mistake, so ``exsampling check`` names it, but only as a warning: a patch that
    plays a show through another slot table on purpose (``exsampling replay --patch``) must still load. Parts
    numbered (``"9": x...``) pick their channel themselves: they are told only where that node has no slot there."""
    warnings: list[Problem] = []
    failed: list[tuple[str, str]] = []  # a channel_slots that raised (note_problems tells a midi_parts that did)
    for link, parts, taker_type, taker_params in _midi_links(patch, registry):
        names = _hook(taker_type, "channel_slots", taker_params, link.target.node, failed)
        if not names:
            continue
        beyond = [key for key, (_, channel, _) in parts.items() if key.isdigit() and channel >= len(names)]
        if beyond:  # '9': x... to a sampler of 8 slots: channel 9 plays none, and check said ok
            warnings.append(Problem(
                f"node '{link.source.node}': pattern '{beyond[0]}' plays MIDI channel {beyond[0]}, and "
                f"'{link.target.node}' has {len(names)} slots, one a channel: nothing plays it"
                + (f" (nor {', '.join(repr(key) for key in beyond[1:])})" if beyond[1:] else ""),
                source.file,
                source.node_line(link.source.node, "params", "patterns", beyond[0])
                or source.node_line(link.source.node),
                hint=f"number it 1-{len(names)}, name one of its slots, or give '{link.target.node}' more slots",
            ))
        heard = [f"'{key}' on slot '{names[channel]}'" if channel < len(names) else f"'{key}' on no slot"
                 for key, (meant, channel, _) in parts.items()
                 if not key.isdigit() and (channel >= len(names) or names[channel].lower() != meant.lower())]
        if not heard:
            continue
        warnings.append(Problem(
            f"node '{link.source.node}': its slots are not the slot_names of '{link.target.node}', which picks the "
            f"slot by the MIDI channel: it plays {', '.join(heard[:3])}"
            + (f" and {len(heard) - 3} more" if len(heard) > 3 else ""),
            source.file,
            source.node_line(link.source.node, "params", "slots") or source.node_line(link.source.node),
            hint=f"give it slots: [{', '.join(names)}], unless another slot table is meant",
        ))
    for node_id, what in dict.fromkeys(failed):  # once, for a node linked more than once
        warnings.append(Problem(f"node '{node_id}': {what}", source.file, source.node_line(node_id)))
    return warnings
