"""JACK's command-line tools (jack_lsp, jack_connect, jack_samplerate) run by tests, asked again when they fail.

Why again: each test run has a JACK server of its own (scripts/jack.sh), and jack2 names a client's socket
``/dev/shm/jack_<client>_<uid>_0`` after the client alone, not its server: a tool's client can fail to open while
a client of the same name (another run's jack_lsp) opens on another server at that moment. A single failure then
failed a test (a port not listed, a connection not made) that the next try passes.
"""

from __future__ import annotations

import subprocess

from exsampling_patch.jack_cli import ATTEMPTS, jack_tool

__all__ = ["ATTEMPTS", "jack_command"]


def jack_command(*args: str, timeout: float = 10.0) -> subprocess.CompletedProcess[str]:
    """Run the JACK tool ``args``, up to :data:`ATTEMPTS` times while it exits with a failure; returns the last
    run (its exit status for the caller to judge: ``jack_connect`` fails for ports already connected too). The
    patch's own calls (``exsampling_patch.jack_cli.jack_tool``) are asked again the same way."""
    return jack_tool(*args, timeout=timeout)

