"""A restart with takes stored but not done: the recorder passes them on at once, all together, as the classifier
begins; the slot map holds each for its prediction. That backlog is the restart's, known, not an overloaded
classifier: before, every such restart with 9 or more of them said on the console "9 takes wait for their
predictions ... more than max_waiting (8); all are kept". A real overload (new takes past the limit) is still said."""

from __future__ import annotations

import time
from pathlib import Path

from exsampling_patch.messages import Prediction, Score, Take
from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.classify import SlotMap
from exsampling_patch.nodes.web_recorder import WebRecorder
from exsampling_patch.nodes.web_recorder.server import Upload
from exsampling_patch.nodes.web_recorder.upload import encode_wav_pcm16

from .conftest import sine


def started(tmp_path: Path, context: NodeContext) -> WebRecorder:
    rec = WebRecorder("rec", {"folder": str(tmp_path / "takes"), "state_folder": str(tmp_path / "state"),
                              "host": "127.0.0.1", "port": 0, "https": False, "print_qr": False}, context)
    rec.start()
    return rec


def upload(rec: WebRecorder, take_id: str) -> dict[str, object]:
    """A phone's upload as the request's thread hands it to the recorder."""
    body = encode_wav_pcm16(sine(330.0, 0.2), 48000)
    return rec._accept(Upload(body, {"x-recorder": "ana", "x-take-id": take_id}, time.monotonic(), "127.0.0.1"))


def emitted(context: NodeContext, count: int) -> list[Take]:
    deadline = time.monotonic() + 10.0
    while len(context.emitted) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    return [take for _, take in context.emitted]


def warnings(context: NodeContext) -> list[str]:
    return [str(status["warning"]) for status in context.statuses if status.get("warning")]


def test_the_takes_a_restart_hands_over_are_no_overload_a_real_one_is_said(tmp_path: Path) -> None:
    first = NodeContext(tmp_path)
    rec = started(tmp_path, first)
    rec.stop()
    for i in range(9):  # stored as the last run ended (after its stop): on disk, not done
        assert upload(rec, f"old-{i}")["status"] == "received"
    assert first.emitted == []

    context = NodeContext(tmp_path)
    rec = started(tmp_path, context)  # the restart, on the same folders
    try:
        recovered = emitted(context, 9)
        assert len(recovered) == 9 and all(take.meta.get("recovered") for take in recovered)
        seen = NodeContext()
        seen.linked_inputs.update({"take", "rejected"})  # as in patches/exsampling.yaml
        node = SlotMap("map", {"table": {"dog": "Bass"}, "max_waiting": 8}, seen)
        node.start()
        for take in recovered:  # their pitched versions come first; the classifier is still at the first
            node.handle("take", take)
        assert len(node._takes) == 9 and seen.errors == []
        assert warnings(seen) == [], seen.statuses  # the restart's backlog: nothing to warn of

        for i in range(9):  # a burst of new takes past the limit while the backlog waits: an overload
            upload(rec, f"new-{i}")
        fresh = emitted(context, 18)[9:]
        assert len(fresh) == 9 and not any(take.meta.get("recovered") for take in fresh)
        for take in fresh:
            node.handle("take", take)
        (warning,) = warnings(seen)
        assert warning.startswith("9 takes wait for their predictions (besides 9 "
                                  "from the last run), more than max_waiting (8)"), warning
        for take in recovered + fresh:
            node.handle("prediction", Prediction(take, (Score("dog", 0.9),)))
        assert [assignment.slot for _, assignment in seen.emitted] == ["Bass"] * 18
        assert seen.statuses[-1] == {"warning": ""}  # the overload cleared: its warning with it
        assert seen.errors == []
    finally:
        rec.stop()
    assert context.errors == []
