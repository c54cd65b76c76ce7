"""The patch model: nodes with parameters and positions, and links from outputs to inputs.

A :class:`Patch` is plain data. It is what the YAML file holds, what the editor edits and what the
runtime compiles; it knows nothing of threads or widgets.
"""

from __future__ import annotations

import copy
import unicodedata
from dataclasses import dataclass, field
from typing import Any

#: The patch format version this build writes, and the newest it reads.
FORMAT_VERSION = 1
#: The top-level key of a patch file that holds its format version: ``exsampling_patch: 1``.
VERSION_KEY = "exsampling_patch"
#: How a link is written: ``- inbox.take -> writer.take`` (one scalar: a third of the parsing of a mapping).
LINK_ARROW = " -> "
#: The keys of a patch file, of a node in it and of a link's long form (``{from: a.out, to: b.in}``, also read): the
#: reader's (:mod:`.patchfile`) and the YAML syntax hints' (:mod:`.yaml_syntax`), one list for both.
TOP_KEYS = (VERSION_KEY, "name", "description", "node_dirs", "nodes", "links")
NODE_KEYS = ("id", "type", "position", "params")  # a node's own keys; its parameters go under ``params``
LINK_KEYS = ("from", "to")


def id_problems(node_id: str) -> list[str]:
    """Why ``node_id`` may not name a node, each reason one item; empty if it may.

    The one rule of the loader (``check_patch`` reports each reason at the id's line) and the editor (which
    refuses to add or rename a node so). Spaces inside an id are allowed: a link's ends are split at the arrow
    and stripped, and the port is what follows the last dot, so 'room mic.out -> b.in' reads back as written.
    """
    if not _trimmed(node_id):
        return ["a node needs an id"]
    reasons = []
    if LINK_ARROW.strip() in node_id:
        reasons.append(f"an id may not contain '{LINK_ARROW.strip()}', a link's arrow: links to it cannot be read")
    if "." in node_id:
        # A person reads 'kick.bass.take' as node 'kick', but the link's last dot parts node from port.
        reasons.append("an id may not contain dots, a dot parts a node from its port ('node.port')")
    if node_id.strip() != node_id:
        # A link's ends are read without their spaces, so links to it would name another node.
        reasons.append("an id may not begin or end with spaces" + _unseen_space(node_id))
    elif _trimmed(node_id) != node_id:
        # A zero-width space passes strip(): the id looked like 'writer', and a link to 'writer' named no node.
        reasons.append("an id may not begin or end with an invisible character" + _unseen_space(node_id))
    return reasons


def _invisible(char: str) -> bool:
    """Whitespace, or a format character that shows as nothing (a zero-width space, a word joiner, a byte-order
    mark): at an end of an id, where ``strip()`` keeps the second kind."""
    return char.isspace() or unicodedata.category(char) == "Cf"


def _seen_span(node_id: str) -> tuple[int, int]:
    """Where ``node_id`` begins and ends without the characters that cannot be seen (:func:`_invisible`) at its
    ends."""
    start, end = 0, len(node_id)
    while start < end and _invisible(node_id[start]):
        start += 1
    while end > start and _invisible(node_id[end - 1]):
        end -= 1
    return start, end


def _trimmed(node_id: str) -> str:
    """``node_id`` without the characters that cannot be seen at its ends."""
    start, end = _seen_span(node_id)
    return node_id[start:end]


def _unseen_space(node_id: str) -> str:
    """': it ends with a no-break space (U+00A0), which cannot be seen' for an id that begins or ends with a space
    other than the plain one (copied from a web page) or a zero-width character, else '': "may not end with
    spaces" of 'log' said no more."""
    start, end = _seen_span(node_id)
    head, tail = node_id[:start], node_id[end:]
    for where, edge in (("begins", head), ("ends", tail)):
        char = next((c for c in edge if c != " "), "")
        if char:
            name = unicodedata.name(char, "").lower()
            shown = f"a {name} (U+{ord(char):04X})" if name else f"the character U+{ord(char):04X}"
            return f": it {where} with {shown}, which cannot be seen"
    return ""


def shown_id(node_id: str) -> str:
    """``node_id`` as a message quotes it: each character that cannot be seen (:func:`_invisible`, the plain space
    aside) written as its escape, ``\\u200b``. A link's "did you mean 'writer'?" printed an id that ends in a
    zero-width space as it is: the same as the name it was offered for."""
    return "".join(_escaped(c) if _unseen(c) else c for c in node_id)


def unseen_note(*texts: str) -> str:
    """' (\\u200b is a zero width space, which cannot be seen)' for the first character that :func:`shown_id` escapes
    in ``texts``, else ''."""
    char = next((c for text in texts for c in text if _unseen(c)), "")
    if not char:
        return ""
    name = unicodedata.name(char, "").lower()
    return f" ({_escaped(char)} is {'a ' + name if name else 'a character'}, which cannot be seen)"


def _unseen(char: str) -> bool:
    return char != " " and _invisible(char)


def _escaped(char: str) -> str:
    return f"\\u{ord(char):04x}" if ord(char) <= 0xFFFF else f"\\U{ord(char):08x}"


def fixed_id(node_id: str) -> str:
    """``node_id`` made one that :func:`id_problems` accepts (not yet made unique in a patch)."""
    return _trimmed(node_id).replace(LINK_ARROW.strip(), "-").replace(".", "_") or "node"


@dataclass(frozen=True, order=True)
class PortRef:
    """One end of a link: ``node.port``."""

    node: str
    port: str

    @classmethod
    def parse(cls, text: str) -> PortRef:
        """Parse ``"node.port"``; raises ValueError naming the expected form."""
        node, dot, port = str(text).rpartition(".")
        if not dot or not node or not port:
            raise ValueError(f"'{text}' is not of the form node_id.port")
        return cls(node, port)

    def __str__(self) -> str:
        return f"{self.node}.{self.port}"


@dataclass(frozen=True, order=True)
class Link:
    """A link from an output port to an input port."""

    source: PortRef
    target: PortRef

    def __str__(self) -> str:
        return f"{self.source}{LINK_ARROW}{self.target}"


@dataclass
class NodeSpec:
    """A node in a patch: its id, its type name, the parameters set on it and its editor position."""

    id: str
    type: str
    params: dict[str, Any] = field(default_factory=dict)
    position: tuple[float, float] | None = None

    def copy(self) -> NodeSpec:
        return NodeSpec(self.id, self.type, copy.deepcopy(self.params), self.position)


@dataclass
class Patch:
    """A whole patch. ``nodes`` keeps the order of the file; ``node_dirs`` lists folders of user nodes."""

    nodes: dict[str, NodeSpec] = field(default_factory=dict)
    links: list[Link] = field(default_factory=list)
    name: str = ""
    description: str = ""
    node_dirs: list[str] = field(default_factory=list)
    version: int = FORMAT_VERSION

    def add_node(self, spec: NodeSpec) -> NodeSpec:
        if spec.id in self.nodes:
            raise ValueError(f"a node with id '{spec.id}' is already in the patch")
        self.nodes[spec.id] = spec
        return spec

    def connect(self, source: str | PortRef, target: str | PortRef) -> Link:
        """Add a link (no type check here: see :func:`exsampling_patch.validate.check_patch`)."""
        link = Link(
            source if isinstance(source, PortRef) else PortRef.parse(source),
            target if isinstance(target, PortRef) else PortRef.parse(target),
        )
        if link in self.links:
            raise ValueError(f"the link {link} is already in the patch")
        self.links.append(link)
        return link

    def disconnect(self, link: Link) -> None:
        self.links.remove(link)

    def unique_id(self, base: str) -> str:
        """A node id not yet used, derived from ``base`` (``trim``, ``trim_2``, ...)."""
        if base not in self.nodes:
            return base
        n = 2
        while f"{base}_{n}" in self.nodes:
            n += 1
        return f"{base}_{n}"

    def copy(self) -> Patch:
        return Patch(
            nodes={k: v.copy() for k, v in self.nodes.items()},
            links=list(self.links),
            name=self.name,
            description=self.description,
            node_dirs=list(self.node_dirs),
            version=self.version,
        )
