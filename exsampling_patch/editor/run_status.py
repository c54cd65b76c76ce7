"""Run and Stop in the editor, and what it says of the run: a start's problems, the Stop's news (said again as the
recorders report after it), an edit applied to the running patch, the runtime's news on the nodes, and the status
bar's line.

:class:`RunStatus` acts through the runner and tells through ``say``; it imports no editor window (``app.py``
holds one and calls it).
"""

from __future__ import annotations

from collections.abc import Callable

from exsampling_patch.editor.live import Runner, RuntimeObserver
from exsampling_patch.editor.model import EditorModel
from exsampling_patch.editor.patch_view import PatchView
from exsampling_patch.runtime import Engine
from exsampling_patch.stop_news import (
    arriving_parts,
    cut_off_news,
    phones_parts,
    unfinished_text,
    unsent_parts,
    unsent_unknown,
)
from exsampling_patch.wording import counted


def applied_text(version: int) -> str:
    """What the status bar says once an edit runs: "edit applied to the running patch (2nd since Run)". Counted (the
    run starts on plan 1; an edit not applied keeps the plan) so that a second edit's news is told from the first's;
    it said "plan v3 swapped in", the runtime's words."""
    count = max(1, version - 1)
    suffix = "th" if 10 <= count % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(count % 10, "th")
    return f"edit applied to the running patch ({count}{suffix} since Run)"


class RunStatus:
    """Starts and stops ``runner``'s run for the editor; ``status`` reads the status bar's message, ``say`` sets it."""

    def __init__(self, model: EditorModel, runner: Runner, observer: RuntimeObserver, patch_view: PatchView,
                 refresh_problems: Callable[[], None], status: Callable[[], str], say: Callable[[str], None]) -> None:
        self.model = model
        self.runner = runner
        self.observer = observer
        self.patch_view = patch_view
        self.refresh_problems = refresh_problems
        self.status = status
        self.say = say
        self.swap_said = ""  # the status that said the last edit was swapped in
        self.stop_said: str | None = None  # the status the last Stop said (None: no run stopped since the start)
        self.stop_clean = True  # whether all the last Stop waited for finished in time
        # The last Stop's handlers still running as it returned (Engine.unfinished): named as the console names them.
        self.unfinished_at_stop: list[tuple[str, str, str, str]] = []
        self.held_at_stop: dict[str, int] = {}  # each recorder's takes held on the phones as the last Stop returned
        self.kept_at_stop: list[str] = []  # the last Stop's takes cut off, as the console's summary says them

    def run(self) -> bool:
        self.stop_said = None  # the last Stop's news is done with: a failed start's errors are drawn on their nodes
        if self.runner.start():
            self.say("")  # the status bar's run state says "running": once is enough
            # A link refused while wiring stayed in red on its node as the patch ran, read as the node's error.
            self.model.clear_refusals()
            return True
        problems = self.model.problems()
        if problems:
            self.refresh_problems()
            count = counted(len(problems), "problem")
            self.say(f"cannot run, {count} (listed under the patch): " + "; ".join(p.message for p in problems))
        else:
            self.say(f"cannot run:\n{self.runner.problem}")
        return False

    def stop(self) -> None:
        engine = self.runner.engine  # the runner lets go of it as it stops: its ledger still has the takes in flight
        self.stop_clean = self.runner.stop()
        self.patch_view.clear_live()
        self.held_at_stop = self.observer.counts("held_on_phones")
        self.unfinished_at_stop = list(engine.unfinished) if engine is not None else []
        self.kept_at_stop = self.kept_news(engine) if engine is not None else []
        self.stop_said = self.stop_news()
        self.say(self.stop_said)

    def stop_news(self) -> str:
        # Next to the run state "stopped". So are the takes still on the phones, as the run's summary says them: those
        # a recorder refused for its full disk and the uploads its stop cut off. The performer stopping here was not
        # told of them (kept, sent again): the full disk's error on the node went with the run's display.
        # Then the uploads still being stored as a recorder stopped, as the summary says them too: a take the phone
        # is told is stored (passed on at the next start) was said nowhere.
        # The takes the stop cut off come first, as in the console's summary: the bar said nothing of them, the console
        # "1 take kept by 'device' (...)" (Live not answering, a slot map's take waiting for its prediction) and
        # "1 take from 'inbox' not through the patch" (still in a node's handler or queued). Then, as the console, the
        # takes an output kept unsent (its sender waited for another run's folder): they reach Live at the next start,
        # which the Stop did not say, so a composer was surprised by them (or looked for them in Live in vain).
        held = self.observer.counts("held_on_phones")
        # An output's count left out what an earlier run kept, unreadable (its file's lock stuck): said, and why.
        uncounted = unsent_unknown({node_id: live.status for node_id, live in self.observer.nodes.items()})
        unfinished = [] if self.stop_clean else [unfinished_text(self.unfinished_at_stop)]  # which node, which take
        said = unfinished + self.kept_at_stop + unsent_parts(self.observer.counts("unsent"), uncounted) + phones_parts(
            held, self.observer.counts("uploads_cut_off")) + arriving_parts(self.still_arriving(held))
        return "; ".join(said)

    def kept_news(self, engine: Engine) -> list[str]:
        """The stopped ``engine``'s takes still in flight, in the console summary's words: by the node that kept them
        ("1 take kept by 'device' (the device did not answer): passed on again at the next start"), then the rest by
        source ("1 take from 'inbox' not through the patch, passed on again at the next start")."""
        return cut_off_news(engine.ledger, engine.errors, self.model.patch, self.model.registry)

    def still_arriving(self, held: dict[str, int]) -> dict[str, int]:
        """Each recorder's uploads still being stored as it stopped, less those refused for its full disk since
        (``held``: its takes held on the phones now): its server closed, only those can be refused after the Stop,
        and told as held they were told twice, once as maybe refused."""
        counts = {}
        for node_id, count in self.observer.counts("uploads_arriving").items():
            left = count - max(0, held.get(node_id, 0) - self.held_at_stop.get(node_id, 0))
            if left > 0:
                counts[node_id] = left
        return counts

    def frame(self, changed: set[str]) -> None:
        """After the frame applied the runtime's events (``changed``: the nodes they were about)."""
        self.patch_view.frame()  # a node raised over its neighbours (its error) is shown again
        if self.runner.running or self.stop_said is None:
            for node_id in changed:
                self.patch_view.show_live(node_id, self.observer.nodes.get(node_id))
        elif changed:  # reported after the Stop returned (Runner.stop): its news too
            said, self.stop_said = self.stop_said, self.stop_news()
            if self.status() == said:  # not over what the performer did since
                self.say(self.stop_said)
        if self.runner.sync():
            # The engine's count: the observer's, plus one, said v3 for v2 when this frame had taken its event in.
            engine = self.runner.engine
            plan = engine.plan if engine is not None else None
            version = plan.version if plan is not None else self.observer.plan_version + 1
            self.swap_said = applied_text(version)
            self.say(self.swap_said)

    def line(self) -> str:
        """The status bar's line: the patch, the run's state, the counts, the message (``status``), the problems."""
        run = "running" if self.runner.running else "stopping..." if self.runner.stopping else "stopped"
        if self.runner.swapping:
            run += " (applying the edit)"
        problem = self.runner.problem
        nodes, links = len(self.model.patch.nodes), len(self.model.patch.links)
        parts = [self.model.title, run,
                 f"{counted(nodes, 'node')}, {counted(links, 'link')}"]
        failing = [n for n, live in self.observer.nodes.items() if live.error and n in self.model.patch.nodes]
        if failing and self.runner.running:  # told here too: most of a big patch is out of view
            more = f" and {len(failing) - 3} more" if len(failing) > 3 else ""
            parts.append(f"error on {', '.join(failing[:3])}{more} (shown on the node)")
        status = self.status()
        if problem and self.runner.running and status == self.swap_said:  # an earlier edit's: which one held?
            status = ""
        text = "  |  ".join(parts) + (f"  |  {status}" if status else "")
        if problem and self.runner.running:
            text += f"  |  {problem}"
        if self.runner.show_problem:  # after the run too: what the log missed is missed from its replay
            text += f"  |  {self.runner.show_problem}"
        return text
