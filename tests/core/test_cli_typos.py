"""What a newcomer types wrong is refused naming what was most likely meant (a command, an option, a choice, a file),
by the command it was given to; and `exsampling --help` reads as the README does.

Before, argparse listed the choices without pointing at one, and a mistyped option was refused by
"exsampling" itself ("exsampling: error: unrecognized arguments: --fro"), naming neither ``run`` nor ``--for``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from exsampling_patch.cli import main


def refusal(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as refused:
        main(argv)
    assert refused.value.code == 2
    return capsys.readouterr().err.splitlines()[-1]


@pytest.mark.parametrize(("typed", "meant"), [("rnu", "run"), ("Run", "run"), ("chek", "check"), ("node", "nodes")])
def test_a_mistyped_command_names_the_command_meant(capsys: pytest.CaptureFixture[str], typed: str,
                                                     meant: str) -> None:
    err = refusal([typed, "patches/exsampling.yaml"], capsys)
    assert err.startswith(f"exsampling: error: argument COMMAND: invalid choice: '{typed}': did you mean '{meant}'? "
                          "(choose from 'run', "), err


def test_help_as_a_command_says_where_the_help_is(capsys: pytest.CaptureFixture[str]) -> None:
    err = refusal(["help", "run"], capsys)
    assert "invalid choice: 'help': 'exsampling --help' lists them, 'exsampling COMMAND --help' tells of one (" in err
    err = refusal(["ableton", "help"], capsys)
    assert "'exsampling ableton --help' lists them, 'exsampling ableton ACTION --help' tells of one (" in err


def test_version_as_a_command_says_where_the_version_is(capsys: pytest.CaptureFixture[str]) -> None:
    # Before: "invalid choice: 'version' (choose from ...)", which lists no way to the version.
    assert "invalid choice: 'version': 'exsampling --version' prints it (choose from 'run', " in \
        refusal(["version"], capsys)
    assert "'version' (choose from 'install')" in refusal(["ableton", "version"], capsys)  # it has no --version


@pytest.mark.parametrize(("argv", "told"), [
    (["--verison"], "exsampling: error: unrecognized arguments: --verison (did you mean --version?)"),
    (["-V"], "exsampling: error: unrecognized arguments: -V (did you mean --version?)"),
    (["--verb", "-x"], "exsampling: error: unrecognized arguments: -x"),
    (["--verbose"], "exsampling: error: the following arguments are required: COMMAND"),
])
def test_a_mistyped_option_with_no_command_is_named(capsys: pytest.CaptureFixture[str], argv: list[str],
                                                    told: str) -> None:
    # Before: "the following arguments are required: COMMAND", the mistyped option taken for nothing at all.
    assert refusal(argv, capsys) == told


def test_a_word_close_to_no_command_lists_them_without_a_guess(capsys: pytest.CaptureFixture[str]) -> None:
    err = refusal(["zzz"], capsys)
    assert "invalid choice: 'zzz' (choose from 'run', " in err and "did you mean" not in err, err


def test_a_mistyped_option_is_refused_by_its_command_naming_the_option_meant(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    patch = str(tmp_path / "show.yaml")
    err = refusal(["run", patch, "--fro", "5"], capsys)
    assert err == "exsampling run: error: unrecognized arguments: --fro 5 (did you mean --for?)", err
    err = refusal(["run", patch, "--fro=5", "--trce"], capsys)
    assert err.endswith("unrecognized arguments: --fro=5 --trce (did you mean --for for --fro, --trace for --trce?)")
    err = refusal(["ableton", "install", "--dst", str(tmp_path)], capsys)
    assert err.startswith("exsampling ableton install: error: unrecognized arguments: --dst ") and \
        err.endswith(" (did you mean --dest?)"), err


@pytest.mark.parametrize(("argv", "word"), [(["edit", "--dry-run"], "--dry-run"), (["edit", "--no-run"], "--no-run"),
                                           (["edit", "--norun"], "--norun"),
                                           (["run", "show.yaml", "--no-json"], "--no-json"),
                                           (["classify", "--no-json", "a.wav"], "--no-json")])
def test_an_option_with_a_word_before_it_is_not_taken_for_that_option(capsys: pytest.CaptureFixture[str],
                                                                      argv: list[str], word: str) -> None:
    # `edit --dry-run` and `edit --no-run` were asked "did you mean --run?": the option that starts the patch (its
    # sound, Live, the phones' takes), the opposite of what was asked; `--no-json` was pointed at --json.
    err = refusal(argv, capsys)
    assert err.endswith(f" error: unrecognized arguments: {word}"), err


def test_an_option_with_a_dash_left_out_is_still_named(capsys: pytest.CaptureFixture[str]) -> None:
    err = refusal(["run", "show.yaml", "--showlog", "none"], capsys)  # "show" put before --log, and --show-log meant
    assert err.endswith("unrecognized arguments: --showlog none (did you mean --show-log?)"), err


def test_a_stray_word_is_refused_by_its_command_without_a_guess(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    err = refusal(["run", str(tmp_path / "show.yaml"), "again"], capsys)
    assert err == "exsampling run: error: unrecognized arguments: again", err


@pytest.mark.parametrize(("argv", "told"), [
    (["ableton", "instal"], "exsampling ableton: error: argument ACTION: invalid choice: 'instal': "
                            "did you mean 'install'?"),
    (["devices", "--midi-api", "jack"], "argument --midi-api: invalid choice: 'jack': did you mean 'UNIX_JACK'?"),
    (["classify", "--window", "hole", "a.wav"], "argument --window: invalid choice: 'hole': did you mean 'whole'?"),
])
def test_a_mistyped_choice_names_the_choice_meant(capsys: pytest.CaptureFixture[str], argv: list[str],
                                                  told: str) -> None:
    assert told in refusal(argv, capsys)


def test_classify_of_a_mistyped_file_names_the_file_meant(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Before: "bark.wv: error: no such file", with bark.wav beside it.
    (tmp_path / "bark.wav").write_bytes(b"")
    assert main(["classify", str(tmp_path / "bark.wv"), str(tmp_path / "other.wav")]) == 1
    assert capsys.readouterr().out.splitlines() == [
        f"{tmp_path / 'bark.wv'}: error: no such file (did you mean '{tmp_path / 'bark.wav'}'?)",
        f"{tmp_path / 'other.wav'}: error: no such file",
    ]


def test_a_patch_named_without_its_folder_names_the_one_a_folder_down(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    # `exsampling run exsampling.yaml` in the repository: before, "no such file or directory" alone, no spelling
    # of the name beside it being close; a name two folders hold is not guessed at.
    for folder in ("patches", "old", "more"):
        (tmp_path / folder).mkdir()
    (tmp_path / "patches" / "show.yaml").write_text("exsampling_patch: 1\n", encoding="utf-8")
    for folder in ("old", "more"):
        (tmp_path / folder / "both.yaml").write_text("exsampling_patch: 1\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["check", "show.yaml", "both.yaml"]) == 1
    assert capsys.readouterr().out.splitlines() == [
        "show.yaml: cannot read the patch: no such file or directory (did you mean 'patches/show.yaml'?)",
        "both.yaml: cannot read the patch: no such file or directory",
    ]


def test_the_help_lists_the_commands_in_the_readmes_order_and_points_at_theirs(
        capsys: pytest.CaptureFixture[str]) -> None:
    # Before, `exsampling --help` listed run, replay, check, ... and the README run, check, nodes, ...: a newcomer
    # reading one beside the other looked for each; and nothing said that each command has a --help of its own.
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    shown = re.findall(r"^\.venv/bin/exsampling (\w+)", readme, flags=re.M)
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    listed = re.findall(r"^    (\w+) +\w", out, flags=re.M)
    assert listed == shown, out
    assert " ".join(out.split()).endswith(
        "Each command tells more with its own --help: '.venv/bin/exsampling run --help'."), out


def test_the_help_says_where_to_begin_with_a_patch_that_is_there(capsys: pytest.CaptureFixture[str]) -> None:
    # Before, `exsampling --help` listed the commands and nothing said which to type first, nor with what patch.
    root = Path(__file__).resolve().parents[2]
    with pytest.raises(SystemExit):
        main(["--help"])
    out = " ".join(capsys.readouterr().out.split())
    begin = re.search(r"To begin, in the project's folder: '\.venv/bin/exsampling (run (\S+))' "
                      r"\(README.md, '([^']+)'\)", out)
    assert begin, out
    assert (root / begin.group(2)).is_file()
    assert f"## {begin.group(3)}\n" in (root / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(("argv", "told"), [
    (["check", "-v", "p.yaml"], "exsampling check: error: unrecognized arguments: -v (-v goes before the command's "
                                "name: 'exsampling -v check ...')"),
    (["classify", "a.wav", "-vv"], "exsampling classify: error: unrecognized arguments: -vv (-vv goes before the "
                                   "command's name: 'exsampling -vv classify ...')"),
    (["ableton", "install", "--verbose"], "exsampling ableton install: error: unrecognized arguments: --verbose "
                                          "(--verbose goes before the command's name: 'exsampling --verbose ableton "
                                          "install ...')"),
])
def test_an_option_of_exsampling_itself_after_a_command_says_where_it_goes(
        capsys: pytest.CaptureFixture[str], argv: list[str], told: str) -> None:
    # The README's -v goes after `run`'s name, and before any command's: `check -v` was "unrecognized arguments: -v".
    assert refusal(argv, capsys) == told


@pytest.mark.parametrize(("argv", "told"), [
    (["classify", "--top", "x", "a.wav"], "exsampling classify: error: argument --top: not a whole number: 'x'"),
    (["run", "show.yaml", "--workers", "two"], "exsampling run: error: argument --workers: not a whole number: 'two'"),
    (["classify", "--max-seconds", "1e", "a.wav"], "exsampling classify: error: argument --max-seconds: not a number: "
                                                   "'1e'"),
    (["train", "--val", "x", "data"], "exsampling train: error: argument --val: not a number: 'x'"),
])
def test_a_word_given_for_a_number_is_refused_in_words(capsys: pytest.CaptureFixture[str], argv: list[str],
                                                       told: str) -> None:
    # Before: "argument --top: invalid int value: 'x'", in Python's name for a whole number.
    assert refusal(argv, capsys) == told


@pytest.mark.parametrize(("typed", "told"), [("5m", "'5m' (give the seconds alone: 300)"),
                                             ("2 min", "'2 min' (give the seconds alone: 120)"),
                                             ("1H", "'1H' (give the seconds alone: 3600)"),
                                             ("soon", "'soon'")])
def test_a_length_of_time_given_with_a_unit_is_told_in_seconds(capsys: pytest.CaptureFixture[str], typed: str,
                                                                told: str) -> None:
    # Before: "argument --for: not a number of seconds: '5m'", leaving the reader to find what it takes.
    assert refusal(["run", "show.yaml", "--for", typed], capsys) == \
        f"exsampling run: error: argument --for: not a number of seconds: {told}"
