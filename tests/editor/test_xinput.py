"""The scenarios' X input (xinput.py) on the test display: a key held is let go whatever the block does, a click
and a shifted key go through XTEST, what XTEST cannot send is refused, and a refused connection is tried again."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.editor import xinput
from tests.editor.driving import Driver

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.display
def test_a_key_held_is_let_go_also_when_the_block_raises() -> None:
    # A key left down stays down on the display: every scenario after the failing one typed with Shift held.
    with pytest.raises(RuntimeError, match="a step failed"), xinput.holding("shift"):
        assert xinput.is_down("shift")
        raise RuntimeError("a step failed")
    assert not xinput.is_down("shift")


@pytest.mark.display
def test_a_click_goes_through_xtest_not_an_xdotool_process() -> None:
    # send() said False for it, and the wheel notches and Ctrl+clicks started an xdotool process each.
    with xinput.holding("ctrl"):
        assert xinput.send("click", 5)
        assert xinput.is_down("ctrl")  # the click came between the press and the release, as a person's would
    assert not xinput.is_down("ctrl")


@pytest.mark.display
def test_a_shifted_key_goes_through_xtest_with_shift_around_it() -> None:
    # send() said False for it, and a capital letter started an xdotool process.
    pressed = xinput.send("keydown", "T")
    down = xinput.is_down("T"), xinput.is_down("shift")
    released = xinput.send("keyup", "T")
    assert pressed and released and down == (True, True)
    assert not xinput.is_down("T") and not xinput.is_down("shift")
    with xinput.holding("shift"):  # a Shift the caller holds stays down through a shifted key under it
        assert xinput.send("keydown", "underscore") and xinput.send("keyup", "underscore")
        assert xinput.is_down("shift")
    assert not xinput.is_down("shift")


def test_the_driver_raises_for_what_xtest_cannot_send() -> None:
    # It started an xdotool process instead: the tests needed xdotool installed, and ran 10-20 ms an event slower.
    with pytest.raises(RuntimeError, match="cannot send 'type abc'"):
        Driver.send("type", "abc")


#: In a process of its own: its first connection is refused (a display no server holds stands in for a refusal),
#: then the display is there.
REFUSED_FIRST = """
import os, sys
from tests.editor import xinput
display = os.environ["DISPLAY"]
os.environ["DISPLAY"] = ":987"
refused = xinput.send("mousemove", 10, 10)
os.environ["DISPLAY"] = display
print(refused, xinput.send("mousemove", 10, 10))
"""


@pytest.mark.display
def test_a_refused_connection_is_tried_again_at_the_next_event() -> None:
    # Kept, the refusal sent every later event of the process through xdotool, which the server may refuse too.
    done = subprocess.run([sys.executable, "-c", REFUSED_FIRST], capture_output=True, text=True, cwd=REPO,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "True"], done.stdout
