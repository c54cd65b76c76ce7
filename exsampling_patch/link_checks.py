"""Whether one link fits its patch (:func:`check_link`): both ends exist, the port types fit, an input that takes
one link has no other. The editor calls it before drawing a link; ``validate.check_patch`` for every link.
:func:`bare_end_hint` suggests the port of a link written with a bare node id (``from: rec``).
"""

from __future__ import annotations

import difflib
from collections.abc import Collection

from exsampling_patch.node import PortSpec
from exsampling_patch.patch import LINK_ARROW, Link, Patch, PortRef, shown_id, unseen_note
from exsampling_patch.ports import link_problem
from exsampling_patch.registry import Registry


def check_link(patch: Patch, registry: Registry, link: Link, others: list[Link] | None = None) -> str | None:
    """Why ``link`` cannot be added to ``patch`` (or stay in it), or None if it fits.

    ``others`` are the links it must share inputs with (default: every other link of the patch). The
    editor calls this before drawing a link; :func:`check_patch` calls it for every link.
    """
    ends: list[PortSpec | None] = []
    for ref, kind in ((link.source, "output"), (link.target, "input")):
        spec = patch.nodes.get(ref.node)
        if spec is None:  # and the other end's node, where it is missing too
            missing = [ref.node] + [link.target.node] * (kind == "output" and link.target.node not in patch.nodes)
            return f"link {shown_id(str(link))}: {_no_nodes(patch, missing)}"
        if spec.type not in registry:
            # The unknown type is reported on the node itself; the other end is still checked: 'trimm.out ->
            # pitch.tkae' did not tell the misspelt input.
            ends.append(None)
            continue
        ports = registry.get(spec.type).outputs if kind == "output" else registry.get(spec.type).inputs
        if ref.port not in ports:
            backwards = _backwards(patch, registry, link)
            if backwards:
                return f"link {link}: {backwards}"
            close = difflib.get_close_matches(ref.port, list(ports), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else f"; its {kind}s: {', '.join(ports) or 'none'}"
            node_type = registry.get(spec.type)
            if ref.port in (node_type.inputs if kind == "output" else node_type.outputs):
                other = "input" if kind == "output" else "output"
                hint += f" ('{ref.port}' is its {other}: a link goes from an output to an input)"
            # Escaped, with a word of the character: 'take\u200b' printed as it is read "has no output 'take';
            # did you mean 'take'?".
            return (f"link {shown_id(str(link))}: '{ref.node}' ({spec.type}) has no {kind} '{shown_id(ref.port)}'"
                    f"{hint}{unseen_note(ref.port)}")
        ends.append(ports[ref.port])
    source, target = ends
    reason = link_problem(source.type, target.type) if source is not None and target is not None else None
    if reason:
        return f"link {link}: {reason}"
    if target is not None and not target.multiple:
        taken = [ln for ln in (patch.links if others is None else others) if ln.target == link.target and ln != link]
        if taken:
            return f"link {link}: input {link.target} takes one link and already has {taken[0].source}"
    return None


def _no_nodes(patch: Patch, missing: list[str]) -> str:
    """Why a link whose ends name ``missing`` node ids (one or both) cannot be: each, with the id it may mean. A link
    between two misspelt ids told the first alone, the second found only after it was fixed."""
    parts, missing = [], list(dict.fromkeys(missing))  # 'a.out -> a.take': told once
    for node in missing:
        close = difflib.get_close_matches(node, list(patch.nodes), n=1)
        # Escaped: an id with a zero-width space printed as it is read the same as the one it was offered for.
        meant = f"did you mean '{shown_id(close[0])}'?" if close else ""
        parts.append(f"'{shown_id(node)}'" + (f" ({meant})" if meant and len(missing) > 1 else f"; {meant}" if meant
                                              else "") + unseen_note(node, *close))
    return "no node with id " + ", nor with id ".join(parts)


def _backwards(patch: Patch, registry: Registry, link: Link) -> str | None:
    """Why ``link`` looks written the wrong way round (an input on the left and an output on the right), or None:
    "has no output 'take'; its outputs: written" did not say that links go from an output to an input."""
    specs = [patch.nodes.get(ref.node) for ref in (link.source, link.target)]
    types = [spec.type for spec in specs if spec is not None]
    # A misspelt output into a node that is not there: the port is told, not a KeyError on the other end.
    if len(types) < 2 or not all(t in registry for t in types):
        return None
    source, target = (registry.get(t) for t in types)
    if link.source.port in source.inputs and link.target.port in target.outputs:
        return f"it runs backwards (links go output -> input): write '{link.target} -> {link.source}'"
    return None


def bare_end_hint(patch: Patch, registry: Registry, source: str, target: str, typeless: Collection[str] = ()) -> str:
    """What a link with a bare node id for an end (``from: rec``, read as no link) may mean: the port, where one
    alone fits the other end, else the ports that do. '' where the types are not known. ``typeless``: ids of nodes
    the file holds with no type (``ParsedPatch.typeless``), not in ``patch``."""
    options: list[list[tuple[PortRef, PortSpec | None]]] = []
    bare: list[bool] = []
    for text, kind in ((source, "output"), (target, "input")):
        node, dot, port = text.rpartition(".")
        if not (node and port):  # 'rec', or 'rec.'
            node, dot, port = text.strip("."), "", ""
        if node not in patch.nodes:  # misspelt too: the suggestion takes the closest id
            close = difflib.get_close_matches(node, [*patch.nodes, *typeless], n=1)
            if not close:
                return f"no node with id '{shown_id(node)}'{unseen_note(node)}"
            node = close[0]
        if node not in patch.nodes:
            # Written with 'tipe:': "no node with id 'inbox'" (or another node's port) for a node that is there. Its
            # ports are not known: a port written at its end is taken as it is, for the other end's suggestion.
            if not dot:
                return f"'{shown_id(node)}' has no type yet, so no ports to name: give it its type, then write " \
                       f"'{shown_id(node)}.PORT'"
            bare.append(False)
            options.append([(PortRef(node, port), None)])
            continue
        spec = patch.nodes[node]
        if spec.type not in registry:
            return ""
        ports = registry.get(spec.type).outputs if kind == "output" else registry.get(spec.type).inputs
        bare.append(not dot)
        if dot:
            options.append([(PortRef(node, port), ports.get(port))])
        elif not ports:
            return f"'{node}' ({spec.type}) has no {kind}s"
        else:
            options.append([(PortRef(node, name), port_spec) for name, port_spec in ports.items()])
    fitting = [(out, into) for out, out_spec in options[0] for into, in_spec in options[1]
               if out_spec is None or in_spec is None or link_problem(out_spec.type, in_spec.type) is None]
    if len(fitting) == 1:
        out, into = fitting[0]
        meant = f"{out}{LINK_ARROW}{into}" if all(bare) else str(out if bare[0] else into)
        return f"did you mean '{shown_id(meant)}'?{unseen_note(meant)}"
    hints = []
    for index, kind in enumerate(("output", "input")):
        if bare[index]:
            node = options[index][0][0].node
            names = list(dict.fromkeys(pair[index].port for pair in fitting)) or [ref.port for ref, _ in options[index]]
            hints.append(f"'{node}' ({patch.nodes[node].type}) {kind}s{' that fit' if fitting else ''}: "
                         f"{', '.join(names)}")
    return "; ".join(hints)
