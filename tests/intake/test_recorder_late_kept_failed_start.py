"""The late take kept for the next run (see test_recorder_late_kept_next_run) outlives a run whose recorder fails to
start (its port busy): the run after passes it on. A console on a full disk no longer fails the start at all: the QR
code's print is a warning, and that run passes the take on itself.

Before, the failing start had taken it from the kept ones and made it known, then its server's port was busy: the take
was thrown away with the node, and the run after (the port free again) received nothing; the failed run's notice said
"1 late take kept from the last run, passed on now" all the same. It was then passed on once the server listened, but
before the rest of the start-up (the URL's status, the QR code's print): a start failing there lost it the same way.
Now it is passed on, and said so, last before the server serves; a start failing before keeps it again. Real HTTPS
recorders run by engines, the port held by a real socket, the console a real full device (/dev/full): its print
failed the whole start (no page for any phone) until it was made a warning.

The stop of a recorder whose start failed once its server was made waited for ever on the server's shutdown, which
waits for a serve_forever that never ran: the Run never ended (this test hung). It closes the server alone now."""

from __future__ import annotations

import io
import socket
import sys
import threading
from pathlib import Path

import pytest

from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.runtime.engine import Engine

from .conftest import probe_of, registry
from .moved_rig import kept_late_for_next_run
from .rebuilt_rig import recorder_settings
from .test_recorder_stop_mid_upload import TAKE


def _on_port(tmp_path: Path, state: Path, port: int, **params: object) -> Patch:
    """:func:`moved_patch`'s on ``port``, ``params`` added to the recorder's."""
    patch = Patch()
    settings = recorder_settings(tmp_path, state, folder=str(tmp_path / "takes-again"), port=port, **params)
    patch.add_node(NodeSpec("rec", "web_recorder", settings))
    patch.add_node(NodeSpec("probe", "test_probe", {}))
    patch.connect("rec.take", "probe.take")
    return patch


def _start_fails(tmp_path: Path, patch: Patch) -> None:
    """A Run of ``patch`` whose recorder fails to start, told on the node (not raised) and not telling the kept take
    passed on; stopped, within 30 s (its server made and never served, the stop waited for that server for ever)."""
    failed = Engine(registry(), base_dir=tmp_path)
    try:
        failed.start(patch)  # the node's error kept, not raised
        assert "rec" in failed.errors, failed.errors
        assert "passed on" not in failed.status.get("rec", {}).get("warning", ""), failed.status.get("rec")
    finally:
        stopping = threading.Thread(target=failed.stop, name="failed-run-stop", daemon=True)
        stopping.start()
        stopping.join(30)
        assert not stopping.is_alive(), "the stop of a recorder whose start failed hangs"


def test_a_kept_late_take_outlives_a_start_failing_on_a_busy_port_and_a_full_console_fails_none(
        tmp_path: Path, recorder_state: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    take_id, answers, again = kept_late_for_next_run(tmp_path, recorder_state, monkeypatch, TAKE)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        _start_fails(tmp_path, _on_port(tmp_path, again, busy.getsockname()[1]))  # a port another program holds
    # The next Run, the port free, its console a full disk: the QR code's print fails, told, and the start goes on.
    running = Engine(registry(), base_dir=tmp_path)
    with (open("/dev/full", "wb", buffering=0) as device,  # written through: nothing left to fail at its close
          io.TextIOWrapper(device, encoding="utf-8", write_through=True) as full, monkeypatch.context() as console):
        console.setattr(sys, "stdout", full)
        running.start(_on_port(tmp_path, again, 0, print_qr=True))
    try:
        assert "rec" not in running.errors, running.errors
        reached = probe_of(running).wait_for(1, 30)
        assert reached, "the kept late take was lost with a failed start"
        assert reached[0].take_id in {take_id, answers.retried[0][1]["take_id"]}, (reached, answers.retried)
        told = running.status.get("rec", {}).get("warning", "")
        assert told == "1 late take kept from the last run, passed on now", running.status.get("rec")
    finally:
        running.stop()
