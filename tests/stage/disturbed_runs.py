"""The judge of a ``test_console_midi_clock`` run that load on the machine disturbed: whether it was (the master
sent a tick late, or the node heard one late), and whether its lines are still those expected (:func:`like`)."""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Sequence
from typing import NamedTuple

from exsampling_patch.wording import counted

#: A tick later than this went out of time (the master's process kept from the CPU): the node read another tempo, or
#: a master gone silent. Such a run is made again; where every one was (CI's two busy cores: 213, 148 and 71 ms late
#: at a load of 15, read "started at 121 BPM"), the lines are held to their order and their tempos within
#: :data:`DISTURBED_BPM` (:func:`like`), not to their words exactly.
MASTER_SLACK = 0.02
#: A tick the node heard later than this past the JACK period that carries it (the node's thread, or JACK's, kept
#: from the CPU) moved the tempo it read as a late tick of the master's does: the run was disturbed all the same. At
#: a heavy load an attempt whose master was on time said "started at 118 BPM"; with the test's own process held up
#: (a thread keeping Python's lock 10 ms at a time) a tick heard 14 ms late read 119. Idle, the ticks come within a
#: millisecond of the period.
NODE_SLACK = 0.005
#: How far (BPM) a tempo said in a disturbed run may be from the master's: a tick 20 ms late amid two beats' line.
DISTURBED_BPM = 2
SAID_BPM = re.compile(r"(?:about )?(\d+) BPM$")  # a start's first reading is "about": held as near as any


class Late(NamedTuple):
    """How late, at worst, the master sent a tick and the node heard one (past the JACK period that carries it)."""

    master: float
    node: float
    #: ticks the node heard less those the master sent (a tick lost, or one still on its way)
    ticks: int = 0

    def disturbed(self) -> str:
        """Why load on the machine disturbed the run, or '': the tempo the node read moved with it, not by its code."""
        why = [f"a tick went out {self.master * 1000:.0f} ms late"] if self.master > MASTER_SLACK else []
        if self.node > NODE_SLACK:
            why.append(f"the node heard a tick {self.node * 1000:.0f} ms late")
        if self.ticks:
            why.append(f"the node heard {counted(abs(self.ticks), 'tick')} {'more' if self.ticks > 0 else 'fewer'} "
                       "than the master sent")
        return ", ".join(why)


def heard_late(sent: Sequence[float], heard: Sequence[float]) -> float:
    """How much later than the promptest one the node heard a tick the master sent, less a JACK period (a tick sent
    just before a period's end is heard at once, one sent just after it waits the whole period); the ticks paired
    from the last, as many as both have."""
    delays = [at - out for out, at in zip(reversed(sent), reversed(heard), strict=False)]
    period = int(os.environ.get("JACK_PERIOD", "512")) / int(os.environ.get("JACK_RATE", "48000"))
    return max(delays) - min(delays) - period if delays else 0.0


def bpm_of(line: str) -> tuple[str, int | None]:
    found = SAID_BPM.search(line)
    return (SAID_BPM.sub("N BPM", line), int(found.group(1))) if found else (line, None)


def like(said: list[str], expected: Sequence[str | re.Pattern[str]]) -> bool:
    """Whether ``said`` is ``expected``'s lines in their order, as a run disturbed by load says them: each tempo
    within :data:`DISTURBED_BPM`; a "tempo N BPM" line as one or more, readings amid the change that move from the
    tempo said before towards N, none within :data:`DISTURBED_BPM` of the one before (the ticks' jitter around it is
    never told), the last one near N; a start or a continue without its tempo (late ticks found the node a change,
    its line short yet), as the console says it until two beats of ticks read it, and then at once: a tempo line
    near it next, or none before the next event. A pattern stands for a line it matches."""
    at, before = 0, None  # before: the tempo the master was said at last
    for want in expected:
        if isinstance(want, re.Pattern):
            if at >= len(said) or not want.search(said[at]):
                return False
            at += 1
            continue
        text, bpm = bpm_of(want)
        if text == "tempo N BPM":
            end = at
            while end < len(said) and bpm_of(said[end])[0] == text:
                end += 1
            if bpm is None or not _towards([bpm_of(line)[1] or 0 for line in said[at:end]], before, bpm):
                return False
            at, before = end, bpm
            continue
        if at >= len(said):
            return False
        got_text, got = bpm_of(said[at])
        at += 1
        if got_text == text and (bpm is None) == (got is None):
            if bpm is not None and got is not None and abs(got - bpm) > DISTURBED_BPM:
                return False
        elif bpm is None or said[at - 1] != text.removesuffix(" at N BPM"):
            return False
        else:  # its tempo read well only later: told then, before anything else
            end = at
            while end < len(said) and _near(said[end], bpm):
                end += 1
            if end == at and at < len(said) and bpm_of(said[at])[0] == "tempo N BPM":
                return False  # another tempo told first: the one it started (or went on) at was never
            at = end
        before = bpm if bpm is not None else before
    return at == len(said)


def _near(line: str, bpm: int) -> bool:
    text, got = bpm_of(line)
    return text == "tempo N BPM" and got is not None and abs(got - bpm) <= DISTURBED_BPM


def _towards(tempos: list[int], old: int | None, new: int) -> bool:
    """Whether the tempo lines told amid a change from ``old`` (None: none told before) to ``new`` move towards it:
    none near ``old``, each as near ``new`` as the one before or within :data:`DISTURBED_BPM` of it, the last so."""
    if not tempos or abs(tempos[-1] - new) > DISTURBED_BPM:
        return False
    if old is None:
        return all(abs(tempo - new) <= DISTURBED_BPM for tempo in tempos)
    low, high = min(old, new) - DISTURBED_BPM, max(old, new) + DISTURBED_BPM
    if any(abs(tempo - old) <= DISTURBED_BPM or not low <= tempo <= high for tempo in tempos):
        return False
    return all(abs(b - new) <= max(abs(a - new), DISTURBED_BPM) for a, b in itertools.pairwise(tempos))
