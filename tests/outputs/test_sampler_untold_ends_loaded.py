"""A take assigned to the sampler whose status report fails once its sound is in the slot (.assign's
``LoadedUntold``) ends loaded into the sampler, the failure told on the node, as a take handed to the sampler an edit
built does (test_sampler_handed_report_fails.py). Told by the handler as its own error, the engine took the take for
one the sampler did not load: its end named no output that has it (the show log wrote ``"loaded": []``; beside Live
not loading it, the console said "no output has it" and the phone showed it red, the sound playing in the slot).

Real reports do not fail (the runtime's event bus keeps an observer's failure to itself): the sampler's context here
is the running engine's, failing the status report of one take as a broken one would."""

from __future__ import annotations

from typing import cast

from exsampling_patch.nodes.sampler import Sampler

from .sampler_setup import NO_DEVICE, kick_snare_engine, untold_take_ended, untold_until_the_next_take


def test_a_take_whose_status_report_fails_ends_loaded_with_the_failure_told() -> None:
    with kick_snare_engine(NO_DEVICE, workers=2, pin_workers=False) as (engine, told, ended):
        untold, next_one = untold_take_ended(engine, told, ended)
        sampler = cast(Sampler, engine.node("smp"))
        assert sampler.buffers[1].take_id == untold.take_id
        assert [take.take_id for take, _ in sampler.records[1].history] == [untold.take_id]
        # told as a handed take's is: the next take the sampler loads ends it
        untold_until_the_next_take(engine, told, ended, untold.take_id, next_one)
