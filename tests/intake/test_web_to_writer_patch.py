"""patches/web_to_writer.yaml: round-trips, checks clean, and runs: an upload ends up trimmed on disk."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from exsampling_patch.nodes.web_recorder.upload import encode_wav_pcm16
from exsampling_patch.patchfile import dumps_patch, read_patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime.engine import Engine

from .conftest import Client, sine

PATCH = Path(__file__).resolve().parents[2] / "patches" / "web_to_writer.yaml"


def test_patch_round_trips_byte_for_byte_and_checks_clean() -> None:
    parsed = read_patch(PATCH)
    assert parsed.problems == []
    assert dumps_patch(parsed.patch) == PATCH.read_text(encoding="utf-8")
    check = subprocess.run([sys.executable, "-m", "exsampling_patch", "check", str(PATCH)], capture_output=True,
                           text=True, timeout=60)
    assert check.returncode == 0, check.stdout + check.stderr


def test_patch_runs_upload_to_trimmed_file(tmp_path: Path, recorder_state: Path) -> None:
    patch = read_patch(PATCH).patch
    patch.nodes["recorder"].params.update(host="127.0.0.1", port=0, print_qr=False, state_folder=str(recorder_state))
    (tmp_path / "patches").mkdir()
    engine = Engine(Registry.default(entry_points=False), base_dir=tmp_path / "patches")
    engine.start(patch)
    try:
        client = Client(engine, recorder_state / "recorder-cert.pem", "recorder")
        signal = np.concatenate([np.zeros(24000, np.float32), sine(440, 0.5), np.zeros(24000, np.float32)])
        status, reply = client.upload(encode_wav_pcm16(signal, 48000), recorder="Ana")
        assert status == 201
        written = tmp_path / "takes" / "trimmed" / f"{reply['take_id']}.wav"
        deadline = time.monotonic() + 10
        while not written.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert (tmp_path / "takes" / "web" / f"{reply['take_id']}.wav").exists()  # the original, as uploaded
        assert engine.wait_idle()
        import soundfile as sf
        assert sf.info(written).duration < 0.6
        assert client.request("GET", "/api/takes?recorder=Ana")[1]["takes"][0]["status"] == "processed"
    finally:
        engine.stop()
