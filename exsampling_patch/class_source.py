"""Where a class's statements are in its source: the class body of a type (parsed once per file), and the line
assigning one of its attributes. Used by the checks of node types (``node_checks``) and by ``node.py`` itself, whose
refusals of a port or parameter point at its declaration: apart, so that neither imports the other.
"""

from __future__ import annotations

import inspect
from typing import Any


def assigned_line(body: Any, attribute: str) -> int:
    """The line of the class body's statement assigning ``attribute``, annotated or not (the class line where none
    does)."""
    import ast

    for statement in body.body:
        targets = statement.targets if isinstance(statement, ast.Assign) else (
            [statement.target] if isinstance(statement, ast.AnnAssign) else [])
        if any(isinstance(t, ast.Name) and t.id == attribute for t in targets):
            return int(statement.lineno)
    return int(body.lineno)


def class_source(cls: type) -> tuple[str, Any] | None:
    """The file and the ``ast.ClassDef`` of ``cls``, from its module's source parsed once (or None)."""
    import ast
    import linecache

    try:
        file = inspect.getsourcefile(cls)
    except TypeError:
        return None
    if not file:
        return None
    source = "".join(linecache.getlines(file))
    if not source:
        return None
    classes = _class_index.get((file, source))
    if classes is None:
        try:
            tree = ast.parse(source, file)
        except SyntaxError:
            return None
        if len(_class_index) > 64:
            _class_index.clear()
        classes = _class_index[(file, source)] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                classes.setdefault(node.name, []).append(node)
    candidates = classes.get(cls.__name__, [])
    if len(candidates) > 1:  # classes of one name in several functions: the one declaring these ports
        def declared(node: ast.ClassDef) -> set[str]:
            return {t.id for s in node.body if isinstance(s, ast.Assign) for t in s.targets if isinstance(t, ast.Name)}
        candidates = [n for n in candidates if set(vars(cls)) >= declared(n)]
    return (file, candidates[0]) if len(candidates) == 1 else None


#: Class definitions by name, per (file, source) parsed: a module with many node types is parsed once.
_class_index: dict[tuple[str, str], dict[str, list[Any]]] = {}
