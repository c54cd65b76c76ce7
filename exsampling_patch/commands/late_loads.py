"""The run summary's count of takes in their slots that no output loaded, less those an output loaded after all.

A take told not loaded for want of its output's answer (the sampler's audio process stopped, Live busy) that the
output then loaded after all (its status's ``loaded_after_all``) is counted loaded. That word may come after the
take's end, or before it (another branch still had the take). The ids the count kept grew for the whole run: each
take counted not loaded, and each take loaded after all whose end came loaded (nothing took it out again). Now a
take's id goes at its end where it needs no keeping, and only the latest :data:`TAKES_KEPT` are kept at all.
"""

from __future__ import annotations

from exsampling_patch.runtime import TakeEnded
from exsampling_patch.stop_news import no_output_has

#: Takes remembered (the latest), here and by the stage console (its ended takes, for the same late word, and its
#: takes on their way): far more than a burst's takes a hung output leaves unanswered.
TAKES_KEPT = 4096

_COUNTED = "counted"  # ended "no output has it", counted: a late word takes it off the count
_EARLY = "early"  # loaded after all before its end came: that end is not counted
_ENDED = "ended"  # ended loaded, or counted off already: a late word changes nothing


class NotLoadedCount:
    """Fed the run's take ends and its ``loaded_after_all`` words, in the order they came; :attr:`count` is the
    takes ended in their slots that no output has, as their lines say it ("no output has it"). Not thread-safe: the
    run feeds it from its event handler alone."""

    def __init__(self, kept: int = TAKES_KEPT) -> None:
        self.count = 0
        self.kept = kept
        self._takes: dict[str, str] = {}  # take id -> what is known of it; insertion-ordered, the oldest dropped

    def ended(self, event: TakeEnded) -> None:
        """A take's end: counted where no output has it, unless an output said it loaded it after all."""
        early = self._takes.pop(event.take_id, None) == _EARLY
        if no_output_has(event) and not early:
            self.count += 1
            self._keep(event.take_id, _COUNTED)
        else:
            self._keep(event.take_id, _ENDED)

    def loaded_after_all(self, take_id: str) -> None:
        """An output loaded ``take_id`` after all: off the count if its end counted it, else known for its end."""
        known = self._takes.pop(take_id, None)
        if known == _COUNTED:
            self.count -= 1
        self._keep(take_id, _EARLY if known is None else _ENDED)

    def __len__(self) -> int:
        """The takes remembered: at most :attr:`kept`."""
        return len(self._takes)

    def _keep(self, take_id: str, known: str) -> None:
        self._takes[take_id] = known
        while len(self._takes) > self.kept:
            del self._takes[next(iter(self._takes))]
