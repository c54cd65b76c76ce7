"""A warning for two nodes that each work on Live's tracks and undo one another: ``ableton_osc`` renaming the tracks
that ``ableton_live``'s remote script finds by their slot's name alone (docs/ableton.md)."""

from __future__ import annotations

import ipaddress

from exsampling_patch.errors import Problem
from exsampling_patch.param_values import value_in_effect
from exsampling_patch.patch import Patch
from exsampling_patch.patchfile import SourceMap
from exsampling_patch.registry import Registry


def renamed_track_warnings(patch: Patch, registry: Registry, source: SourceMap) -> list[Problem]:
    """A warning at its ``actions`` line for each ``ableton_osc`` node whose actions include ``name`` in a patch
    with an ``ableton_live`` node: it renames a take's track (``Snare`` becomes ``Snare kick``), and the remote
    script takes only a track named exactly after its slot, so the slot's next takes were not loaded into Live,
    and check said "ok". Not where ``name_format`` is ``{slot}`` alone: that name is the slot's."""
    lives = [node_id for node_id, spec in patch.nodes.items() if spec.type == "ableton_live" and spec.type in registry]
    if not lives:
        return []
    warnings = []
    for node_id, spec in patch.nodes.items():
        if spec.type != "ableton_osc" or spec.type not in registry:
            continue
        actions = value_in_effect(patch, registry, node_id, "actions")
        name_format = value_in_effect(patch, registry, node_id, "name_format")
        if not isinstance(actions, list) or "name" not in actions or not isinstance(name_format, str):
            continue
        renamed = name_format.replace("{slot}", "Snare").replace("{label}", "kick")
        if renamed == "Snare":
            continue
        kept = [action for action in actions if action != "name"]
        lives_told = ", ".join(f"'{live}'" for live in lives)
        host = str(value_in_effect(patch, registry, node_id, "host") or "127.0.0.1").strip()
        # ableton_live's script answers on this machine alone: an ableton_osc sending to another host renames
        # another Live's tracks (no clash), or this one's by a name of this machine that check cannot tell apart.
        where, clash = ("Live", "once renamed") if _this_machine(host) else (
            f"the Live at {host}", f"check cannot tell whether {host} is this machine; if it is, once renamed")
        warnings.append(Problem(
            f"node '{node_id}': its 'name' action renames each take's track in {where} ('{name_format}': slot "
            f"Snare's becomes '{renamed}'), and ableton_live ({'node' if len(lives) == 1 else 'nodes'} {lives_told}) "
            f"loads takes only into a track named exactly after its slot: {clash}, that slot's next takes are not "
            "loaded into Live", source.file,
            source.node_line(node_id, "params", "actions") or source.node_line(node_id),
            hint=f"leave 'name' out of its actions, as in actions: [{', '.join(kept)}]; color, volume and fire are "
            "fine beside ableton_live"))
    return warnings


def _this_machine(host: str) -> bool:
    """Whether ``host`` names this machine, where ableton_live's remote script listens: ``localhost`` (any case), a
    loopback address (127.0.0.0/8, ``::1``, either as ``::ffff:127.x.y.z``) or an unspecified one (``0.0.0.0``,
    ``::``: a datagram sent there reaches this machine). No lookup: check does no network I/O."""
    if host.lower() == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:  # a name (127.example.org is no loopback): check cannot tell
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback or address.is_unspecified
