"""The command line's parser: argparse's, whose refusal of a mistyped word names the word most likely meant.

argparse said "invalid choice: 'rnu' (choose from 'run', 'replay', ...)" and, for a mistyped option,
"exsampling: error: unrecognized arguments: --fro", naming neither the command it belonged to nor ``--for``, and
"unrecognized arguments: -v" for a ``-v`` that goes before the command's name.
(Python 3.14's ``suggest_on_error`` does the first; the package runs on 3.11.)
"""

from __future__ import annotations

import argparse
import difflib
import sys
from collections.abc import Iterable, Sequence
from typing import Any, NoReturn


class Parser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose "invalid choice" names the closest choice, and whose refusal of a word that is no
    number says so in words (its sub-parsers are of this class too: ``add_subparsers`` makes them of its parser's
    class)."""

    def _get_value(self, action: argparse.Action, arg_string: str) -> Any:
        # argparse said "argument --top: invalid int value: 'x'", in Python's names for the kinds of number.
        if action.type in NUMBER_WORDS:
            try:
                return float(arg_string) if action.type is float else int(arg_string)
            except ValueError:
                raise argparse.ArgumentError(action, not_a_number(arg_string, action.type)) from None
        return super()._get_value(action, arg_string)

    #: The words of the command line, where :func:`parse_args` reads them with this parser: what :meth:`error`
    #: looks through for a mistyped option where the command is missing.
    typed: Sequence[str] | None = None

    def error(self, message: str) -> NoReturn:
        # `exsampling --verison` and `exsampling -V` said "the following arguments are required: COMMAND": the
        # option, taken for no command, is the mistake.
        unknown = [word for word in self.typed or () if word.startswith("-") and not self._takes(word)]
        if unknown and message.startswith("the following arguments are required: "):
            options = [option for action in self._actions for option in action.option_strings]
            # -V is many a program's --version, not -v
            meant = {word: option for word in unknown
                     for option in ["--version" if word == "-V" and "--version" in options
                                    else closest_option(word, options)] if option}
            hint = f" (did you mean {next(iter(meant.values()))}?)" if len(meant) == 1 else ""
            message = f"unrecognized arguments: {' '.join(unknown)}{hint}"
        super().error(message)

    def _takes(self, word: str) -> bool:
        """Whether this parser takes ``word`` as an option, or as the prefix of one (argparse's abbreviations)."""
        name = word.split("=")[0]
        longs = [option for action in self._actions for option in action.option_strings if option.startswith("--")]
        return is_option_of(self, name) or (name.startswith("--") and any(o.startswith(name) for o in longs))

    def _check_value(self, action: argparse.Action, value: Any) -> None:
        choices = action.choices
        if choices is None or value in choices or not isinstance(value, str):
            super()._check_value(action, value)
            return
        names = [str(choice) for choice in choices]
        listed = ", ".join(repr(name) for name in names)
        meant = closest(value, names)
        if meant:
            hint = f": did you mean {meant!r}?"
        elif value == "help" and isinstance(action, argparse._SubParsersAction):
            hint = f": '{self.prog} --help' lists them, '{self.prog} {action.metavar} --help' tells of one"
        elif (value == "version" and isinstance(action, argparse._SubParsersAction)
              and "--version" in self._option_string_actions):
            hint = f": '{self.prog} --version' prints it"
        else:
            hint = ""
        raise argparse.ArgumentError(action, f"invalid choice: {value!r}{hint} (choose from {listed})")


#: What a number option's value must be, in words, by the kind argparse converts it with.
NUMBER_WORDS: dict[object, str] = {int: "a whole number", float: "a number"}


def not_a_number(text: str, kind: object) -> str:
    """Why ``text`` is refused as a value of ``kind`` (``int`` or ``float``)."""
    return f"not {NUMBER_WORDS[kind]}: {text!r}"


def closest(word: str, names: Iterable[str]) -> str | None:
    """The name ``word`` most likely misspells (case aside), or None where none is close."""
    by_lower = {name.lower(): name for name in names}
    close = difflib.get_close_matches(word.lower(), list(by_lower), n=1, cutoff=0.6)
    return by_lower[close[0]] if close else None


def parse_args(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace:
    """``parser.parse_args(argv)``, but words no parser took are refused by the sub-command they were given to,
    under its name, with the option a mistyped one most likely meant (exit status 2, as argparse's)."""
    if isinstance(parser, Parser):
        parser.typed = list(sys.argv[1:] if argv is None else argv)
    args, extra = parser.parse_known_args(argv)
    if extra:
        own = command_parser(parser, args)
        options = [option for action in own._actions for option in action.option_strings]
        words = [word.split("=")[0] for word in extra if word.startswith("-")]
        # `exsampling check -v PATCH`: an option of the command line's own, given after the command's name
        before = [word for word in words if own is not parser and is_option_of(parser, word)]
        meant = {word: option for word in words if word not in before
                 for option in [closest_option(word, options)] if option}
        hint = ""
        if before:
            hint = (f" ({', '.join(before)} goes before the command's name: "
                    f"'{parser.prog} {' '.join(before)} {own.prog.removeprefix(parser.prog).strip()} ...')")
        elif len(meant) == 1:
            hint = f" (did you mean {next(iter(meant.values()))}?)"
        elif meant:
            hint = f" (did you mean {', '.join(f'{option} for {word}' for word, option in meant.items())}?)"
        own.error(f"unrecognized arguments: {' '.join(extra)}{hint}")
    return args


def closest_option(word: str, options: list[str]) -> str | None:
    """The option ``word`` most likely misspells; None where it is one of ``options`` with a word put before it
    (``--no-run``, ``--dry-run``): its opposite, or something else. `edit --dry-run` was asked "did you mean --run?",
    the option that starts the patch. A dash left out (``--showlog``) is still a misspelling."""
    meant = closest(word, options)
    if meant is None or _undashed(meant) == _undashed(word):
        return meant
    name = word.lstrip("-").lower()
    longs = [option[2:].lower() for option in options if option.startswith("--")]
    return None if any(name.endswith(own) and len(name) - len(own) >= 2 for own in longs) else meant


def _undashed(option: str) -> str:
    return option.replace("-", "").lower()


def is_option_of(parser: argparse.ArgumentParser, word: str) -> bool:
    """Whether ``parser`` itself takes ``word`` (``-vv`` as ``-v`` counted twice), not one of its sub-commands."""
    options = {option for action in parser._actions for option in action.option_strings}
    return word in options or (len(word) > 2 and word[1] != "-" and all(f"-{letter}" in options for letter in word[1:]))


def command_parser(parser: argparse.ArgumentParser, args: argparse.Namespace) -> argparse.ArgumentParser:
    """The innermost sub-command's parser that ``args`` went through (``exsampling ableton install``'s)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            chosen = action.choices.get(getattr(args, action.dest, None) or "")
            if chosen is not None:
                return command_parser(chosen, args)
    return parser
