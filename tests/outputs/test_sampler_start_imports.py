"""What the sampler's audio process imports before it says anything: no more than it plays with.

Its start-up, before its first message and at the normal priority (it goes realtime only after), is mostly the
modules it imports; under load it stretches with the CPU share the process gets, and the node waits for it. So the
runtime (its engine, its patch checks and networkx through them), the classifier's torch and pitch's librosa stay out.
"""

from __future__ import annotations

import json
import subprocess
import sys

#: Modules the audio process has no use for, each a second or a good part of one of CPU to import.
NOT_NEEDED = ("exsampling_patch.runtime", "exsampling_patch.runtime.engine", "exsampling_patch.registry",
              "exsampling_patch.validate", "networkx", "yaml", "torch", "librosa", "scipy", "numba")

#: The child's own imports, as exsampling_patch.child_process's main() makes them before it calls serve().
AS_THE_CHILD = ("import importlib, json, sys\n"
                "import exsampling_patch.child_process\n"
                "importlib.import_module('exsampling_patch.nodes.sampler.server')\n"
                "print(json.dumps(sorted(sys.modules)))\n")


def test_the_audio_process_imports_neither_the_runtime_nor_the_heavy_libraries() -> None:
    done = subprocess.run([sys.executable, "-c", AS_THE_CHILD], capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr
    modules = set(json.loads(done.stdout))
    assert "exsampling_patch.nodes.sampler.server" in modules
    assert sorted(modules.intersection(NOT_NEEDED)) == []
