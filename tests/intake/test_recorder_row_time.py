"""A phone's take row without the take's time: a stored take whose sidecar has none (an older one, one written by
hand), a row an earlier run saved so. Its row had ``recorded_at`` null, which the phone's page showed as a time on
1 January 1970 (``null * 1000``), and listed last but as the oldest of all."""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from exsampling_patch.messages import Take
from exsampling_patch.nodes.web_recorder.ends import ENDS_FILE
from exsampling_patch.takes import TakeStore, sidecar_path

from .conftest import microphone, probe_of, rec_of, recorder_engine, run_phone

FILE_TIME = 1796500000.0


def test_a_stored_take_whose_sidecar_has_no_time_is_listed_at_its_files_time(tmp_path: Path) -> None:
    store = TakeStore(tmp_path / "takes")
    take = store.store(Take(np.full(8000, 0.5, np.float32), 8000, take_id="ana-no-time", source="ana"))
    assert take.path is not None
    sidecar = sidecar_path(take.path)
    data = json.loads(sidecar.read_text(encoding="utf-8"))
    del data["recorded_at"], data["recorded_at_iso"]
    sidecar.write_text(json.dumps(data), encoding="utf-8")
    os.utime(take.path, (FILE_TIME, FILE_TIME))
    engine = recorder_engine(tmp_path)  # made known again at the start, not done before
    try:
        # The board is the process's: another test's takes of a recorder named "ana" may be on it
        (row,) = [row for row in rec_of(engine).takes("ana") if row["take_id"] == "ana-no-time"]
    finally:
        engine.stop()
    assert row["take_id"] == "ana-no-time" and row["recorded_at"] == FILE_TIME, row


def test_a_stored_take_whose_sidecar_has_no_time_is_passed_on_at_its_files_time(tmp_path: Path) -> None:
    # Its row on the phone page had the file's time, the take passed on again the time of the restart: the two
    # told of one take disagreed.
    store = TakeStore(tmp_path / "takes")
    take = store.store(Take(np.full(8000, 0.5, np.float32), 8000, take_id="ana-no-time", source="ana"))
    assert take.path is not None
    sidecar = sidecar_path(take.path)
    data = json.loads(sidecar.read_text(encoding="utf-8"))
    del data["recorded_at"], data["recorded_at_iso"]
    sidecar.write_text(json.dumps(data), encoding="utf-8")
    os.utime(take.path, (FILE_TIME, FILE_TIME))
    engine = recorder_engine(tmp_path)
    try:
        (passed,) = probe_of(engine).wait_for(1)
        # The board is the process's: another test's takes of a recorder named "ana" may be on it
        (row,) = [row for row in rec_of(engine).takes("ana") if row["take_id"] == "ana-no-time"]
    finally:
        engine.stop()
    assert passed.take_id == "ana-no-time" and passed.meta.get("recovered"), passed.meta
    assert passed.recorded_at == row["recorded_at"] == FILE_TIME, (passed.recorded_at, row)


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.usefixtures("playwright", "phone_browsers")
def test_a_row_without_a_time_is_shown_without_one_after_the_others(tmp_path: Path) -> None:
    phone_key = "0123456789abcdef0123456789abcdef"
    digest = hashlib.sha256(phone_key.encode()).hexdigest()[:32]
    common = {"sample_rate": 48000, "location": None, "recorder": "Mika", "status": "done", "fate": "done",
              "end": "done (probe)", "not_loaded": "", "duration": 1.5}
    rows: list[dict[str, Any]] = [{"take_id": "no-time", "client_take_id": "c1", "recorded_at": None},
            {"take_id": "with-time", "client_take_id": "c2", "recorded_at": FILE_TIME}]
    state = tmp_path / "state"
    state.mkdir()
    (state / ENDS_FILE).write_text("".join(json.dumps({"p": digest, "r": {**common, **row}}) + "\n" for row in rows))
    engine = recorder_engine(tmp_path, state)
    try:
        result = run_phone("list_rows.js", rec_of(engine).local_url, phone_key, "2", env=microphone()[1])
    finally:
        engine.stop()
    assert result["errors"] == [], result
    shown = result["rows"]
    assert len(shown) == 2 and all(row.endswith("done (probe)") for row in shown), result
    time_of_day = re.compile(r"\d{1,2}:\d{2}")
    assert time_of_day.match(shown[0]), result  # the row with its time, first
    assert shown[1].startswith(" 1.5 s") and not time_of_day.search(shown[1]), result
