"""What a run's console says of its web recorder, for the performer to act on: the certificate each phone must
accept once."""

from __future__ import annotations

from pathlib import Path

from tests.stage.helpers import Run, free_port
from tests.stage.test_exit import folder_patch


def recorder_patch(tmp_path: Path, https: bool) -> Path:
    return folder_patch(tmp_path, f"""- id: phones
  type: web_recorder
  params: {{port: {free_port()}, https: {str(https).lower()}, print_qr: false, folder: takes, state_folder: state}}
""")


def test_the_run_says_at_its_url_to_accept_the_certificate_once(tmp_path: Path) -> None:
    """Printed only by `exsampling edit` (the recorder's own print, which a run turns off for its console's line)."""
    run = Run(str(recorder_patch(tmp_path, https=True)), "--for", "0.3", "--show-log", "none",
              "--log", str(tmp_path / "lib.log"))
    assert run.wait(60) == 0, run.output()
    (url,) = [line for line in run.stderr if "phones open https://" in line]
    assert url.rstrip().endswith(" (accept the certificate warning once on each phone)"), run.output()
    assert "".join(run.stderr).count("certificate warning") == 1, run.output()


def test_no_certificate_to_accept_over_plain_http(tmp_path: Path) -> None:
    run = Run(str(recorder_patch(tmp_path, https=False)), "--for", "0.3", "--show-log", "none",
              "--log", str(tmp_path / "lib.log"))
    assert run.wait(60) == 0, run.output()
    assert any("phones open http://" in line for line in run.stderr), run.output()
    assert "certificate warning" not in "".join(run.stderr), run.output()
