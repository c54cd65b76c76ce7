"""Problems found in a patch, located by file and line, and the error that carries them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from exsampling_patch.registry import PluginProblem


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a patch: where it is, what it is, and how to fix it when we know."""

    message: str
    file: str = "<patch>"
    line: int | None = None
    column: int | None = None
    hint: str = ""

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        text = f"{where}: {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text


class PatchError(Exception):
    """A patch that cannot be loaded or run; ``problems`` lists every problem found, in file order. ``plugins``:
    the plugins that failed to load which no problem names, and ``warnings`` what is likely a mistake besides, to
    warn of as ``exsampling check`` does."""

    def __init__(self, problems: list[Problem], plugins: Sequence[PluginProblem] = (),
                 warnings: Sequence[Problem] = ()) -> None:
        self.problems = sorted(problems, key=lambda p: (p.file, p.line or 0, p.column or 0))
        self.plugins = list(plugins)
        self.warnings = list(warnings)
        super().__init__("\n".join(str(p) for p in self.problems))
