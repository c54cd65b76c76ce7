"""scripts/services.sh: each test run gets a virtual display and a JACK server of its own, however many run at once."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
RUNS = 10  # more than the nine displays (:90-:98) the script once picked among at random


@pytest.mark.skipif(shutil.which("Xvfb") is None or shutil.which("xdotool") is None, reason="needs Xvfb and xdotool")
def test_runs_started_at_once_each_get_a_display_of_their_own() -> None:
    env = {key: value for key, value in os.environ.items() if key != "DISPLAY"}
    started = time.time()
    # Each shell starts its display, says which and how large the server there says the screen is, and holds the
    # display until its stdin closes.
    script = ('source scripts/xvfb.sh; echo "$DISPLAY $(xdotool getdisplaygeometry)"; read -r _; '
              'kill "${_started_pids[@]}"; wait')
    shells = [subprocess.Popen(["bash", "-c", script], cwd=REPO, env=env, stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True) for _ in range(RUNS)]
    try:
        said = [shell.stdout.readline().split() for shell in shells if shell.stdout is not None]
    finally:
        for shell in shells:
            if shell.stdin is not None:
                shell.stdin.close()
        for shell in shells:
            shell.wait(timeout=30)
    assert all(words[1:] == ["1280", "1024"] for words in said), said  # each display's server answered
    displays = [words[0] for words in said]
    assert len(set(displays)) == RUNS, displays
    # Each Xvfb's log is its display's, written by this run (one shared log, overwritten by each run, lost why one
    # did not start). A second's slack: a file system's times may be coarser than the clock.
    logs = [Path(f"/tmp/exsampling-xvfb-{display[1:]}.log") for display in displays]
    assert all(log.is_file() and log.stat().st_mtime >= started - 1 for log in logs), displays


@pytest.mark.skipif(shutil.which("jackd") is None, reason="needs jackd (the JACK dummy driver)")
def test_runs_started_at_once_each_get_a_jack_server_of_their_own_that_outlives_the_other_run() -> None:
    # The run this test is part of may have a server of its own: these runs must not take it as theirs. Its display,
    # which answers (services.sh started it), is theirs, so xvfb.sh starts none (no client here uses one). Not
    # DISPLAY=unused: xvfb.sh replaces a DISPLAY no X server answers on, and each shell started an Xvfb.
    env = {key: value for key, value in os.environ.items() if key != "JACK_DEFAULT_SERVER"}
    # Each shell starts its services, says which JACK server it has and that server's first port, then, each time a
    # line comes, that port again; at the end of its stdin it exits, its trap stopping what it started. The port is
    # asked up to thrice: the two shells' jack_lsp clients, of one name, can clash opening at once (tests/conftest.py).
    port = 'for _ in 1 2 3; do p=$(jack_lsp 2>/dev/null | head -n 1); [ -n "$p" ] && break; done; echo "$p"'
    script = (f'source scripts/services.sh; echo "${{DISPLAY:-none}} ${{JACK_DEFAULT_SERVER:-none}} $({port})"; '
              f'while read -r _; do {port}; done')
    first, second = (subprocess.Popen(["bash", "-c", script], cwd=REPO, env=env, stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, text=True) for _ in range(2))
    try:
        assert first.stdout is not None and second.stdout is not None
        lines = [first.stdout.readline().split(), second.stdout.readline().split()]
        displays, said = [words[0] for words in lines], [words[1:] for words in lines]
        assert first.stdin is not None
        first.stdin.close()  # the first run ends: its exit stops its server, and only its own
        first.wait(timeout=30)
        assert second.stdin is not None
        second.stdin.write("\n")
        second.stdin.flush()
        still = second.stdout.readline().strip()
    finally:
        for shell in (first, second):
            if shell.stdin is not None and not shell.stdin.closed:
                shell.stdin.close()
        for shell in (first, second):
            shell.wait(timeout=30)
    if os.environ.get("DISPLAY"):  # started none of their own: a display of each was a wasted Xvfb's start, twice
        assert displays == [os.environ["DISPLAY"]] * 2, displays
    if ["none"] in said:
        pytest.skip("every name of scripts/jack.sh's pool is taken by other runs (each test run holds two now)")
    assert all(words[1:] == ["system:capture_1"] for words in said), said  # each run's server answered
    names = [words[0] for words in said]
    assert len(set(names)) == 2 and all(name.startswith("exsampling-") for name in names), names
    assert still == "system:capture_1", f"the second run's server {names[1]} went with the first run"


@pytest.mark.skipif(shutil.which("jackd") is None or shutil.which("setpriv") is None,
                    reason="needs jackd (the JACK dummy driver) and setpriv")
def test_a_runs_jack_server_ends_with_its_shell_even_killed() -> None:
    """Before: a shell killed (SIGKILL, which runs no trap) left the jackd it had started running for good, holding
    its name of the pool and its lock."""
    from tests.core.test_jack_server_pool import running
    from tests.jack_server import answers

    env = {key: value for key, value in os.environ.items() if key != "JACK_DEFAULT_SERVER"}
    env |= {"JACK_RATE": "48000", "JACK_PERIOD": "512", "JACK_NO_AUDIO_RESERVATION": "1"}
    # exec: the shell's process goes on as sleep; killing it kills the shell that started jackd, and leaves nothing.
    script = 'source scripts/jack.sh; echo "${JACK_DEFAULT_SERVER:-none} ${_started_pids[0]:-0}"; exec sleep 60'
    shell = subprocess.Popen(["bash", "-c", script], cwd=REPO, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, start_new_session=True)
    jackd = 0
    try:
        assert shell.stdout is not None
        name, pid = shell.stdout.readline().split()
        jackd = int(pid)
        assert name == "none" or (name.startswith("exsampling-") and running(jackd) and answers(name)), (name, pid)
    finally:
        shell.kill()
        shell.wait()
    if name == "none":  # other runs (each holds two now: its own, its second worker's) hold every name of the pool
        assert shell.stderr is not None
        pytest.skip(f"scripts/jack.sh started no server to kill: {shell.stderr.read().strip()}")
    try:
        deadline = time.monotonic() + 10
        while running(jackd) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not running(jackd), "the killed shell's jackd still runs"
    finally:
        if running(jackd):
            os.kill(jackd, signal.SIGTERM)
    assert not answers(name)


def displays(display: str) -> bool:
    """Whether an X server answers on ``display``."""
    shown = subprocess.run(["xdotool", "getdisplaygeometry"], env=os.environ | {"DISPLAY": display},
                           capture_output=True, text=True, timeout=10)
    return shown.returncode == 0


@pytest.mark.skipif(shutil.which("jackd") is None or shutil.which("Xvfb") is None, reason="needs jackd and Xvfb")
def test_an_xdist_worker_past_the_first_gets_services_of_its_own_gone_when_it_is_killed() -> None:
    """tests/worker_services.py: the second worker's editor tests fought the first's over one display's focus, and
    their JACK clients of one name were renamed by the shared server. Killed (a timeout, SIGKILL), it leaves
    nothing running.

    Its display is told its own by going with it, not by its number: once, under load, the worker's said ':3' as
    this run's did, and the test could not tell a worker whose Xvfb did not start (it then shared the run's; it now
    ends instead, and this test skips) from one whose Xvfb took the number of a display this run no longer has."""
    from tests.jack_server import answers

    script = ("import os, sys, time; from tests import worker_services; worker_services.start(); print("
              "os.environ.get('DISPLAY'), os.environ.get('JACK_DEFAULT_SERVER', '-'), flush=True); time.sleep(60)")
    env = os.environ | {"PYTEST_XDIST_WORKER": "gw1"}
    worker = subprocess.Popen([sys.executable, "-c", script], cwd=REPO, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        assert worker.stdout is not None and worker.stderr is not None
        said = worker.stdout.readline().split()
        if not said:  # it ended rather than share this run's display (tests/core/test_worker_display.py)
            worker.wait(timeout=60)
            pytest.skip(f"the worker's Xvfb did not start: {worker.stderr.read().strip()[-300:]}")
        display, server = said
        shown = subprocess.run(["xdotool", "getdisplaygeometry"], env=os.environ | {"DISPLAY": display},
                               capture_output=True, text=True, timeout=10)
        assert shown.stdout.split() == ["1280", "1024"], shown
        shares_jack = server == os.environ.get("JACK_DEFAULT_SERVER", "-")  # '-': this run has none either
        assert shares_jack or (server.startswith("exsampling-") and answers(server)), server
    finally:
        worker.kill()
        worker.wait()
    deadline = time.monotonic() + 10
    while (displays(display) or (not shares_jack and answers(server))) and time.monotonic() < deadline:
        time.sleep(0.1)
    # gone with the worker: its own (this run's is kept till the run ends), whatever its number
    ours = os.environ.get("DISPLAY")
    assert not displays(display), f"the killed worker's display {display} still answers (this run's: {ours})"
    if shares_jack:
        pytest.skip("every name of scripts/jack.sh's pool is taken by other runs: the worker shares this run's")
    assert not answers(server), f"the killed worker's JACK server {server} still runs"


@pytest.mark.skipif(shutil.which("jackd") is None or shutil.which("Xvfb") is None, reason="needs jackd and Xvfb")
def test_an_xdist_workers_own_jack_server_outlives_the_exit_handlers_of_what_it_imported(tmp_path: Path) -> None:
    """sounddevice closes PortAudio's JACK client in an exit handler: a worker's server stopped before that (at
    pytest's unconfigure) aborted the worker (CI printed pa_jack.c's failed assertion after the last test)."""
    (tmp_path / "conftest.py").write_text("from tests.conftest import *  # noqa: F403\n")
    # Each test registers, as an import of sounddevice would, an exit handler that asks whether its server answers
    # (thrice: jack_wait's clients, of one name, on the two workers' servers at once can clash: scripts/jack.sh).
    (tmp_path / "test_exit.py").write_text("".join(
        f"def test_{n}():\n"
        f"    import atexit, os, pathlib\n"
        f"    from tests.jack_server import answers\n"
        f"    server, worker = os.environ['JACK_DEFAULT_SERVER'], os.environ['PYTEST_XDIST_WORKER']\n"
        f"    said = pathlib.Path({str(tmp_path)!r}) / f'{{worker}}-{n}'\n"
        f"    atexit.register(lambda: said.write_text(f'{{server}} {{any(answers(server) for _ in range(3))}}'))\n\n"
        for n in range(4)))
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-n", "2", "-p", "no:cacheprovider", str(tmp_path)],
                          cwd=tmp_path, env=os.environ | {"PYTHONPATH": str(REPO)}, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    said = {path.name: path.read_text().split() for path in tmp_path.glob("gw1-*")}
    assert said, list(tmp_path.iterdir())
    if all(server == os.environ.get("JACK_DEFAULT_SERVER") for server, _ in said.values()):
        pytest.skip("every name of scripts/jack.sh's pool is taken by other runs: the worker shares this run's")
    assert all(alive == "True" for _, alive in said.values()), said


def test_the_suites_options_end_a_run_whose_worker_crashes_naming_its_test(tmp_path: Path) -> None:
    """CI at 9cb9663: a worker died of a segfault in a native thread, xdist replaced it, and under --dist loadfile
    the run then waited with every worker idle until it was killed."""
    line = next(line for line in (REPO / "scripts" / "test.sh").read_text().splitlines() if " -m pytest " in line)
    # what comes after its "$@" (a line's continuation, the pipe to the log) is the shell's, not pytest's
    options = line.split(" -m pytest ", 1)[1].split('"$@"')[0].replace('"${TEST_WORKERS:-2}"', "2").split()
    for n in range(4):  # more files than workers: the crashed worker's others wait for a replacement
        (tmp_path / f"test_{n}.py").write_text(
            "import os, signal\n\ndef test_a():\n    pass\n\n\ndef test_b():\n"
            f"    if {n} == 1:\n        os.kill(os.getpid(), signal.SIGSEGV)\n")
    done = subprocess.run([sys.executable, "-m", "pytest", *options, "-p", "no:cacheprovider", str(tmp_path)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stdout[-2000:]
    assert "crashed while running 'test_1.py::test_b'" in done.stdout, done.stdout[-2000:]
