"""Markdown given for the patch (the README, a model card): it was told a YAML slip to fix ("YAML syntax error: mapping
values are not allowed in this context (check the indentation and quoting on this line)") in a file that holds no
patch. It is told as not a patch, at the line where the YAML reader stopped."""

from __future__ import annotations

from pathlib import Path

import pytest

from exsampling_patch.cli import main
from exsampling_patch.patchfile import loads_patch

NOT_A_PATCH = "not a patch (a YAML file with nodes: and links:): it looks like Markdown"
README = "# My show\n\nA patch for the band: record, sort, play.\n\nRun it: `exsampling run show.yaml`.\n"


@pytest.mark.parametrize("name", ["show.md", "NOTES.markdown", "README", "notes.txt"])
def test_markdown_given_for_the_patch_is_told_as_not_a_patch_at_the_line_yaml_stopped(name: str) -> None:
    [problem] = loads_patch(README, name).problems
    assert (problem.message, problem.line, problem.column) == (NOT_A_PATCH, 5, 9)  # at its backquote
    assert problem.hint == ("name the patch file, a .yaml; the YAML reader stopped here: while scanning for the next "
                            "token found character that cannot start any token")


def test_a_model_card_given_for_the_patch_is_told_as_not_a_patch(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    card = tmp_path / "my_model.md"
    card.write_text("# Model card: `my_model.pt`\n\n## Data\n\n- labels: clank, hum\n- takes: 40, of which: 8 held "
                    "out\n", encoding="utf-8")
    assert main(["check", str(card)]) == 1
    assert capsys.readouterr().out.startswith(f"{card}:6:22: {NOT_A_PATCH} (name the patch file, a .yaml; ")


@pytest.mark.parametrize("text", [
    "# My show\nexsampling_patch: 1\nnodes:\n- id: a\n  type: log\n  params: {prefix: x\nlinks: []\n",
    "exsampling_patch: 1\nnodes:\n- id: a\n  type: log\n  params: {prefix: x\nlinks: []\n",
    "# My show\n\nThe patch, below:\n\n```yaml\nnodes: []\n```\n\nRun it: `exsampling run show.yaml`.\n",
])
def test_a_patch_with_a_slip_is_told_its_slip_even_under_a_heading_comment(text: str) -> None:
    # A patch's own comment at its top is no Markdown heading; a heading over a patch in a code block still is.
    [problem] = loads_patch(text, "show.yaml").problems
    assert problem.message.startswith("YAML syntax error: ") != text.endswith("show.yaml`.\n"), problem
