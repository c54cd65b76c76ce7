"""Parameter specs: what a node type's :class:`Param` declares (kind, default, limits, choices) and how a value
given in a patch is checked against it (:meth:`Param.validate`, raising :class:`ParamError`).

Node types import them from :mod:`exsampling_patch.node` (or the package); they live here so that the checks,
the editor's widgets and ``exsampling nodes`` read one spec without the node lifecycle around it.
"""

from __future__ import annotations

import datetime
import difflib
import math
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePath
from typing import Any, Generic, Protocol, TypeVar, cast, overload

T = TypeVar("T")


class HasParams(Protocol):
    """What a parameter reads its value from on an instance: a node's ``params`` (values in effect by name)."""

    params: dict[str, Any]


#: The value kinds a parameter may have, by the name used in ``nodes --json`` and the editor.
PARAM_KINDS: dict[str, type] = {
    "int": int,
    "float": float,
    "bool": bool,
    "str": str,
    "choice": str,
    "path": str,
    "table": dict,
    "list": list,
}


class ParamError(ValueError):
    """A parameter value that does not fit its spec; the message names the parameter and the fix."""


_NO_DEFAULT: Any = object()


class Param(Generic[T]):
    """Declare a parameter: its kind, default, one-line doc and limits.

    ``kind`` is a Python type (int, float, bool, str, dict, list) or one of the names in
    :data:`PARAM_KINDS` (``"path"``, ``"choice"``, ``"table"``). ``default=None`` with
    ``required=True`` makes a parameter that every patch must set. On an instance the descriptor
    reads the node's current value: ``self.gain_db``.

    A float is refused when it is NaN, or infinite where the parameter has a limit. ``path_kind`` says
    what a ``"path"`` names, ``"file"`` or ``"folder"`` (a path parameter called ``folder`` or ``*_folder``
    names a folder unless told otherwise): ``exsampling check`` reports a path that cannot be one.

    ``merge=True`` (a table) makes the value a patch gives a list of changes to the default: its rows replace
    the default's rows of the same key, a default row given an empty value ('' or null) is removed, and the
    default's other rows stay (:meth:`in_effect`). A patch then lists only the rows it changes; one that lists
    every row means the same as before. ``base`` names a choice parameter of the same node: where its value is
    ``"empty"`` the table starts empty instead (the patch's rows alone), else from the default.
    """

    @overload
    def __init__(
        self: Param[Any],
        kind: str,
        default: Any = _NO_DEFAULT,
        doc: str = "",
        *,
        minimum: float | None = None,
        maximum: float | None = None,
        choices: Sequence[Any] | None = None,
        required: bool = False,
        unit: str = "",
        path_kind: str = "",
        merge: bool = False,
        base: str = "",
    ) -> None: ...
    @overload
    def __init__(
        self,
        kind: type[T],
        default: T | None = _NO_DEFAULT,
        doc: str = "",
        *,
        minimum: float | None = None,
        maximum: float | None = None,
        choices: Sequence[Any] | None = None,
        required: bool = False,
        unit: str = "",
        path_kind: str = "",
        merge: bool = False,
        base: str = "",
    ) -> None: ...
    def __init__(
        self,
        kind: type[T] | str,
        default: T | None = _NO_DEFAULT,
        doc: str = "",
        *,
        minimum: float | None = None,
        maximum: float | None = None,
        choices: Sequence[Any] | None = None,
        required: bool = False,
        unit: str = "",
        path_kind: str = "",
        merge: bool = False,
        base: str = "",
    ) -> None:
        if isinstance(kind, str):
            if kind not in PARAM_KINDS:
                # "use one of ['bool', 'choice', ...]" left a misspelt "choise" to be found by eye in a Python list.
                close = difflib.get_close_matches(kind, list(PARAM_KINDS), n=1, cutoff=0.6)
                hint = f"; did you mean {close[0]!r}? Use" if close else "; use"
                # The names as one writes them: the types' list ("dict (a table)") never named 'table' to a 'tabel'.
                *kinds, last = sorted(PARAM_KINDS)
                raise ValueError(f"unknown parameter kind {kind!r}{hint} {', '.join(kinds)} or {last}")
            self.kind_name = kind
        else:
            names = {v: k for k, v in PARAM_KINDS.items() if k not in ("choice", "path", "table", "list")}
            names[dict] = "table"
            names[list] = "list"
            if kind not in names:
                raise ValueError(f"unsupported parameter kind {getattr(kind, '__name__', kind)}; use int, float, "
                                 "bool, str, dict (a table), list, or the names 'path' and 'choice'")
            self.kind_name = "choice" if choices is not None and kind is str else names[kind]
        if not isinstance(doc, str):  # doc=5 loaded, and `nodes` and the editor's tooltip showed the 5 as its doc
            raise ValueError(f"doc must be a text (Param(kind, default, doc)), not {type(doc).__name__} {doc!r}")
        if not isinstance(unit, str):  # unit=5 loaded, and the editor and `nodes` showed it after each value
            raise ValueError(f"unit must be a text ('dB', 's'), not {type(unit).__name__} {unit!r}")
        if path_kind not in ("", "file", "folder"):
            raise ValueError(f"path_kind must be 'file', 'folder' or '', not {path_kind!r}")
        # Refused here, at the plugin's line: a str with a minimum failed every check of a value (TypeError).
        if (minimum is not None or maximum is not None) and self.kind_name not in ("int", "float"):
            raise ValueError(f"minimum and maximum are for int and float parameters, not {self.kind_name}")
        for limit, value in (("minimum", minimum), ("maximum", maximum)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
                raise ValueError(f"{limit} must be a number, not {type(value).__name__} {value!r}")
        if minimum is not None and maximum is not None and minimum > maximum:
            raise ValueError(f"minimum {minimum} is above maximum {maximum}")
        if self.kind_name == "choice" and not choices:
            raise ValueError("a choice parameter needs its choices: choices=[...]")
        if default is _NO_DEFAULT:
            if not required:
                # "needs a default" alone: Param(float, doc="...") looked whole, and the call meant was left to guess.
                written = repr(kind) if isinstance(kind, str) else getattr(kind, "__name__", str(kind))
                example = {"int": "0", "float": "0.0", "bool": "False", "table": "{}", "list": "[]"}.get(
                    self.kind_name, repr(next(iter(choices))) if choices else '""')
                raise ValueError(f"a parameter needs a default after its kind: Param({written}, {example}, \"what it "
                                 f"sets\"{', choices=[...]' if choices else ''}), or required=True for one that every "
                                 "patch sets")
            default = None
        elif default is None and not required:
            # Loaded as an "optional" parameter nothing else knew of: the node got None, which it took for a number.
            raise ValueError(f"a parameter's default cannot be None: give a {self.kind_name} default, or write "
                             "required=True for one that every patch sets")
        if isinstance(default, PurePath) and self.kind_name in ("path", "str"):
            # The path's text, as a patch gives it: `nodes` and the editor showed PosixPath('x.wav').
            default = cast(Any, str(default))
        self.default = default
        self.doc = doc
        self.minimum = minimum
        self.maximum = maximum
        self.choices = tuple(choices) if choices is not None else None
        self.required = required
        self.unit = unit
        self.path_kind = path_kind
        if merge and not isinstance(default, dict):
            raise ValueError("merge=True is for a table parameter with a table as its default")
        if base and not merge:  # loaded, and the table never started empty: base is read only by a merged table
            raise ValueError(f"base={base!r} is for a table that a patch changes row by row: add merge=True")
        self.merge, self.base = merge, base
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        if self.kind_name == "path" and not self.path_kind and (name == "folder" or name.endswith("_folder")):
            self.path_kind = "folder"

    @overload
    def __get__(self, instance: None, owner: type) -> Param[T]: ...
    @overload
    def __get__(self, instance: HasParams, owner: type) -> T: ...
    def __get__(self, instance: HasParams | None, owner: type) -> Param[T] | T:
        if instance is None:
            return self
        return instance.params[self.name]  # type: ignore[no-any-return,unused-ignore]

    def base_of(self, params: Mapping[str, Any] | None = None) -> dict[Any, Any]:
        """The table that a ``merge`` table's rows change: the default, or none where ``params`` (the node's
        values) set the ``base`` parameter to ``"empty"``."""
        if self.base and (params or {}).get(self.base) == "empty":
            return {}
        return dict(cast(dict[Any, Any], self.default)) if isinstance(self.default, dict) else {}

    def in_effect(self, value: Any, params: Mapping[str, Any] | None = None) -> Any:
        """The value a node runs with for ``value`` (validated): with ``merge``, its base (:meth:`base_of`)
        with these changes (None: no changes); a row with an empty value removes the base's row."""
        if not self.merge or not (value is None or isinstance(value, dict)):
            return value
        base = self.base_of(params)
        merged = {**base, **(value or {})}
        return {k: v for k, v in merged.items() if not (v in ("", None) and k in base)}

    @property
    def python_type(self) -> type:
        return PARAM_KINDS[self.kind_name]

    def validate(self, value: Any) -> Any:
        """Return ``value`` coerced to this parameter's kind, or raise :class:`ParamError` saying why not."""
        kind = self.python_type
        if value is None:
            if self.required:
                raise ParamError(f"parameter '{self.name}' is required: {self.doc or 'give it a value'}")
            if self.default is not None and not self.merge:
                # `top_db:` with its value not written yet: check said ok, and the node got None (a TypeError
                # on every take). A table's null is its default's rows, no changes (in_effect).
                default = str(self.default).lower() if isinstance(self.default, bool) else repr(self.default)
                raise ParamError(f"parameter '{self.name}' has no value: give it one, or leave it out for its "
                                 f"default, {default}")  # as YAML writes it: false, not Python's False
            return None
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if kind is int and isinstance(value, float) and value.is_integer():
            value = int(value)
        if kind is str and isinstance(value, Path):
            value = str(value)
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            # In a patch's words: "must be str, got int 3" named Python's types to a performer who wrote `3`.
            raise ParamError(f"parameter '{self.name}' must be {self.kind_words()}, got {value_words(value)}")
        if self.choices is not None and value not in self.choices:
            close = difflib.get_close_matches(str(value), [str(c) for c in self.choices], n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise ParamError(
                f"parameter '{self.name}' is {value!r}, not one of {', '.join(map(str, self.choices))}{hint}"
            )
        if self.kind_name == "path" and "\0" in cast(str, value):
            raise ParamError(f"parameter '{self.name}' is {value!r}: a path cannot hold a NUL character")
        if self.kind_name == "path" and _curly_quoted(cast(str, value)):
            # A text editor's smart quotes (TextEdit's by default) are no quotes to YAML: the takes went to a
            # folder named '“..' beside the patch, made without a word.
            raise ParamError(f"parameter '{self.name}' is {value!r}: in curly quotes, which YAML keeps as part of "
                             f"the path: write it without them, or in straight quotes (' or \")")
        number = cast(float, value)
        bounded = self.minimum is not None or self.maximum is not None
        if kind is float and not math.isfinite(number) and (bounded or math.isnan(number)):
            # Every comparison with NaN is false: a NaN passed both limits and switched off what it set.
            limits = f" in [{_bound(self.minimum)}, {_bound(self.maximum)}]" if bounded else ""
            raise ParamError(f"parameter '{self.name}' is {value}: give a finite number{limits}")
        if self.minimum is not None and number < self.minimum:
            raise ParamError(f"parameter '{self.name}' is {value}, below its minimum {self.minimum}")
        if self.maximum is not None and number > self.maximum:
            raise ParamError(f"parameter '{self.name}' is {value}, above its maximum {self.maximum}")
        return value

    def kind_words(self) -> str:
        """What a value of this parameter is, as a patch's reader says it: ``a number``, ``text``, ``one of a, b``."""
        if self.kind_name == "choice":
            *others, last = map(str, self.choices or ("",))
            return f"one of {', '.join(others)} or {last}" if others else f"{last!r}"
        return KIND_WORDS[self.kind_name]

    def describe(self) -> dict[str, Any]:
        """The spec as plain data (``nodes --json``, the editor's widgets)."""
        spec: dict[str, Any] = {"name": self.name, "type": self.kind_name, "default": self.default, "doc": self.doc}
        if self.minimum is not None:
            spec["min"] = self.minimum
        if self.maximum is not None:
            spec["max"] = self.maximum
        if self.choices is not None:
            spec["choices"] = list(self.choices)
        if self.required:
            spec["required"] = True
        if self.unit:
            spec["unit"] = self.unit
        if self.path_kind:
            spec["path_kind"] = self.path_kind
        if self.merge:
            spec["merge"] = True
        if self.base:
            spec["base"] = self.base
        return spec


#: Each kind of :data:`PARAM_KINDS` (but a choice, told by its choices) as a patch's reader says it.
KIND_WORDS: dict[str, str] = {
    "int": "a whole number",
    "float": "a number",
    "bool": "true or false",
    "str": "text",
    "choice": "text",
    "path": "a path",
    "table": "a mapping",
    "list": "a list",
}


def value_words(value: object) -> str:
    """``value`` as a patch's reader says what it is: ``the number 3``, ``the text '0.5'``, ``false`` (``off``,
    unquoted), ``the list [1, 2]``; a value YAML reads as no other (a date, ``2024-05-01``), by what it is."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the text {value!r}"
    if isinstance(value, list | tuple):
        return f"the list {list(value)!r}"
    if isinstance(value, dict):
        return f"the mapping {value!r}"
    if isinstance(value, datetime.datetime):
        return f"the date and time {value.isoformat(sep=' ')}"
    if isinstance(value, datetime.date):
        return f"the date {value.isoformat()}"
    return repr(value)


#: Typographic quotes a word processor or a text editor's smart quotes put for ' and ".
CURLY_QUOTES = "\u201c\u201d\u201e\u201f\u2018\u2019\u201a\u201b\u00ab\u00bb"


def _curly_quoted(text: str) -> bool:
    text = text.strip()
    return len(text) >= 2 and text[0] in CURLY_QUOTES and text[-1] in CURLY_QUOTES


def _bound(limit: float | None) -> str:
    return "..." if limit is None else f"{limit:g}"
