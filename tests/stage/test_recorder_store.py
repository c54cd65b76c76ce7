"""A take the web recorder cannot store is told on the stage console, not only to the phone."""

from __future__ import annotations

import http.client
import re
import time
from pathlib import Path

import numpy as np
import yaml

from exsampling_patch.nodes.web_recorder.upload import encode_wav_pcm16

from .helpers import Run, free_port

TOKEN = "store-failure-token-0123456789"


def upload(port: int, take_id: str) -> tuple[int, bytes]:
    tone = (0.3 * np.sin(np.arange(8000) / 5)).astype(np.float32)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    try:
        conn.request("POST", f"/api/takes?token={TOKEN}", body=encode_wav_pcm16(tone, 16000),
                     headers={"X-Recorder": "Phone A", "X-Take-Id": take_id, "Content-Type": "audio/wav",
                              "X-Phone-Key": "store-failure-phone-0123456789"})
        reply = conn.getresponse()
        return reply.status, reply.read()
    finally:
        conn.close()


def test_a_take_that_could_not_be_stored_is_told_on_the_console(tmp_path: Path) -> None:
    """The take folder gone mid-show (removed, a file in its place; a disk failing): the phone was answered 500 and
    kept the take, but the console said nothing at all, its traceback in the libraries' log. The performer, the
    one who can act, now reads it, once for the repeats (the phone's retries are counted, not told anew)."""
    port = free_port()
    patch = tmp_path / "recorder.yaml"
    patch.write_text(yaml.safe_dump({
        "exsampling_patch": 1,
        "nodes": [{"id": "recorder", "type": "web_recorder",
                   "params": {"folder": "takes", "state_folder": "state", "host": "127.0.0.1", "port": port,
                              "https": False, "token": TOKEN, "print_qr": False}},
                  {"id": "log", "type": "log"}],
        "links": ["recorder.take -> log.message"],
    }, sort_keys=False), encoding="utf-8")
    run = Run(str(patch), "--for", "60", "--log", str(tmp_path / "lib.log"), cwd=tmp_path)
    try:
        run.wait_for("running")
        assert upload(port, "first")[0] == 201, run.output()
        run.wait_for(" from Phone A")
        # The first take's end is written to the folder's journal beside its console line: once it is there, so
        # that the move below cannot make that write a second error of its own.
        journal = tmp_path / "takes" / ".processed"
        deadline = time.monotonic() + 30
        while not (journal.exists() and journal.read_text(encoding="utf-8").strip()) and time.monotonic() < deadline:
            time.sleep(0.02)
        (tmp_path / "takes").rename(tmp_path / "takes-moved")  # at once, whatever the node writes there meanwhile
        (tmp_path / "takes").write_text("not a folder", encoding="utf-8")
        statuses = [upload(port, f"lost-{n}")[0] for n in range(3)]
        assert statuses == [500, 500, 500], run.output()
    finally:
        run.signal_group()
        run.wait(30)
    lines = [line for line in run.stderr if "error in node 'recorder'" in line]
    told = [line for line in lines if "could not be stored" in line]
    assert len(told) == 1, run.output()
    assert f"a take from a phone could not be stored in {tmp_path / 'takes'}: Not a directory; the phone keeps it " \
           "and sends it again" in told[0], run.output()
    repeats = [re.search(r"the same error (\d+) more times?$", line) for line in lines if line not in told]
    assert all(repeats) and sum(int(m.group(1)) for m in repeats if m) == 2, run.output()
    assert "nodes with errors: recorder (3)" in run.output()
