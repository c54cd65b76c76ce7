"""Sizes under a megabyte on the recorder's disk lines: a phone's take is often tens of kB."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from exsampling_patch.nodes.web_recorder.disk import DiskWatch
from exsampling_patch.nodes.web_recorder.upload import UploadError


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 1 MB disk: a tmpfs, which only root may mount (and, in a container, only with CAP_SYS_ADMIN)."""
    folder = tmp_path / "small"
    folder.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(folder)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"mounting a tmpfs was refused: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "--lazy", str(folder)])  # never left mounted under pytest's folders


def test_a_take_refused_on_a_nearly_full_disk_says_its_size_in_kb(small_disk: Path) -> None:
    """Before: "a take (0.0 MB) was refused: it would leave less than 0 MB free on the take folder's disk (0 MB
    free)": an empty take refused from an empty disk, as a performer reads it."""
    told: list[str] = []
    watch = DiskWatch(small_disk, 0.0, 0.0, lambda text, about: told.append(text), lambda **status: None)
    with open(small_disk / "filler", "wb") as filler:
        filler.write(b"x" * 1_000_000)  # leaves tens of kB of the tmpfs's 1 MiB
    free = os.statvfs(small_disk).f_bavail * os.statvfs(small_disk).f_frsize
    assert 4096 <= free < 100_000, free
    with pytest.raises(UploadError) as refused:
        watch.check(free + 4_000)
    assert re.search(r"^this take \(\d+ kB\) would leave less than 0 MB free on the recorder's disk \(\d+ kB free\)",
                     str(refused.value)), refused.value
    assert len(told) == 1 and re.search(r"^a take \(\d+ kB\) was refused: .* \(\d+ kB free\)", told[0]), told
    assert "0.0 MB" not in told[0] and "(0 MB free)" not in told[0], told
