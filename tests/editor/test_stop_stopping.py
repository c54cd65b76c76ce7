"""The editor's status bar says "stopping..." while its Stop is under way: Dear PyGui runs the Stop's callback on a
thread of its own and the window draws on meanwhile, and a recorder's stop waits (STOP_WAIT, 3 s) for a phone's take
being stored. The bar said "stopped" as the Stop began, the Stop's news coming only seconds later. A real HTTPS
recorder run by the editor; the Stop on a thread of its own, as Dear PyGui's callback thread runs it, while this one
draws the editor's frames; the take folder's look at its free space held until the bar has said "stopping"."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import dearpygui.dearpygui as dpg
import pytest

from exsampling_patch.nodes import disk_space
from tests.editor.dpg_threads import HANG_GUARD_SECONDS, HUNG_EXIT, JOIN_AT_LEAST_SECONDS, guard_left, joined_or_ended
from tests.editor.harness import call
from tests.editor.recorder_run import recorder_patch, running_recorder
from tests.intake.test_recorder_stop_mid_upload import TAKE
from tests.intake.test_recorder_stored_after_stop_wait import HeldLook


def test_the_status_bar_says_stopping_while_the_stop_waits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    look = HeldLook()
    monkeypatch.setattr(disk_space, "disk_free", look)
    with running_recorder(recorder_patch(tmp_path, "phones")) as (app, _, client):
        answers: list[tuple[int, Any]] = []
        look.hold()
        phone = threading.Thread(target=lambda: answers.append(client.upload(TAKE, take_id="as-it-stops")))
        phone.start()
        stopper = threading.Thread(target=call, args=("menu:stop",))
        bars: list[str] = []
        deadline = time.monotonic() + HANG_GUARD_SECONDS  # the waits and the Stop's join, the join at least 30 s
        try:
            assert look.looking.wait(30), "the recorder never looked at its disk for the take"
            stopper.start()  # its request read whole, its disk being looked at: the stop waits for it
            while (stopper.is_alive() and not any("  |  stopping...  |  " in bar for bar in bars)
                   and time.monotonic() < deadline):
                app.frame()
                bars.append(dpg.get_value("statusbar"))
        finally:
            look.release()
            # it calls Dear PyGui: it must not outlive the context, destroyed as the editor closes
            if stopper.ident is not None:
                joined_or_ended(stopper, "the editor's Stop", guard_left(deadline))
            phone.join(30)
        assert any("  |  stopping...  |  " in bar for bar in bars), bars[-3:]
        assert answers and answers[0][0] == 201, answers  # stored before the stop returned
        app.frame()
        assert "  |  stopped  |  " in dpg.get_value("statusbar"), dpg.get_value("statusbar")


STUCK_STOP = """
import threading
from tests.editor.dpg_threads import joined_or_ended
def stuck_in_stop():
    threading.Event().wait()
done = threading.Thread(target=lambda: None)
done.start()
joined_or_ended(done, "a finished thread", 60)
stuck = threading.Thread(target=stuck_in_stop, daemon=True)
stuck.start()
joined_or_ended(stuck, "the editor's Stop", 0.05)
print("went on")
"""


def test_a_stop_thread_outliving_its_guard_ends_the_process_with_its_stack() -> None:
    """Not left running past the context's destruction (a segfault in a later test): the worker ends, loudly."""
    ended = subprocess.run([sys.executable, "-c", STUCK_STOP], capture_output=True, text=True, timeout=60,
                           cwd=Path(__file__).parents[2])
    assert ended.returncode == HUNG_EXIT, (ended.returncode, ended.stderr)
    assert "went on" not in ended.stdout
    assert "the editor's Stop" in ended.stderr and "stuck_in_stop" in ended.stderr, ended.stderr  # its stack


#: As pytest --capture=sys leaves it: sys.stderr a stream with no descriptor.
STUCK_STOP_NO_FILENO = """
import io, sys, threading
from tests.editor.dpg_threads import joined_or_ended
def stuck_in_stop():
    threading.Event().wait()
sys.stderr = io.StringIO()
stuck = threading.Thread(target=stuck_in_stop, daemon=True)
stuck.start()
joined_or_ended(stuck, "the editor's Stop", 0.05)
print("went on")
"""


def test_a_stop_thread_outliving_its_guard_ends_the_process_where_stderr_has_no_descriptor() -> None:
    """faulthandler's dump to such a sys.stderr raised UnsupportedOperation: no exit, the test unwound into the Dear
    PyGui context's destruction under the thread. The stack goes to descriptor 2 itself."""
    ended = subprocess.run([sys.executable, "-c", STUCK_STOP_NO_FILENO], capture_output=True, text=True, timeout=60,
                           cwd=Path(__file__).parents[2])
    assert ended.returncode == HUNG_EXIT, (ended.returncode, ended.stderr)
    assert "went on" not in ended.stdout
    assert "stuck_in_stop" in ended.stderr, ended.stderr


def test_a_join_after_a_guard_used_up_still_gets_its_own_time() -> None:
    """The frame loop may use up the whole guard: the Stop's join then had 0 s, and the process ended with
    HUNG_EXIT (97) though the Stop was about to finish."""
    assert guard_left(time.monotonic() - 1) == JOIN_AT_LEAST_SECONDS
    assert guard_left(time.monotonic() + 2 * JOIN_AT_LEAST_SECONDS) > JOIN_AT_LEAST_SECONDS
