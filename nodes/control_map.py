"""Map control values onto the range and name a node wants: a controller's 0..1 fader as a tempo of 60-180 BPM.

Controllers (TouchOSC, a phone's OSC app, a MIDI fader turned into OSC) send 0..1; the pattern takes ``tempo`` in
BPM and clamps it to 20-999, so a fader sent straight to it played at 20 BPM whatever its position. A row of
``maps`` scales a value from its range (``from``, default 0..1) onto another (``range``), linearly or evenly in
ratio (``curve: exponential``: each step of the fader changes the tempo by the same percentage, as the ear hears
it), rounds it to ``step`` and renames it (``to``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from exsampling_patch.messages import ControlValue
from exsampling_patch.node import Input, Node, Output, Param
from exsampling_patch.ports import CONTROL

CURVES = ("linear", "exponential")


@dataclass(frozen=True)
class ControlMapping:
    """One row of ``maps``: the value's new name, its input and output ranges, the curve between and a step."""

    to: str
    low: float
    high: float
    from_low: float = 0.0
    from_high: float = 1.0
    curve: str = "linear"
    step: float = 0.0

    def apply(self, value: float) -> float:
        """``value`` from its range onto this one (clamped to the ends), on the curve, rounded to the step."""
        span = self.from_high - self.from_low
        position = min(1.0, max(0.0, (value - self.from_low) / span))
        if self.curve == "exponential":
            out = self.low * (self.high / self.low) ** position
        else:
            out = self.low + (self.high - self.low) * position
        if self.step > 0:
            out = round(out / self.step) * self.step
        return out


def _pair(value: Any, what: str) -> tuple[float, float]:
    if not isinstance(value, list | tuple) or len(value) != 2 or not all(
            isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in value):
        raise ValueError(f"{what} {value!r}: give two numbers, [low, high]")
    return float(value[0]), float(value[1])


def parse_mapping(name: str, row: Any) -> ControlMapping:
    """A row of ``maps``: ``[low, high]``, or ``{to, range: [low, high], from: [low, high], curve, step}``."""
    spec = row if isinstance(row, dict) else {"range": row}
    unknown = set(spec) - {"to", "range", "from", "curve", "step"}
    if unknown:
        raise ValueError(f"unknown key {sorted(unknown)[0]!r}; use to, range, from, curve and step")
    low, high = _pair(spec.get("range"), "range")
    from_low, from_high = _pair(spec.get("from", [0.0, 1.0]), "from")
    if from_low == from_high:
        raise ValueError(f"from {[from_low, from_high]}: its two ends must differ")
    curve = str(spec.get("curve", "linear"))
    if curve not in CURVES:
        raise ValueError(f"curve {curve!r}: use {' or '.join(CURVES)}")
    if curve == "exponential" and not (low * high > 0):
        raise ValueError(f"range {[low, high]}: an exponential curve needs both ends on one side of 0")
    step = spec.get("step", 0.0)
    if not isinstance(step, int | float) or isinstance(step, bool) or not step >= 0:
        raise ValueError(f"step {step!r}: give a number, 0 or more (0: not rounded)")
    to = str(spec.get("to") or name).strip()
    return ControlMapping(to, low, high, from_low, from_high, curve, float(step))


class ControlMap(Node):
    """Scale and rename control values: a 0..1 fader as a tempo of 60-180 BPM, a knob's 0..127 as a swing.

    Each row of ``maps`` names a value as it arrives (case does not matter) and gives the range it goes to,
    ``[60, 180]``, or ``{to: tempo, range: [60, 180], from: [0, 127], curve: exponential, step: 1}``: ``from``
    is the range it comes in (0..1 unless given; a value outside plays as its end), ``curve: exponential``
    spreads the range evenly in ratio, ``step`` rounds the result, ``to`` renames it. Values no row names pass
    on unchanged, or with ``others: drop`` not at all.
    """

    type_name = "control_map"
    family = "utility"

    control = Input(CONTROL, "values to map (from osc_receive, the editor, another map)", multiple=True)
    out = Output(CONTROL, "the mapped values, under their new names")

    maps = Param(dict, {}, "value name -> [low, high] (0..1 onto that range), or -> {to: new name, range: [low, "
                 "high], from: [low, high], curve: linear|exponential, step: 0}")
    others = Param(str, "pass", "values that no row of maps names: pass them on unchanged, or drop them",
                   choices=("pass", "drop"))

    @classmethod
    def check_params(cls, params: Mapping[str, Any]) -> dict[tuple[str, ...], str]:
        """Each row of ``maps`` parsed as :meth:`start` parses it."""
        problems: dict[tuple[str, ...], str] = {}
        maps = params.get("maps")
        if isinstance(maps, dict):
            for key, row in maps.items():
                try:
                    parse_mapping(str(key), row)
                except ValueError as error:
                    problems[("maps", str(key))] = str(error)
        return problems

    def start(self) -> None:
        self._maps = {str(key).lower(): parse_mapping(str(key), row) for key, row in self.maps.items()}

    def on_control(self, value: ControlValue) -> None:
        mapping = self._maps.get(value.name.lower())
        if mapping is None:
            if self.others == "pass":
                self.emit("out", value)
            return
        self.emit("out", ControlValue(mapping.to, mapping.apply(value.value)))
