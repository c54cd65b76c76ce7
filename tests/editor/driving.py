"""Real input for the window scenarios (``*_scenario.py``): X mouse and key events on the test display (sent
through XTEST as ``xdotool`` sends them), each followed by frames, and where on the canvas to aim them; the
editor opened in a window, and the temporary folders the scenarios work in.

Every event goes through the X server to the window, so Dear PyGui's own handlers run, as for a person.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import dearpygui.dearpygui as dpg

from exsampling_patch.editor import callbacks
from exsampling_patch.editor.app import INSPECTOR_W, PALETTE_W, EditorApp
from tests.editor import xinput
from tests.editor.harness import open_editor

REPO = Path(__file__).resolve().parents[2]
#: As wide as the test display (Xvfb 1280x1024), but the window opens at (100, 100): its right 100 px and bottom
#: 76 px lie off the display, where no click lands (the pointer stops at the display's edge). A scenario that
#: clicks there (the inspector's right column) first moves the window to (0, 0), as combo_keys_scenario.py does.
VIEWPORT = (1280, 1000)
#: Frames after a step of a drag, then the last step's (before the release, or a block that reads the drag): 0 for
#: each step but the last, which waits only until the frame in which the move is seen (no settling: each frame's
#: callbacks run after it, in order, and the last step's settling draws what they all did; a settling after each
#: step drew 3-4 frames a step, a third of the keys scenario's frames); the last has the frames any event has
#: (None: until the frame it is seen in, then the settling's).
STEP_FRAMES: tuple[int | None, int | None] = (0, None)
#: The most frames an event is waited for where its frame cannot be seen (the pointer stopped at the display's edge,
#: a key no state shows): the fixed count every event had before.
EVENT_FRAMES = 3
#: Dear PyGui's numbers for ``xdotool``'s mouse buttons (1 left, 2 middle, 3 right), and its modifier keys.
_BUTTONS = {1: dpg.mvMouseButton_Left, 2: dpg.mvMouseButton_Middle, 3: dpg.mvMouseButton_Right}
_MODIFIERS = {"ctrl": dpg.mvKey_ModCtrl, "control": dpg.mvKey_ModCtrl, "shift": dpg.mvKey_ModShift,
              "alt": dpg.mvKey_ModAlt}
#: The keys whose release :meth:`Driver.key` does not wait for: a modifier let go after the key it held for.
_MODIFIER_KEYS = frozenset({dpg.mvKey_LControl, dpg.mvKey_RControl, dpg.mvKey_LShift, dpg.mvKey_RShift,
                            dpg.mvKey_LAlt, dpg.mvKey_RAlt, dpg.mvKey_ModCtrl, dpg.mvKey_ModShift, dpg.mvKey_ModAlt})


class Driver:
    """Real input events, each followed by frames so that the editor sees them one at a time."""

    def __init__(self, app: EditorApp) -> None:
        self.app = app
        x, y = dpg.get_viewport_pos()
        self.origin = (int(x), int(y))
        # Key releases the editor has taken (see key): queued behind the editor's handler of the key's press.
        self._releases = 0
        with dpg.handler_registry():
            dpg.add_key_release_handler(callback=self._released)

    @staticmethod
    def send(*args: object) -> None:
        """The event of the ``xdotool`` command ``args`` (pointer moves, buttons, keys, shifted ones too), sent
        from this process through XTEST (xinput.py; an ``xdotool`` process each cost 10-20 ms); no frame. Raises
        for anything else: no ``xdotool`` process stands in, so the window scenarios need none installed."""
        if not xinput.send(*args):
            raise RuntimeError(f"xinput cannot send {' '.join(map(str, args))!r} (no display, or no key types it)")

    def input(self, *args: object, frames: int | None = None) -> None:
        """The event of the ``xdotool`` command ``args``, sent as :meth:`send` sends it, then ``frames`` frames, or
        with none given the frames until the editor has seen it (:meth:`seen`); then the settling's. With 0, only
        the frames until it is seen, no settling (a step between others: see STEP_FRAMES)."""
        # No sleep before the frames: both ways end with a round trip (XSync; xdotool's when it closes its display
        # on exit) after which the server has handled the event and queued what it sends the window, so the next
        # frame's poll reads it.
        self.send(*args)
        self._frames_after(args, frames, EVENT_FRAMES)

    def seen(self, *args: object, most: int = EVENT_FRAMES) -> None:
        """Frames until the one in which Dear PyGui has taken the event of ``args`` (the pointer where it was sent,
        a button or a modifier down or up: what the editor's handlers read each frame), one at least; ``most`` where
        it cannot tell. A fixed 3 frames an event, before the settling's, drew 1,600 frames for the keys scenario,
        most of its CPU in the software renderer."""
        done = self._taken(args)
        for _ in range(most):
            self.app.render(1)
            if done is not None and done():
                return

    def _taken(self, args: tuple[object, ...]) -> Callable[[], bool] | None:
        """What tells that the event of ``args`` is taken; None for one no state shows (a click, a key)."""
        what = args[0]
        if what == "mousemove" and len(args) == 3:
            want = [float(str(args[1])) - self.origin[0], float(str(args[2])) - self.origin[1]]
            return lambda: list(dpg.get_mouse_pos(local=False)) == want
        down = what in ("mousedown", "keydown")
        if what in ("mousedown", "mouseup") and str(args[1]).isdigit() and int(str(args[1])) in _BUTTONS:
            button = _BUTTONS[int(str(args[1]))]
            return lambda: bool(dpg.is_mouse_button_down(button)) == down
        if what in ("keydown", "keyup") and str(args[1]).lower() in _MODIFIERS:
            key = _MODIFIERS[str(args[1]).lower()]
            return lambda: bool(dpg.is_key_down(key)) == down
        return None

    def frames(self, count: int) -> None:
        """``count`` frames, then the settling's (see :meth:`settle`)."""
        self.app.render(count)
        self.settle()

    @contextmanager
    def holding(self, key: str, frames: int | None = None, after: int | None = None) -> Iterator[None]:
        """``key`` held down through the block (XTEST: xinput.holding), ``frames`` frames after the press and
        ``after`` after the release, or with none given until the editor has seen each (a modifier; 3 and 5 frames
        for another key), then the settling's (0: until seen, no settling); let go also when the block raises, or it
        stayed down on the test display for the scenarios after this one."""
        try:
            with xinput.holding(key):
                self._frames_after(("keydown", key), frames, EVENT_FRAMES)
                yield
        finally:
            self._frames_after(("keyup", key), after, 5)

    def _frames_after(self, event: tuple[object, ...], frames: int | None, most: int) -> None:
        if frames is None:
            self.seen(*event, most=most)
            self.settle()
        elif frames == 0:  # a step between others (see STEP_FRAMES): its own frame, the settling left to the last
            self.seen(*event, most=most)
        else:
            self.frames(frames)

    def settle(self) -> None:
        """Two frames, each followed by the callbacks it queued: the editor runs them on this thread right after
        the frame (EditorApp.render, callbacks.py), so once a frame is rendered its key and mouse handlers have run.
        The first frame is for the widgets: ImGui acts on an event a frame after Dear PyGui's state shows it (a
        button's callback came a frame after its release was seen: the file dialog Discard opens was not there yet);
        the second draws what the callbacks did (the pan that the Right key's handler made, the nodes Delete
        removed). The callback thread's settling rendered until a tick queued behind them had run: two frames at
        least, more on a loaded machine."""
        self.app.render(2)

    @contextmanager
    def late(self) -> Iterator[None]:
        """Frames rendered in the block leave their callbacks queued; they run once it ends, in their order, as if
        a slow callback had held them up (the scenarios that check the editor's handlers read each event as of its
        own frame). The editor runs each frame's callbacks after it (EditorApp.render); held on Dear PyGui's own
        callback thread by a frame callback that waited, as before, the wait now held the frame loop itself."""
        run_queued = callbacks.run_queued
        callbacks.run_queued = lambda: 0  # render() finds it here: nothing run
        try:
            yield
        finally:
            callbacks.run_queued = run_queued
            run_queued()

    def _render_until(self, done: Callable[[], bool], most: int, failure: str) -> None:
        for _ in range(most):
            self.app.render(1)
            if done():
                return
        raise RuntimeError(f"{failure} in {most} frames")

    def _released(self, sender: object, key: object, *_: object) -> None:
        # A modifier's release is no key's: one let go as the next key goes down (see key) is not that key's.
        if key not in _MODIFIER_KEYS:
            self._releases += 1

    def move(self, point: tuple[float, float], frames: int | None = None) -> None:
        self.input("mousemove", self.origin[0] + int(point[0]), self.origin[1] + int(point[1]), frames=frames)

    def drag(self, start: tuple[float, float], delta: tuple[float, float], button: int = 1) -> None:
        # The press and the moves each in a frame of their own, the settling after the last move's (see STEP_FRAMES).
        self.move(start, frames=0)
        self.input("mousedown", button, frames=0)
        for step in range(1, 9):
            self.move((start[0] + delta[0] * step / 8, start[1] + delta[1] * step / 8), frames=STEP_FRAMES[step == 8])
        self.input("mouseup", button)

    def drag_to(self, start: tuple[float, float], end: tuple[float, float], steps: int = 10) -> None:
        """Press at ``start``, move to ``end`` in ``steps`` even steps and let go (a link dragged pin to pin)."""
        with self.dragging(start, end, steps, pause_at=0):
            pass

    @contextmanager
    def dragging(self, start: tuple[float, float], end: tuple[float, float], steps: int = 10,
                 pause_at: int | None = None) -> Iterator[None]:
        """Press at ``start`` and move towards ``end`` in ``steps`` even steps; the ``with`` block runs mid-drag,
        after step ``pause_at`` (half-way unless given), with the button still down; then the rest of the steps
        and the release. What a drag shows while it lasts (a link's hints) is read in the block."""
        pause = steps // 2 if pause_at is None else pause_at
        self.move(start, frames=0)
        self.input("mousedown", 1, frames=0)

        def walk(steps_done: range) -> None:
            for step in steps_done:
                self.move((start[0] + (end[0] - start[0]) * step / steps,
                           start[1] + (end[1] - start[1]) * step / steps), frames=STEP_FRAMES[step == steps_done[-1]])

        walk(range(1, pause + 1))
        try:
            yield
        finally:
            walk(range(pause + 1, steps + 1))
            self.input("mouseup", 1)

    def click(self, point: tuple[float, float]) -> None:
        """A move to ``point``, a press and a release, each in a frame of its own (seen), and the settling after the
        release: the handlers run in their order and read where the mouse was in their own frame (canvas_clicks),
        so a settling after the move and the press as well only drew 4-5 frames more a click."""
        self.move(point, frames=0)
        self.input("mousedown", 1, frames=0)
        self.input("mouseup", 1)

    def double_click(self, point: tuple[float, float]) -> None:
        """Two clicks with no frame between them (XTEST): ImGui takes one event a frame, so the second click comes
        4 frames after the first; an ``xdotool click --repeat`` process put its own start-up and delay before them.
        Frames until the frames have seen the button go down, up, down and up (8 at most, the fixed count it had),
        then the settling's."""
        self.move(point)
        for _ in range(2):
            self.send("click", 1)
        button, last, changes = _BUTTONS[1], False, 0
        for _ in range(8):
            self.app.render(1)
            down = bool(dpg.is_mouse_button_down(button))
            changes += down != last
            last = down
            if changes >= 4:
                break
        self.settle()

    def type(self, text: str, frames: int = 0) -> None:
        """``text`` typed, a tap of its key for each character (XTEST; Shift around a shifted one), each taken as
        :meth:`key` takes it, ``frames`` frames more after each, as a person types: Dear ImGui takes a key again
        only in a later frame."""
        for char in text:
            # X names a character's key symbol by its code point too ("U002E" is period).
            self.key(char if char.isascii() and char.isalnum() else f"U{ord(char):04X}", frames=frames)

    def key(self, key: str, *modifiers: str, frames: int = 0) -> None:
        """A tap of ``key``, ``modifiers`` held down first (each until the editor has seen it), then ``frames``
        frames and more until the editor has taken the key: its release handled (behind the press's handler), the
        callbacks settled and drawn (see :meth:`settle`). The press and the release go together: ImGui takes the
        press in one frame and the release in the next, so no repeat comes of it however slow the frames. Held for
        frames, on a loaded machine they outlasted ImGui's key repeat delay (0.275 s): 'b' typed twice in a file
        name, Ctrl+V pasted twice."""
        with ExitStack() as held:
            for modifier in modifiers:
                # Until the editor has seen it, no settling: the key's own settling comes after the modifier's
                # handlers (they run in order), and the editor reads a key's Ctrl from the key's own frame.
                held.enter_context(self.holding(modifier, frames=0, after=0))
            # A frame first: a field the last event's callbacks gave the keyboard (dpg.focus_item: Rename...) takes it
            # a frame after the one that asks; on a loaded machine a key sent sooner was lost ("sink" typed "ink").
            # A modifier's frame (held above, seen) is one.
            if not modifiers:
                self.app.render(1)
            taken = self._releases
            self.send("keydown", key)
            self.send("keyup", key)
            self.app.render(frames)
            self._render_until(lambda: self._releases > taken, 2000, f"the editor did not take the key {key!r}")
            self.settle()


def press_point(tag: str) -> tuple[float, float]:
    """Where a click on an item lands: level with its middle, at most 40 px in from its left edge (a wide row's
    text starts there)."""
    (x, y), (w, h) = dpg.get_item_rect_min(tag), dpg.get_item_rect_size(tag)
    return (x + min(w / 2, 40), y + h / 2)


def canvas_box() -> tuple[float, float, float, float]:
    """Where canvas points may be clicked: inside the node editor, clear of the minimap (bottom right)."""
    width, height = dpg.get_viewport_client_width(), dpg.get_viewport_client_height()
    return (PALETTE_W + 30, 80, width - INSPECTOR_W - 30, height - 50)


def node_rects() -> dict[str, tuple[float, float, float, float]]:
    rects = {}
    for alias in dpg.get_aliases():
        if alias.startswith("node:") and dpg.is_item_visible(alias):
            (x, y), (w, h) = dpg.get_item_rect_min(alias), dpg.get_item_rect_size(alias)
            rects[alias[5:]] = (x, y, x + w, y + h)
    return rects


def in_minimap(point: tuple[float, float]) -> bool:
    x0, y0, x1, y1 = canvas_box()
    return point[0] > x1 - 0.3 * (x1 - x0) and point[1] > y1 - 0.3 * (y1 - y0)


def empty_spot(delta: tuple[float, float]) -> tuple[float, float] | None:
    """A canvas point under no node from which a drag by ``delta`` stays on the canvas."""
    x0, y0, x1, y1 = canvas_box()
    rects = node_rects().values()
    for y in range(int(y0), int(y1), 20):
        for x in range(int(x0), int(x1), 20):
            end = (x + delta[0], y + delta[1])
            if not (x0 <= end[0] <= x1 and y0 <= end[1] <= y1) or in_minimap((x, y)):
                continue
            if all(not (rx0 - 10 <= x <= rx1 + 10 and ry0 - 10 <= y <= ry1 + 10) for rx0, ry0, rx1, ry1 in rects):
                return (x, y)
    return None


def title_point(node_id: str) -> tuple[float, float]:
    x, y = dpg.get_item_rect_min(f"node:{node_id}")
    return (x + 12, y + 8)


def reveal(driver: Driver, node_id: str) -> None:
    """Pan (middle-button drags on empty canvas) until the node's title is well inside the canvas."""
    x0, y0, _, y1 = canvas_box()
    goal = (x0 + 60, y0 + 60)
    for _ in range(12):
        x, y = title_point(node_id)
        if dpg.is_item_visible(f"node:{node_id}") and x0 + 20 <= x <= x0 + 300 and y0 + 20 <= y <= y1 - 300:
            return
        want = (goal[0] - x, goal[1] - y)
        for scale in (1.0, 0.5, 0.25, 0.12):
            delta = (want[0] * scale, want[1] * scale)
            start = empty_spot(delta)
            if start is not None:
                driver.drag(start, delta, button=2)
                break
        else:
            raise RuntimeError(f"no empty canvas to pan from towards {node_id}")
    raise RuntimeError(f"could not bring {node_id} into view")


def map_slot_combo(driver: Driver) -> tuple[str, float, float, float]:
    """The default patch's slot map "map" brought into view and its title clicked, which shows it in the inspector:
    its table's first row's slot combo, with the combo's left, top and height. A click there wants the window moved
    to (0, 0) first (see VIEWPORT)."""
    reveal(driver, "map")
    driver.click(title_point("map"))
    combo = "param:map:table:0:value"
    (x, y), (_, height) = dpg.get_item_rect_min(combo), dpg.get_item_rect_size(combo)
    return combo, x, y, height


@contextmanager
def editor(patch: Path) -> Iterator[EditorApp]:
    """The editor on ``patch`` in a window the size of the test display, its first frames drawn."""
    with open_editor(patch) as app:
        app.open_viewport(*VIEWPORT, vsync=False)
        drawn(app)
        yield app


def drawn(app: EditorApp, most: int = 30) -> None:
    """Render until the patch just opened is drawn and still: the opening's fit done (``Navigator.settle``) and
    every node where it is on screen, and as large, three frames running; at most ``most`` frames, the fixed
    count the scenarios waited before (most patches are still after 4-6)."""
    nodes = [f"node:{node_id}" for node_id in app.model.patch.nodes]
    last: list[tuple[float, ...]] | None = None
    still = 0
    for _ in range(most):
        app.render(1)
        if app.navigator.opening:
            continue
        now = [(*dpg.get_item_rect_min(tag), *dpg.get_item_rect_size(tag)) for tag in nodes]
        still = still + 1 if now == last else 0
        last = now
        if still >= 2:
            return


@contextmanager
def work_folder(prefix: str) -> Iterator[Path]:
    """A temporary folder, removed afterwards."""
    work = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)


@contextmanager
def driven(text: str, prefix: str, folders: tuple[str, ...] = (), vsync: bool = False) -> Iterator[Driver]:
    """``text`` written as ``p.yaml`` in a temporary folder (``folders`` made in it), the editor opened on it with
    one worker in a window the size of the test display, drawn, and a Driver on it; the folder removed afterwards
    (the patch's folder is ``driver.app.model.base_dir``)."""
    with work_folder(prefix) as work:
        for folder in folders:
            (work / folder).mkdir()
        (work / "p.yaml").write_text(text)
        with open_editor(work / "p.yaml", workers=1) as app:
            app.open_viewport(*VIEWPORT, vsync=vsync)
            drawn(app)
            yield Driver(app)


def drag_link(driver: Driver, start: str, end: str) -> None:
    """A link dragged from the pin ``start`` to the pin ``end`` (``out:node.port`` or ``in:node.port``), each
    where the link hints have it, and let go there."""
    hints = driver.app.link_hints
    source = hints.pin_point(start, output=start.startswith("out:"))
    target = hints.pin_point(end, output=end.startswith("out:"))
    if source is None or target is None:
        raise RuntimeError(f"no pin drawn for {start if source is None else end}")
    driver.drag_to(source, target)


@contextmanager
def default_patch_copy(prefix: str, folder: str = "") -> Iterator[Path]:
    """A copy of the default patch, ``exsampling.yaml`` in ``folder`` of a temporary folder removed afterwards."""
    with work_folder(prefix) as work:
        patch = work / folder / "exsampling.yaml"
        patch.parent.mkdir(exist_ok=True)
        shutil.copy(REPO / "patches" / "exsampling.yaml", patch)
        yield patch
