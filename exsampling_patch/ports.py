"""Port types and the one rule that decides whether an output may feed an input.

The YAML loader, the runtime and the editor all call :func:`link_problem`; nothing else decides
whether a link is allowed.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass


@dataclass(frozen=True)
class PortType:
    """The kind of message a port carries."""

    name: str
    doc: str

    def __str__(self) -> str:
        return self.name


TAKE = PortType("take", "an audio take: samples, sample rate and metadata")
PREDICTION = PortType("prediction", "a classifier's labels with probabilities, with the take they describe")
SLOT = PortType("slot", "a take assigned to a named sampler slot")
MIDI = PortType("midi", "a MIDI message: a note, a control change, a clock tick...")
CONTROL = PortType("control", "a named control value (a number)")
ANY = PortType("any", "any message: the port passes through whatever it is given")

PORT_TYPES: dict[str, PortType] = {t.name: t for t in (TAKE, PREDICTION, SLOT, MIDI, CONTROL, ANY)}
#: The port type of each message class (``exsampling_patch.messages``, ``mido.Message``), by the class's name.
_PORT_OF_CLASS = {"Take": "take", "Prediction": "prediction", "SlotAssignment": "slot", "ControlValue": "control",
                  "Message": "midi"}


def port_type(value: object) -> PortType:
    """``value`` if it is a port type; else a :class:`TypeError` naming the constant meant (``Input("take")``
    means ``Input(TAKE)``). Raised where the port is declared, so that the plugin's file is reported when it is
    imported, instead of ``exsampling nodes`` and the loader failing later on a type without a name."""
    if isinstance(value, PortType):
        return value
    known = ", ".join(name.upper() for name in PORT_TYPES)
    # A class (Input(Take, ...): the message's class for its port type) was told as "<class
    # 'exsampling_patch.messages.Take'>", with no word of the TAKE meant.
    name = value.__name__ if isinstance(value, type) else value if isinstance(value, str) else ""
    close = ([_PORT_OF_CLASS[name]] if isinstance(value, type) and name in _PORT_OF_CLASS
             else difflib.get_close_matches(name.lower(), list(PORT_TYPES), n=1) if name else [])
    hint = f"; did you mean {close[0].upper()}?" if close else ""
    given = f"the class {name}" if isinstance(value, type) else repr(value)
    raise TypeError(f"a port's type must be one of {known} (from exsampling_patch), not {given}{hint}")


def link_problem(source: PortType, target: PortType) -> str | None:
    """Return why an output of type ``source`` may not feed an input of type ``target``, or None if it may.

    A link is allowed when both ends carry the same type, or when either end is ``any``
    (a pass-through node forwards whatever it receives). What an ``any`` output sends is checked nowhere (a typed
    output's is, at its emit) but in the take writer, which tells what reached it that is not a take: any other node
    gets it as it is.
    """
    if source == target or ANY in (source, target):
        return None
    return f"a {source.name} output cannot feed a {target.name} input"
