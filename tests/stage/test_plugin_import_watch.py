"""A node plugin whose import does not return (it waits for a device, a network share) is named on the console, as a
node whose start() hangs is: the terminal stayed blank before a single line, with nothing to say which file."""

from __future__ import annotations

from pathlib import Path

from tests.stage.helpers import Run

WAITS = '''import os
import time
from pathlib import Path

release = Path(os.environ["EXS_TEST_RELEASE"])
while not release.exists():  # a device that answers only when it answers
    time.sleep(0.02)
'''


def test_a_plugin_whose_import_hangs_is_named_then_the_run_goes_on(tmp_path: Path) -> None:
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "waits_at_import.py").write_text(WAITS, encoding="utf-8")
    patch = tmp_path / "patch.yaml"
    patch.write_text("exsampling_patch: 1\nnodes:\n- id: log\n  type: log\n", encoding="utf-8")
    release = tmp_path / "release"
    run = Run(str(patch), "--nodes", str(plugins), "--start-notice", "0.3", "--for", "0.2", "--log",
              str(tmp_path / "lib.log"), "--show-log", "none", env={"EXS_TEST_RELEASE": str(release)})
    try:
        run.wait_for("is still being imported", timeout=60)
    finally:
        release.write_text("", encoding="utf-8")
    assert run.wait(60) == 0, run.output()
    (line,) = [line for line in run.stderr if "is still being imported" in line]
    assert line.split(" ", 1)[1].startswith(f"node plugin {plugins}/waits_at_import.py is still being imported, "), line
    assert line.rstrip().endswith(" s in: its module's code has not returned (Ctrl+C stops the run)"), line
    assert any(line.startswith("running ") for line in run.stderr), run.output()
