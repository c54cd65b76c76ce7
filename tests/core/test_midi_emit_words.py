"""A node emitting something else than MIDI on a MIDI output is told in words: the error read "carries midi messages
(mido.Message)", a Python class name, unlike the pin's tooltip ("a MIDI message: a note, a control change...")."""

from __future__ import annotations

import re

import mido
import pytest

from exsampling_patch.node import Node, NodeContext, Output
from exsampling_patch.ports import MIDI


class NoteOut(Node):
    type_name = "note_out_words_test"
    out = Output(MIDI, "notes")


def test_a_wrong_message_on_a_midi_output_is_told_without_class_names() -> None:
    node = NoteOut("notes", {}, NodeContext())
    with pytest.raises(TypeError) as raised:
        node.emit("out", "note_on 60")
    told = str(raised.value)
    assert told.startswith("output 'out' carries MIDI messages (a note, a control change, a clock tick...), not "), told
    assert not re.search(r"\b\w+\.[A-Z]\w+", told), told  # no module.Class
    node.emit("out", mido.Message("note_on", note=60))  # MIDI goes
