"""ableton_max's sender process: a bundle handed over goes exactly once, whenever the patch is killed.

The patch process hands a take's bundle to a sender of its own with one write to a pipe; the sender sends it and
logs its key. Before, the patch process sent the datagram and wrote the log line itself: a kill -9 between the
two system calls (the device, woken by the datagram, could run first on the same processor) left the take
unlogged, and the restarted patch sent it again (issue 16's crash check saw 1 such take in 18 kills made right
after a ``/label``).
"""

from __future__ import annotations

import fcntl
import io
import json
import os
import select
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from exsampling_patch.messages import SlotAssignment
from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.ableton import AbletonMax
from exsampling_patch.nodes.osc_outbox import Outbox, bundle_key, read_sent, serve
from exsampling_patch.takes import write_take

from .helpers import done_with_all, receive_all, sine_take


@pytest.fixture
def receiver() -> Iterator[socket.socket]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    yield sock
    sock.close()


def wait_for(done: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not done() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert done()


def ended(pid: int) -> bool:
    """Process ``pid`` has exited (gone, or a zombie its new parent has not reaped yet)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return True
    return state in ("Z", "X")


def test_a_patch_killed_right_after_the_hand_over_sends_the_take_once(tmp_path: Path, receiver: socket.socket) -> None:
    """The patch's whole process group is killed as soon as its hand-over returns, its sender not scheduled yet
    (stopped, a real SIGSTOP, as a loaded processor can leave it): the bundle is in the pipe, unread, when the patch
    dies. The sender, which the kill does not reach, then sends it, logs it, and the restarted patch's redo of the
    take (marked recovered) is not sent again."""
    take = write_take(sine_take(440.0), tmp_path / "t.wav")
    live = tmp_path / "live"
    script = textwrap.dedent(f"""
        import os, signal, time
        from pathlib import Path
        from exsampling_patch.messages import SlotAssignment
        from exsampling_patch.nodes.ableton import AbletonMax
        from exsampling_patch.takes import read_take

        node = AbletonMax("live", {{"port": {receiver.getsockname()[1]}, "folder": {str(live)!r}}})
        node.start()
        sender = node.outbox._process.pid
        print(sender, flush=True)  # first: the test lets it go on whatever happens here
        os.kill(sender, signal.SIGSTOP)
        while Path(f"/proc/{{sender}}/stat").read_text().rsplit(")", 1)[1].split()[0] != "T":
            time.sleep(0.001)
        take = read_take(Path({str(take.path)!r})).derive(meta={{"stored_at": 1.0}})
        node.on_assignment(SlotAssignment("HH", take))  # returns once the pipe has the bundle
        os.killpg(0, signal.SIGKILL)  # the patch and everything in its group, at once
        raise SystemExit("still alive after the kill")
    """)
    # The sender keeps the patch's stderr: a file, not a pipe that would be read until the stopped sender exits.
    with open(tmp_path / "patch.err", "w+", encoding="utf-8") as err:
        patch = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=err, text=True,
                                 start_new_session=True)
        out = ""
        try:
            out, _ = patch.communicate(timeout=60)
            err.seek(0)
            assert patch.returncode == -signal.SIGKILL, err.read()
            # Read before the sender goes on: continued first, it could send before this looked (it did, once).
            assert not select.select([receiver], [], [], 0)[0]  # nothing went before the patch died
        except subprocess.TimeoutExpired:
            os.killpg(patch.pid, signal.SIGKILL)
            out, _ = patch.communicate()
            raise
        finally:
            if out.strip():  # the sender, stopped or not: let it go on (and end), whatever the asserts say
                os.kill(int(out), signal.SIGCONT)
    wait_for(lambda: ended(int(out)))  # it sent what its pipe held, and exited as the pipe closed
    assert len(receive_all(receiver, first=10.0)) == 1  # the sender outlived the kill and sent it, once
    log = live / ".sent-live.txt"
    assert log.read_text(encoding="utf-8") == bundle_key(take.take_id, "HH") + "\n"

    context = NodeContext()
    again = AbletonMax("live", {"port": receiver.getsockname()[1], "folder": str(live)}, context)
    again.start()
    again.on_assignment(SlotAssignment("HH", take.derive(meta={"stored_at": 2.0, "recovered": True})))
    again.on_assignment(SlotAssignment("BD", take.derive(meta={"stored_at": 2.0, "recovered": True})))
    again.stop()
    got = receive_all(receiver)
    assert len(got) == 1 and b"BD" in got[0]  # the same take for another slot is another bundle
    assert log.read_text(encoding="utf-8").split("\n")[:2] == [bundle_key(take.take_id, s) for s in ("HH", "BD")]


def frame(key: str, to: tuple[int, str, int], datagram: bytes, skip: bool = False) -> bytes:
    body = json.dumps({"to": list(to), "key": key, "skip": skip}).encode() + b"\n" + datagram
    return len(body).to_bytes(4, "big") + body


def test_a_frame_cut_short_by_a_kill_is_neither_sent_nor_logged(tmp_path: Path, receiver: socket.socket) -> None:
    to = (int(socket.AF_INET), *receiver.getsockname())
    whole, cut = frame("a\tHH", to, b"first"), frame("b\tHH", to, b"second")
    log = tmp_path / "sent.txt"
    reports = io.StringIO()
    serve(log, io.BytesIO(whole + cut[:-3]), reports)
    assert receive_all(receiver) == [b"first"]
    assert log.read_text(encoding="utf-8") == "a\tHH\n"
    assert reports.getvalue() == "ready\n"


def waits_for_lock(path: str, pid: int) -> bool:
    """Process ``pid`` is blocked asking for the flock of ``path`` (a "->" line of /proc/locks)."""
    inode = os.stat(path).st_ino
    for line in Path("/proc/locks").read_text().splitlines():
        fields = line.split()
        if fields[1:3] == ["->", "FLOCK"] and fields[5] == str(pid) and fields[6].endswith(f":{inode}"):
            return True
    return False


def test_the_next_sender_reads_the_log_only_once_the_last_has_drained(tmp_path: Path,
                                                                      receiver: socket.socket) -> None:
    """A sender still sending a killed patch's bundles holds the log's lock; the new patch's sender waits for it,
    so it sees every key logged before and skips the redone take."""
    log = tmp_path / "live" / ".sent-live.txt"
    log.parent.mkdir()
    skipped: list[str] = []
    errors: list[str] = []
    with open(log.with_name(log.name + ".lock"), "a") as old_sender:
        fcntl.flock(old_sender, fcntl.LOCK_EX)
        outbox = Outbox(log, errors.append, skipped.append)
        outbox.start()
        to = receiver.getsockname()
        assert outbox._process is not None
        sender = outbox._process.pid
        wait_for(lambda: waits_for_lock(old_sender.name, sender))  # it asks for the lock (was a 0.3 s sleep)
        log.write_text("t1\tHH\n", encoding="utf-8")  # the old sender's last bundle, logged as it drains
        # the redo of t1 (handed over as the old sender lets go), and a new take
        fcntl.flock(old_sender, fcntl.LOCK_UN)
    outbox.send(to, socket.AF_INET, b"t1 again", "t1\tHH", skip_if_sent=True)
    outbox.send(to, socket.AF_INET, b"t2", "t2\tHH", skip_if_sent=True)
    outbox.close()
    assert receive_all(receiver) == [b"t2"]
    assert skipped == ["t1\tHH"] and not errors
    assert log.read_text(encoding="utf-8") == "t1\tHH\nt2\tHH\n"


def test_a_sender_that_died_is_started_again_and_reported(tmp_path: Path, receiver: socket.socket) -> None:
    errors: list[str] = []
    outbox = Outbox(tmp_path / "sent.txt", errors.append)
    outbox.start()
    to = receiver.getsockname()
    outbox.send(to, socket.AF_INET, b"one", "1\tHH")
    receiver.settimeout(5.0)
    assert receiver.recv(100) == b"one"
    assert outbox._process is not None
    done_with_all(outbox)
    outbox._process.kill()
    outbox._process.wait()
    outbox.send(to, socket.AF_INET, b"two", "2\tHH")
    outbox.close()
    assert receive_all(receiver) == [b"two"]
    assert any("OSC sender" in e for e in errors)


def test_sent_log_keeps_a_key_whose_take_id_holds_a_carriage_return(tmp_path: Path) -> None:
    """A node id may hold a "\r", and a take id begins with its node's id: read back, its key must be whole, or
    the take is sent again after a restart."""
    keys = [bundle_key("room\rmic-0001", "HH"), bundle_key("plain-0002", "BD")]
    log = tmp_path / ".sent-live.txt"
    log.write_bytes(b"".join(f"{key}\n".encode() for key in keys))  # as the sender appends them
    sent, lines = read_sent(log)
    assert list(sent) == keys and lines == 2
