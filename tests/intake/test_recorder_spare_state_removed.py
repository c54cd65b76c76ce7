"""The private temporary state folder of a recorder whose state folder cannot be made (:func:`.folders.state_folder`)
is removed at its stop even where its start fails after making it (here: its port taken by another program), and the
console's line says where it is. test_recorder_folder_not_made has the start that goes on."""

from __future__ import annotations

import socket
from pathlib import Path

from .conftest import rec_of, recorder_engine


def test_the_temporary_state_of_a_start_that_failed_is_removed_at_stop(tmp_path: Path,
                                                                        spare_temp: Path) -> None:
    state = tmp_path / "state"
    state.write_text("not a folder", encoding="utf-8")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        engine = recorder_engine(tmp_path, state, check=False, port=busy.getsockname()[1])
        try:
            spare = rec_of(engine)._spare
            assert spare is not None and spare.parent == spare_temp
            assert list(spare.iterdir()), "the start made nothing in its temporary state folder"
            assert getattr(rec_of(engine), "server", None) is None  # its start failed on the port
        finally:
            engine.stop()
    assert not spare.exists() and not list(spare_temp.iterdir())
