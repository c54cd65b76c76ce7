"""The rig of the stage tests of a run whose takes a plugin node keeps in flight (test_recovered_*,
test_summary_kept_by): the plugin's folder, the run's arguments, a take dropped into the inbox, and a run stopped with
Ctrl+C for its summary line."""

from __future__ import annotations

import signal
from collections.abc import Callable
from pathlib import Path

import numpy as np
import soundfile as sf

from tests.stage.helpers import Run


def plugins_with(tmp_path: Path, file_name: str, source: str) -> Path:
    """``tmp_path/plugins``, holding the plugin ``source`` as ``file_name``."""
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / file_name).write_text(source, encoding="utf-8")
    return plugins


def plugin_run_args(tmp_path: Path, patch: Path, plugins: Path) -> tuple[str, ...]:
    """``exsampling run``'s arguments for ``patch`` with the nodes of ``plugins``, its log in ``tmp_path``, no show
    log."""
    return str(patch), "--nodes", str(plugins), "--log", str(tmp_path / "lib.log"), "--show-log", "none"


def drop_take(inbox: Path, name: str) -> None:
    """A short quiet sound written into ``inbox`` as ``name``, as a performer's file dropped there."""
    sf.write(inbox / name, np.full(4800, 0.1, np.float32), 48000)


def summary_after_ctrl_c(run: Run, before: Callable[[], None]) -> str:
    """``before`` done, then ``run`` stopped with Ctrl+C (exit 130; killed anyway after): its summary line."""
    try:
        before()
        run.signal_group(signal.SIGINT)
        assert run.wait(60) == 130, run.output()
    finally:
        run.kill()
    return next(line for line in run.stderr if line.startswith("stopped after"))
