"""docs/recording.md's curl line, run as written against a real recorder (its address and token put in): a take
sent from a script is received and passed on, under the name given."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import soundfile as sf

from .conftest import probe_of, rec_of, sine

PAGE = Path(__file__).resolve().parents[2] / "docs" / "recording.md"


@pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl, as the page's example does")
def test_the_pages_curl_line_sends_a_take(recorder, tmp_path: Path) -> None:
    engine, _client = recorder
    (line,) = [line for line in PAGE.read_text(encoding="utf-8").splitlines() if line.startswith("curl ")]
    port = rec_of(engine).server.port
    command = re.sub(r"https://[\d.]+:8443/", f"https://127.0.0.1:{port}/", line)
    assert command != line, "the page's curl line names a recorder's URL"
    sf.write(tmp_path / "take.wav", sine(330.0, 0.5), 48000, subtype="PCM_16")
    done = subprocess.run(["bash", "-c", command], capture_output=True, text=True, cwd=tmp_path, timeout=60,
                          env={**os.environ, "TOKEN": rec_of(engine).server.token})
    assert done.returncode == 0, done.stderr
    assert '"status": "received"' in done.stdout, done.stdout
    (take,) = probe_of(engine).wait_for(1)
    assert take.source == "Ana" and take.duration == pytest.approx(0.5, abs=0.01)
