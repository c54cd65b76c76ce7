"""What a pattern node following MIDI clock tells of its master: its status fields, for the console's lines, and
warnings when the master goes silent and when its ticks come back (moved out of nodes/pattern.py, near 500 lines)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from exsampling_patch.nodes.midi_follow import MidiClockTimeline


def master_fields(timeline: MidiClockTimeline) -> dict[str, Any]:
    """The status fields of the master: ``master_playing`` (its own transport: not the node's play control, nor a
    silence, which stops the groove and is told by its warning: the console read it as the master's stop, and its
    ticks back as a continue), ``master_starts`` (a start while playing is bar 1 again, told too), ``tempo_ticks``
    (how many ticks the tempo is read from), and while it plays ``from_beat`` (0 after a start)."""
    transport = timeline.transport()
    fields: dict[str, Any] = {"master_playing": transport.playing, "master_starts": transport.starts,
                              "tempo_ticks": transport.tempo_ticks}
    if transport.playing:
        fields["from_beat"] = transport.from_beat
    return fields


class MasterWatch:
    """Says when the MIDI clock master goes silent while playing, and when its ticks come back: before, the groove
    stopped and came back without a word, and the status only read playing false meanwhile. And when nothing of MIDI
    clock came at all since the node began: the groove waited for ever without a word."""

    def __init__(self, report: Callable[..., None]) -> None:
        self._report = report  # the node's report_status
        self._gone: float | None = None  # when the master's last tick came, since it went silent

    def tell(self, timeline: MidiClockTimeline, now: float) -> None:
        """What changed since the last call (the node's scheduler, each of its ticks)."""
        unheard = timeline.unheard_since(now)
        if unheard is not None and not timeline.told_unheard:
            timeline.told_unheard = True
            self._report(warning=f"no MIDI clock on sync in {now - unheard:.0f} s: the groove waits for the master's "
                         "clock and its start (is the master's clock out on, and its port the one the midi_in linked "
                         "to sync reads?)")
        elif unheard is None and timeline.told_unheard and timeline.last_tick() > -math.inf:
            timeline.told_unheard = False
            self._report(warning="", midi_clock_back="MIDI clock from the master on sync at last: the groove follows "
                         "it, from the master's start")
        gone = timeline.gone_since(now)
        if gone is not None and self._gone is None:
            self._gone = gone
            self._report(warning=f"no MIDI clock from the master on sync for {now - gone:.1f} s while it played (its "
                         "cable out, or it quit): the groove stopped; it goes on where the master is when its clock "
                         "comes back")
        elif gone is None and self._gone is not None:
            gone_at, self._gone = self._gone, None
            back = timeline.last_tick() > gone_at  # else it stopped (a stop came, no tick)
            self._report(warning="", midi_clock_back=f"the MIDI clock master is back after {now - gone_at:.1f} s "
                         "without a tick: the groove goes on where the master is" if back else "")
