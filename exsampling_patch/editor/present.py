"""Which sound devices and MIDI ports are present, to offer them as choices for a node's device or port.

The sampler's ``device`` (an audio output) and ``midi_port`` (a MIDI input), the microphone's ``device`` and
the MIDI nodes' ``port`` are text parameters; the editor offers them as a combo of what this machine has
(what ``exsampling devices`` lists), plus the parameter's current value when it is not there, marked
``(not present)``. Plain Python; :mod:`exsampling_patch.editor.present_combo` draws the combo.

The listing runs ``exsampling devices --json`` in a child process, on a thread: asking PortAudio in the
editor's own process would list only what was there when PortAudio started (it looks for devices once), and
would start PortAudio beside a sampler that may render in this process.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from exsampling_patch.child_process import run_command

#: (node type, parameter) -> what it names: ``audio_output``, ``audio_input``, ``midi_input``, ``midi_output``.
PRESENT_PARAMS: dict[tuple[str, str], str] = {
    ("sampler", "device"): "audio_output",
    ("sampler", "midi_port"): "midi_input",
    ("microphone", "device"): "audio_input",
    ("midi_in", "port"): "midi_input",  # the port it listens to: a MIDI input, as mido names them
    ("midi_out", "port"): "midi_output",
}
NOT_PRESENT = " (not present)"
DEFAULT_LABEL = "(default)"
NONE_LABEL = "(none)"
LIST_TIMEOUT_S = 20.0


def present_kind(node_type: str, param: str) -> str | None:
    """What the parameter names (see :data:`PRESENT_PARAMS`), or None if it is not a device or port."""
    return PRESENT_PARAMS.get((node_type, param))


def list_devices() -> dict[str, Any]:
    """What ``exsampling devices --json`` prints, from a child process (a fresh PortAudio and MIDI listing)."""
    done = run_command(["devices", "--json"], LIST_TIMEOUT_S)
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}")
    found = json.loads(done.stdout)
    return found if isinstance(found, dict) else {}


@dataclass
class Choice:
    label: str  # what the combo shows
    value: str  # what the parameter is set to


def choices(listing: dict[str, Any] | None, kind: str, current: str) -> list[Choice]:
    """The choices for a parameter naming a ``kind`` of device or port: the default (or none), what is
    present, and ``current`` marked ``(not present)`` when it names none of them."""
    found: list[Choice] = []
    if kind.startswith("audio"):
        found.append(Choice(DEFAULT_LABEL, ""))
        if kind == "audio_output":
            found.append(Choice("none (renders nothing)", "none"))
        key = "outputs" if kind == "audio_output" else "inputs"
        for row in (listing or {}).get("audio", []):
            if isinstance(row, dict) and int(row.get(key, 0)) > 0:
                name = str(row.get("name", ""))
                found.append(Choice(f"{name} ({row.get('host_api', '?')}, {row.get(key)} {key[:-4]})", name))
    else:
        found.append(Choice(NONE_LABEL, ""))
        midi = (listing or {}).get("midi", {})
        for name in midi.get("inputs" if kind == "midi_input" else "outputs", []) if isinstance(midi, dict) else []:
            found.append(Choice(str(name), str(name)))
    if current and not any(choice.value == current for choice in found):
        found.append(Choice(f"{current}{NOT_PRESENT}", current))
    return found


def label_of(options: list[Choice], current: str) -> str:
    """The label that shows ``current``."""
    return next((c.label for c in options if c.value == current), options[0].label if options else "")


def value_of(options: list[Choice], label: str) -> str | None:
    return next((c.value for c in options if c.label == label), None)


@dataclass
class Present:
    """The latest listing, refreshed on a thread; the GUI reads :attr:`listing` and watches :attr:`version`."""

    lister: Callable[[], dict[str, Any]] = list_devices
    listing: dict[str, Any] | None = None
    error: str = ""
    version: int = 0
    busy: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _thread: threading.Thread | None = None

    def refresh(self, wait: bool = False) -> None:
        """List again (on a thread; ``wait`` to block until done). A refresh already under way is not doubled."""
        with self._lock:
            if not self.busy:
                self.busy = True
                self._thread = threading.Thread(target=self._list, name="list-devices", daemon=True)
                self._thread.start()
        if wait:
            self.wait()

    def wait(self) -> None:
        """Until the listing under way (if any) is done."""
        thread = self._thread
        if thread is not None:
            thread.join(LIST_TIMEOUT_S + 5)

    def _list(self) -> None:
        try:
            listing, error = self.lister(), ""
        except Exception as problem:  # no PortAudio, a timeout: said beside the combo
            listing, error = None, f"cannot list the devices: {type(problem).__name__}: {problem}"
        with self._lock:
            self.listing = listing if listing is not None else self.listing
            self.error = error
            self.version += 1
            self.busy = False

    def choices(self, kind: str, current: str) -> list[Choice]:
        return choices(self.listing, kind, current)
