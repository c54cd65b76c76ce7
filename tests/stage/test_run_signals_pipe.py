"""The run's stop flag waits on a pipe (see :class:`SignalFlag`): its wait must work whatever descriptor the pipe
got, and the run's signals uninstalled must leave the previous handlers and no descriptor behind."""

from __future__ import annotations

import os
import resource
import signal
import threading

import pytest

from exsampling_patch.commands.run_signals import SignalFlag, StopSignals

HIGH_FD = 1500  # past select's limit of 1024 (FD_SETSIZE)


def open_fds() -> set[int]:
    return {int(name) for name in os.listdir("/proc/self/fd")} - {-1}


def test_a_stop_flag_whose_pipe_lands_past_1024_still_waits() -> None:
    """select.select raised ValueError for a descriptor of 1024 or more: a run with many files open crashed at its
    wait for the stop."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft <= HIGH_FD:
        if hard != resource.RLIM_INFINITY and hard <= HIGH_FD:
            pytest.skip(f"no descriptor {HIGH_FD} allowed (limit {hard})")
        resource.setrlimit(resource.RLIMIT_NOFILE, (HIGH_FD + 1, hard))
    flag = SignalFlag()
    low = flag._read
    os.dup2(low, HIGH_FD)  # the pipe's read end, as it would be with 1500 files open
    flag._read = HIGH_FD
    os.close(low)
    try:
        assert flag.wait(0.01) is False  # no ValueError: timed out, unset
        setter = threading.Timer(0.05, flag.set)
        setter.start()
        assert flag.wait(30.0) is True  # woken by the byte, not the deadline
        setter.join()
    finally:
        flag.close()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_the_runs_signals_uninstalled_leave_no_descriptor_and_the_previous_handlers() -> None:
    """Each run's pipe was left open (two descriptors a run; tests run main(["run", ...]) 18 times in-process), and
    its handlers in place after it."""
    before = open_fds()
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    signals = StopSignals()
    signals.install()
    assert signal.getsignal(signal.SIGTERM) == signals.on_signal
    signals.uninstall()
    assert open_fds() == before
    assert {sig: signal.getsignal(sig) for sig in previous} == previous
