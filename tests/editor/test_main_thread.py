"""Dear PyGui's callbacks run on the main thread, after each frame (exsampling_patch/editor/callbacks.py): on its
own callback thread, beside the frames, its lock could deadlock the editor (DearPyGui issue #2053)."""

from __future__ import annotations

from typing import Any

import pytest

from exsampling_patch.editor.callbacks import run_job, taken
from tests.editor.test_keys import run_scenario


@pytest.mark.display
def test_key_mouse_and_item_handlers_run_on_the_main_thread_under_real_input() -> None:
    result = run_scenario("tests.editor.main_thread_scenario")
    threads = result["threads"]
    for what in ("key", "click", "visible"):
        assert threads[what] == [result["main"]], result  # ran, and only on the thread that draws the frames
    assert result["status"] == "selected 1 node", result  # the editor's own key handler ran too


def test_a_callback_gets_as_many_arguments_as_it_takes() -> None:
    calls: list[tuple[Any, ...]] = []

    class Owner:
        def method(self, sender: Any, app_data: Any) -> None:
            calls.append((sender, app_data))

    run_job((lambda: calls.append(()), "s", "a", "u"))
    run_job((lambda sender: calls.append((sender,)), "s", "a", "u"))
    run_job((Owner().method, "s", "a", "u"))
    run_job((lambda *args: calls.append(args), "s", "a", "u"))
    run_job((lambda s, a, u, extra=None: calls.append((s, a, u, extra)), "s", "a", "u"))
    run_job((None, "s", "a", "u"))  # a job without a callback: nothing to run
    assert calls == [(), ("s",), ("s", "a"), ("s", "a", "u"), ("s", "a", "u", None)]
    assert taken(print) == 3


def test_a_failing_callback_is_reported_and_the_loop_goes_on(capsys: pytest.CaptureFixture[str]) -> None:
    def broken(sender: Any) -> None:
        raise ValueError("broken handler")

    run_job((broken, "s", None, None))  # raised out of the frame loop, it closed the editor
    assert "ValueError: broken handler" in capsys.readouterr().err
