"""Port declarations: what a node type's :class:`Input` and :class:`Output` class attributes declare (type, doc,
whether an input takes many links, whether an output reports what the node did with a take).

Node types import them from :mod:`exsampling_patch.node` (or the package); they live here, as parameters live in
:mod:`exsampling_patch.param_spec`, so that the node module holds the node lifecycle.
"""

from __future__ import annotations

from dataclasses import dataclass

from exsampling_patch.ports import PortType, port_type


@dataclass(frozen=True)
class PortSpec:
    """An input or output port of a node type."""

    type: PortType
    doc: str = ""
    name: str = ""
    multiple: bool = False  # inputs only: may more than one link end here?
    #: Outputs only: what the node did with a take it took to an end (a writer's file written, a sampler's slot
    #: loaded), not the take going on: emitted to nothing, the take still ended here (see the ledger).
    report: bool = False


class Input(PortSpec):
    """Declare an input port: ``take = Input(TAKE, "the take to trim")``.

    An input takes one link unless ``multiple=True`` (a log or a writer that merges many sources).
    """

    def __init__(self, type: PortType, doc: str = "", *, multiple: bool = False) -> None:
        super().__init__(type=port_type(type), doc=doc, multiple=multiple)

    def __set_name__(self, owner: type, name: str) -> None:
        object.__setattr__(self, "name", name)


class Output(PortSpec):
    """Declare an output port: ``out = Output(TAKE, "the trimmed take")``. Outputs fan out freely.

    A take emitted on an output linked to nothing went nowhere (its end says so), unless the output is a
    ``report`` of what the node did with it: ``written = Output(TAKE, "the stored take", report=True)``."""

    def __init__(self, type: PortType, doc: str = "", *, report: bool = False) -> None:
        super().__init__(type=port_type(type), doc=doc, multiple=True, report=report)

    def __set_name__(self, owner: type, name: str) -> None:
        object.__setattr__(self, "name", name)
