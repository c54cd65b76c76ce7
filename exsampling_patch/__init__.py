"""ExSampling Patch: field recordings become playable instruments, wired as a node patch.

The core (this package) knows nothing of the GUI: it holds the port types, the node API, the patch
model with its YAML format, the node registry and the runtime.

The names below are imported when first asked for (``from exsampling_patch import Node``), not with the package:
every ``exsampling`` command imports the package first, from its console script, before ``cli.main`` can catch
anything, and the eager imports (numpy among them: 0.2 s, over 1 s on a loaded machine) left a Ctrl+C then a
traceback instead of the command's quiet stop.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from exsampling_patch.messages import ControlValue, Location, Prediction, Score, SlotAssignment, Take
    from exsampling_patch.node import Input, Node, Output, Param
    from exsampling_patch.ports import ANY, CONTROL, MIDI, PREDICTION, SLOT, TAKE, PortType, link_problem

#: Each name of the API -> the module it comes from.
_WHERE = {
    **dict.fromkeys(("ControlValue", "Location", "Prediction", "Score", "SlotAssignment", "Take"),
                    "exsampling_patch.messages"),
    **dict.fromkeys(("Input", "Node", "Output", "Param"), "exsampling_patch.node"),
    **dict.fromkeys(("ANY", "CONTROL", "MIDI", "PREDICTION", "SLOT", "TAKE", "PortType", "link_problem"),
                    "exsampling_patch.ports"),
}


def __getattr__(name: str) -> Any:
    if name == "__version__":  # pyproject.toml's, looked up when asked for: see exsampling_patch.version
        from exsampling_patch.version import package_version

        return package_version()
    if name in _WHERE:
        value = getattr(importlib.import_module(_WHERE[name]), name)
        globals()[name] = value  # the next look-up is a plain attribute's
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_WHERE})


__all__ = [
    "ANY",
    "CONTROL",
    "MIDI",
    "PREDICTION",
    "SLOT",
    "TAKE",
    "ControlValue",
    "Input",
    "Location",
    "Node",
    "Output",
    "Param",
    "PortType",
    "Prediction",
    "Score",
    "SlotAssignment",
    "Take",
    "__version__",
    "link_problem",
]
