"""A web recorder whose take folder cannot be written is told at the start, while there is time to act."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import yaml

from exsampling_patch.nodes.web_recorder.upload import encode_wav_pcm16

from .helpers import Run, free_port


@pytest.fixture
def read_only_takes(tmp_path: Path) -> Iterator[Path]:
    """``tmp_path/takes``, which cannot be written: a read-only tmpfs mounted there (root ignores a folder's mode, as
    it does on a stage laptop's card with its lock switch on), or the folder's mode without root."""
    folder = tmp_path / "takes"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)
        return
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(folder)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:  # root in a container without the right to mount (CAP_SYS_ADMIN)
        pytest.skip(f"mounting a tmpfs was refused: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "--lazy", str(folder)])  # never left mounted under pytest's folders


def test_a_take_folder_that_cannot_be_written_is_told_at_the_start(tmp_path: Path, read_only_takes: Path) -> None:
    """Before: the recorder started as if all was well (its URL, its QR code) and the console said nothing until
    the first phone's take failed, mid-show. The recorder still starts: the phones keep their takes and send them
    again, and a folder made writable takes them without a restart. (No free space kept: the small tmpfs is no full
    disk to tell.)"""
    patch = tmp_path / "recorder.yaml"
    patch.write_text(yaml.safe_dump({
        "exsampling_patch": 1,
        "nodes": [{"id": "recorder", "type": "web_recorder",
                   "params": {"folder": "takes", "state_folder": "state", "host": "127.0.0.1", "port": free_port(),
                              "https": False, "print_qr": False, "min_free_mb": 0, "warn_free_mb": 0}},
                  {"id": "log", "type": "log"}],
        "links": ["recorder.take -> log.message"],
    }, sort_keys=False), encoding="utf-8")
    run = Run(str(patch), "--for", "0.2", "--show-log", "none", "--log", str(tmp_path / "lib.log"), cwd=tmp_path)
    assert run.wait(60) == 0, run.output()
    told = [line for line in run.stderr if "error in node 'recorder'" in line]
    assert len(told) == 1, run.output()
    assert f"the take folder {read_only_takes} cannot be written (" in told[0], run.output()
    assert told[0].rstrip().endswith("): takes from phones are refused until it can be (each phone keeps its takes "
                                     "and sends them again); make it writable, or set the parameter 'folder' to "
                                     "another folder"), run.output()
    assert any("phones open http://" in line for line in run.stderr), run.output()  # started all the same
    assert "recorder.yaml: 2 nodes, 1 link, started in" in run.output()


def test_a_phone_is_told_why_its_take_was_not_stored_in_words(tmp_path: Path, read_only_takes: Path) -> None:
    """Before, the phone was answered "the take could not be stored: [Errno 30] Read-only file system:
    '/.../takes/.Phone-...part'": Python's repr, and a file of the recorder's no phone needs. Now it is refused 507
    (kept on the phone), its take folder and the system's reason named, as a take folder not made is."""
    port = free_port()
    patch = tmp_path / "recorder.yaml"
    patch.write_text(yaml.safe_dump({
        "exsampling_patch": 1,
        "nodes": [{"id": "recorder", "type": "web_recorder",
                   "params": {"folder": "takes", "state_folder": "state", "host": "127.0.0.1", "port": port,
                              "https": False, "print_qr": False, "min_free_mb": 0, "warn_free_mb": 0,
                              "token": "read-only-token-0123456789"}}],
    }, sort_keys=False), encoding="utf-8")
    run = Run(str(patch), "--for", "60", "--show-log", "none", "--log", str(tmp_path / "lib.log"), cwd=tmp_path)
    try:
        run.wait_for("running")
        tone = (0.3 * np.sin(np.arange(8000) / 5)).astype(np.float32)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            connection.request("POST", "/api/takes?token=read-only-token-0123456789",
                               body=encode_wav_pcm16(tone, 16000), headers={"X-Recorder": "Ana", "X-Take-Id": "t1"})
            reply = connection.getresponse()
            status, body = reply.status, json.loads(reply.read())
        finally:
            connection.close()
    finally:
        run.signal_group()
        run.wait(30)
    assert status == 507, body  # refused, kept on the phone: the folder is tried before the take is written
    assert body["error"].startswith("the recorder cannot store takes: its take folder "), body
    assert "cannot be written (Read-only file system)" in body["error"], body
    assert "Errno" not in body["error"] and ".part" not in body["error"], body
