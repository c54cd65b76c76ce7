"""The sampler's audio in the node's process (``device: none``, or ``audio_process`` off): the rig's callback shares
this interpreter's GIL with the patch. Same surface as :class:`.host.AudioProcess`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from exsampling_patch.nodes.sampler.prepare import SlotBuffer
from exsampling_patch.nodes.sampler.rig import AudioConfig, AudioRig
from exsampling_patch.nodes.sampler.shared import SharedState


def wait_until(condition: Callable[[], bool], timeout: float) -> bool:
    """Whether ``condition()`` held within ``timeout`` seconds (asked every 10 ms)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.01)
    return True


class LocalAudio:
    """The rig in this process: the audio callback shares this interpreter's GIL with the patch."""

    guarded = True  # load() takes buffers from prepare(..., guarded=True): the callback reads them as they are
    answers = False  # load() is done as it returns

    def __init__(self, config: AudioConfig, state: SharedState, report_error: Callable[[str], None],
                 report_status: Callable[..., None], report_about: Callable[[str, str], None] | None = None) -> None:
        self.opened = threading.Event()
        self.jack_client: str | None = None
        self.sample_rate = config.sample_rate
        self.rate_known = threading.Event()
        self.rate_known.set()
        self.rate_untold = threading.Event()  # as AudioProcess's: never set here, the rate is known at once
        self.rig = AudioRig(config, state, report_error, report_status, on_opened=self._on_opened,
                            report_about=report_about)
        self.core = self.rig.core

    def _on_opened(self, jack_client: str | None) -> None:
        self.jack_client = jack_client
        self.opened.set()

    def start(self) -> None:
        self.rig.start()

    def load(self, slot: int, buffer: SlotBuffer) -> None:
        self.rig.load(slot, buffer)

    def stage(self, buffer: SlotBuffer) -> None:
        """Nothing to send ahead: the callback reads the node's buffers as they are."""

    def unstage(self, buffer: SlotBuffer) -> None:
        """Nothing was sent ahead."""

    def wait_midi(self, index: int = 0, timeout: float = 5.0) -> bool:
        """Wait until MIDI input ``index`` is open."""
        return wait_until(lambda: bool(self.rig.midi_open()[index]), timeout)

    def stop(self) -> None:
        self.rig.stop()
