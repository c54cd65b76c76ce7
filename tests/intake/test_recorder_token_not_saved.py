"""A recorder with ``rotate_token`` whose token file cannot be replaced (made immutable: ``chattr +i``, as a sudo
run or a backup tool may leave it) starts all the same on its new token, for this run, and says it was not saved.

Before, the token's write raised out of the start: a bare "Operation not permitted", no page, no QR code. Only as root
(a file's mode does not stop a rename over it; ``chattr`` needs root), skipped otherwise."""

from __future__ import annotations

import os
import secrets
import subprocess
from pathlib import Path

import pytest

from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.web_recorder import WebRecorder
from exsampling_patch.nodes.web_recorder.tls import TOKEN_NAME
from exsampling_patch.nodes.web_recorder.upload import encode_wav_pcm16

from .conftest import Client, sine


class Phone(Client):
    """A phone talking over plain HTTP to a recorder run without an engine."""

    def __init__(self, rec: WebRecorder) -> None:
        self.port, self.token, self.tls = rec.server.port, rec.server.token, None
        self.phone_key = secrets.token_urlsafe(16)


@pytest.mark.skipif(os.geteuid() != 0, reason="chattr +i needs root")
def test_a_rotated_token_not_saved_holds_for_the_run_and_is_told(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    saved = state / TOKEN_NAME
    saved.write_text("an-older-token-of-the-last-run-0123\n")
    if subprocess.run(["chattr", "+i", str(saved)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i failed (a file system without it)")
    context = NodeContext(tmp_path)
    rec = WebRecorder("rec", {"folder": str(tmp_path / "takes"), "state_folder": str(state), "host": "127.0.0.1",
                              "port": 0, "https": False, "print_qr": False, "rotate_token": True}, context)
    try:
        rec.start()
        status, _ = Phone(rec).upload(encode_wav_pcm16(sine(330.0, 0.2), 48000), take_id="new-token")
    finally:
        rec.stop()
        subprocess.run(["chattr", "-i", str(saved)], check=True)
    assert status == 201
    assert rec.server.token != "an-older-token-of-the-last-run-0123"
    warnings = [s["warning"] for s in context.statuses if s.get("warning")]
    assert warnings == [f"the new pairing token could not be saved in {saved} (Operation not permitted): it holds "
                        "for this run only (phones scan this run's QR code; the next start makes another)"], warnings
    assert context.errors == [], context.errors
