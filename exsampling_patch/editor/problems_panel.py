"""The problems panel under the patch: what keeps the patch from running, one line each, then what
``exsampling check`` warns of (likely a mistake, but it runs: a pattern whose slots are not the slot names of the
sampler it plays, what a node type's ``check_warnings`` finds, a plugin that did not load); a click on one shows
its node in the inspector.
Hidden while there are none."""

from __future__ import annotations

from collections.abc import Callable

import dearpygui.dearpygui as dpg

from exsampling_patch.editor.model import EditorModel
from exsampling_patch.editor.problem_words import problem_text
from exsampling_patch.errors import Problem
from exsampling_patch.param_checks import patch_warnings
from exsampling_patch.patchfile import SourceMap
from exsampling_patch.wording import counted

PROBLEMS_H = 130  # the panel's height, when there are problems


class ProblemsPanel:
    """``canvas`` is the node editor shortened to make room; ``show_node(node_id)`` shows a node in the
    inspector; ``say(text)`` puts text in the status bar."""

    tag = "problems"

    def __init__(self, model: EditorModel, canvas: str, show_node: Callable[[str], None],
                 say: Callable[[str], None]) -> None:
        self.model = model
        self.canvas = canvas
        self.show_node = show_node
        self.say = say
        self.problems: list[Problem] = []  # listed in the panel
        self._texts: list[str] | None = None

    def build(self, parent: int | str) -> None:
        dpg.add_child_window(tag=self.tag, parent=parent, height=PROBLEMS_H - 4, width=-1, show=False)

    def refresh(self) -> None:
        """List what keeps the patch from running under the patch, then the warnings; a click on one shows its node."""
        stopping = self.model.problems()
        # The file's name, so that a classifier's model given relative to it is read as check reads it (its labels
        # warned of); no text: the lines of the file as saved are not those of the patch being edited.
        source = SourceMap(str(self.model.path)) if self.model.path is not None else SourceMap()
        warnings = [*patch_warnings(self.model.patch, self.model.registry, source),
                    *self.model.plugin_warnings(stopping)]
        problems = [*stopping, *warnings]
        texts = [self.text(p) for p in stopping] + [f"warning: {self.text(w)}" for w in warnings]
        if not dpg.does_item_exist(self.tag) or texts == self._texts:
            return
        self._texts = texts
        self.problems = problems
        dpg.delete_item(self.tag, children_only=True)
        dpg.configure_item(self.tag, show=bool(problems))
        dpg.configure_item(self.canvas, height=-PROBLEMS_H if problems else -1)
        if not problems:
            return
        told = [f"{counted(len(stopping), 'problem')}: the patch cannot run until they are "
                "fixed"] if stopping else []
        if warnings:
            told.append(f"{counted(len(warnings), 'warning')}: it runs, but likely not as meant")
        dpg.add_text(f"{'; '.join(told)}. Click one to show its node.", parent=self.tag, color=(230, 200, 90))
        for index, text in enumerate(texts):
            dpg.add_selectable(label=text, tag=f"{self.tag}:{index}", parent=self.tag, span_columns=True,
                               callback=lambda s, a, u: self.select(u), user_data=index)
            with dpg.tooltip(f"{self.tag}:{index}"):
                dpg.add_text(text, wrap=600)

    def text(self, problem: Problem) -> str:
        where = f"line {problem.line}: " if problem.line is not None else ""
        unkept = " [not read from the file: saving drops it]" if problem in self.model.file_problems else ""
        return f"{where}{problem_text(problem)}{unkept}"

    def select(self, index: int) -> str | None:
        """Show the node a listed problem is about in the inspector; returns its id (None if it names none)."""
        if dpg.does_item_exist(f"{self.tag}:{index}"):
            dpg.set_value(f"{self.tag}:{index}", False)
        if index >= len(self.problems):
            return None
        node_id = self.model.problem_node(self.problems[index])
        if node_id is not None:
            self.show_node(node_id)
        self.say(self.problems[index].message)
        return node_id
