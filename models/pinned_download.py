"""Download a file pinned by its SHA-256 (a package from a registry, a wheel): fetched whole, checked, and only then
written, atomically, so that a copy cut short or not the one pinned is never kept to be read later; and unpack a
downloaded tarball once."""

from __future__ import annotations

import hashlib
import shutil
import tarfile
import urllib.request
from pathlib import Path

from exsampling_patch.part_files import write_atomic

__all__ = ["download_pinned", "unpack_once"]


def download_pinned(url: str, sha256: str, target: Path, what: str, error: type[Exception], where: str | None = None,
                    timeout: float = 120.0) -> Path:
    """Fetch ``url`` into ``target`` unless its SHA-256 is not ``sha256``; raises ``error`` naming ``what`` (``"FoxDot
    0.9.0"``) and ``where`` it was fetched from (the address itself unless told: npm names its registry)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            data = response.read()
    except OSError as failure:
        raise error(f"cannot download {what} from {where or url}: {failure}") from failure
    digest = hashlib.sha256(data).hexdigest()
    if digest != sha256:
        raise error(f"{what}: SHA-256 {digest}, expected {sha256}")
    target.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(target, lambda part: part.write_bytes(data), private=False)
    return target


def unpack_once(tarball: Path, root: Path) -> Path:
    """Unpack ``tarball`` into ``root`` unless a finished unpacking is there (its stamp); returns ``root``. An
    unpacking cut short left no stamp: it is removed and done again."""
    stamp = root / ".unpacked"
    if not stamp.is_file():
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir(parents=True)
        with tarfile.open(tarball) as archive:
            archive.extractall(root, filter="data")
        stamp.write_text(tarball.name)
    return root
