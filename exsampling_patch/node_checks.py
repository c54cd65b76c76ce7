"""Checks of a node type's code, made when the type is registered (before any message): an input without its
``on_<input>`` handler, an ``emit`` to an output the type does not have, a parameter default that does not fit
its parameter (:func:`type_problems`).

Apart from ``node.py`` (the node API) so that the API stays short; the registry runs these checks.
"""

from __future__ import annotations

import difflib
import inspect
import traceback
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from exsampling_patch.class_source import assigned_line as _assigned_line
from exsampling_patch.class_source import class_source as _class_source
from exsampling_patch.node import Node, Param, ParamError
from exsampling_patch.ports import PortType


@dataclass(frozen=True)
class TypeProblem:
    """A mistake in a node type's code, found when the type is registered (before any message)."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


#: The editor's palette groups (``editor.palette.FAMILY_ORDER``, and ``misc`` for a type that names none).
FAMILIES = ("sources", "storage", "processing", "classify", "routing", "outputs", "utility", "misc")

#: What other node frameworks call a node's handler (besides ``handle_<input>`` and ``process_<input>``).
_OTHER_HANDLERS = ("process", "__call__", "on_message", "on_input")


def type_problems(cls: type[Node]) -> list[TypeProblem]:
    """Mistakes :meth:`Node.handle` and :meth:`Node.emit` would only meet at the first message: an input
    without its ``on_<input>`` handler (a misspelt ``on_tkae``), and ``self.emit("name", ...)`` with a name
    that is no output of the type; and a parameter whose default does not fit it (``Param(float, "0.5")``, a
    default outside its range or choices), which ``exsampling check`` passed and every node built of the type
    failed on. A type that overrides :meth:`Node.handle` routes its inputs itself and
    is not checked for handlers; ``emit`` is checked where its port is written as a literal string.
    """
    import ast

    found = _class_source(cls)
    if found is None:
        return []  # defined where no source can be read (a REPL, exec): nothing to check against
    file, body = found
    problems: list[TypeProblem] = []
    name = cls.__name__
    if not isinstance(cls.type_name, str) or not cls.type_name.strip():  # 5 ended `exsampling nodes` in a traceback
        return [TypeProblem(file, _assigned_line(body, "type_name"),
                            f"{name}: type_name must be a name (letters, digits, '_'), not {cls.type_name!r}")]
    if cls.type_name != cls.type_name.strip() or any(c in cls.type_name for c in "\n\r\t"):
        # A patch's unquoted `type:  padded ` names 'padded': the type was then unknown, beside one listed as it.
        return [TypeProblem(file, _assigned_line(body, "type_name"), f"{name}: type_name {cls.type_name!r} cannot "
                            "be written as a patch's type (a space at either end, a line break or a tab): say "
                            f"{' '.join(cls.type_name.split())!r}")]
    # Told as the class that wrote it (a base: the same words for each of its types, which the registry tells once)
    family_file, family_line, writer = _written_at(cls, "family", file, body)
    if not isinstance(cls.family, str) or not cls.family.strip():  # None ended `nodes` and the palette so
        return [TypeProblem(family_file, family_line, f"{writer}: family must be a name (the palette's group: "
                                                      f"'processing', ...), not {cls.family!r}")]
    meant = _family_meant(cls.family)
    if meant:  # "procesing": a palette group of its own, beside the one meant, with nothing said
        problems.append(TypeProblem(family_file, family_line, f"{writer}: family {cls.family!r} is no palette "
                                    f"group; did you mean {meant!r}? (a group of your own needs a name unlike "
                                    f"{', '.join(FAMILIES)})"))
    if "handle" not in {n for klass in cls.__mro__ if klass is not Node for n in vars(klass)}:
        handlers = {n[3:] for n in dir(cls) if n.startswith("on_") and callable(getattr(cls, n, None))}
        for port in cls.inputs:
            if port not in handlers:
                close = difflib.get_close_matches(port, sorted(handlers - set(cls.inputs)), n=1)
                hint = f" (on_{close[0]} looks misspelt)" if close else ""
                elsewhere = [n for n in (*_OTHER_HANDLERS, f"handle_{port}", f"process_{port}")
                             if any(n in vars(klass) for klass in cls.__mro__ if klass is not Node)]
                if not close and elsewhere:  # a process() as other node frameworks name it, never called here
                    hint = (f" (its {elsewhere[0]}() is never called: the runtime calls on_{port}(self, message) for "
                            f"each message on '{port}')")
                problems.append(TypeProblem(file, _assigned_line(body, port),
                                            f"{name}: input '{port}' has no handler on_{port}{hint}"))
            elif not _binds(getattr(cls, f"on_{port}"), None, None):
                problems.append(TypeProblem(file, _line(getattr(cls, f"on_{port}"), _assigned_line(body, port)),
                                            f"{name}: on_{port} must take the message: def on_{port}(self, message)"))
    if not _binds(cls.__init__, None, "id", {}, None):  # the runtime builds each node as Type(id, params, context)
        told = "__init__ must take what the runtime passes, and pass it on: (self, node_id, params, context)"
        problems.append(TypeProblem(file, _line(cls.__init__, body.lineno), f"{name}: {told}"))
    elif "__init__" in vars(cls) and "__init__" not in getattr(inspect.unwrap(cls.__init__), "__code__",
                                                                   _CALLS_INIT).co_names:
        # No base __init__ called at all (super().__init__, Node.__init__ ...): the node had no node_id, params or
        # stop_event, and the run could only tell it once the node was built.
        told = "__init__ does not call super().__init__(node_id, params, context)"
        problems.append(TypeProblem(file, _line(cls.__init__, body.lineno), f"{name}: {told}"))
    for hook in ("check_params", "check_warnings"):
        check = inspect.getattr_static(cls, hook)
        if not isinstance(check, classmethod | staticmethod):  # called on the type, before any node is built
            problems.append(TypeProblem(file, _line(check, body.lineno),
                                        f"{name}: {hook} must be a @classmethod: def {hook}(cls, params)"))
    for param_name, spec in cls.param_specs.items():
        if spec.default is None and spec.required:
            continue  # no default on purpose: every patch sets it
        try:
            spec.validate(spec.default)
        except ParamError as error:
            problems.append(TypeProblem(file, _assigned_line(body, param_name),
                                        f"{name}: the default does not fit: {error}"))
    problems += [TypeProblem(file, _assigned_line(body, param_name), f"{name}: {told}")
                 for param_name, told in _bases_wrong(cls.param_specs).items()]
    problems += _declared_again(file, body, name)
    # Only a stub that fails the type's messages: a handler, a base's method its types are meant to define (it has
    # types), one of those a type left out. A type's own stub of anything else (an export_settings() to come) loads.
    shared = _derived(cls, cls.__subclasses__())
    for method, where, line, owner in _unimplemented(cls):
        handler = _is_handler(cls, method)
        if owner is cls and handler:
            on = f"'{method[3:]}'" if method != "handle" else "any input"
            problems.append(TypeProblem(where, line, f"{name}: {method}() only raises NotImplementedError: every "
                                        f"message on {on} would fail; write the handler (a base that other node types "
                                        "share sets abstract = True, and each of its types defines it)"))
        elif owner is cls and shared:
            problems.append(_shared_stub(cls, method, where, line, shared))
        elif owner is not cls:  # a type of a shared base that left one of its methods out: told at its own class
            problems.append(TypeProblem(file, body.lineno, f"{name}: defines no {method}(), and {owner.__name__}'s "
                                        f"raises NotImplementedError (at {where}:{line}): define {method}() in {name}"))
    # `take = TAKE` beside its on_take: no input was declared, the type loaded as a source, and a patch's link to
    # it was refused ("has no input 'take'; its inputs: none") with nothing said of the class.
    problems += [TypeProblem(file, _assigned_line(body, port), f"{name}: {_bare_type(port, value, 'Input')}")
                 for port, value in vars(cls).items()
                 if isinstance(value, PortType) and callable(getattr(cls, f"on_{port}", None))]
    for call in ast.walk(body):
        if (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "emit"
                and isinstance(call.func.value, ast.Name) and call.func.value.id == "self" and call.args
                and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str)
                and call.args[0].value not in cls.outputs):
            port = call.args[0].value
            close = difflib.get_close_matches(port, list(cls.outputs), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else (
                "" if cls.outputs else f" ({name} declares no output)")
            if isinstance(vars(cls).get(port), PortType):  # `out = TAKE`: a port's type, no port
                hint = f" ({_bare_type(port, vars(cls)[port], 'Output')})"
            problems.append(TypeProblem(file, call.lineno, f"{name}: emit to unknown output '{port}'{hint}"))
    return problems


def shared_base_problems(cls: type[Node], types: Iterable[type]) -> list[TypeProblem]:
    """The methods of ``cls`` that only raise ``NotImplementedError``, its handlers aside, where some of ``types``
    derive from it: a base that other node types share, to set ``abstract = True``. For the registry once a folder's
    files are all imported: a base's types in a file loaded after it (or importing its file by name, a second copy
    of the class) were no subclasses of it when it was registered, and it loaded as a type that failed on use."""
    shared = _derived(cls, types)
    if not shared:
        return []
    return [_shared_stub(cls, method, where, line, shared) for method, where, line, owner in _unimplemented(cls)
            if owner is cls and not _is_handler(cls, method)]


def _derived(cls: type[Node], types: Iterable[type]) -> list[str]:
    """The names of the classes of ``types`` that derive from ``cls``, or from another copy of it: a node file that
    another imports by its name (``from effect_base import Effect``) is a second module of the same file."""
    where = _source_file(cls)
    return [klass.__name__ for klass in types if klass is not cls and issubclass(klass, Node)
            and any(base is cls or (base.__qualname__ == cls.__qualname__ and where and _source_file(base) == where)
                    for base in klass.__mro__[1:])]


def _source_file(cls: type) -> str:
    try:
        file = inspect.getsourcefile(cls)
    except (OSError, TypeError):
        return ""
    return str(Path(file).resolve()) if file else ""


def _is_handler(cls: type[Node], method: str) -> bool:
    return method == "handle" or (method.startswith("on_") and method[3:] in cls.inputs)


def _shared_stub(cls: type[Node], method: str, where: str, line: int, shared: list[str]) -> TypeProblem:
    return TypeProblem(where, line, f"{cls.__name__}: {method}() raises NotImplementedError: a base that other node "
                       "types share sets abstract = True (it is then no type itself), and each of its types defines "
                       f"{method}() (its types: {', '.join(shared)})")


def _unimplemented(cls: type[Node]) -> list[tuple[str, str, int, type]]:
    """The methods of ``cls`` whose whole body raises ``NotImplementedError`` (name, file, ``def`` line, the class
    defining it): a shared base without ``abstract = True`` loaded as a type that failed on every take, and so did a
    type of it that left one of its methods out (:func:`type_problems` says which of them matter)."""
    import ast
    import textwrap

    found = []
    for method in sorted({n for klass in cls.__mro__ if klass not in (Node, object) for n in vars(klass)}):
        value = inspect.getattr_static(cls, method)
        function = inspect.unwrap(getattr(value, "__func__", value))
        if "NotImplementedError" not in getattr(getattr(function, "__code__", None), "co_names", ()):
            continue
        try:
            (statement,) = ast.parse(textwrap.dedent(inspect.getsource(function))).body
            file = inspect.getsourcefile(function) or ""
        except (OSError, TypeError, SyntaxError, ValueError):
            continue
        steps = [s for s in getattr(statement, "body", []) if not (isinstance(s, ast.Expr)
                                                                     and isinstance(s.value, ast.Constant))]
        raised = steps[0].exc if len(steps) == 1 and isinstance(steps[0], ast.Raise) else None
        if isinstance(raised, ast.Call):
            raised = raised.func
        if isinstance(raised, ast.Name) and raised.id == "NotImplementedError":
            owner = next(klass for klass in cls.__mro__ if method in vars(klass))
            found.append((method, file, function.__code__.co_firstlineno, owner))
    return found


def _written_at(cls: type[Node], attribute: str, file: str, body: Any) -> tuple[str, int, str]:
    """The file and line that wrote ``attribute`` of ``cls``, and the name of the class that did (a base of it, or
    ``cls``): a misspelt family a base wrote was told at its type's class line, which has none (the class line where
    none is found)."""
    owner = next((klass for klass in cls.__mro__ if attribute in vars(klass)), cls)
    found = _class_source(owner) if owner not in (cls, Node) else None
    if found is None:
        return file, _assigned_line(body, attribute), cls.__name__
    return found[0], _assigned_line(found[1], attribute), owner.__name__


def _family_meant(family: str) -> str:
    """The palette group ``family`` likely misspells ("procesing", "output", "Sources"), or ''."""
    if family in FAMILIES:
        return ""
    close = difflib.get_close_matches(family.lower(), FAMILIES, n=1, cutoff=0.75)
    return close[0] if close else ""


def _bases_wrong(specs: dict[str, Param[Any]]) -> dict[str, str]:
    """What is wrong with each table parameter's ``base=``, by parameter: one that names no choice parameter of the
    type with the choice 'empty' loaded, and its table then always started from the default."""
    wrong = {}
    for param_name, spec in specs.items():
        if not spec.base:
            continue
        target = specs.get(spec.base) if isinstance(spec.base, str) else None
        if target is None:
            choices = [n for n, s in specs.items() if s.kind_name == "choice"]
            close = difflib.get_close_matches(str(spec.base), choices, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else (
                "" if choices else " (it has no choice parameter)")
            wrong[param_name] = f"base={spec.base!r} of parameter '{param_name}' names no parameter of the type{hint}"
        elif target.kind_name != "choice" or "empty" not in (target.choices or ()):
            wrong[param_name] = (f"base={spec.base!r} of parameter '{param_name}' must name a choice parameter with "
                                 "the choice 'empty' (the value that starts the table from no rows)")
    return wrong


def _bare_type(port: str, port_type: PortType, kind: str) -> str:
    upper = port_type.name.upper()
    return f"'{port} = {upper}' is a port's type, not a port: declare it as {port} = {kind}({upper}, \"...\")"


def _declared_again(file: str, body: Any, name: str) -> list[TypeProblem]:
    """A port or parameter of the class body assigned again below (``take = Input(...)``, later ``take =
    Param(...)`` or ``def take``): the last one silently took its place, the type loaded without that port, and a
    patch's link to it was refused with nothing said of the class."""
    import ast

    declared: dict[str, int] = {}
    problems = []
    for statement in body.body:
        if isinstance(statement, ast.Assign | ast.AnnAssign):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            names = [t.id for t in targets if isinstance(t, ast.Name)]
        elif isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
            names = [statement.name]
        else:
            continue
        for target in names:
            if target in declared:
                problems.append(TypeProblem(file, statement.lineno, f"{name}: '{target}' is declared at line "
                                            f"{declared[target]} and again here, which hides it (ports and parameters "
                                            "share one namespace: give each a name of its own)"))
        value = getattr(statement, "value", None)
        if (isinstance(value, ast.Call) and isinstance(value.func, ast.Name | ast.Attribute)
                and (value.func.id if isinstance(value.func, ast.Name) else value.func.attr) in _DECLARES):
            declared.update({target: statement.lineno for target in names if target not in declared})
    return problems


#: A stand-in code object for an ``__init__`` without one (a builtin's): taken to call its base.
_CALLS_INIT = compile("super().__init__()", "<init>", "eval")

#: What declares a port or a parameter in a class body.
_DECLARES = frozenset({"Input", "Output", "Param"})


def _binds(function: Any, *args: Any) -> bool:
    """Whether ``function`` (as found on the class, ``self`` first) can be called with ``args``."""
    try:
        inspect.signature(function).bind(*args)
    except TypeError:
        return False
    except ValueError:  # no signature to read (a builtin): trust it
        return True
    return True


def _line(function: Any, fallback: int) -> int:
    code = getattr(function, "__code__", None)
    return code.co_firstlineno if code is not None else fallback


def hook_where(method: Any, error: BaseException | None = None) -> str:
    """`` (at FILE:LINE in NAME)`` for a node type's hook (``check_params``, ``midi_parts``): the deepest line of
    ``method``'s file that raised ``error``, or without one its ``def`` line; '' for a built-in type's (its
    messages are written for performers) or where none is known."""
    try:
        function = inspect.unwrap(method.__func__ if hasattr(method, "__func__") else method)
        file = inspect.getsourcefile(function)
        lines, first = inspect.getsourcelines(function)
    except (OSError, TypeError):
        return ""
    if file is None or function.__module__.startswith("exsampling_patch."):
        return ""
    if error is not None:
        frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == file]
        return f" (at {file}:{frames[-1].lineno} in {frames[-1].name})" if frames else ""
    defined = next((n for n, text in enumerate(lines, first) if text.lstrip().startswith(("def ", "async def "))),
                   first)
    return f" (at {file}:{defined} in {function.__name__})"
