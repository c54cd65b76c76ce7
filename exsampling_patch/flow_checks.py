"""Inputs that get nothing where a node needs them (:func:`unfed_warnings`): a slot map whose takes come but whose
predictions cannot (the classifier's input linked to nothing) holds each take for ever, and the run says nothing
went wrong. Only an input a node type names in :attr:`~exsampling_patch.node.Node.needs` is held to it: an input
left unlinked is often on purpose (a sampler played from MIDI alone), one that waits for another never is; nor
is one that a switch parameter makes the node go by (:func:`switched_warnings`), nor a beat clock named by a node's
``clock`` that no pattern node of the patch gives (:func:`clock_warnings`).
"""

from __future__ import annotations

import difflib

from exsampling_patch.errors import Problem
from exsampling_patch.param_values import value_in_effect
from exsampling_patch.patch import Patch, PortRef
from exsampling_patch.patchfile import SourceMap
from exsampling_patch.registry import Registry


def _sending(patch: Patch, registry: Registry) -> set[str]:
    """Nodes that may send anything: a source (no inputs, or one that sends of its own accord), a node of a type
    not known (not judged), and any node something sent to one of these can reach."""
    sending = set()
    for node_id, spec in patch.nodes.items():
        node_type = registry.get(spec.type) if spec.type in registry else None
        if node_type is None or not node_type.inputs or node_type.family == "sources":
            sending.add(node_id)
    grew = True
    while grew:
        grew = False
        for link in patch.links:
            if link.source.node in sending and link.target.node not in sending:
                sending.add(link.target.node)
                grew = True
    return sending


def _fed(patch: Patch, sending: set[str]) -> set[tuple[str, str]]:
    """The inputs (node, port) that a link from a node that may send (:func:`_sending`) comes into."""
    return {(link.target.node, link.target.port) for link in patch.links if link.source.node in sending}


def _starved(patch: Patch, sending: set[str], node_id: str, port: str) -> list[str]:
    """The nodes upstream of ``node_id.port`` that get nothing because no link comes into them at all."""
    found: list[str] = []
    todo = [link.source.node for link in patch.links if (link.target.node, link.target.port) == (node_id, port)]
    seen: set[str] = set()
    while todo:
        upstream = todo.pop()
        if upstream in seen or upstream in sending:
            continue
        seen.add(upstream)
        feeders = [link.source.node for link in patch.links if link.target.node == upstream]
        if not feeders:
            found.append(upstream)
        todo += feeders
    return sorted(found)


def unfed_warnings(patch: Patch, registry: Registry, source: SourceMap) -> list[Problem]:
    """A warning for each input a node needs (:attr:`Node.needs`) that gets nothing while the input that needs it
    does: what comes there waits for ever."""
    sending = _sending(patch, registry)
    fed = _fed(patch, sending)
    warnings = []
    for node_id, spec in patch.nodes.items():
        if spec.type not in registry:
            continue
        for port, needed in registry.get(spec.type).needs.items():
            if (node_id, port) not in fed or (node_id, needed) in fed:
                continue
            starved = _starved(patch, sending, node_id, needed)
            linked = any((link.target.node, link.target.port) == (node_id, needed) for link in patch.links)
            why = (f"nothing is linked to '{needed}'" if not linked
                   else f"nothing is linked into {', '.join(starved)}, upstream of it" if starved
                   else f"'{needed}' gets nothing")
            warnings.append(Problem(
                f"node '{node_id}': what comes to '{port}' waits for what comes to '{needed}', but {why}: it would "
                "wait there for ever", source.file, source.node_line(node_id)))
    return warnings


def switched_warnings(patch: Patch, registry: Registry, source: SourceMap) -> list[Problem]:
    """A warning, on the node's line, for each switch parameter that is on (:attr:`Node.needs_when`) while the input
    it makes the node go by gets nothing: a pattern with ``follow_midi_clock`` and nothing linked to ``sync`` never
    played, and check said "ok"."""
    sending = _sending(patch, registry)
    fed = _fed(patch, sending)
    warnings = []
    for node_id, spec in patch.nodes.items():
        if spec.type not in registry:
            continue
        node_type = registry.get(spec.type)
        if spec.type in CLOCK_TYPES and value_in_effect(patch, registry, node_id, "clock"):
            continue  # it goes by another node's beat clock, not by its switches (clock_warnings tells of them)
        for name, port in node_type.needs_when.items():
            # a value refused is None (told on the parameter itself), as is a name that is no parameter
            on = name in node_type.param_specs and value_in_effect(patch, registry, node_id, name)
            links = [link for link in patch.links if (link.target.node, link.target.port) == (node_id, port)]
            if links and on is False:  # a drum machine's clock linked to a pattern's sync: its own tempo played on
                warnings.append(Problem(
                    f"node '{node_id}': '{port}' is linked, but {name} is off: what comes there is not used",
                    source.file, source.link_line(links[0]) or source.node_line(node_id), hint=f"set {name}: true"))
            if not on or (node_id, port) in fed:
                continue
            linked = bool(links)
            why = f"'{port}' gets nothing" if linked else f"nothing is linked to '{port}'"
            warnings.append(Problem(f"node '{node_id}': with {name} on it goes by what comes to '{port}', but {why}: "
                                    "it would wait for ever", source.file, source.node_line(node_id)))
    return warnings


def bypass_warnings(patch: Patch, registry: Registry, source: SourceMap) -> list[Problem]:
    """A warning, on the link's line, for each input of a node that takes a gate's rejected predictions apart (a slot
    map's ``rejected``) fed both what a node passed and what it rejected: everything goes on, as if there were no
    gate. A composer who linked both into a slot map's ``prediction`` had every take the gate rejected loaded into a
    slot, and nothing said so. A node without such an input (a log, the phones' recorder_status) is told of both."""
    warnings = []
    for target in dict.fromkeys(link.target for link in patch.links):
        spec = patch.nodes.get(target.node)
        if (spec is None or spec.type not in registry or target.port == "rejected"
                or "rejected" not in registry.get(spec.type).inputs):
            continue
        feeding = {link.source: link for link in patch.links if link.target == target}
        for ref, link in feeding.items():
            if ref.port == "rejected" and PortRef(ref.node, "passed") in feeding:
                warnings.append(Problem(
                    f"node '{target.node}': '{target.port}' gets both what '{ref.node}' passed and what it rejected: "
                    f"everything goes on, as if '{ref.node}' were not there", source.file, source.link_line(link),
                    hint=f"link {ref} to {PortRef(target.node, 'rejected')}"))
    return warnings


CLOCK_TYPES = ("pattern", "sampler", "midi_clock")
"""The node types whose ``clock`` parameter names a pattern node (:func:`clock_warnings`)."""
UNUSED_WITH_CLOCK = ("follow_midi_clock", "link", "start_stop_sync")
"""A pattern node's switches for a beat clock of its own: with ``clock`` it goes by the named node's instead."""


def clock_warnings(patch: Patch, registry: Registry, source: SourceMap) -> list[Problem]:
    """A warning, on its line, for each ``clock`` parameter (a sampler's, a midi_clock's, a pattern's) that names no
    pattern node of the patch, the node itself, or one of the pattern nodes that follow each other round: what goes by
    that beat clock never gets it (a pattern following it never played, a midi_clock sent nothing, a sampler's groove
    started without waiting for its stream), and check said "ok"."""
    patterns = [node_id for node_id, spec in patch.nodes.items()
                if spec.type in registry and hasattr(registry.get(spec.type), "beat_clock")]
    warnings = []
    for node_id, spec in patch.nodes.items():
        # The built-in types whose clock names a pattern node: a plugin's clock may mean something else (a device).
        if spec.type not in CLOCK_TYPES or spec.type not in registry:
            continue
        name = value_in_effect(patch, registry, node_id, "clock")
        if name == "" and not patterns:
            warnings += _no_clock(patch, registry, source, node_id)
        if name == "" and spec.type == "pattern":
            warnings += _link_beside_midi_clock(patch, registry, source, node_id)
        if not isinstance(name, str) or not name:
            continue
        circle = _clock_circle(patch, registry, patterns, name) if name in patterns and name != node_id else None
        if circle:
            # each follows the next and none keeps a clock of its own: each publishes the stopped one it was given
            warnings.append(Problem(
                f"node '{node_id}': clock '{name}' goes round a circle of clocks ({' -> '.join([*circle, circle[0]])})"
                ": none of them has a beat clock of its own, so the one it goes by would never come", source.file,
                source.node_line(node_id, "params", "clock") or source.node_line(node_id),
                hint="leave clock empty on one of them: the others follow its beat"))
            warnings += _unused_switches(patch, registry, source, node_id, name, pattern=False)
            continue
        if name in patterns and name != node_id:
            warnings += _unused_switches(patch, registry, source, node_id, name)
            continue
        others = [other for other in patterns if other != node_id]
        close = difflib.get_close_matches(name, others, n=1)
        what = "this node itself" if name == node_id else "no pattern node of this patch"
        warnings.append(Problem(
            f"node '{node_id}': clock '{name}' is {what}: the beat clock it goes by would never come", source.file,
            source.node_line(node_id, "params", "clock") or source.node_line(node_id),
            hint=f"did you mean '{close[0]}'?" if close else f"the pattern nodes here: {', '.join(others)}" if others
            else "add the pattern node it names, or leave clock empty",
        ))
        # told too: before, the clock's warning was all, and with its name put right they still went unused
        warnings += _unused_switches(patch, registry, source, node_id, name, pattern=False)
    return warnings


def _no_clock(patch: Patch, registry: Registry, source: SourceMap, node_id: str) -> list[Problem]:
    """A warning for a node that goes by whichever pattern node's beat clock runs (``clock: ''``) in a patch with
    none: a midi_clock sent nothing, and a sampler's swap on the beat or bar swapped each take in at once, mid-bar."""
    kind = patch.nodes[node_id].type
    swap = value_in_effect(patch, registry, node_id, "swap") if kind == "sampler" else None
    if kind == "midi_clock":
        text, hint = "it sends the beat clock of a pattern node, and this patch has none: it would send nothing", \
            "add the pattern node whose tempo it is to send"
    elif swap in ("beat", "bar"):
        text, hint = f"swap '{swap}' waits for a pattern node's {swap}, and this patch has none: each take would " \
            "swap in at once", "add a pattern node, or swap: now"
    else:
        return []
    line = source.node_line(node_id, "params", "swap") if swap else None
    return [Problem(f"node '{node_id}': {text}", source.file, line or source.node_line(node_id), hint=hint)]


def _link_beside_midi_clock(patch: Patch, registry: Registry, source: SourceMap, node_id: str) -> list[Problem]:
    """A warning, on link's line, for a pattern node with both follow_midi_clock and link on: it follows the master's
    MIDI clock and joins no Link session (start_stop_sync, Link's, goes unused with it), and check said "ok"."""
    specs = registry.get(patch.nodes[node_id].type).param_specs
    switches = ("follow_midi_clock", "link", "start_stop_sync")
    on = [s for s in switches if s in specs and value_in_effect(patch, registry, node_id, s) is True]
    if "follow_midi_clock" not in on or "link" not in on:
        return []
    unused = on[1:]
    return [Problem(
        f"node '{node_id}': {' and '.join(unused)} {'is' if len(unused) == 1 else 'are'} not used: with "
        "follow_midi_clock on it plays by the MIDI clock that comes to 'sync' and joins no Link session",
        source.file, source.node_line(node_id, "params", "link") or source.node_line(node_id),
        hint="turn follow_midi_clock off to play in time with a Link session, or link off")]


def _unused_switches(patch: Patch, registry: Registry, source: SourceMap, node_id: str, name: str,
                     pattern: bool = True) -> list[Problem]:
    """A warning, on the first one's line, of the switches on (:data:`UNUSED_WITH_CLOCK`) of a node that plays by
    clock ``name``: check said a follow_midi_clock one "would wait for ever" for its sync input, which it never waits
    for, and nothing of a link one that joins no session. ``pattern`` False: ``name`` is no pattern node that keeps a
    clock of its own (told apart), so setting them there is no way out."""
    specs = registry.get(patch.nodes[node_id].type).param_specs
    on = [s for s in UNUSED_WITH_CLOCK if s in specs and value_in_effect(patch, registry, node_id, s) is True]
    if not on:
        return []
    them = "it" if len(on) == 1 else "them"
    return [Problem(
        f"node '{node_id}': {' and '.join(on)} {'is' if len(on) == 1 else 'are'} not used: it plays by clock "
        f"'{name}'" + (" (its tempo, bars, start and stop)" if pattern else ", not by a beat clock of its own"),
        source.file, source.node_line(node_id, "params", on[0]) or source.node_line(node_id),
        hint=f"set {them} on '{name}', or leave clock empty" if pattern
        else f"set {them} on the pattern node clock names, or leave clock empty")]


def _clock_circle(patch: Patch, registry: Registry, patterns: list[str], name: str) -> list[str]:
    """The pattern nodes that follow one another round in a circle from ``name`` (each one's clock the next), in
    that order; [] where the clocks followed from ``name`` end at a node that keeps its own."""
    chain = [name]
    while patch.nodes[chain[-1]].type in CLOCK_TYPES:
        follows = value_in_effect(patch, registry, chain[-1], "clock")
        if not isinstance(follows, str) or follows not in patterns:
            break
        if follows in chain:
            return chain[chain.index(follows):]
        chain.append(follows)
    return []
