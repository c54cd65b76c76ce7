"""The stage says so when the recorder replaces a saved pairing token that is too short, naming the file."""

from __future__ import annotations

from pathlib import Path

import yaml

from .helpers import Run, free_port


def test_a_short_saved_token_is_replaced_and_the_console_names_its_file(tmp_path: Path) -> None:
    """A ``token`` file under 16 characters (edited by hand, cut short) was replaced by a new token without a word:
    every paired phone stopped working, and nothing said why. The console now says it, naming the file."""
    state = tmp_path / "session" / "recorder"
    state.mkdir(parents=True)
    (state / "token").write_text("letmein\n", encoding="utf-8")
    patch = tmp_path / "patches" / "recorder.yaml"
    patch.parent.mkdir()
    patch.write_text(yaml.safe_dump({
        "exsampling_patch": 1,
        "name": "Recorder only",
        "nodes": [{"id": "recorder", "type": "web_recorder",
                   "params": {"folder": "../session/takes", "state_folder": "../session/recorder",
                              "host": "127.0.0.1", "port": free_port(), "print_qr": False}},
                  {"id": "log", "type": "log"}],
        "links": ["recorder.take -> log.message"],
    }, sort_keys=False), encoding="utf-8")
    run = Run(str(patch), "--for", "1", cwd=tmp_path)
    assert run.wait(60) == 0, run.output()
    token_file = state / "token"
    new = token_file.read_text(encoding="utf-8").strip()
    assert len(new) >= 16 and new != "letmein"
    told = [line for line in run.output().splitlines() if "warning from node 'recorder'" in line]
    assert told, run.output()
    assert f"the pairing token in {token_file} is 7 characters long, fewer than 16" in told[0]
    assert "scan the new QR code" in told[0]
