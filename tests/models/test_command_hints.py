"""A hint that gives a command to type names `.venv/bin/exsampling` (cd0cf018): the README's set-up activates no
venv, so a bare `exsampling train` typed as read is "command not found". A name alone ("written by every 'exsampling
run'") keeps the bare word."""

from __future__ import annotations

import json

import pytest

from exsampling_patch.cli import main


def test_no_node_parameter_gives_a_bare_command_to_type(capsys: pytest.CaptureFixture[str]) -> None:
    """The classifier's `model` said "a model file from `exsampling train`", in the editor's tooltip and in
    `nodes`."""
    assert main(["nodes", "--json"]) == 0
    docs = {f"{row['type']}.{param['name']}": param["doc"]
            for row in json.loads(capsys.readouterr().out) for param in row["params"]}
    assert "`.venv/bin/exsampling train`" in docs["classifier.model"]
    assert [name for name, doc in docs.items() if "`exsampling " in doc] == []


def test_classify_s_model_option_names_the_command_to_type(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["classify", "--help"])
    assert "`.venv/bin/exsampling train`" in " ".join(capsys.readouterr().out.split())
