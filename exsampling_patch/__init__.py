"""ExSampling Patch: field recordings become playable instruments, wired as a node patch.

The core (this package) knows nothing of the GUI: it holds the port types, the node API, the patch
model with its YAML format, the node registry and the runtime.
"""

from exsampling_patch.messages import ControlValue, Location, Prediction, Score, SlotAssignment, Take
from exsampling_patch.node import Input, Node, Output, Param
from exsampling_patch.ports import ANY, CONTROL, MIDI, PREDICTION, SLOT, TAKE, PortType, link_problem


def __getattr__(name: str) -> str:
    if name == "__version__":  # pyproject.toml's, looked up when asked for: see exsampling_patch.version
        from exsampling_patch.version import package_version

        return package_version()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
