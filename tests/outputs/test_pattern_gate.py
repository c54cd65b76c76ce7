"""A note's gate ends before the next hit of its note, the patterns waiting to take over at the next bar's
included: before, the gate looked at the patterns playing only, and a long note at the end of a bar ended the new
patterns' first hit of the same note a moment after it started."""

from __future__ import annotations

import time

from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.pattern import Pattern


def test_a_gate_ends_before_the_hit_of_the_patterns_taking_over_at_the_next_bar() -> None:
    # 16ths at 240 BPM: a bar (16 steps) a second; HH's one hit, on the bar's last step, lasts two steps
    node = Pattern("pat-gate-bar", {"patterns": {"HH": ".... .... .... ...x"}, "tempo": 240.0, "gate": 2.0,
                                    "change_at": "bar"}, NodeContext())
    node.start()
    try:
        time.sleep(0.3)  # within the first bar, long before its last step goes out
        node.set_pattern("HH", "x... .... .... ....")  # the next bar hits on its first step
        time.sleep(1.3)
    finally:
        node.stop()
    hh = [(m.type, m.time) for port, m in node.context.emitted if m.channel == 0 and m.type != "control_change"]
    (on, last), (off, ended), (on_again, hit) = hh[:3]
    assert (on, off, on_again) == ("note_on", "note_off", "note_on"), hh[:4]
    step = 60.0 / 240.0 / 4
    assert round((hit - last) / step) == 1  # the bar's last step, then the new pattern's first
    assert ended < hit, (ended - last) / step  # ended before it, not a step into it
