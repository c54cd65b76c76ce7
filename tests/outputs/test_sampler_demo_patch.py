"""patches/sampler_demo.yaml: it checks, round-trips through save_patch, and runs: a file dropped in the inbox
reaches a sampler slot and the original device's OSC port."""

from __future__ import annotations

import time
from pathlib import Path

from exsampling_patch.patchfile import dumps_patch, read_patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime.engine import Engine
from exsampling_patch.takes import write_take
from exsampling_patch.validate import check_file

from .helpers import sine_take
from .test_ableton import OriginalDevice


def test_demo_patch_checks_and_round_trips(repo: Path) -> None:
    path = repo / "patches" / "sampler_demo.yaml"
    assert check_file(str(path), []) == []
    assert dumps_patch(read_patch(path).patch) == path.read_text(encoding="utf-8")


def test_demo_patch_runs_a_take_into_a_slot_and_to_the_device(repo: Path, tmp_path: Path) -> None:
    patch = read_patch(repo / "patches" / "sampler_demo.yaml").patch
    device = OriginalDevice()
    patch.nodes["inbox"].params["folder"] = str(tmp_path / "inbox")
    patch.nodes["sampler"].params.update(device="none", virtual_port="")
    patch.nodes["live"].params.update(port=device.port, folder=str(tmp_path / "live"))  # not the checkout's session/
    engine = Engine(Registry.default(), base_dir=repo / "patches")
    engine.start(patch)
    try:
        time.sleep(0.3)
        write_take(sine_take(440.0), tmp_path / "inbox" / "bell.wav")
        device.wait(1)
        deadline = time.monotonic() + 5
        sampler = engine.node("sampler")
        while sampler.slot_states()[0]["take"] is None and time.monotonic() < deadline:  # type: ignore[attr-defined]
            time.sleep(0.01)
        state = sampler.slot_states()[0]  # type: ignore[attr-defined]
        assert state["name"] == "HH" and state["path"] == str(tmp_path / "inbox" / "bell.wav")
        assert device.loads[0]["slot"] == "HH" and device.loads[0]["/sound"] == state["path"]
        assert not engine.errors
    finally:
        engine.stop()
        device.close()
