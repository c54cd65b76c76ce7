"""The sample rate a sampler's takes are prepared at: its device's, which the audio process says once it has asked
the device (7-27 s seen under load, at the normal priority; a JACK server hung at start holds it before it says it).

A take's handler waits for it (:func:`rate_for_takes`): a take prepared at an assumed rate plays off pitch on a device
of another rate. The wait is not under the node's records lock, which the audio process's answers (``answers.settle``)
and callers of ``clear()`` and ``rollback()`` take: they went on only once the take's wait was over (up to
:data:`RATE_WAIT` s). Later takes of the sampler wait all the same: its handlers run one at a time, and each needs the
rate the first one waits for.
"""

from __future__ import annotations

import threading
from typing import Any

from exsampling_patch.nodes.sampler.handoff import SamplesNotShared

#: Seconds a take waits at most for the audio process to say the device's sample rate or end: a guard against a hang,
#: not a start-up time (7-27 s seen under load).
RATE_WAIT = 120.0

#: A take's handler waiting for the rate when the node stopped (an edit rebuilt or removed it): not loaded.
STOPPED_WAITING = "the sampler stopped before its audio process said the device's sample rate"

ASSUMED_RATE = 48000


class StoppedWaiting(SamplesNotShared):
    """A take's wait for the rate ended by the node's stop (:data:`STOPPED_WAITING`): nothing of it was prepared or
    sent, and the sampler an edit builds in the node's place may take it (.assign)."""


def rate_for_takes(node: Any) -> int:
    """The rate to prepare a take at for ``node`` (a :class:`~exsampling_patch.nodes.sampler.Sampler`): the
    device's, waited for until the audio process says it, or ends first, at most :data:`RATE_WAIT` s; then
    :data:`ASSUMED_RATE` is assumed, and said, until the process says otherwise (a silent process costs that wait
    once, not on every take). Raises :class:`StoppedWaiting` (:data:`STOPPED_WAITING`) where the node
    stops first: nothing is prepared or sent for a take then; its handler hands it to the sampler an edit builds in
    the node's place, or tells it not loaded (.assign). Before, 48 kHz was
    returned then, quietly, and the take went on to the process whose stop had begun.

    A handler waiting here past ``hang_after`` (30 s) is told hung, which it is (the device does not answer); an edit
    of the node waits for a busy handler until it counts as hung, then stops the node, which ends this wait."""
    from exsampling_patch.nodes.sampler.host import wait_for_rate

    audio = node.audio
    why = wait_for_rate(audio.rate_known, audio.rate_untold, node.stop_event, RATE_WAIT)
    if why == "":
        raise StoppedWaiting(STOPPED_WAITING)
    if why:
        audio.sample_rate = ASSUMED_RATE
        audio.rate_known.set()
        text = (f"the sampler's audio process has not said its sample rate ({why}); assuming {ASSUMED_RATE} Hz: takes "
                "loaded until it says play off pitch on a device of another rate")
        # Told from a thread of its own: told on the handler's, the runtime takes it for the error of the take in hand
        # (as if the handler had raised), and that take, loaded at the assumed rate, ended not counted as loaded. It
        # is the device's error: told about it, it stands until the device opens (told about nothing, any opening
        # ended it: a MIDI keyboard plugged back in, while takes still played off pitch).
        threading.Thread(target=node.report_error, args=(text,), kwargs={"about": "device"},
                         name=f"{node.node_id}-rate", daemon=True).start()
    return audio.sample_rate or ASSUMED_RATE
