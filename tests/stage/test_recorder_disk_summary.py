"""The run's summary counts the takes the web recorder refused for its full disk (507) and never stored.

A 507 is no refusal for good: the phone keeps the take and sends it again, so the take never ends, and only the for-good
refusals were counted ("takes ended: refused N"). A show that ended on a full disk summed up as if every take had come
in; its takes were on the phones, waiting for room. The disk here is the test folder's real one, made "full" by a
``min_free_mb`` above its free space.
"""

from __future__ import annotations

import http.client
import io
import shutil
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf

from exsampling_patch.commands.run import counts_of
from exsampling_patch.nodes.web_recorder.disk import DiskWatch
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime.engine import Engine
from tests.stage.helpers import Run, free_port
from tests.stage.test_recorder_console import paired_patch

#: Megabytes above the disk's free space at which the recorder is set to find it full (and filling up): room for other
#: work on the machine to free some meanwhile, within the parameters' ceiling (1e7 MB) on a disk of a few TB free.
MARGIN_MB = 1e4


def made_full(folder: Path) -> float:
    """A ``min_free_mb`` above the free space of ``folder``'s disk: the recorder finds it full."""
    full = shutil.disk_usage(folder).free / 1e6 + MARGIN_MB
    if full + MARGIN_MB > 1e7:
        pytest.skip("the disk has more free space than min_free_mb and warn_free_mb can be set above")
    return full


def a_take() -> bytes:
    """A tenth of a second's WAV, as a phone sends it."""
    take = io.BytesIO()
    sf.write(take, np.full(4800, 0.1, np.float32), 48000, format="WAV", subtype="PCM_16")
    return take.getvalue()


def full_recorder(tmp_path: Path) -> tuple[Engine, dict[str, Any]]:
    """An engine running a plain-HTTP recorder "phones" on a free port that finds its disk full, and its settings."""
    full = made_full(tmp_path)
    settings = {"folder": str(tmp_path / "takes"), "state_folder": str(tmp_path / "state"), "host": "127.0.0.1",
                "port": free_port(), "https": False, "print_qr": False, "token": "the-current-token-0123456789",
                "min_free_mb": full, "warn_free_mb": full + MARGIN_MB}
    patch = Patch()
    patch.add_node(NodeSpec("phones", "web_recorder", settings))
    engine = Engine(Registry.default(entry_points=False), base_dir=tmp_path)
    engine.start(patch)
    return engine, settings


def upload(port: int, body: bytes, take_id: str) -> int:
    """A take POSTed as the phone page sends it: with the pairing token, a phone key and its own take id."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("POST", "/api/takes?token=the-current-token-0123456789", body=body,
                           headers={"X-Recorder": "Ana", "X-Phone-Key": "phone-key-of-ana-0123", "X-Take-Id": take_id})
        return connection.getresponse().status
    finally:
        connection.close()


def test_the_summary_counts_the_takes_refused_for_a_full_disk_once_each(tmp_path: Path) -> None:
    port = free_port()
    full = made_full(tmp_path)
    patch = paired_patch(tmp_path, port, f", min_free_mb: {full:.0f}, warn_free_mb: {full + MARGIN_MB:.0f}")
    take = a_take()
    run = Run(str(patch), "--for", "60", "--show-log", "none", "--log", str(tmp_path / "lib.log"))
    try:
        run.wait_for("running ")
        assert upload(port, take, "first") == 507
        assert upload(port, take, "first") == 507  # its phone's retry: the same take
        assert upload(port, take, "second") == 507
    finally:
        run.signal_group()
        run.wait(30)
    (summary,) = [line for line in run.stderr if line.startswith("stopped after")]
    assert ("; 2 takes refused by 'phones' for its full disk, kept on the phones: make room, they are sent again"
            in summary), run.output()
    assert summary.count("refused") == 1, run.output()  # none ended: not "1 take refused", which is for good
    assert not list((tmp_path / "takes").glob("*.wav"))


def test_a_take_refused_for_the_full_disk_then_stored_is_no_longer_counted(tmp_path: Path) -> None:
    told: list[dict[str, Any]] = []
    watch = DiskWatch(tmp_path, 0.0, 0.0, lambda text, about: None, lambda **status: told.append(status))
    first, second = ("Ana", "phone", "first"), ("Ana", "phone", "second")
    watch.held(first, refused=True)
    watch.held(first, refused=True)  # a retry refused again: not counted twice
    watch.held(second, refused=True)
    watch.held(first, refused=False)  # room made: stored
    watch.held(("Bo", "phone", "never-refused"), refused=False)  # stored at once: nothing to tell
    assert told == [{"held_on_phones": 1}, {"held_on_phones": 2}, {"held_on_phones": 1}]


def test_a_recorder_rebuilt_by_an_edit_counts_its_held_takes_anew(tmp_path: Path) -> None:
    """The count is the node's status, which outlives a node rebuilt by a live edit: the new recorder, which had
    refused nothing, was summed up with the old one's count, and a take it then stored left that count standing."""
    engine, settings = full_recorder(tmp_path)
    try:
        assert upload(settings["port"], a_take(), "first") == 507
        assert counts_of(engine, "held_on_phones") == {"phones": 1}
        edited = Patch()
        edited.add_node(NodeSpec("phones", "web_recorder",
                                 {**settings, "min_free_mb": settings["min_free_mb"] + 1}))  # still full
        assert engine.update(edited) is not None
        assert counts_of(engine, "held_on_phones") == {}  # the rebuilt recorder has refused nothing yet
        assert upload(settings["port"], a_take(), "first") == 507  # the phone's retry, to the new recorder
        assert counts_of(engine, "held_on_phones") == {"phones": 1}
    finally:
        engine.stop()


@pytest.mark.parametrize("renamed", [False, True])
def test_a_recorder_an_edit_removes_leaves_no_held_takes_counted(tmp_path: Path, renamed: bool) -> None:
    """A live edit that removes the recorder (or renames it: another node, here at another address) left the removed
    node's count in the engine's statuses, which outlive it: the run's summary named a node gone from the patch as
    keeping takes on the phones, and a renamed one's retry, refused by the new recorder too, was counted twice."""
    engine, settings = full_recorder(tmp_path)
    port2 = free_port()
    try:
        assert upload(settings["port"], a_take(), "first") == 507
        assert counts_of(engine, "held_on_phones") == {"phones": 1}
        edited = Patch()
        if renamed:
            edited.add_node(NodeSpec("phones2", "web_recorder", {**settings, "port": port2}))
        assert engine.update(edited) is not None
        assert counts_of(engine, "held_on_phones") == {}
        if renamed:
            assert upload(port2, a_take(), "first") == 507  # the phone's retry, to the renamed recorder
            assert counts_of(engine, "held_on_phones") == {"phones2": 1}
    finally:
        engine.stop()
    assert counts_of(engine, "held_on_phones") == ({"phones2": 1} if renamed else {})  # the run's summary


def test_two_request_threads_counts_are_told_in_the_order_counted(tmp_path: Path) -> None:
    """Each count was told after its lock was released: one thread counted 1, another counted 2 and told it, then the
    first told its 1, which the summary kept, a take on a phone missing from it. Here the second thread's take is
    refused while the first count is being told: it is counted and told after it, not in between."""
    told: list[int] = []
    watch = DiskWatch(tmp_path, 0.0, 0.0, lambda text, about: None, lambda **status: telling(status["held_on_phones"]))
    second = threading.Thread(target=watch.held, args=(("Bo", "phone", "second"), True))

    def telling(count: int) -> None:
        if not second.is_alive() and not told and count == 1:
            second.start()
            # Told under the lock, the second take waits for it, and this join for nothing: it ends unjoined. Told
            # after it, the second is counted and told now, and the first's count told after it.
            second.join(0.5)
        told.append(count)

    watch.held(("Ana", "phone", "first"), refused=True)
    second.join()
    assert told == [1, 2], told
