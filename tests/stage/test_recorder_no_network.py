"""A show started on a machine that is on no network yet (the venue's Wi-Fi not joined): the recorder's URL names
127.0.0.1, which every phone takes for itself. Run in a network namespace of its own (``unshare -rn``: its loopback
only, and down), as a laptop with its Wi-Fi off is."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from .helpers import EXE


def unshare_works() -> bool:
    if shutil.which("unshare") is None:
        return False
    return subprocess.run(["unshare", "-rn", "true"], capture_output=True, timeout=30).returncode == 0


pytestmark = pytest.mark.skipif(not unshare_works(), reason="needs unshare -rn (user and network namespaces)")


def run_offline(tmp_path: Path, params: dict[str, object], *options: str) -> str:
    patch = tmp_path / "recorder.yaml"
    patch.write_text(yaml.safe_dump({
        "exsampling_patch": 1,
        "nodes": [{"id": "recorder", "type": "web_recorder",
                   "params": {"folder": "takes", "state_folder": "state", "port": 0, "print_qr": False, **params}},
                  {"id": "log", "type": "log"}],
        "links": ["recorder.take -> log.message"],
    }, sort_keys=False), encoding="utf-8")
    done = subprocess.run(["unshare", "-rn", *EXE, "run", *options, str(patch), "--for", "0.3", "--show-log", "none",
                           "--log", str(tmp_path / "lib.log")], capture_output=True, text=True, timeout=120,
                          cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    return done.stderr


def test_a_recorder_on_no_network_says_its_url_is_no_phones_way_here(tmp_path: Path) -> None:
    err = run_offline(tmp_path, {})
    assert "phones open https://127.0.0.1:" in err, err
    assert "warning from node 'recorder': this machine is on no network: the URL's address, 127.0.0.1, is no " \
           "phone's way here; join the phones' network (or start a hotspot), then start the patch again, or set " \
           "'public_host'" in err, err


def test_a_recorder_given_its_public_host_is_not_warned_of(tmp_path: Path) -> None:
    err = run_offline(tmp_path, {"public_host": "exsampling.local"})
    assert "phones open https://exsampling.local:" in err and "no network" not in err, err


def test_a_quiet_run_says_it_too(tmp_path: Path) -> None:
    """-q keeps the URL (no phone pairs without it) but dropped the warning that says it cannot work: a performer
    read a 127.0.0.1 URL with nothing telling why no phone could open it."""
    err = run_offline(tmp_path, {}, "-q")
    assert "phones open https://127.0.0.1:" in err, err
    assert "warning from node 'recorder': this machine is on no network" in err, err
