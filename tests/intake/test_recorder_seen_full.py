"""A phone take id the recorder cannot write down (its state folder's disk full) is told once, naming the take, and
not again, naming nothing, at the node's stop.

Found with the state folder on a full 400 kB tmpfs (2026-12-05): after each take's "the recorder's state could not be
written (...seen-takes.jsonl: No space left on device): a retry of take X ...", stopping the patch said "error in node
'rec' in stop(): OSError: [Errno 28] No space left on device": the lines left in the file's buffer, failing again as
it closed (and the phones' list file was then left open). Here the open file's descriptor is made /dev/full's.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from exsampling_patch.nodes.web_recorder.seen import SEEN_FILE
from exsampling_patch.nodes.web_recorder.upload import encode_wav_pcm16
from exsampling_patch.runtime import NodeError

from .conftest import Client, make_full, recorder_engine, sine


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")
def test_a_take_id_not_written_down_is_told_once_and_not_again_at_the_stop(tmp_path: Path) -> None:
    events: list[Any] = []
    state = tmp_path / "state"
    engine = recorder_engine(tmp_path, state, events=events, https=False)
    try:
        make_full(state / SEEN_FILE)
        status, reply = Client(engine, None).upload(encode_wav_pcm16(sine(), 48000), take_id="full-1")
        assert status == 201 and engine.wait_idle(settle=0.1)
    finally:
        engine.stop()
    errors = [(e.during, e.error) for e in events if isinstance(e, NodeError)]
    assert errors == [("", f"the recorder's state could not be written ({state / SEEN_FILE}: No space left on device):"
                           f" a retry of take {reply['take_id']} after a restart would be stored again")], errors
