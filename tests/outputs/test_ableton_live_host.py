"""``ableton_live`` with a host other than loopback: the remote script listens on 127.0.0.1 only, so ``check`` (and
``run`` at start-up) warn. Before, ``host: 192.168.1.20`` passed check, as its parameter's help invited, and no
take ever reached Live."""

from __future__ import annotations

from pathlib import Path

import pytest

from exsampling_patch.cli import main

PATCH = """exsampling_patch: 1
name: Live elsewhere
nodes:
- id: live
  type: ableton_live
  params:
    host: {host}
"""


@pytest.mark.parametrize("host", ["192.168.1.20", "studio.local"])
def test_a_host_the_script_cannot_hear_is_warned_of(host: str, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    patch = tmp_path / "live.yaml"
    patch.write_text(PATCH.format(host=host))
    assert main(["check", str(patch)]) == 0  # a warning: a script changed by hand may listen there
    out = capsys.readouterr()
    assert (f"warning: {patch}:7: node 'live': parameter 'host': '{host}': the remote script listens on 127.0.0.1 "
            f"only, so no take sent to {host} reaches it (each is told not loaded): run the patch on Live's machine, "
            "host 127.0.0.1") in out.out + out.err


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_loopback_is_not_warned_of(host: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    patch = tmp_path / "live.yaml"
    patch.write_text(PATCH.format(host=host))
    assert main(["check", str(patch)]) == 0
    out = capsys.readouterr()
    assert "warning" not in out.out + out.err
