"""The collector's pause is shared by threads: one thread's block ending does not let the collector run inside
another's. A hung handler's frame was read under it (runtime/parts.py, with ``sys._current_frames()``, which holds
CPython 3.11's lock of the thread states, where a collection could hang the process), while a live edit's or a start's
build held it on another thread: each saved and put back gc.isenabled() on its own, and the first to end turned the
collector back on inside the other's block."""

from __future__ import annotations

import gc
import threading

from exsampling_patch.collector import collector_paused


def test_a_pause_ending_on_one_thread_leaves_the_collector_off_in_another_threads_pause() -> None:
    was = gc.isenabled()
    gc.enable()
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen: list[bool] = []

    def first() -> None:
        with collector_paused():
            first_in.set()
            second_in.wait(10)
        first_out.set()

    def second() -> None:
        first_in.wait(10)
        with collector_paused():
            second_in.set()
            first_out.wait(10)
            seen.append(gc.isenabled())  # the first thread's pause is over, this one's is not

    try:
        threads = [threading.Thread(target=first), threading.Thread(target=second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        assert seen == [False]
        assert gc.isenabled()  # both over: on again, as it was before the first
    finally:
        if not was:
            gc.disable()


def test_a_pause_within_a_pause_on_one_thread_keeps_it_off_until_the_outer_one_ends() -> None:
    gc.enable()
    with collector_paused():
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_pause_begun_with_the_collector_off_leaves_it_off() -> None:
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
