"""Fixtures for the stage tests: each ``exsampling run`` writes what it writes by default in the test's tmp_path."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def state_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without ``--log``, a run puts libraries' own messages in $XDG_STATE_HOME/exsampling/run.log (else
    ~/.local/state/...): every run started without it wrote there, outside the test's folders."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
