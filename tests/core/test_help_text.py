"""What the editor and `exsampling nodes` show users says what and why, not yesterday's measurements.

Figures go stale in help text (a take's time, a speed-up, "in the default patch"): they live in
docs/performance.md and models/MODEL_CARD.md, where they carry a date.
"""

from __future__ import annotations

import re

from exsampling_patch.registry import Registry

MEASURED = re.compile(
    r"\d+(\.\d+)?\s?%|\bmedian\b|\bp95\b|in the default patch|\babout \d|\btook\b|\bgained\b"
    r"|\d+(\.\d+)?x (faster|slower)|~\s?\d|\b(ms|s) an? (take|block|file)\b|\ba few ms\b"
)


def help_texts() -> list[tuple[str, str]]:
    texts = []
    for row in Registry.default(entry_points=False).describe():
        texts.append((row["type"], row["doc"]))
        for item in (*row["inputs"], *row["outputs"], *row["params"]):
            texts.append((f"{row['type']}.{item['name']}", item["doc"]))
    return texts


def test_node_and_parameter_help_holds_no_measurements() -> None:
    found = [f"{where}: {text}" for where, text in help_texts() if MEASURED.search(text)]
    assert not found, "\n".join(found)


def test_the_pattern_finds_what_the_issue_quoted() -> None:
    assert MEASURED.search("CPU threads for inference (in the default patch 2 gained nothing)")
    assert MEASURED.search("yin: a few ms a take; pyin: 0.3-0.9 s a take here")
    assert MEASURED.search("pyin: 0.3-0.9 s a take here")
    assert not MEASURED.search("never cut a take shorter than this (the classifier takes 30 ms or more)")


#: reST markup, which the editor's hovers and `exsampling nodes` print as it is: ``x``, :class:`y`, `z`_
MARKUP = re.compile(r"``|:[a-z]+:`|`_")


def test_node_and_parameter_help_holds_no_markup() -> None:
    found = [f"{where}: {text}" for where, text in help_texts() if MARKUP.search(text)]
    assert not found, "\n".join(found)
