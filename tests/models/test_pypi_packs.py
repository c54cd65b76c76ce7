"""Sample packs inside source distributions on PyPI: fetched over HTTP (a real server on loopback stands in for
PyPI's file host), checked against their pinned SHA-256, unpacked and copied into the one-shot folders by the
source's own label patterns."""

from __future__ import annotations

import hashlib
import io
import tarfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from exsampling_patch.models.musical import FOXDOT_LABELS, MUSICAL_CLASSES, SOURCES, PypiArchive, Source
from exsampling_patch.models.oneshots import BuildError, pypi_source
from tests.models.http_files import serving


def _wav(seconds: float, rate: int = 44100, channels: int = 2) -> bytes:
    t = np.arange(int(seconds * rate)) / rate
    tone = 0.5 * np.sin(2 * np.pi * 220 * t) * np.exp(-8 * t)
    buffer = io.BytesIO()
    sf.write(buffer, np.repeat(tone[:, None], channels, axis=1), rate, format="WAV")
    return buffer.getvalue()


def _sdist(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(f"pack-1.0/pack/snd/{name}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@pytest.fixture()
def host(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """An HTTP server on loopback serving the files under its root, as PyPI's file host does."""
    root = tmp_path / "host"
    root.mkdir()
    with serving(root) as url:
        yield url, root


def _source(data: bytes, url: str, sha256: str | None = None) -> Source:
    archive = PypiArchive("pack", "1.0", f"{url}/pack-1.0.tar.gz", sha256 or hashlib.sha256(data).hexdigest())
    labels = (("kick", ("x/lower/*kick*", "x/upper/*")), ("hihat_open", ("_/equals/*",)))
    return Source("pack", "pack (PyPI)", "pack-1.0/pack/snd", "CC BY-SA 4.0", kind="pypi", pypi=archive,
                  label_patterns=labels)


def test_a_pinned_archive_is_fetched_once_and_copied_by_its_own_patterns(host: tuple[str, Path],
                                                                        tmp_path: Path) -> None:
    url, root = host
    data = _sdist({"x/lower/0_kick_drum.wav": _wav(0.3), "x/upper/0_kick_drum.wav": _wav(0.5),
                   "_/equals/1_hihat_open.wav": _wav(0.4), "o/lower/0_snare_drum.wav": _wav(0.3)})
    (root / "pack-1.0.tar.gz").write_bytes(data)
    source = _source(data, url)
    out = tmp_path / "oneshots" / "pack"
    counts, version = pypi_source(source, tmp_path / "cache", out)
    assert (counts, version) == ({"kick": 2, "hihat_open": 1}, "1.0")
    # Two files of one name in two folders are two one-shots: each copy is named by its whole path in the pack.
    assert sorted(p.name for p in (out / "kick").glob("*.flac")) == ["pack_x_lower_0_kick_drum.flac",
                                                                      "pack_x_upper_0_kick_drum.flac"]
    mono, rate = sf.read(str(out / "kick" / "pack_x_upper_0_kick_drum.flac"))
    assert (mono.ndim, rate, len(mono)) == (1, 44100, 22050)
    assert not (out / "snare").exists()  # no pattern of this source names it
    # A second build reads the cache: the host is not asked again.
    (root / "pack-1.0.tar.gz").unlink()
    assert pypi_source(source, tmp_path / "cache", tmp_path / "again")[0] == counts


def test_an_archive_that_is_not_the_pinned_one_is_refused(host: tuple[str, Path], tmp_path: Path) -> None:
    url, root = host
    data = _sdist({"x/lower/0_kick_drum.wav": _wav(0.3)})
    (root / "pack-1.0.tar.gz").write_bytes(data)
    with pytest.raises(BuildError, match=r"pack 1\.0: SHA-256 [0-9a-f]{64}, expected 0{64}"):
        pypi_source(_source(data, url, sha256="0" * 64), tmp_path / "cache", tmp_path / "out")
    assert not list((tmp_path / "cache" / "pypi").glob("*.tar.gz"))  # nothing kept to be read later


def test_a_missing_archive_names_itself(host: tuple[str, Path], tmp_path: Path) -> None:
    url, _ = host
    with pytest.raises(BuildError, match=r"cannot download pack 1\.0 from http://127\.0\.0\.1:\d+/pack-1\.0\.tar\.gz"):
        pypi_source(_source(b"", url), tmp_path / "cache", tmp_path / "out")


def test_foxdot_labels_are_musical_labels_and_its_source_is_pinned() -> None:
    labels = {cls.label for cls in MUSICAL_CLASSES}
    assert {label for label, _ in FOXDOT_LABELS} <= labels
    foxdot = next(s for s in SOURCES if s.name == "foxdot")
    assert foxdot.pypi is not None and len(foxdot.pypi.sha256) == 64
    assert foxdot.pypi.url.endswith(f"foxdot-{foxdot.pypi.version}.tar.gz")
    assert foxdot.path.startswith(f"foxdot-{foxdot.pypi.version}/")
