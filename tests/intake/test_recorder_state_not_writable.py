"""A web recorder whose state folder is there but cannot be written (a read-only disk, permissions) starts all the
same, with a copy of its state.

Before, its table of takes seen could not be opened and its start failed: no page, no QR code, and the end of a take
told to it meanwhile was only written down, its phone's row never given its end. A state folder that cannot be made
already ran on a temporary one (60a0e1a5); one that cannot be written now does too, its files copied there: the phones
keep their certificate and pairing token, and a phone's retry of a take of the last run is still its duplicate.

Locked by its mode without root; as root (which writes whatever the mode) by a tmpfs remounted read-only, skipped
only where that mount fails.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from exsampling_patch.nodes.web_recorder.upload import encode_wav_pcm16

from .conftest import last_run_take, rec_of, recorder_engine, sent_again_on_a_copy, sine


def test_a_state_folder_that_cannot_be_written(tmp_path: Path, spare_temp: Path,
                                               lockable_state: tuple[Path, Callable[[], None]]) -> None:
    state, lock = lockable_state
    wav = encode_wav_pcm16(sine(), 48000)
    token, phone, first = last_run_take(tmp_path, state, wav)
    lock()
    engine = recorder_engine(tmp_path, state, check=False)
    try:
        error = engine.errors.get("rec", "")
        spare = rec_of(engine)._spare
        assert spare is not None and spare.parent == spare_temp, engine.errors
        assert error.startswith(f"the folder of parameter 'state_folder', {state}, cannot be made or written ("), error
        assert f"a copy of its certificate, pairing token and the phones' lists, kept for this run only, in {spare}" \
            in error, error
        again = sent_again_on_a_copy(engine, state, token, phone, wav)
    finally:
        engine.stop()
    assert not spare.exists()
    assert again[0] == 200 and again[1].get("duplicate") is True, again  # the table of takes seen, copied
    assert again[1]["take_id"] == first[1]["take_id"], again
