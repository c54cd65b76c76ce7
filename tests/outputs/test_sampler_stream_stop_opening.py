"""The sampler's stream keeper stopped while it is opening its stream: the stop gives up waiting for its thread (a
slow open: a busy JACK server), and the stream that thread opens afterwards must not outlive the stop.

It was assigned after the stop's close had found nothing to close, and played on; in the node's process its callback,
freed once the stream was collected, was still called by PortAudio: a crash. Real JACK dummy server; the open is
held back by an event until the stop has returned."""

from __future__ import annotations

import subprocess
import sys
import threading
from typing import Any

import pytest

from exsampling_patch.devices import through_jack
from exsampling_patch.nodes.sampler import stream as stream_module
from exsampling_patch.nodes.sampler.core import SamplerCore
from exsampling_patch.nodes.sampler.stream import AudioOutput


@pytest.mark.jack
def test_a_stream_opened_after_its_keeper_was_stopped_is_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    import sounddevice as sd

    real_open = sd.OutputStream
    opening, release = threading.Event(), threading.Event()
    opened: list[Any] = []

    def slow_open(*args: Any, **kwargs: Any) -> Any:
        opening.set()
        release.wait(60)
        stream = real_open(*args, **kwargs)
        opened.append(stream)
        return stream

    monkeypatch.setattr(sd, "OutputStream", slow_open)
    monkeypatch.setattr(stream_module, "STOP_WAIT_SECONDS", 0.0)  # the stop's wait spent at once
    errors: list[str] = []
    output = AudioOutput(SamplerCore(2, 48000), report_error=errors.append)
    output.start()
    try:
        assert opening.wait(30), errors
        output.stop()
        assert output._thread is not None and output._thread.is_alive()  # the stop came while the stream opened
        release.set()
        output._thread.join(30)
        assert not output._thread.is_alive()
        assert opened and through_jack(opened[0].device, "output"), errors  # the real open ran, through JACK
        assert output.stream is None, "the stream opened after the stop was kept"
        assert opened[0].closed and not opened[0].active, "the stream opened after the stop plays on"
    finally:
        release.set()
        output.stop()
        for stream in opened:
            stream.close()


#: The same, its stop the audio process's last (``at_exit``), in a process of its own: ``close_at_exit`` terminates
#: PortAudio, which this one's other tests still need. The stop, on a thread, waits for the keeper's end: the stream
#: opened late is closed as at exit before the stop returns, not on the keeper's thread while the process exits. The
#: open is released once the stop has returned or joins the keeper (the old join, of no wait, returned while the open
#: was still held back), the join told by an event its wrapper sets: on any Python, where CPython 3.11's frame of a
#: join's wait (_wait_for_tstate_lock), looked for before, is gone in 3.13. Prints whether the keeper still ran as
#: the stop returned, whether the stream was opened through JACK and is closed, and PortAudio's initialisation count
#: (0: terminated, as only ``close_at_exit`` does; the plain close leaves it 1).
AT_EXIT = """
import threading
import time
import sounddevice as sd
from exsampling_patch.nodes.sampler import stream as stream_module
from exsampling_patch.nodes.sampler.core import SamplerCore

real_open, opened, jack = sd.OutputStream, [], []
opening, release = threading.Event(), threading.Event()

def slow_open(*args, **kwargs):
    opening.set()
    release.wait(60)
    opened.append(real_open(*args, **kwargs))
    jack.append(stream_module.through_jack(opened[-1].device, "output"))  # asked now: PortAudio ends at the close
    return opened[-1]

sd.OutputStream = slow_open
stream_module.STOP_WAIT_SECONDS = 0.0
output = stream_module.AudioOutput(SamplerCore(2, 48000))
output.start()
assert opening.wait(30)
keeper_at_return = []
keeper, joining = output._thread, threading.Event()
real_join = keeper.join

def join(timeout=None):
    joining.set()
    return real_join(timeout)

keeper.join = join  # the stop's join of the keeper, told by an event: no interpreter's frames asked

def stop():
    output.stop(at_exit=True)
    keeper_at_return.append(output._thread.is_alive())

stopper = threading.Thread(target=stop)
stopper.start()
deadline = time.monotonic() + 60
while stopper.is_alive() and not joining.wait(0.01) and time.monotonic() < deadline:
    pass
release.set()
stopper.join(60)
output._thread.join(60)  # before the fix, still opening as the stop returned
assert not stopper.is_alive() and not output._thread.is_alive() and output.stream is None
print(keeper_at_return[0], jack[0], opened[0].closed, sd._initialized)
"""


@pytest.mark.jack
def test_a_stream_opened_after_a_stop_at_exit_is_closed_as_at_exit_before_the_stop_returns() -> None:
    # It was closed with the plain close: at the process's exit, a JACK server going meanwhile made PortAudio's JACK
    # host assert (SIGABRT), which close_at_exit guards against. Then closed so, but on the keeper's thread after the
    # stop had returned: racing the process's exit (sounddevice's own Pa_Terminate at exit).
    done = subprocess.run([sys.executable, "-c", AT_EXIT], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "True", "True", "0"], (done.stdout, done.stderr)
