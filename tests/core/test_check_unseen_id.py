"""`exsampling check` shows an invisible character in a node id that a link's "did you mean" offers: escaped, and
named. Before, an id 'writer' with a zero-width space inside was printed as it is: "no node with id 'writer'; did you
mean 'writer'?" read as the same name twice, and the composer could not see why the link named no node."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

EXE = [sys.executable, "-m", "exsampling_patch"]
PATCH = """\
exsampling_patch: 1
nodes:
- id: inbox
  type: folder_source
  params: {{folder: in}}
- id: "{writer}"
  type: take_writer
  params: {{folder: out}}
links:
- {link}
"""


@pytest.mark.parametrize(("writer", "link", "said"), [
    ("wri\\u200bter", "inbox.take -> writer.take",
     "link inbox.take -> writer.take: no node with id 'writer'; did you mean 'wri\\u200bter'? (\\u200b is a zero "
     "width space, which cannot be seen)"),
    ("writer\\u2060", "inbox.take -> writer.take",  # a word joiner: the id is refused too, at its own line
     "link inbox.take -> writer.take: no node with id 'writer'; did you mean 'writer\\u2060'? (\\u2060 is a word "
     "joiner, which cannot be seen)"),
    ("writer", "inbox.take -> wri\u200bter.take",  # the other way round: the link's end holds it
     "link inbox.take -> wri\\u200bter.take: no node with id 'wri\\u200bter'; did you mean 'writer'? (\\u200b is "
     "a zero width space, which cannot be seen)"),
    ("wri\\u200bter", "{from: inbox, to: writer}",  # a bare end: the port is suggested with the id
     "bad link: 'inbox' is not of the form node_id.port (did you mean 'inbox.take -> wri\\u200bter.take'? (\\u200b "
     "is a zero width space, which cannot be seen))"),
])
def test_check_escapes_an_unseen_character_in_a_suggested_id(tmp_path: Path, writer: str, link: str,
                                                             said: str) -> None:
    path = tmp_path / "patch.yaml"
    path.write_text(PATCH.format(writer=writer, link=link), encoding="utf-8")
    result = subprocess.run([*EXE, "check", str(path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1, result.stderr
    assert f"{path}:10: {said}" in result.stdout.splitlines(), result.stdout
