"""Builds at once share the download cache one at a time (models/cache_lock.py): two test workers, or two
terminals, unpacking one Debian package together removed each other's files."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FILES = 3000  # enough that unpacking takes a while: the processes overlap in it

#: A process unpacking the package once the starting line is there, printing how many of its files it then finds.
UNPACK = """
import sys, time
from pathlib import Path
from exsampling_patch.models.oneshots import fetch_package
cache, go = Path(sys.argv[1]), Path(sys.argv[2])
while not go.exists():
    time.sleep(0.001)
root, version = fetch_package("exs-test-pack", cache)
print(version, len(list((root / "usr/share/exs-test-pack").iterdir())), flush=True)
"""


@pytest.mark.skipif(shutil.which("dpkg-deb") is None, reason="needs dpkg-deb")
def test_processes_unpacking_one_package_at_once_each_find_it_whole(tmp_path: Path) -> None:
    source = tmp_path / "source"
    files = source / "usr/share/exs-test-pack"
    files.mkdir(parents=True)
    for n in range(FILES):
        (files / f"{n}.txt").write_text(f"{n}\n")
    (source / "DEBIAN").mkdir()
    (source / "DEBIAN/control").write_text("Package: exs-test-pack\nVersion: 1.0\nArchitecture: all\n"
                                           "Maintainer: tests <tests@example.invalid>\nDescription: test files\n")
    cache = tmp_path / "cache"
    (cache / "debs").mkdir(parents=True)
    subprocess.run(["dpkg-deb", "--build", "-Zgzip", str(source), str(cache / "debs/exs-test-pack_1.0_all.deb")],
                   check=True, capture_output=True)
    go = tmp_path / "go"
    runs = [subprocess.Popen([sys.executable, "-c", UNPACK, str(cache), str(go)], cwd=REPO, text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(4)]
    go.touch()
    said = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0] * 4, [err[-500:] for _, err in said]
    assert [out.split() for out, _ in said] == [["1.0", str(FILES)]] * 4, said
