"""Take lines a performer reads at a glance under a burst (two phones, Live absent). Each ran 150-250 characters,
Live's reason again on every one ("not delivered to Live: nothing listens on 127.0.0.1:11000"). Now Live's reason is
said once, on its node's line, each take's line saying "not in Live" until Live is back or gives another reason."""

from __future__ import annotations

import io
import re
import socket
from pathlib import Path

from exsampling_patch.commands.stage import StageConsole
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.runtime import NodeError, NodeStatus, TakeEnded
from tests.stage.helpers import Run, free_port, phones_yaml, upload_tone

NOBODY = "not delivered to Live: nothing listens on 127.0.0.1:11000"


def _console() -> tuple[StageConsole, io.StringIO]:
    patch = Patch()
    patch.add_node(NodeSpec("live", "ableton_max"))
    err = io.StringIO()
    return StageConsole(patch, err=err), err


def _end(console: StageConsole, take_id: str, reason: str, loaded: tuple[str, ...] = ()) -> None:
    console(NodeStatus("phones", {"take": take_id, "duration": 1.2}))
    console(NodeStatus("map", {"take": take_id, "slot": "HH", "label": "snare", "confidence": 0.88}))
    console(TakeEnded("live", take_id=take_id, recorder="Bo", fate="slot", slots=("HH",), reason=reason,
                      loaded=loaded, seconds=0.014))


def _lines(err: io.StringIO) -> list[str]:
    return [line.split(" ", 1)[1] for line in err.getvalue().splitlines()]  # without the clock


def test_lives_reason_is_said_once_on_its_nodes_line_and_the_takes_say_not_in_live() -> None:
    console, err = _console()
    _end(console, "Bo-20261206-143333-0001dff0", f"slot HH, {NOBODY}")
    _end(console, "Bo-20261206-143334-0002a1b2", f"slot HH, {NOBODY}")
    assert _lines(err) == [
        f"ableton_max 'live': {NOBODY}; take lines say \"not in Live\" while it lasts",
        "take 0001dff0 from Bo, 1.2 s: snare 88% -> HH, not in Live; no output has it (14 ms)",
        "take 0002a1b2 from Bo, 1.2 s: snare 88% -> HH, not in Live; no output has it (14 ms)",
    ]


def test_lives_reason_is_said_again_once_live_was_back_or_gives_another() -> None:
    console, err = _console()
    _end(console, "Bo-20261206-143333-0001dff0", f"slot HH, {NOBODY}")
    console(NodeStatus("live", {"port": 11000, "device_listens": "127.0.0.1:11000"}))  # Live listens again
    _end(console, "Bo-20261206-143340-0002a1b2", f"slot HH, {NOBODY}")  # and is gone again
    failed = "not delivered to Live: OSC to 127.0.0.1:11000 failed"
    _end(console, "Bo-20261206-143341-0003c3d4", f"slot HH, {failed}")
    lines = _lines(err)
    assert [line for line in lines if line.startswith("ableton_max")] == [
        f"ableton_max 'live': {NOBODY}; take lines say \"not in Live\" while it lasts",
        f"ableton_max 'live': {NOBODY}; take lines say \"not in Live\" while it lasts",
        f"ableton_max 'live': {failed}; take lines say \"not in Live\" while it lasts",
    ], lines
    assert len([line for line in lines if line.endswith("not in Live; no output has it (14 ms)")]) == 3, lines


def test_lives_reason_its_node_told_as_an_error_is_not_said_again() -> None:
    """Without Live, the node's error said why ("nothing listens on ...: ... is Live running ...?") and the console
    said the same reason again on a line of its own: twice, where README says once. The take lines say "not in Live"
    after the node's line; a reason the node did not tell has its line still."""
    console, err = _console()
    told = ("nothing listens on 127.0.0.1:11000: takes sent there are lost until something does; is Live running, "
            "with the ExSampling device in its set?")
    console(NodeError("live", error=told, port=None))
    _end(console, "Bo-20261206-143333-0001dff0", f"slot HH, {NOBODY}")
    failed = "not delivered to Live: OSC to 127.0.0.1:11000 failed"
    _end(console, "Bo-20261206-143334-0002a1b2", f"slot HH, {failed}")
    assert _lines(err) == [
        f"error in node 'live': {told}",
        "take 0001dff0 from Bo, 1.2 s: snare 88% -> HH, not in Live; no output has it (14 ms)",
        f"ableton_max 'live': {failed}; take lines say \"not in Live\" while it lasts",
        "take 0002a1b2 from Bo, 1.2 s: snare 88% -> HH, not in Live; no output has it (14 ms)",
    ]


def test_a_takes_own_reason_and_the_samplers_are_still_said_on_its_line() -> None:
    console, err = _console()
    gone = "not delivered to Live: its file /show/live/HH-1.wav is gone (deleted before it went)"
    _end(console, "Bo-20261206-143333-0001dff0", f"slot HH, {gone}")
    _end(console, "Bo-20261206-143334-0002a1b2",
         f"slot HH, not loaded into sampler 'smp': the audio process did not answer within 3 s, {NOBODY}, error in "
         "fx: the effect failed")
    assert _lines(err) == [
        f"take 0001dff0 from Bo, 1.2 s: snare 88% -> HH, {gone}; no output has it (14 ms)",
        f"ableton_max 'live': {NOBODY}; take lines say \"not in Live\" while it lasts",
        "take 0002a1b2 from Bo, 1.2 s: snare 88% -> HH, not loaded into sampler 'smp': the audio process did not "
        "answer within 3 s, not in Live, error in fx: the effect failed; no output has it (14 ms)",
    ]


def test_a_run_with_live_absent_says_its_reason_once_and_each_take_not_in_live(tmp_path: Path) -> None:
    port, live = free_port(), free_port(socket.SOCK_DGRAM)  # nothing listens on Live's port: Live not running
    patch = tmp_path / "patch.yaml"
    patch.write_text(f"""exsampling_patch: 1
nodes:
{phones_yaml(port)}
- {{id: hh, type: fixed_slot, params: {{slot: HH}}}}
- {{id: live, type: ableton_max, params: {{port: {live}, folder: live}}}}
links:
- {{from: phones.take, to: hh.take}}
- {{from: hh.assignment, to: live.assignment}}
""", encoding="utf-8")
    run = Run(str(patch), "--show-log", "none", "--log", str(tmp_path / "lib.log"))
    try:
        run.wait_for("phones open http://")
        for _ in range(3):
            upload_tone(port, "Bo")
            run.wait_for(" from Bo, ")
    finally:
        run.signal_group()
        run.wait(60)
    err = "".join(run.stderr)
    takes = re.findall(r"^\d\d:\d\d:\d\d take ([0-9a-f]{8}) from Bo, [0-9.]+ s: slot HH, not in Live; no output has "
                       r"it \(\d+ ms\)$", err, re.M)
    assert len(takes) == 3, err
    # Said once, by the node, in its own words (before, once more on a line of the console's: "ableton_max 'live': not
    # delivered to Live: nothing listens on ...; take lines say ...").
    assert err.count(f"nothing listens on 127.0.0.1:{live}") == 1, err
    told = (rf"^\d\d:\d\d:\d\d error in node 'live': nothing listens on 127.0.0.1:{live}: takes sent there are lost "
            r"until something does; is Live running, with the ExSampling device in its set\?$")
    assert re.search(told, err, re.M), err
