"""A package the classifier needs that is not installed, told in words that say what to do: one wording for the
classifier's own process and for a node that runs it in the patch's process."""

from __future__ import annotations

import sys

__all__ = ["MissingPackage", "missing_package"]


class MissingPackage(ModuleNotFoundError):
    """A package the classifier needs is not installed: the message names it, for which Python, and what to do."""


def missing_package(error: Exception) -> Exception:
    """``error`` as :class:`MissingPackage` where it is a package not installed ("No module named 'torch'" said not
    what to do), in the node's process as in the classifier's own; else ``error`` itself."""
    if not isinstance(error, ModuleNotFoundError) or not error.name:
        return error
    package = error.name.split(".")[0]
    return MissingPackage(f"the classifier needs the package '{package}', not installed for {sys.executable}: "
                          "`make install` installs what the patch needs (README, \"Set-up\")", name=package)
