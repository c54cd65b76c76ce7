"""The node registry: built-in node types, plugins from entry points, and folders of user nodes.

A plugin that fails to import is recorded in :attr:`Registry.problems` with its name and error (a
:class:`~exsampling_patch.plugin_problems.PluginProblem`); the other plugins still load.
"""

from __future__ import annotations

import contextlib
import difflib
import importlib
import inspect
import pkgutil
import shlex
import sys
import traceback
from collections.abc import Iterable, Iterator
from dataclasses import replace
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import Any, cast

from exsampling_patch.node import DeclarationError, Node, Param, PortSpec
from exsampling_patch.node_checks import shared_base_problems, type_problems
from exsampling_patch.node_files import NODE_FOLDERS, import_file, own_helpers
from exsampling_patch.plugin_hints import described, name_meant
from exsampling_patch.plugin_problems import PluginProblem, alike, could_define, letters, not_loaded, plugin_of
from exsampling_patch.thread_prints import prints_to_stderr
from exsampling_patch.wording import counted

ENTRY_POINT_GROUP = "exsampling_patch.nodes"
BUILTIN_PACKAGE = "exsampling_patch.nodes"


def _folder_meant(path: Path) -> str:
    """'; did you mean ...?' with the folder a missing one most likely meant, or '': one of that name a level up
    or in the current folder (``node_dirs: [my-nodes]`` in ``patches/show.yaml`` for the ``my-nodes`` beside
    ``patches/``), else the one beside it of the closest name (``my-nodez``)."""
    for place in (path.parent.parent, Path.cwd()):
        if place != path.parent and (place / path.name).is_dir():
            return f"; did you mean {place / path.name}? A patch's node_dirs are taken from its folder"
    try:
        beside = [child.name for child in path.parent.iterdir() if child.is_dir()] if path.parent.is_dir() else []
    except OSError:
        return ""
    close = difflib.get_close_matches(path.name, beside, n=1, cutoff=0.75)
    return f"; did you mean {path.parent / close[0]}?" if close else ""


class Registry:
    """Node types by type name, with where each came from."""

    def __init__(self) -> None:
        self.types: dict[str, type[Node]] = {}
        self.origins: dict[str, str] = {}
        self.problems: list[PluginProblem] = []
        self._loaded_dirs: set[Path] = set()
        #: An entry point's origin -> the same with the package that declares it ("... of package DIST VERSION").
        self._with_package: dict[str, str] = {}

    @classmethod
    def default(cls, node_dirs: Iterable[str | Path] = (), entry_points: bool = True) -> Registry:
        """Built-ins, then entry-point plugins, then each folder in ``node_dirs``."""
        registry = cls()
        registry.load_builtins()
        if entry_points:
            registry.load_entry_points()
        for folder in node_dirs:
            registry.load_folder(folder)
        return registry

    # -- lookup ---------------------------------------------------------------------------------------------

    def __contains__(self, type_name: object) -> bool:
        return type_name in self.types

    def __iter__(self) -> Iterator[type[Node]]:
        return iter(self.types.values())

    def get(self, type_name: str) -> type[Node]:
        try:
            return self.types[type_name]
        except KeyError:
            raise KeyError(self.unknown_message(type_name)) from None

    def closest(self, type_name: str, n: int = 3) -> list[str]:
        """Known type names that look like ``type_name`` (for "did you mean" hints)."""
        return difflib.get_close_matches(type_name, list(self.types), n=n, cutoff=0.5)

    def shadow_hint(self, type_name: str) -> str:
        """'not loaded: ...' with the types of ``type_name`` ignored because another had the name, or '': a patch
        meant for a plugin's ``trim`` got the built-in's, and its parameters were told as the built-in's lacks with
        the plugin's warning lines away from it."""
        ignored = [str(p) for p in self.problems if p.type_name == type_name and "is already defined by" in p.error]
        return f"not loaded: {'; '.join(ignored)}" if ignored and type_name in self.types else ""

    def unknown_hint(self, type_name: str) -> str:
        """Why ``type_name`` may be unknown, for a problem's hint: its type was refused when registered, or the
        closest known names and the plugins that failed to load and could have defined it (:func:`could_define`; a
        syntax error in the file that defines it: before, `check` and `run` said only "unknown node type" and the
        plugin's error was not shown), the others counted."""
        refused = [told for told in (p.refused_for(type_name) for p in self.problems) if told]
        if refused:
            return f"not loaded: {'; '.join(refused)}"
        close = self.closest(type_name)
        parts = [f"did you mean {', '.join(repr(c) for c in close)}?"] if close else []
        failed = [p for p in self.problems if not p.type_name]
        # Only those that could have defined it are named: an unrelated echo.py's ImportError beside it misled.
        named = [str(p) for p in failed if could_define(p, type_name)]
        # Plugins, not problems, and every one a 'warning: plugin' line names: a type refused for a mistake was not
        # counted, and a file with two classes that do not subclass Node was counted twice.
        told = {plugin_of(p) for p in failed if could_define(p, type_name)}
        # Nor one that loaded its other types ("already defined ..., this one is ignored"): it did load.
        others = len(not_loaded(self.problems) - told)
        said = [*named[:3], f"and {len(named) - 3} more"] if len(named) > 3 else [*named]
        if others:  # check and run (refusing the patch) both print these lines, on stderr: no one command is named
            said.append(f"{counted(others, 'other plugin' if named else 'plugin')} did not load: "
                        f"a 'warning: plugin' line names {'each' if others != 1 else 'it'}")
        if said:
            parts.append(f"not loaded: {'; '.join(said)}" if named else said[0])
        nested = self._nested_file(type_name)
        if nested is not None:  # my-nodes/effects/echo.py was skipped without a word
            parts.append(f"not read: {nested} is in a sub-folder; node files are read from the folder itself: add "
                         f"--nodes {nested.parent} (or the folder to node_dirs)")
        init = self._package_init(type_name)
        if init is not None and nested is None:  # `--nodes mypkg/`: its classes in __init__.py, skipped as a helper
            project = next((folder for folder in list(init.parents)[:3] if _declares_entry_point(folder)), None)
            parts.append(f"not read: {init} is a package's __init__.py, which a node folder skips (files starting "
                         "with _ are helpers): " + (f"install its package, which declares entry points "
                                                    f"({_pip(project)})" if project else "put the class in a file of "
                                                    f"its own ({init.parent / type_name}.py)"))
        # A patch from another machine names its plugins' types; without their files, where they go is the news.
        return " ".join(parts) or ("`.venv/bin/exsampling nodes` lists the known types; one from a plugin needs its "
                                   "folder, given with --nodes DIR or node_dirs: [DIR] in the patch, or its package "
                                   "installed")

    def _nested_file(self, type_name: str) -> Path | None:
        """A node file in a sub-folder (two levels at most) of a node folder that could define ``type_name``
        (:func:`could_define`; by its name alone among many files: a home folder given as one), or None."""
        for folder in sorted(self._loaded_dirs):
            files = [file for file in sorted([*folder.glob("*/*.py"), *folder.glob("*/*/*.py")])
                     if file.parent not in self._loaded_dirs  # helpers, caches, hidden folders (a .venv) left out
                     and not any(part.startswith(("_", ".")) for part in file.relative_to(folder).parts)]
            for file in files:
                if (alike(letters(file.stem), letters(type_name)) if len(files) > 200
                        else could_define(PluginProblem(str(file), "", file=str(file)), type_name)):
                    return file
        return None

    def _package_init(self, type_name: str) -> Path | None:
        """A package's ``__init__.py`` in a node folder or a sub-folder of it (two levels at most) that could define
        ``type_name`` (:func:`could_define`), or None."""
        for folder in sorted(self._loaded_dirs):
            inits = [folder / "__init__.py", *sorted([*folder.glob("*/__init__.py"), *folder.glob("*/*/__init__.py")])]
            for file in inits:
                if (file.is_file() and not any(part.startswith(".") for part in file.relative_to(folder).parts)
                        and could_define(PluginProblem(str(file), "", file=str(file)), type_name)):
                    return file
        return None

    def unknown_message(self, type_name: str) -> str:
        close = self.closest(type_name)
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        return f"unknown node type '{type_name}'{hint}"

    def describe(self) -> list[dict[str, Any]]:
        """Every node type as plain data, sorted by family and name."""
        rows = []
        for type_name in sorted(self.types, key=lambda t: (self.types[t].family, t)):
            row = self.types[type_name].describe()
            row["origin"] = self.origins[type_name]
            rows.append(row)
        return rows

    # -- loading --------------------------------------------------------------------------------------------

    def register(self, node_type: type[Node], origin: str = "") -> None:
        """Add one node type; a second type with a taken name is reported and ignored, and so is a type with
        mistakes that would only show at its first message (an input without its handler, an ``emit`` to an
        unknown output: :func:`~exsampling_patch.node_checks.type_problems`), each with its file and line."""
        if not (inspect.isclass(node_type) and issubclass(node_type, Node)) or node_type is Node:
            raise TypeError(f"{described(node_type)} is not a Node subclass" + (
                f" (write class {node_type.__name__}(Node):)" if inspect.isclass(node_type) else ""))
        name = node_type.type_name
        # Built-ins are checked by the tests (tests/core/test_node_checks.py), not at every start.
        mistakes = type_problems(node_type) if origin != "built-in" else []
        for mistake in mistakes:  # a base's misspelt family, every type's of it: told once, at its line, naming all
            at, said = f"{mistake.file}:{mistake.line}", f"{mistake.message}; node type"
            n = next((n for n, p in enumerate(self.problems) if p.origin == at and p.error.startswith(said)
                      and p.type_name and name not in (p.type_name, *p.others)), None)
            if n is None:
                self.problems.append(PluginProblem(at, f"{said} '{name}' is not loaded", type_name=name))
                continue
            merged, others = self.problems[n], (*self.problems[n].others, name)
            self.problems[n] = replace(merged, others=others, error=f"{said}s " + ", ".join(
                f"'{t}'" for t in (merged.type_name, *others)) + " are not loaded")
        if mistakes:
            return
        if name in self.types and self.types[name] is not node_type:
            # Two entry points of one name are two packages: each named, the developer knows which two clash.
            where, origin = _class_line(node_type), self._with_package.get(origin, origin or node_type.__module__)
            first, first_line = self.origins[name], _class_line(self.types[name])
            first = self._with_package.get(first, first)
            if first_line.startswith(f"{first}:"):  # a file: the class, at its line (two in one file: the file alone)
                first = f"{self.types[name].__name__} at {first_line}"
            told = (f"{node_type.__name__}: node type '{name}' is already defined by {first}; "
                    "this one is ignored (give it a type_name of its own)")
            if where.startswith(f"{origin}:"):
                origin = where
            elif where:
                told += f" (at {where})"
            self.problems.append(PluginProblem(origin, told, type_name=name))
            return
        self.types[name] = node_type
        self.origins[name] = origin or node_type.__module__

    def register_module(self, module: ModuleType, origin: str) -> int:
        """Register every node type defined in ``module``; returns how many. A class that sets ``abstract = True``
        itself is a base of others, not a type; its subclasses are types (the flag is read off the class alone:
        inherited, it hid every subclass without a word)."""
        count = 0
        for value in vars(module).values():
            if _node_type(value) and value.__module__ == module.__name__:
                self.register(value, origin)
                count += 1
        return count

    def load_builtins(self) -> None:
        package = importlib.import_module(BUILTIN_PACKAGE)
        for info in pkgutil.iter_modules(package.__path__, prefix=f"{BUILTIN_PACKAGE}."):
            self._guarded(f"built-in module {info.name}", lambda name=info.name: self.register_module(
                importlib.import_module(name), "built-in"))

    def load_entry_points(self) -> None:
        for entry in metadata.entry_points(group=ENTRY_POINT_GROUP):
            origin = f"entry point {entry.name} ({entry.value})"
            dist = getattr(entry, "dist", None)  # one that fails names its package, to fix or uninstall
            told = f"{origin} of package {dist.name} {dist.version}" if dist is not None and dist.name else origin
            self._with_package[origin] = told
            self._guarded(told, lambda entry=entry, origin=origin: self._register_loaded(_load(entry), origin))

    def load_folder(self, folder: str | Path) -> None:
        """Load every ``*.py`` file in ``folder`` (not recursively, not those starting with ``_``) as a module of
        user nodes; the folder goes on ``sys.path`` so that they can import the modules beside them."""
        path = Path(folder).expanduser().resolve()
        if path in self._loaded_dirs:
            return
        self._loaded_dirs.add(path)
        if path.is_file():  # `--nodes my-nodes/reverse.py`: "does not exist" sent people looking for a typo
            self.problems.append(PluginProblem(str(path), f"is a file, not a folder of node files: name its folder, "
                                                          f"{path.parent}", plugin=str(path)))
            return
        if not path.is_dir():
            # Its key kept: `check` tells it at the patch's node_dirs line, two of them on two lines of one file.
            self.problems.append(PluginProblem(str(path), "node folder does not exist" + _folder_meant(path),
                                               plugin=str(path)))
            return
        # The folder's helper modules (`_dsp.py`, skipped below) are imported by name, as a script imports the
        # files beside it; at the end of the path, so that a file named like an installed module hides nothing.
        if str(path) not in sys.path:
            sys.path.append(str(path))
        NODE_FOLDERS.add(str(path))
        with own_helpers(path):
            for file in sorted(path.glob("*.py")):
                if file.name.startswith("_"):
                    continue
                self._guarded(str(file), lambda file=file: self._register_file(file), file=str(file))
        self._refuse_shared_bases()

    def _refuse_shared_bases(self) -> None:
        """Refuse a plugin type that other types loaded since derive from, and that leaves a method to them
        (:func:`~exsampling_patch.node_checks.shared_base_problems`): registered before them, it loaded as a type
        that failed on use."""
        for name, node_type in list(self.types.items()):
            mistakes = [] if self.origins[name] == "built-in" else shared_base_problems(node_type, self.types.values())
            if not mistakes:
                continue
            del self.types[name]
            plugin = self.origins.pop(name)
            self.problems += [PluginProblem(f"{m.file}:{m.line}", f"{m.message}; node type '{name}' is not loaded",
                                            type_name=name, plugin=plugin) for m in mistakes]
            loaded = plugin in self.origins.values()  # the file's other types, if any, still loaded
            self.problems = [_loaded_now(p, plugin, loaded) for p in self.problems]

    def _register_file(self, file: Path) -> None:
        """Register the node types of a node folder's ``file``, and tell each class in it that declares ports or
        parameters without being a :class:`Node` (``class Reverse:``): it loaded without a word, and the type
        was then unknown with nothing said of the file that meant to define it."""
        module = import_file(file)
        defined = self.register_module(module, str(file))
        told = len(self.problems)
        for value in vars(module).values():
            if (inspect.isclass(value) and value.__module__ == module.__name__ and not issubclass(value, Node)
                    and any(isinstance(v, PortSpec | Param) for v in vars(value).values())):
                where = _class_line(value)
                self.problems.append(PluginProblem(
                    where or str(file), f"{value.__name__} declares ports or parameters but does not subclass Node "
                    f"(write class {value.__name__}(Node):); it is not loaded", file=str(file)))
        if defined or len(self.problems) != told:
            return
        imported = [value for value in vars(module).values()  # one loaded already is a base or a test's subject
                    if _node_type(value) and value.__module__ != module.__name__
                    and self.types.get(value.type_name) is not value]
        # A file that only imports a node type (`from mypkg.nodes import Foo`) loads it, but not one another node
        # file defines (a test file's subject): that file loads it. Before, it was "defines no node type" alone.
        shims = [value for value in imported if not self._in_node_file(value)]
        for value in shims:
            self.register(value, str(file))
        if shims:
            return
        # A shared base in a file of its own (the guide's `from effect_base import Effect`) was told "no subclass of
        # Node": one set abstract = True is told nothing, one abstract for a method left undefined is told so.
        bases = [value for value in vars(module).values() if inspect.isclass(value) and issubclass(value, Node)
                 and value is not Node and value.__module__ == module.__name__]
        unsaid = [base for base in bases if not vars(base).get("abstract", False)]
        if bases and not unsaid:
            return
        if unsaid:
            names = ", ".join(base.__name__ + (f" (abstract: {', '.join(sorted(methods))} not defined)"
                                               if (methods := getattr(base, "__abstractmethods__", None)) else "")
                              for base in unsaid[:3])
            self.problems.append(PluginProblem(
                _class_line(unsaid[0]) or str(file), f"defines no node type, only the base class "
                f"{names}: a base other node types share is fine here, and sets abstract = True to say so; a type "
                "of its own defines those methods", file=str(file)))
            return
        # A helper module or a test file beside the node files was imported without a word, as a node file.
        why = "; ".join(f"{value.__name__} is imported from {value.__module__}" for value in imported[:3])
        self.problems.append(PluginProblem(
            str(file), f"defines no node type ({why or 'no subclass of Node'}); a helper of the node files is named "
            f"with a leading '_' (_{file.name}), which is not read as a node file", file=str(file)))

    def _in_node_file(self, node_type: type) -> bool:
        """Whether ``node_type`` is defined in a file a node folder loads (not in a ``_`` helper beside it)."""
        try:
            source = Path(inspect.getsourcefile(node_type) or "").resolve()
        except TypeError:
            return False
        return source.parent in self._loaded_dirs and not source.name.startswith("_")

    def _register_loaded(self, obj: Any, origin: str) -> None:
        if isinstance(obj, ModuleType):
            if not self.register_module(obj, origin):
                raise TypeError(f"module {obj.__name__} defines no Node subclass")
        elif inspect.isclass(obj):
            self.register(cast(type[Node], obj), origin)
        elif isinstance(obj, list | tuple):
            for item in obj:
                self.register(cast(type[Node], item), origin)
        else:
            raise TypeError(f"entry point must name a Node subclass, a list of them or a module, not {described(obj)}")

    def _guarded(self, origin: str, load: Any, file: str = "") -> None:
        plugin, key = not origin.startswith("built-in "), origin
        problems, types = len(self.problems), len(self.types)
        merged = [len(p.others) for p in self.problems]  # a type of this plugin's told in a problem already there
        if plugin:  # read by `exsampling run` from another thread: an import that never returns is named
            IMPORTING.append(origin)
        try:
            # A plugin's print() as it is imported goes to stderr: on stdout it came before `nodes --json`'s
            # document and `run --json`'s events, which scripts read. This thread's only: the editor's other
            # threads print on as they did (contextlib.redirect_stdout sent theirs to stderr too, meanwhile).
            with prints_to_stderr():
                load()
        except (Exception, SystemExit) as error:  # a plugin's sys.exit() at import ended check, nodes, run silently
            message = (f"SystemExit: it called sys.exit({error.code!r}) as it was imported"
                       if isinstance(error, SystemExit)
                       # A DeclarationError is told as the TypeError it is (its class carries the declaration's line)
                       else f"{'TypeError' if isinstance(error, DeclarationError) else type(error).__name__}: "
                            f"{error.msg if isinstance(error, SyntaxError) else error}{name_meant(error)}")
            where = _user_line(error)
            if where and where[0] == origin:
                origin = f"{origin}:{where[1]}"
            elif where:
                message += f" (at {where[0]}:{where[1]})"
            self.problems.append(PluginProblem(origin, message, traceback.format_exc(), file=file))
        finally:
            if plugin:
                IMPORTING.pop()
            # An entry point's import failure and a type refused in it (told at the type's file) are one plugin.
            loaded = len(self.types) > types
            self.problems[problems:] = [replace(p, plugin=key, loaded=loaded) for p in self.problems[problems:]]
            # A base's mistake told once, in its first type's plugin: this one refused a type too, and is counted so
            # (it was counted as loaded, and `check` said "1 plugin did not load" of two files that loaded nothing).
            self.problems[:problems] = [
                replace(p, other_plugins=(*p.other_plugins, (key, loaded))) if len(p.others) > merged[n] else p
                for n, p in enumerate(self.problems[:problems])]


def _loaded_now(problem: PluginProblem, plugin: str, loaded: bool) -> PluginProblem:
    """``problem`` with ``plugin`` told as ``loaded`` (or not), where the problem is about it (its own or another of
    its types' plugin)."""
    return replace(problem, loaded=loaded if problem.plugin == plugin else problem.loaded, other_plugins=tuple(
        (other, loaded if other == plugin else was) for other, was in problem.other_plugins))


def _node_type(value: object) -> bool:
    """Whether ``value`` is a node type to register: a :class:`Node` subclass that is not abstract, nor sets
    ``abstract = True`` itself (a base of others: inherited, the flag hid every subclass without a word)."""
    return (inspect.isclass(value) and issubclass(value, Node) and value is not Node and not inspect.isabstract(value)
            and not vars(value).get("abstract", False))


def _load(entry: metadata.EntryPoint) -> Any:
    """What ``entry`` names; one naming a class its module lacks says which of the module's node classes is
    closest: "module 'gainplug' has no attribute 'Gian'" left the package's author to find the typo."""
    try:
        return entry.load()
    except AttributeError as error:
        module = sys.modules.get(entry.module)
        wanted = (entry.attr or "").split(".")[0]
        names = [name for name, value in vars(module).items() if inspect.isclass(value) and issubclass(value, Node)
                 and value is not Node] if module is not None and wanted else []
        close = difflib.get_close_matches(wanted, names, n=1)
        if close and not hasattr(module, wanted):
            raise AttributeError(f"{error}; did you mean '{close[0]}'?") from error
        raise


def _pip(project: Path) -> str:
    """The command that installs ``project`` into the environment running this one, to paste as it is: a bare
    ``pip install`` took the shell's pip, often another Python's (or none), and the package stayed unknown here."""
    return f"{shlex.quote(sys.executable)} -m pip install {shlex.quote(str(project))}"


def _declares_entry_point(folder: Path) -> bool:
    """Whether ``folder`` holds a Python project (``pyproject.toml``, ``setup.cfg``, ``setup.py``) that declares an
    entry point of the node group."""
    for name in ("pyproject.toml", "setup.cfg", "setup.py"):
        with contextlib.suppress(OSError):
            if ENTRY_POINT_GROUP in (folder / name).read_text(encoding="utf-8", errors="replace"):
                return True
    return False


def _class_line(node_type: type) -> str:
    """``FILE:LINE`` of the class statement of ``node_type``, or '': two classes of one file taking one type name
    were told as the file twice, with nothing to say which."""
    try:
        return f"{inspect.getsourcefile(node_type)}:{inspect.getsourcelines(node_type)[1]}"
    except (OSError, TypeError):
        return ""


def _user_line(error: BaseException) -> tuple[str, int] | None:
    """The file and line of the plugin's code that raised ``error`` (or a syntax error's own), outside this package
    and the import machinery: "cannot import name 'TAEK'" said nothing of the line that asked for it."""
    if isinstance(error, SyntaxError) and error.filename and error.lineno:
        return error.filename, error.lineno
    if isinstance(error, DeclarationError) and error.where:  # the port's or parameter's line, not the class's
        return error.where
    package = str(Path(__file__).resolve().parent)
    for frame in reversed(traceback.extract_tb(error.__traceback__)):
        if frame.lineno and not frame.filename.startswith(("<", package)) and "/importlib/" not in frame.filename:
            return frame.filename, frame.lineno
    return None


#: The plugins (node files, entry points) being imported now, the innermost last.
IMPORTING: list[str] = []
