"""A take whose status report fails once its sound is in the slot is told from a thread of the sampler's own (.assign's
``_tell_untold``). Where no thread can be had ("can't start new thread": memory or a process's thread limit spent),
the RuntimeError raised out of the handler and the take it had kept open was never closed: it never ended (not
written down as done, passed on again at the next start). Now the failure is told in the handler and the take ends.

Run in a process of its own whose address space leaves no room for a new thread's stack (set large there), the
engine's workers started before: a real ``Thread.start()`` fails as it does on a machine out of memory."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = r'''
import resource, threading
from exsampling_patch.messages import SlotAssignment
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine, NodeError, TakeEnded
from tests.outputs.helpers import sine_take
from tests.outputs.sampler_setup import StatusFails
from tests.waiting import wait_for

engine = Engine(Registry.default(entry_points=False), workers=1, pin_workers=False)
told, ended = [], []
engine.events.subscribe(told.append, NodeError)
engine.events.subscribe(ended.append, TakeEnded)
patch = Patch()
patch.add_node(NodeSpec("smp", "sampler", {"device": "none", "virtual_port": ""}))
engine.start(patch)
sampler = engine.node("smp")
sampler.context = context = StatusFails(engine)
take = sine_take(220.0, seconds=0.5)
context.failing.add(take.take_id)
threading.stack_size(1 << 30)  # no room for one more thread below the limit set next
usage = int(open("/proc/self/statm").read().split()[0]) * resource.getpagesize()
resource.setrlimit(resource.RLIMIT_AS, (usage + (256 << 20), resource.getrlimit(resource.RLIMIT_AS)[1]))
try:
    threading.Thread(target=lambda: None).start()
    print("a thread could still be started")
except RuntimeError:
    engine.inject("smp", "assign", SlotAssignment("Snare", take))
    print("ended" if wait_for(lambda: ended, 10.0) else "not ended")
    print([event.error for event in told])
'''


def test_a_take_whose_status_report_fails_ends_where_no_thread_can_tell_it() -> None:
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=root, capture_output=True, text=True, timeout=120)
    lines = done.stdout.splitlines()
    assert done.returncode == 0 and lines[:1] == ["ended"], (done.stdout, done.stderr)
    assert "loaded into slot Snare, but its status could not be told: ValueError: the status could not be sent" \
        in lines[1], lines
