"""Why a patch file cannot be read, in words: a binary file, UTF-16, a control character, a folder, a misspelt
path (with the file most likely meant). Out of :mod:`exsampling_patch.patchfile`, which reads the patches that can.
"""

from __future__ import annotations

import difflib
import glob
import re
from dataclasses import replace
from pathlib import Path

import yaml

from exsampling_patch.errors import Problem


def unacceptable_character(error: yaml.reader.ReaderError, file: str, text: str) -> Problem:
    """A character YAML does not read in a text that is UTF-8: a NUL (a recording whose header bytes all decode),
    else a control character, at its line and column (was a two-line 'YAML error', of 'position 5')."""
    if "\x00" in text[:4096]:
        if _utf16_without_bom(text[:4096].encode("utf-8")):
            return Problem(_UTF16_NO_BOM, file, hint="save it as UTF-8")
        return Problem(_BINARY, file, hint="name the patch file, a .yaml")
    before = text[:error.position]
    code = error.character if isinstance(error.character, int) else ord(str(error.character)[:1] or "?")
    return Problem(f"a control character YAML does not allow, U+{code:04X}", file,
                   before.count("\n") + 1, error.position - (before.rfind("\n") + 1) + 1,
                   hint="remove it: a stray key pasted from a terminal?")


def not_a_patch(problem: Problem, text: str) -> Problem:
    """``problem``, YAML's syntax error in ``text`` (the file ``problem.file``), told as what the file is where it
    is Markdown: a README or a model card given for the patch was told a YAML slip to fix ("check the indentation and
    quoting on this line") in a file that holds no patch. Its line and column stay: where the YAML reader stopped."""
    if not _looks_like_markdown(problem.file, text):
        return problem
    stopped = problem.message.removeprefix("YAML syntax error: ")
    return replace(problem, message="not a patch (a YAML file with nodes: and links:): it looks like Markdown",
                   hint=f"name the patch file, a .yaml; the YAML reader stopped here: {stopped}")


#: A Markdown heading (``# Title``, ``## Data``); a patch's comment starts so too, hence :data:`_PATCH_KEY`.
_HEADING = re.compile(r"#{1,6} \S")

#: A line of a patch's top level, outside a Markdown code block: a patch with a comment at its top and a YAML slip
#: below is a patch still.
_PATCH_KEY = re.compile(r"(exsampling_patch|nodes|links)\s*:")


def _looks_like_markdown(file: str, text: str) -> bool:
    """Whether the text of ``file``, which YAML does not read, is Markdown: named .md, or opening with a heading and
    holding no line of a patch's top level outside its code blocks."""
    if Path(file).suffix.lower() in (".md", ".markdown"):
        return True
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    if not _HEADING.match(first):
        return False
    fenced = False
    for line in lines:
        if line.startswith(("```", "~~~")):
            fenced = not fenced
        elif not fenced and _PATCH_KEY.match(line):
            return False
    return True


#: What a patch file that holds NUL bytes is: a recording, a model, a take given for the patch.
_BINARY = "cannot read the patch: a binary file (a recording, a model?), not a YAML text file"

#: What a patch file is whose every other byte is NUL: UTF-16 written with no byte-order mark (``iconv -t UTF-16LE``,
#: an editor's "UTF-16 LE" without BOM), which was told as a binary file.
_UTF16_NO_BOM = "cannot read the patch: a text file saved as UTF-16 (with no byte-order mark), not UTF-8"


def _utf16_without_bom(data: bytes) -> bool:
    """Whether ``data`` (a file's first bytes) looks like UTF-16 text: in one half of its byte pairs (the high byte
    of a Latin letter) nearly every byte is NUL, in the other nearly none. A recording's silence is NUL in both halves,
    its sound and a model's weights in neither."""
    pairs = len(data) // 2
    if pairs < 4:
        return False
    even, odd = data[0:2 * pairs:2].count(0), data[1:2 * pairs:2].count(0)
    high, low = max(even, odd), min(even, odd)
    return high >= 0.75 * pairs and low <= 0.05 * pairs


def unreadable(path: Path, error: OSError | UnicodeDecodeError) -> Problem:
    """Why the patch file at ``path`` cannot be read, in words, with the patch meant where a name is misspelt
    ("[Errno 2] No such file or directory: 'patchs/show.yaml'" repeated the path and named no way out)."""
    if isinstance(error, UnicodeDecodeError):
        # Its line and column, not "at byte 1234": a patch saved in Latin-1 by another editor is found by its line.
        data, start = bytes(error.object), error.start
        if data[:2] in (b"\xff\xfe", b"\xfe\xff"):  # Notepad's "Unicode", PowerShell's `>`
            return Problem("cannot read the patch: a text file in UTF-16, not UTF-8", str(path),
                           hint="a patch is a YAML text file, saved as UTF-8")
        if _utf16_without_bom(data[:4096]):  # a letter past ASCII (é: e9 00) is no UTF-8
            return Problem(_UTF16_NO_BOM, str(path), hint="save it as UTF-8")
        if b"\x00" in data[:4096]:  # a recording, a model: its "line and column" and "save it as UTF-8" mean nothing
            return Problem(_BINARY, str(path), hint="name the patch file, a .yaml")
        line_start = data.rfind(b"\n", 0, start) + 1
        column = len(data[line_start:start].decode("utf-8", errors="replace")) + 1
        return Problem(f"cannot read the patch: not a text file (UTF-8): {error.reason} 0x{data[start]:02x}",
                       str(path), data.count(b"\n", 0, start) + 1, column,
                       hint="a patch is a YAML text file, saved as UTF-8")
    if isinstance(error, IsADirectoryError):
        names = sorted(p.name for p in path.glob("*.yaml"))[:8]
        return Problem("cannot read the patch: a folder, not a patch file", str(path),
                       hint=f"its patches: {', '.join(names)}" if names else "name a .yaml file")
    hint = ""
    if isinstance(error, FileNotFoundError):
        meant = closest_existing(path)
        hint = f"did you mean '{meant}'?" if meant else ""
    return Problem(f"cannot read the patch: {(error.strerror or str(error)).lower()}", str(path), hint=hint)


def closest_existing(path: Path) -> Path | None:
    """The file a misspelt path most likely meant, each missing name replaced by the closest one beside it."""
    current = Path(path.anchor)
    for name in path.parts[len(current.parts):]:
        if not (current / name).exists():
            try:
                names = [child.name for child in (current if current.parts else Path(".")).iterdir()]
            except OSError:
                return None
            close = difflib.get_close_matches(name, names, n=1, cutoff=0.75)
            if not close:
                return _one_folder_down(current, name) if name == path.name else None
            name = close[0]
        current = current / name
    return current if current.is_file() else None


def _one_folder_down(folder: Path, name: str) -> Path | None:
    """``folder/X/name``, where one folder X in ``folder`` holds a file ``name``: `exsampling run exsampling.yaml`
    typed in the repository meant patches/exsampling.yaml, which no spelling of the name beside it finds."""
    try:
        found = [p for p in (folder if folder.parts else Path(".")).glob(f"*/{glob.escape(name)}")
                 if p.is_file() and not p.parent.name.startswith(".")]
    except OSError:
        return None
    return found[0] if len(found) == 1 else None
