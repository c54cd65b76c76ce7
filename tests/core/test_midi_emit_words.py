"""A node emitting the wrong thing on an output is told in words, with what to send: the error read "carries midi
messages (mido.Message)", then "carries MIDI messages (a note...), not str" (what it got as Python's class name, and
not what to make), and a take output's "carries take messages (Take), not ndarray"."""

from __future__ import annotations

import re

import mido
import numpy as np
import pytest

from exsampling_patch.messages import Take
from exsampling_patch.node import Input, Node, NodeContext, Output
from exsampling_patch.ports import MIDI, TAKE


class NoteOut(Node):
    type_name = "note_out_words_test"
    out = Output(MIDI, "notes")


def test_a_wrong_message_on_a_midi_output_is_told_in_words_with_what_to_send() -> None:
    node = NoteOut("notes", {}, NodeContext())
    with pytest.raises(TypeError) as raised:
        node.emit("out", "note_on 60")
    told = str(raised.value)
    assert told == ("output 'out' carries MIDI messages (a note, a control change, a clock tick...: made with "
                    "mido.Message); emit got text 'note_on 60'"), told
    with pytest.raises(TypeError) as raised:
        node.emit("out", 60)
    assert str(raised.value).endswith("; emit got a number (60)"), raised.value
    node.emit("out", mido.Message("note_on", note=60))  # MIDI goes


class Reverse(Node):
    type_name = "reverse_words_test"
    take = Input(TAKE, "in")
    out = Output(TAKE, "reversed")

    def on_take(self, take: Take) -> None:
        self.emit("out", take.samples[::-1])  # the samples, not a take


def test_samples_on_a_take_output_are_told_in_words_with_what_to_send() -> None:
    node = Reverse("rev", {}, NodeContext())
    with pytest.raises(TypeError) as raised:
        node.handle("take", Take(np.zeros((4, 1), dtype=np.float32), 8000))
    told = str(raised.value)
    assert told == ("output 'out' carries takes (a sound with its samples and rate: pass on the take received, or "
                    "take.derive(samples) for new samples); emit got an array of samples (4 x 1)"), told
    assert not re.search(r"\(Take\)|ndarray", told), told  # no class names for what it carries nor got
    assert node.context.emitted == []
