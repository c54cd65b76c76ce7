"""Files: open, save, save as, the unsaved-changes prompt and the message window a refused file shows in.

Any patch that reads as YAML opens, problems and all; only a file that is not a patch at all is refused, with
the whole reason in the message window. Leaving unsaved changes (new, open, quit) goes through :meth:`request`.
"""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import dearpygui.dearpygui as dpg
import yaml

from exsampling_patch.editor import dialogs
from exsampling_patch.editor.live import Runner
from exsampling_patch.editor.model import EditorModel
from exsampling_patch.errors import PatchError
from exsampling_patch.wording import counted

MESSAGE_BOX: dict[str, Any] = {"width": 600, "height": 260, "pos": (400, 250)}


def save_failure(target: Path, error: OSError) -> str:
    """Why ``target`` could not be saved, in a composer's words: the folder and the reason. The system's own
    message names the temporary file the atomic write makes beside the patch (``.p.yaml.1f2e3d4c.tmp``)."""
    folder = target.absolute().parent
    reasons = {errno.EACCES: f"the folder {folder} is read-only for you",
               errno.EPERM: f"the folder {folder} is read-only for you",
               errno.EROFS: f"the folder {folder} is on a read-only disk",
               errno.ENOENT: f"the folder {folder} does not exist (any more)",
               errno.ENOTDIR: f"{folder} is not a folder",
               errno.EISDIR: f"{target} is a folder",
               errno.ENOSPC: "the disk is full",
               errno.EDQUOT: "the disk quota is used up"}
    reason = reasons.get(error.errno or 0, error.strerror or str(error))
    if error.errno in (errno.EACCES, errno.EPERM) and error.filename == str(target):
        reason = f"{target.name} is read-only (made so to keep it as it is?)"
    return f"cannot save {target.name}: {reason}. Nothing was written; File > Save as saves it elsewhere."


def patch_target(path: str | os.PathLike[str]) -> Path:
    """Where Save as writes for the ``path`` chosen: a name without an extension gets ``.yaml``."""
    target = Path(path)
    return target.with_suffix(".yaml") if target.suffix == "" else target


def comment_lines(text: str) -> list[int]:
    """The lines (1-based) of the YAML comments in ``text``: a ``#`` at a line's start or after a space, outside
    any value (a quoted one, a block of text). The editor writes none back."""
    hashes = [found.end() - 1 for found in re.finditer(r"(?:^|[ \t])#", text, re.MULTILINE)]
    if not hashes:  # no scan: PyYAML's own took 19 s on a 3 MB patch, libyaml's 2 s
        return []
    try:
        values = [(token.start_mark.index, token.end_mark.index)
                  for token in yaml.scan(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
                  if isinstance(token, yaml.ScalarToken)]
    except yaml.YAMLError:
        return []
    # One walk through both, each in the text's order (values none inside another): counting the lines up to each
    # hash from the start, and looking in the list of lines found, made a long patch's save quadratic.
    lines: list[int] = []
    line, counted, at = 1, 0, 0
    for index in hashes:
        while at < len(values) and values[at][1] <= index:
            at += 1
        if at < len(values) and values[at][0] <= index:
            continue  # in a value: 'x # y', a block of text
        line += text.count("\n", counted, index)
        counted = index
        if not lines or lines[-1] != line:
            lines.append(line)
    return lines


class FileActions:
    """``say(text)`` puts text in the status bar."""

    def __init__(self, model: EditorModel, runner: Runner, say: Callable[[str], None]) -> None:
        self.model = model
        self.runner = runner
        self.say = say
        #: The patch file whose comments the composer was told Save drops, or that the editor has saved (it wrote
        #: no comment): no more looking for comments in it.
        self._comments_told: Path | None = None
        #: The patch file as the editor last read or wrote it (its modification time and size), to tell a change
        #: made meanwhile by another program (a text editor, a git checkout) before a save replaces it.
        self._on_disk: tuple[Path, int, int] | None = None
        self._stamp(model.path)
        model.listen(self._on_change)

    def build(self) -> None:
        """The unsaved-changes prompt and the message window (hidden)."""
        with dpg.window(tag="prompt", label="Unsaved changes", modal=True, show=False, no_resize=True,
                        width=360, height=125, pos=(500, 300)):
            dpg.add_text("The patch has unsaved changes. Save them first?")
            dpg.add_text("Enter saves, Esc cancels", color=(150, 150, 150))
            with dpg.group(horizontal=True):
                for answer in ("save", "discard", "cancel"):
                    dpg.add_button(label=answer.capitalize(), tag=f"prompt:{answer}", width=100,
                                   callback=lambda s, a, u: self.answer_prompt(u), user_data=answer)
        with dpg.window(tag="message", label="Cannot open", modal=True, show=False, **MESSAGE_BOX):
            dpg.add_text("", tag="message:text", wrap=570)
            dpg.add_button(label="OK", tag="message:ok", width=100,
                           callback=lambda: dpg.configure_item("message", show=False))

    def request(self, action: Callable[[], Any]) -> bool:
        """Run ``action`` now, or after the unsaved-changes prompt; returns True if it ran now."""
        if self.model.guard(action):
            return True
        dpg.configure_item("prompt", show=True)
        return False

    def answer_prompt(self, answer: str) -> None:
        dpg.configure_item("prompt", show=False)
        if answer == "save" and self.model.path is None:
            # No file yet: ask where; save_as() then runs the action the prompt holds.
            self.ask_save_as()
            return
        if answer == "save" and self._held_back(self.model.path):
            return
        try:
            self.model.resolve(answer)
        except OSError as error:
            self._save_failed(self.model.path or Path("untitled.yaml"), error)
        except Exception as error:
            self.say(f"could not save: {error}")

    def new(self) -> None:
        """A new, empty patch (call through :meth:`request`). A running patch stops first, as for open: left
        running, the empty patch was swapped into it (every node stopped, the run state still "running") and the
        nodes added next started at once, from the old patch's folder."""
        if self.runner.running:
            self.runner.stop()
        self.model.new()
        # What the status bar said was of the patch left ("the patch is larger than the view", over an empty one)
        # goes; the navigator says how to begin once the empty patch opens (Navigator.settle).
        self.say("")

    def open(self, path: str | os.PathLike[str]) -> bool:
        """Open a patch, problems and all (call through :meth:`request` to keep unsaved changes safe).

        Only a file that cannot be read as a patch at all (not YAML, ...) is refused, with the reason in a
        message window."""
        try:
            if self.runner.running:
                self.runner.stop()
            problems = self.model.open(path)
        except (PatchError, OSError) as error:
            self.say(f"cannot open {path}")
            self.show_message(f"Cannot open {path}", str(error))
            return False
        status = f"opened {path}"
        if problems:
            count = counted(len(problems), "problem")
            status += f": {count}, listed under the patch; it cannot run until they are fixed"
        self.say(status)
        return True

    def show_message(self, title: str, text: str) -> None:
        """The message window with ``text``, shown from the next frame on (it is often asked for by the file
        dialog's callback, as that modal closes: see :func:`dialogs.show_later`)."""
        if dpg.does_item_exist("message"):
            dpg.configure_item("message", label=title)
            dpg.set_value("message:text", text)
            dialogs.show_later("message", **MESSAGE_BOX)

    def save(self) -> bool:
        if self.model.path is None:
            self.ask_save_as()
            return False
        return self.save_as(self.model.path)

    def save_as(self, path: str | os.PathLike[str]) -> bool:
        target = patch_target(path)
        folder = self.model.base_dir
        if self._held_back(target):
            return False
        try:
            self.model.save(target)
        except OSError as error:
            self._save_failed(target, error)
            return False
        self.say(f"saved {target}")
        self._comments_told = target  # written by the editor: no comment to look for at the next save
        if self.runner.running and self.model.base_dir != folder:
            # Its relative paths now name the same files from the new folder; the running patch takes them from
            # the folder it started in: it starts again from the new one, or an edit swapped in would mix the two.
            self.runner.stop()
            started = self.runner.start()
            self.say(f"saved {target}; the patch " + ("started again from its new folder" if started
                                                     else f"stopped: {self.runner.problem}"))
        if self.model.pending:
            self.model.resolve("discard")  # already saved: run the action the prompt held
        return True

    def _on_change(self, what: str, subject: object) -> None:
        if what == "reset":  # opened (again) or new: its comments are looked for anew, they may be back since
            self._comments_told = None
        if what in ("reset", "saved"):
            self._stamp(self.model.path)

    def _stamp(self, path: Path | None) -> None:
        try:
            info = os.stat(path) if path is not None else None
        except OSError:
            info = None
        self._on_disk = None if path is None or info is None else (path, info.st_mtime_ns, info.st_size)

    def _held_back(self, target: Path | None) -> bool:
        """Whether a save over the patch file opened is held back, once, to say first what it would lose: a change
        made to the file by another program meanwhile, or its comments."""
        return self._changed_on_disk(target) or self._comments_kept_back(target)

    def _changed_on_disk(self, target: Path | None) -> bool:
        """Whether the file the patch was opened from (or last saved to) changed since, and so is told (see
        :meth:`_comments_kept_back`); the next save replaces it."""
        before = self._on_disk
        if target is None or before is None or before[0] != target:
            return False
        self._stamp(target)
        if self._on_disk is None or self._on_disk == before:
            return False
        text = (f"{target.name} was changed on disk since it was opened here (by another program?). Save again to "
                "replace it with the patch as edited here, or Save as to keep both.")
        self._save_stopped("Changed on disk", text)
        return True

    def _comments_kept_back(self, target: Path | None) -> bool:
        """Whether a save over the patch file opened is held back, once, for the YAML comments in it, which the
        editor does not write (a composer's notes, gone without a word at the first Ctrl+S). Says so; what the
        unsaved-changes prompt held is dropped, as when a save fails."""
        if target is None or target != self.model.path or target == self._comments_told:
            return False
        try:
            lines = comment_lines(target.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            return False
        if not lines:
            return False
        self._comments_told = target
        shown = ", ".join(map(str, lines[:5])) + (" ..." if len(lines) > 5 else "")
        plural = "s" if len(lines) != 1 else ""
        text = (f"{target.name} has {len(lines)} comment line{plural} (# ..., line{plural} {shown}), which the "
                f"editor does not keep. Save again to save it without them, or Save as to keep "
                "that file as it is; the patch's description keeps notes.")
        self._save_stopped("Comments are not kept", text)
        return True

    def _save_stopped(self, title: str, text: str) -> None:
        """A save not done (failed, or held back to ask): said in the status bar and the message window; what the
        unsaved-changes prompt held (new, open, quit) is dropped: kept, it ran after a later save, long after."""
        if self.model.pending:
            self.model.resolve("cancel")
            text += " The patch stays open."
        self.say(text)
        self.show_message(title, text)

    def _save_failed(self, target: Path, error: OSError) -> None:
        """Say why in the message window, not only the status bar (Ctrl+S pressed, the composer looks at the
        patch)."""
        self._save_stopped("Cannot save", save_failure(target, error))

    def ask_open(self) -> None:
        dialogs.ask_path("dialog:open", "Open patch", self.open, default_path=str(self.model.base_dir),
                         ok_label="Open")

    def ask_save_as(self) -> None:
        name = self.model.path.name if self.model.path else "untitled.yaml"
        dialogs.ask_path("dialog:save_as", "Save patch as", self.save_as, default_path=str(self.model.base_dir),
                         default_name=name, ok_label="Save", on_cancel=self._save_cancelled,
                         warn=self._would_replace)

    def _would_replace(self, path: str) -> str | None:
        """Save as onto another patch already there: said in the dialog, and done only when chosen again (a name
        clicked in the list, or the current file's name kept in another folder, replaced that patch unasked)."""
        target = patch_target(path)
        if not target.exists() or (self.model.path is not None and target.resolve() == self.model.path.resolve()):
            return None
        return f"{target.name} is there already: Save again replaces it"

    def _save_cancelled(self) -> None:
        """Save as cancelled: what the unsaved-changes prompt held (new, open, quit) is dropped with it. Kept, it
        ran after the next save, long after: the patch just saved was replaced by a new one, or the editor quit."""
        if self.model.pending:
            self.model.resolve("cancel")
            self.say("cancelled: nothing saved, the patch stays open")

    def cancel(self) -> bool:
        """Esc: cancel the prompt, a file dialog or the message, whichever is open; False if none is."""
        if dialogs.shown("prompt"):
            self.answer_prompt("cancel")
            self.say("cancelled")
            return True
        if dialogs.cancel_open():
            return True
        if dialogs.shown("message"):
            dpg.configure_item("message", show=False)
            return True
        return False

    def confirm(self) -> bool:
        """Enter: the prompt's Save (its first button), or the message's OK, whichever is open; False if neither
        is (the file dialogs take Enter in their name field). Only the mouse answered them before."""
        if dialogs.shown("prompt"):
            self.answer_prompt("save")
            return True
        if dialogs.shown("message"):
            dpg.configure_item("message", show=False)
            return True
        return False

    def modal_open(self) -> bool:
        """Whether the prompt, the message or a file dialog is on top (keys belong to it)."""
        return dialogs.any_open() or dialogs.shown("prompt") or dialogs.shown("message")
