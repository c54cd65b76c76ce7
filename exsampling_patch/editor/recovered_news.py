"""What a Run in the editor says of the takes the last run left (a kill, a crash, a stop mid-take) and this one passes
on again at its start: "3 takes recovered from the last run: 2 from 'inbox', 1 from 'phones'", in the status bar, as
they come. The console tells each such take on its line and counts them by source in its summary (``exsampling run``);
the editor said nothing of them, and a composer who had recorded nothing since took them for new takes.

:class:`RecoveredNews` reads the observer's count and tells through ``say``, as :mod:`.run_status` tells the Stop's
news; it imports no editor window (``app.py`` holds one and calls it each frame).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from exsampling_patch.editor.observer import RuntimeObserver
from exsampling_patch.wording import counted


def recovered_news(by_source: Mapping[str, int]) -> str:
    """The status bar's sentence on the takes recovered (``by_source``: source node id -> how many), "" for none."""
    total = sum(by_source.values())
    if not total:
        return ""
    said = f"{counted(total, 'take')} recovered from the last run"
    if len(by_source) == 1:
        return f"{said}, from '{next(iter(by_source))}'"
    return f"{said}: " + ", ".join(f"{count} from '{source}'" for source, count in sorted(by_source.items()))


class RecoveredNews:
    """Says :func:`recovered_news` as a run's sources report recovered takes; ``status`` reads the status bar's
    message, ``say`` sets it."""

    def __init__(self, observer: RuntimeObserver, status: Callable[[], str], say: Callable[[str], None]) -> None:
        self.observer = observer
        self.status = status
        self.say = say
        self.said = ""  # this run's news as last said ("" before any: a new Run clears the observer's count)

    def frame(self) -> None:
        """After the frame applied the runtime's events: the news again where its count changed."""
        text = recovered_news({source: len(takes) for source, takes in self.observer.recovered.items()})
        if text == self.said:
            return
        said, self.said = self.said, text
        if not text:  # a new run: the last one's news is the Run's to clear
            return
        current = self.status()
        # Beside what the composer did meanwhile ("linked ..."), not over it; in place of its own last count.
        if current in ("", said):
            self.say(text)
        elif said and current.endswith(f"; {said}"):
            self.say(current[: -len(said)] + text)
        else:
            self.say(f"{current}; {text}")
