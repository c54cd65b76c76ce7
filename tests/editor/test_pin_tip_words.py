"""A pin's tooltip says what its port carries in words: a MIDI pin's read "a MIDI message (mido.Message)", a
Python class name a composer has no use for."""

from __future__ import annotations

import re

from exsampling_patch.editor.params import port_help
from exsampling_patch.node import Input, Output
from exsampling_patch.ports import PORT_TYPES


def test_each_port_type_s_tooltip_names_no_python_class() -> None:
    for port_type in PORT_TYPES.values():
        for port, output in ((Input(port_type, "in"), False), (Output(port_type, "out"), True)):
            tip = port_help("pin", port, output=output)
            assert not re.search(r"\b[a-z_]+\.[A-Z]\w*", tip), tip  # module.Class
            assert f"type {port_type.name}: " in tip
    assert "MIDI message" in PORT_TYPES["midi"].doc
