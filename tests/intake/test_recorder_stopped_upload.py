"""A phone's upload whose storing the node's stop lands in (the server's request threads are not joined: an upload
still arriving outlives the stop), driven directly; as a take the microphone stores after its stop
(test_microphone_stopped_take.py).

Before: once stored, it went on to flow on into a node (and an engine) already stopped: in an engine, a take begun
after its stop, whose end nobody tells; without one, written down as done though nothing had heard it. Now
it is received, stays on disk, not done, and the next start passes it on; the phone's retry of it is its duplicate."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from exsampling_patch.messages import Take
from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.web_recorder import WebRecorder
from exsampling_patch.nodes.web_recorder.server import Upload
from exsampling_patch.nodes.web_recorder.upload import encode_wav_pcm16
from exsampling_patch.takes import TakeStore

from .conftest import sine


class StoppedWhileStoring(TakeStore):
    """The take folder; the node's stop lands as an upload's take is being stored (its file named)."""

    rec: WebRecorder | None = None

    def path_for(self, take: Take) -> Path:
        path = super().path_for(take)
        if self.rec is not None:
            rec, self.rec = self.rec, None
            rec.stop()
        return path


def started(tmp_path: Path, context: NodeContext) -> WebRecorder:
    rec = WebRecorder("rec", {"folder": str(tmp_path / "takes"), "state_folder": str(tmp_path / "state"),
                              "host": "127.0.0.1", "port": 0, "https": False, "print_qr": False}, context)
    rec.start()
    return rec


@pytest.mark.parametrize("take_id", ["t1", ""], ids=["with-take-id", "without"])
def test_an_upload_stored_after_the_stop_is_kept_for_the_next_start(tmp_path: Path, take_id: str) -> None:
    context = NodeContext(tmp_path)
    rec = started(tmp_path, context)
    store = StoppedWhileStoring(rec._store.folder)
    rec._store, store.rec = store, rec
    headers = {"x-recorder": "ana", **({"x-take-id": take_id} if take_id else {})}
    upload = Upload(encode_wav_pcm16(sine(330.0, 0.4), 48000), headers, time.monotonic(), "127.0.0.1")
    reply = rec._accept(upload)  # as the request's thread runs it, in this thread
    assert reply["status"] == "received"
    assert context.emitted == [] and [s for s in context.statuses if "take" in s] == [], context.statuses
    assert context.errors == []
    unfinished = [data["take_id"] for _, data in TakeStore(store.folder).unfinished()]
    assert unfinished == [reply["take_id"]]  # on disk, not done

    later = NodeContext(tmp_path)  # the next start passes it on; the phone's retry is its duplicate
    rec = started(tmp_path, later)
    try:
        deadline = time.monotonic() + 10.0
        while not later.emitted and time.monotonic() < deadline:
            time.sleep(0.02)
        assert [(port, take.take_id) for port, take in later.emitted] == [("take", reply["take_id"])]
        if take_id:
            again = rec._accept(Upload(upload.body, headers, time.monotonic(), "127.0.0.1"))
            assert again.get("duplicate") and again["take_id"] == reply["take_id"]
    finally:
        rec.stop()
    assert later.errors == []
