"""A JACK server that no longer answers the microphone's input process as it closes its stream, on a server of the
test's own stopped (SIGSTOP: :mod:`tests.jack_server`).

Before: PortAudio's close waited for the server's answer for good; the node's stop waited 8 s (5 s for the process's
end, 3 s more), then killed it, while the server, stuck on that client, answered no other."""

from __future__ import annotations

import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.microphone import Microphone
from tests.jack_server import wait_client_gone
from tests.waiting import wait_for

pytestmark = pytest.mark.skipif(shutil.which("jackd") is None, reason="needs jackd (the JACK dummy driver)")

PARAMS = {"sample_rate": 48000, "threshold_db": -30.0, "pre_roll": 0.0, "hang": 0.05, "min_length": 0.05,
          "max_length": 0.3, "buffer_seconds": 5.0}


def stopped(pid: int) -> bool:
    """Whether the process ``pid`` is stopped (SIGSTOP has taken effect): its state in /proc is "T"."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    return stat[stat.rindex(")") + 2] == "T"


def test_an_input_process_whose_jack_server_does_not_answer_its_close_ends_by_itself_at_the_stop(
        private_jack: subprocess.Popen[bytes], tmp_path: Path) -> None:
    context = NodeContext(tmp_path)
    mic = Microphone("mic", {**PARAMS, "folder": str(tmp_path / "takes")}, context)
    mic.start()
    process, client = mic.audio.child.process, mic.audio.jack_client
    assert process is not None and client is not None, context.errors
    # The state the close must hang in: the stream running (its callback has stored frames: "opened" is told as soon
    # as its start returns), then the server stopped (SIGSTOP taken effect, not only sent). Stopped as soon as the
    # start returned, once in a suite run on a loaded machine the process ended with 0 and told nothing: its close
    # had not hung, or a stream not active at the stop was taken for a JACK client that died and left unclosed.
    assert wait_for(lambda: mic._ring.written > 0), context.errors
    private_jack.send_signal(signal.SIGSTOP)
    try:
        server_stopped = wait_for(lambda: stopped(private_jack.pid))
        mic.stop()
    finally:
        private_jack.send_signal(signal.SIGCONT)
    # Its client, dead, let go before the fixture stops the server: stopped while letting it go, jackd took 6 s to
    # end (tests/jack_server.py's wait_client_gone). Not asserted: a slow teardown is no fault of the stop's.
    wait_client_gone(client)
    assert server_stopped, f"jackd {private_jack.pid} did not stop"
    assert process.returncode == 0, process.returncode  # it ended by itself: not killed (-9) by the node
    assert context.errors == ["the sound device did not close in 2 s (its JACK server no longer answers this "
                              "process, as after it was suspended): the input process ended without closing it"]
