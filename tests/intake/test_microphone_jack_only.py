"""A microphone's input process started for JACK only (its stream ran through JACK before) whose device the JACK
server has not, while another host has a device of that name: an ALSA ``null`` device of the test's own
(``ALSA_CONFIG_PATH``), next to the JACK server's ``system``.

Before: the process checked only that PortAudio had a JACK host, then opened the name wherever it matched: it
recorded silence from the ALSA device for good, and the node said it was listening."""

from __future__ import annotations

from pathlib import Path

import pytest

from exsampling_patch.nodes.microphone_input import InputProcess, InputRing, Setup

pytestmark = pytest.mark.jack

ALSA_NULL = """pcm.exs-alsa-null {
    type null
    hint { show on description "an ALSA device of the test's own" }
}
"""


def test_an_input_process_for_jack_only_tells_a_device_the_server_has_not(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "asound.conf"
    config.write_text(ALSA_NULL, encoding="utf-8")
    # ALSA's own configuration first, then ours: the child's PortAudio lists the null device under ALSA.
    monkeypatch.setenv("ALSA_CONFIG_PATH", f"/usr/share/alsa/alsa.conf:{config}")
    ring = InputRing.create(4800, 1)
    errors: list[str] = []
    setup = Setup(device="exs-alsa-null", channels=1, sample_rate=48000, blocksize=0, frames=4800, ring_fd=ring.fd,
                  jack_only=True)
    inputs = InputProcess(setup, ring, errors.append, lambda **values: None)
    try:
        with pytest.raises(RuntimeError) as raised:
            inputs.start()
    finally:
        inputs.stop()
        ring.close()
    text = str(raised.value)
    assert text.startswith("cannot open sound device 'exs-alsa-null' for input: the JACK server has no such device; "
                           "input devices present: "), text
    assert "'system' (JACK Audio Connection Kit" in text and "ALSA" not in text, text  # the server's only
    assert not inputs.opened.is_set()
