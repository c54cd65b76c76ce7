"""Two outputs' late loads of one take, at once, both show on its phone's row.

The sampler's and Live's "loaded after all" come each on its own thread. Each read the row, then saved and wrote it
back outside the recorder's lock: both started from the red row, and the second write kept the first output's "not
loaded" word, the row amber or red though the take had loaded into both."""

from __future__ import annotations

import threading
from pathlib import Path

from exsampling_patch.nodes.web_recorder.upload import encode_wav_pcm16

from .conftest import Client, rec_of, sine
from .test_recorder_loaded_after_all import LATE, row_of, sampler_engine

NOT_IN_LIVE = "not loaded into Live: Live did not answer within 5 s"
ROUNDS = 200


def test_two_late_loads_of_one_take_at_once_leave_its_row_plain(tmp_path: Path, recorder_state: Path) -> None:
    engine = sampler_engine(tmp_path, recorder_state)
    try:
        phone = Client(engine, recorder_state / "recorder-cert.pem")
        status, reply = phone.upload(encode_wav_pcm16(sine(), 48000), take_id="both-late")
        assert status == 201 and engine.wait_idle(), reply
        take_id = reply["take_id"]
        rec = rec_of(engine)
        barrier = threading.Barrier(2)
        errors: list[BaseException] = []

        def late(by: str, kind: str) -> None:
            try:
                barrier.wait(timeout=30)
                rec.take_loaded_after_all(take_id, by, kind)
            except BaseException as error:  # told by the main thread, not lost in this one
                errors.append(error)

        lost = []
        for round_ in range(ROUNDS):
            # the row as the take's end left it: in its slot, neither output has it
            rec._board.update(take_id, not_loaded=f"{LATE}, {NOT_IN_LIVE}", loaded=[])
            threads = [threading.Thread(target=late, args=("smp", "sampler")),
                       threading.Thread(target=late, args=("live", "ableton_live"))]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=30)
            assert not errors, errors
            row = rec._board.get(take_id) or {}
            if row["not_loaded"] or sorted(row["loaded"]) != ["live", "smp"]:
                lost.append((round_, row["not_loaded"], row["loaded"]))
        assert not lost, f"{len(lost)} of {ROUNDS} rounds kept a word: {lost[:3]}"
        shown = row_of(phone)  # as the phone's page reads it
        assert (shown["fate"], shown["not_loaded"], sorted(shown["loaded"])) == ("slot", "", ["live", "smp"]), shown
    finally:
        engine.stop()
