"""The address of a connection's peer, for the recorder's log and its refusals' counts (door and busy answers alike)."""

from __future__ import annotations

from typing import Any


def peer_address(sock: Any) -> str:
    """The peer's address: its IP address; a Unix socket's path (a string, not an address pair: its first letter was
    taken, and an unnamed peer's "" raised IndexError out of the stop's cut), or "a local socket"; "?" where the
    connection is gone."""
    try:
        peer = sock.getpeername()
    except OSError:
        return "?"
    if isinstance(peer, tuple):
        return str(peer[0])
    if isinstance(peer, bytes):  # an abstract Unix socket's name
        peer = peer.decode("utf-8", "replace")
    return str(peer) or "a local socket"
