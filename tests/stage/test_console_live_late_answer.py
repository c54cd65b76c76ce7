"""Live's reason for a take's "not in Live" stays on screen near the line. "not loaded into Live: Live did not
answer within 2 s" can be one take's, while Live is busy: Live answers it late, and says so only by ``live_loaded``
and a warning (no ``live_answers``: it was never told silent). The console kept the reason marked as said, and the
next timeout's take line read "-> HH, not in Live; no output has it" with no reason anywhere since the first. A load
Live answered now ends the reason said: the next is said again."""

from __future__ import annotations

import io

from exsampling_patch.commands.stage import StageConsole
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.runtime import NodeStatus, TakeEnded

TIMEOUT = "not loaded into Live: Live did not answer within 2 s"
SAID = f"ableton_live 'live': {TIMEOUT}; take lines say \"not in Live\" while it lasts"


def _end(console: StageConsole, take_id: str, reason: str, loaded: tuple[str, ...] = ()) -> None:
    console(NodeStatus("map", {"take": take_id, "slot": "HH", "label": "snare", "confidence": 0.88}))
    console(TakeEnded("live", take_id=take_id, recorder="", fate="slot", slots=("HH",), reason=reason, loaded=loaded,
                      seconds=0.014))


def test_a_timeout_after_live_answered_a_load_says_its_reason_again() -> None:
    patch = Patch()
    patch.add_node(NodeSpec("live", "ableton_live"))
    err = io.StringIO()
    console = StageConsole(patch, err=err)
    _end(console, "take 1", f"slot HH, {TIMEOUT}")
    console(NodeStatus("live", {"live_loaded": 1, "live_method": "browser"}))  # take 1, late: no live_answers
    console(NodeStatus("live", {"loaded_after_all": "take 1",
                                "warning": "take 1 was loaded into 'HH' after all, 2.4 s after it was sent"}))
    for take_id in ("take 2", "take 3"):  # loaded, as asked
        _end(console, take_id, "slot HH", loaded=("live",))
        console(NodeStatus("live", {"live_loaded": 2, "live_method": "browser"}))
    _end(console, "take 4", f"slot HH, {TIMEOUT}")  # Live busy again
    lines = [line.split(" ", 1)[1] for line in err.getvalue().splitlines()]  # without the clock
    assert lines.count(SAID) == 2, lines
    said_again, take_4 = lines.index(SAID, lines.index(SAID) + 1), lines.index(
        "take 4: snare 88% -> HH, not in Live; no output has it (14 ms)")
    assert said_again == take_4 - 1, lines  # just above the line that says "not in Live"
