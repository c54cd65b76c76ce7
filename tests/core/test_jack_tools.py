"""tests/jack_tools.py: a JACK tool that fails once (its client clashing with another run's) is asked again."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.jack_tools import ATTEMPTS, jack_command

# A command that fails until its ``n``-th run: each run leaves a line in the file ``$1``.
FAILS_UNTIL = 'echo run >> "$1"; [ "$(wc -l < "$1")" -ge {n} ] && echo answered'


def test_a_command_that_failed_is_run_again_until_it_answers(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    done = jack_command("sh", "-c", FAILS_UNTIL.format(n=ATTEMPTS), "sh", str(runs))
    assert (done.returncode, done.stdout) == (0, "answered\n")
    assert len(runs.read_text().splitlines()) == ATTEMPTS


def test_a_command_that_answers_at_once_runs_once_and_one_that_keeps_failing_says_so(tmp_path: Path) -> None:
    once, never = tmp_path / "once", tmp_path / "never"
    assert jack_command("sh", "-c", FAILS_UNTIL.format(n=1), "sh", str(once)).returncode == 0
    assert len(once.read_text().splitlines()) == 1
    assert jack_command("sh", "-c", FAILS_UNTIL.format(n=ATTEMPTS + 1), "sh", str(never)).returncode != 0
    assert len(never.read_text().splitlines()) == ATTEMPTS


def test_the_patchs_own_jack_tools_are_asked_again_as_the_tests_are(tmp_path: Path) -> None:
    """jack_lsp and jack_connect run by the patch (midi_ports.jack_link connecting a MIDI port, devices.jack_server
    telling whether JACK runs) met the same clash with another server's client, once, and left a port unconnected
    or said no server runs: they go through jack_cli.jack_tool, which asks again while a tool fails."""
    from exsampling_patch import devices, midi_ports
    from exsampling_patch.jack_cli import jack_tool

    runs = tmp_path / "runs"
    done = jack_tool("sh", "-c", FAILS_UNTIL.format(n=ATTEMPTS), "sh", str(runs), env={"PATH": "/usr/bin:/bin"})
    assert (done.returncode, done.stdout) == (0, "answered\n")
    assert len(runs.read_text().splitlines()) == ATTEMPTS
    assert devices.jack_tool is jack_tool and midi_ports.jack_tool is jack_tool


@pytest.mark.jack
def test_jack_server_lists_the_running_servers_ports() -> None:
    from exsampling_patch.devices import jack_server

    found = jack_server()
    assert found["running"] and any(port.startswith("system:") for port in found["ports"]), found
