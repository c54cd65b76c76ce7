"""Without jack_lsp (PipeWire's JACK ships no tools), a MIDI port kept by name under JACK was looked for in rtmidi's
list, made by a JACK client in this process, which loses the MIDI its open ports receive meanwhile
(test_midi_in_jack_listing.py): silently, the performer never learnt why notes hung. It is now said once, with the
package that brings the tool."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from exsampling_patch.midi_ports import PortKeeper
from tests.outputs.helpers import RecordedWaits


@pytest.mark.jack
def test_a_missing_jack_lsp_is_told_once_with_the_package_that_brings_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no JACK tools there: jack_lsp cannot be run
    statuses: list[dict[str, Any]] = []
    errors: list[str] = []
    keeper = PortKeeper("input", port="nowhere", client_name="exs-no-lsp", api="UNIX_JACK",
                        report_error=errors.append, report_status=lambda **values: statuses.append(values))
    waits = RecordedWaits()
    keeper._stop = waits
    keeper.start()
    try:
        deadline = time.monotonic() + 10
        while len(waits.waits) < 5 and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        keeper.stop()
    assert len(waits.waits) >= 5, "the keeper looked for its port fewer than 5 times"
    warnings = [status["warning"] for status in statuses if "warning" in status]
    assert warnings == [
        "jack_lsp cannot run (No such file or directory): install jackd2 (Debian, Ubuntu) or jack-example-tools "
        "(beside PipeWire's JACK); until then MIDI ports are listed in this process, which loses the MIDI arriving "
        "meanwhile (hung notes)"], statuses
    assert len(errors) == 1 and errors[0].startswith("no MIDI input port named 'nowhere'"), errors  # as before
