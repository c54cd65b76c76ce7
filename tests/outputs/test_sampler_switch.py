"""The sampler hands the process's GIL switch interval back as it found it."""

from __future__ import annotations

import sys

from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.sampler import Sampler
from exsampling_patch.nodes.sampler.rig import SWITCH_INTERVAL
from exsampling_patch.runtime.engine import SWITCH_INTERVAL as ENGINE_SWITCH_INTERVAL


def test_one_switch_interval_for_the_runtime_and_the_audio() -> None:
    assert SWITCH_INTERVAL == ENGINE_SWITCH_INTERVAL


def test_an_in_process_sampler_restores_the_switch_interval_when_it_stops() -> None:
    before = sys.getswitchinterval()
    try:
        sys.setswitchinterval(0.004)
        node = Sampler("smp", {"device": "none", "virtual_port": ""}, NodeContext())
        node.start()
        try:
            assert sys.getswitchinterval() == SWITCH_INTERVAL  # the callback's thread gets the GIL soon
        finally:
            node.stop()
        assert sys.getswitchinterval() == 0.004
    finally:
        sys.setswitchinterval(before)
