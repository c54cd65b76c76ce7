"""How a node's error reads on the console and in the editor: the product's own errors in plain words, an error the
product did not expect (Python's, a library's, a plugin's) with its class, which helps whoever looks into it; one
of the system's (a file, a disk) in the system's own words, with its path.

Before: every error led with its class, the product's own too: "PortInUse: TCP port 8443 is already in use ..." put
a programmer's word before the sentence written for the performer."""

from __future__ import annotations

import socket
from pathlib import Path

import numpy as np
import pytest

from exsampling_patch import TAKE, Input, Node, Output, Take
from exsampling_patch.editor.live import failure_text
from exsampling_patch.models.drumsynth import render_presets
from exsampling_patch.models.process import ClassifierProcessError
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine
from exsampling_patch.runtime.parts import error_text


def test_the_products_own_error_reads_in_plain_words(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        patch = Patch()
        patch.add_node(NodeSpec("phones", "web_recorder", {
            "host": "127.0.0.1", "port": port, "print_qr": False, "folder": str(tmp_path / "takes"),
            "state_folder": str(tmp_path / "state")}))
        engine = Engine(Registry.default(entry_points=False), base_dir=tmp_path)
        engine.start(patch)
        try:
            error = engine.errors["phones"]
        finally:
            engine.stop()
    assert error.startswith(f"TCP port {port} is already in use"), error
    assert error_text(ClassifierProcessError("the classifier's process is stopped")) == \
        "the classifier's process is stopped"


def test_an_unexpected_error_keeps_its_class() -> None:
    assert error_text(ValueError("could not convert string to float: 'x'")) == \
        "ValueError: could not convert string to float: 'x'"
    assert error_text(KeyError("slot")) == "KeyError: 'slot'"
    assert error_text(AssertionError()) == "AssertionError"  # a bare assert: its class is all there is
    assert error_text(OSError("no such device")) == "OSError: no such device"  # not the system's words


def test_a_system_error_reads_in_the_systems_words() -> None:
    """Before: "OSError: Read-only file system: /media/usb/takes" on the console, a class name before the words
    the performer acts on."""
    missing = FileNotFoundError(2, "No such file or directory", "/media/usb/takes")
    assert error_text(missing) == "No such file or directory: /media/usb/takes"
    assert error_text(OSError(30, "Read-only file system", "/media/usb/takes")) == \
        "Read-only file system: /media/usb/takes"
    assert error_text(OSError(28, "No space left on device")) == "No space left on device"


class PluginError(RuntimeError):
    """A plugin's own error class: not the product's, so its class is told."""


def test_a_plugins_own_error_keeps_its_class() -> None:
    assert error_text(PluginError("no grains")) == "PluginError: no grains"


class HalveInPlace(Node):
    """Halve each take's samples in place, as numpy code often does."""

    take = Input(TAKE)
    out = Output(TAKE)

    def on_take(self, take: Take) -> None:
        take.samples *= 0.5  # type: ignore[misc]  # the plugin's mistake the test tells in words
        self.emit("out", take)


def test_a_take_changed_in_place_says_to_change_a_copy() -> None:
    # Before, numpy's words alone ("ValueError: output array is read-only"): nothing said whose array that was, nor
    # that the take's samples are read-only on purpose, shared with every branch of the patch the take goes to.
    registry = Registry()
    registry.register(HalveInPlace, "test")
    patch = Patch()
    patch.add_node(NodeSpec("halve", "halve_in_place"))
    engine = Engine(registry, workers=1, pin_workers=False)
    engine.start(patch)
    try:
        engine.inject("halve", "take", Take(np.ones((8, 1), np.float32), 8000))
        assert engine.wait_idle(5)
        error = engine.errors["halve"]
    finally:
        engine.stop()
    assert error.startswith("ValueError: output array is read-only (") and "take.derive(" in error, error
    assert "take.derive(" in error_text(ValueError("assignment destination is read-only"))
    assert error_text(ValueError("array is read-write")) == "ValueError: array is read-write"


def test_the_engines_refusals_read_in_plain_words() -> None:
    # Before, "RuntimeError: the engine is not running" where the editor tells what escaped start() or update().
    engine = Engine(Registry.default(entry_points=False), workers=1, pin_workers=False)
    patch = Patch()
    with pytest.raises(RuntimeError) as caught:
        engine.update(patch)
    assert failure_text(engine, caught.value) == "the engine is not running"
    engine.start(patch)
    try:
        with pytest.raises(RuntimeError) as caught:
            engine.start(patch)
    finally:
        engine.stop()
    assert failure_text(engine, caught.value) == "the engine is already running; use update() to change the patch"


def test_lmms_missing_reads_in_plain_words(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Before, "RuntimeError: lmms is not installed ...": a PATH without it (a machine with no LMMS).
    (tmp_path / "empty").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(RuntimeError) as caught:
        render_presets(tmp_path / "presets", tmp_path / "out")
    assert error_text(caught.value) == "lmms is not installed (apt-get install lmms): it renders the DrumSynth presets"
