"""Dear PyGui's callbacks run by the editor's own frame loop, on the main thread, after each frame.

Left to Dear PyGui, callbacks (item callbacks, the handler registries' key and mouse handlers, the exit and resize
callbacks) run on its callback thread beside the frames the main thread draws. Dear PyGui's lock between the two
can deadlock (https://github.com/hoffstadt/DearPyGui/issues/2053): a test driver hung once in about 100 editor
scenario runs, the main thread in ``render_dearpygui_frame`` and the callback thread in ``get_item_state`` (the key
handler asking which field is being typed in). With :func:`manage` before the viewport is set up, Dear PyGui queues
the callbacks instead, and :func:`run_queued` runs them after each frame: none runs beside a frame.
"""

from __future__ import annotations

import inspect
import traceback
from collections.abc import Callable, Sequence
from typing import Any

import dearpygui.dearpygui as dpg

#: What Dear PyGui gives a callback, in order: sender, app_data, user_data.
_ARGUMENTS = 3


def manage() -> None:
    """Queue callbacks for :func:`run_queued` from now on (call before ``setup_dearpygui``: Dear PyGui then starts
    no callback thread)."""
    dpg.configure_app(manual_callback_management=True)


def run_queued() -> int:
    """Run the callbacks queued since the last call, in their order; returns how many ran."""
    jobs: Sequence[Sequence[Any]] | None = dpg.get_callback_queue()
    for job in jobs or ():
        run_job(job)
    return len(jobs or ())


def run_job(job: Sequence[Any]) -> None:
    """Run one queued job ``(callback, sender, app_data, user_data)`` with as many of its arguments as the callback
    takes, as Dear PyGui's callback thread does. A callback that raises has its traceback printed, as Dear PyGui
    prints it, and the others still run: ``dpg.run_callbacks`` let it out of the frame loop, which closed the editor
    (and it counts parameters past the three there are, an IndexError for a callback taking four)."""
    callback = job[0] if job else None
    if callback is None:
        return
    try:
        callback(*job[1:1 + taken(callback)])
    except Exception:  # a broken callback must not take the editor down: said on stderr, as Dear PyGui says it
        traceback.print_exc()


def taken(callback: Callable[..., Any]) -> int:
    """How many of sender, app_data and user_data ``callback`` takes: its positional parameters (all three for
    ``*args``), at most three."""
    try:
        parameters = inspect.signature(callback).parameters.values()
    except (TypeError, ValueError):  # no signature to read (a builtin): given all three
        return _ARGUMENTS
    count = 0
    for parameter in parameters:
        if parameter.kind is inspect.Parameter.VAR_POSITIONAL:
            return _ARGUMENTS
        if parameter.kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD):
            count += 1
    return min(count, _ARGUMENTS)
