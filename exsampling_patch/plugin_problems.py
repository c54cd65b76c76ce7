"""What a plugin (a node file, an entry point) that did not load, or loaded in part, is told as: the problem, the
plugin it is about, and whether it may be where a type a patch names is defined."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class PluginProblem:
    """A plugin or user-node file that could not be loaded."""

    origin: str  # "entry point NAME (VALUE)" (one that failed: "... of package DIST VERSION") or a file path
    error: str
    details: str = ""
    type_name: str = ""  # the node type it is about, where one is known (not for a file that failed to import)
    file: str = ""  # the node file that failed to import, where it is one (its text says which types it may define)
    plugin: str = ""  # the node file or entry point it came from, as loaded: one key for all its problems
    loaded: bool = False  # that plugin loaded other node types (this one refused): not a plugin that did not load
    others: tuple[str, ...] = ()  # more node types refused for this one mistake (their base's), told in this problem
    #: The plugins of ``others`` that are not this one's (their files), each with whether it loaded other types.
    other_plugins: tuple[tuple[str, bool], ...] = ()

    def __str__(self) -> str:
        return f"{self.origin}: {self.error}"

    def refused_for(self, type_name: str) -> str:
        """Why ``type_name`` was refused, from this problem (its "node type ... not loaded" end left out), or ''."""
        told = re.sub(r"; node types? '[^;]*' (is|are) not loaded$", "", str(self))
        return told if type_name in (self.type_name, *self.others) else ""


def could_define(problem: PluginProblem, type_name: str) -> bool:
    """Whether the plugin that failed to load in ``problem`` may be where ``type_name`` is defined: a node file
    named like it, or whose text declares it (``type_name = "reverb"``, or ``class Reverb``, whose type name it
    is by default); an entry point named like it; a node folder that is not there (it may hold anything)."""
    wanted = letters(type_name)
    if problem.file:
        if alike(letters(Path(problem.file).stem), wanted):
            return True
        try:
            text = Path(problem.file).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return False
        declared = re.findall(r"""\btype_name\b[^=\n]*=\s*['"]([^'"]+)['"]""", text)
        classes = re.findall(r"^\s*class\s+(\w+)", text, re.M)
        return type_name in declared or any(letters(name) == wanted for name in classes)
    if problem.origin.startswith(("entry point ", "built-in module ")):
        words = re.split(r"[^A-Za-z0-9]+", problem.origin.removeprefix("entry point ").removeprefix("built-in module "))
        return any(alike(letters(word), wanted) for word in words)
    return True


def plugin_of(problem: PluginProblem) -> str:
    """The plugin ``problem`` is about: the one it was loaded from, its node file, or its origin without a line
    (``FILE:LINE`` of a type refused in it)."""
    return problem.plugin or problem.file or re.sub(r":\d+$", "", problem.origin)


def not_loaded(problems: Iterable[PluginProblem]) -> set[str]:
    """The plugins ``problems`` are about that loaded no node type, each once (:func:`plugin_of`): one that loaded
    its other types, a type of it refused ("already defined by ..."), is not one."""
    problems = list(problems)
    # A type refused for its base's mistake, told once in another file's problem, leaves its own file unloaded too
    return {plugin_of(p) for p in problems if not p.loaded} | {
        plugin for p in problems for plugin, loaded in p.other_plugins if not loaded}


def loaded_in_part(problems: Iterable[PluginProblem]) -> set[str]:
    """The plugins ``problems`` are about that loaded some of their node types, not all."""
    problems = list(problems)
    return {plugin_of(p) for p in problems if p.loaded} | {
        plugin for p in problems for plugin, loaded in p.other_plugins if loaded}


def alike(name: str, wanted: str) -> bool:
    """One name is the other, or holds it (``reverb`` and ``reverbtail``), where that is no mere letter or two."""
    return name == wanted or (min(len(name), len(wanted)) >= 3 and (name in wanted or wanted in name))


def letters(name: str) -> str:
    """``name`` lowercased, letters and digits only: ``ReverbTail``, ``reverb_tail`` and ``reverb-tail`` alike."""
    return re.sub(r"[\W_]", "", name.casefold())
