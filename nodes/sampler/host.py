"""Where the sampler's audio runs: in an audio process of its own (:class:`AudioProcess`, the default for a real
sound device; see :mod:`.server` for why), or in the node's process (:class:`.local.LocalAudio`).

Both take the same :class:`.rig.AudioConfig` and :class:`.shared.SharedState` and offer the same
surface to the node: ``start``, ``load(slot, buffer)``, ``stage(buffer)`` and ``unstage(buffer)`` (samples
sent ahead of their assignment), ``stop``, the ``opened`` event, ``jack_client`` (the PortAudio JACK
client's name, for connecting ports) and ``wait_midi``. Gains, notes from the patch and meters go through
the shared state, the same way in both.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import os
import queue
import subprocess
import threading
import time
from collections.abc import Callable

import numpy as np

from exsampling_patch.child_process import STOP_ANSWER_SECONDS, Child, QuickReturns, Stopping, hung_at_stop
from exsampling_patch.nodes.sampler import protocol as msg
from exsampling_patch.nodes.sampler.answer_telling import AnswerTelling
from exsampling_patch.nodes.sampler.answers import ANSWER_SECONDS, Answer, LoadBook
from exsampling_patch.nodes.sampler.handoff import Arena, SamplesNotShared, send_file, shared_or_refused
from exsampling_patch.nodes.sampler.local import wait_until
from exsampling_patch.nodes.sampler.prepare import SlotBuffer
from exsampling_patch.nodes.sampler.rig import AudioConfig
from exsampling_patch.nodes.sampler.ring import NOTE_ON
from exsampling_patch.nodes.sampler.shared import EPOCH, UNSTARTED_DROPPED, SharedState

RESTART_SECONDS = 1.0
JACK_BACK = "JACK server back: audio restarted"  # the node's ``audio`` status once a new process plays again
STOPPED = "the sampler has stopped"  # why a take assigned after the stop is not loaded
STAGE_ANSWER_SECONDS = 0.5  # longest a take's assignment waits for the process to say it kept the take sent ahead
ARENA_BYTES = 64 << 20  # shared memory for takes: 33 takes of 10 s at 48 kHz (longer ones may get files of their own)


class AudioProcess(AnswerTelling):
    """The rig in a child process (:mod:`.server`), restarted if it dies or once a JACK server that went away
    under it is back, with every slot re-sent."""

    core = None  # the core lives in the other process; read the shared state instead
    guarded = False  # load() takes unguarded buffers: they are copied, guarded, into shared memory (.handoff)
    answers = True  # what becomes of a take load() sent is told later, to on_answer (.answers)

    def __init__(self, config: AudioConfig, state: SharedState, report_error: Callable[[str], None],
                 report_status: Callable[..., None], report_about: Callable[[str, str], None] | None = None,
                 on_answer: Callable[[Answer], None] | None = None) -> None:
        self.config, self.state = config, state
        self.report_error, self.report_status = report_error, report_status
        self.report_about = report_about or (lambda text, about: self.report_error(text))
        self.opened = threading.Event()
        self.ready = threading.Event()
        self.jack_client: str | None = None
        self.sample_rate = config.sample_rate  # 0 (the device's own) until the process has asked for it
        self.rate_known = threading.Event()
        if config.sample_rate:
            self.rate_known.set()
        # Set once the process ended (or failed to start) before it said its rate: the node then stops waiting for
        # it. Not by an error: the first one (its device not open within open_notice) may come while the process is
        # still asking for the rate, which it then says (a warning, not an end; the wait ended 5 s in, a take assigned
        # at the start was resampled to an assumed 48 kHz all the same). The start-up alone may take many seconds.
        self.rate_untold = threading.Event()
        self.midi_ports: list[str] = ["" for _ in config.midi_inputs]
        self.buffers: dict[int, SlotBuffer] = {}  # what each slot holds, re-sent to a restarted process
        # id(buffer.data) -> (key, data) for samples the process holds; keeping data keeps its id unique
        self._staged: dict[int, tuple[int, np.ndarray]] = {}
        self._stage_keys = itertools.count(1)
        self.arena = Arena(ARENA_BYTES)
        # Each arena block sent and not given back yet: offset -> the number of the message that points at it (from
        # 1 in each process). A message the process cannot read names it by number only (msg.Unread).
        self._blocks: dict[int, int] = {}
        # Each key staged and not yet loaded or dropped -> (the number of its Stage message, whether the process
        # keeps its samples: None until it says, msg.Staged, or msg.Unread for a damaged Stage). Only those it keeps go
        # by key: a Stage the process could not take (its file not mapped, the message damaged) left the slot as it
        # was, the take said loaded, and "not sent ahead; not loaded" on the console.
        self._held: dict[int, tuple[int, bool | None]] = {}
        self._blocks_lock = threading.Lock()  # not _send_lock: the reader must not wait on a send stuck on it
        self._answered = threading.Condition(self._blocks_lock)  # a Stage answered (_held), or the process gone
        self._posted = 0  # messages posted to the latest process
        # What became of each take sent (.answers): told to on_answer, on a thread of its own that may wait on the
        # node's locks (the reader must not: a send stuck under them would keep it from seeing the process end).
        self.on_answer = on_answer
        self.book = LoadBook()  # under _send_lock
        self.answer_within = ANSWER_SECONDS  # a take unanswered by then is told not loaded
        self._silent = False  # told not answering, and nothing heard since
        self._answers: queue.SimpleQueue[tuple[int, msg.Loaded | msg.Unread | Answer | str]] = queue.SimpleQueue()
        self._answering: threading.Thread | None = None
        self.child = Child("exsampling_patch.nodes.sampler.server", pass_fds=(self.state.fd, self.arena.fd))
        self.process: subprocess.Popen[bytes] | None = None  # the latest process, kept once it has ended
        self._send_lock = threading.Lock()
        self._stopping = threading.Event()
        self._reader: threading.Thread | None = None
        self.epoch = -1  # the processes started before the latest one: its stream counts frames from 0 again
        self._ended_at = 0.0  # when the previous process was found dead (time.perf_counter()), 0.0 for none
        self._restarted = ""  # why the latest process was started again ("" for the first): its ``audio`` status
        self._jack_back = QuickReturns()  # processes ending for a JACK server back just after they started
        # The last error a process told since the sampler last played: the same words from the next process (one
        # started for a JACK server that went away again before it looked) are the same outage, told once.
        self._last_error = ""

    # -- life cycle ---------------------------------------------------------------------------------------------

    def start(self) -> None:
        self._spawn()
        self._reader = threading.Thread(target=self._read, name="sampler-audio-process", daemon=True)
        self._reader.start()
        self._answering = threading.Thread(target=self._answer, name="sampler-load-answers", daemon=True)
        self._answering.start()

    def _spawn(self) -> bool:
        """Start a process (in place of the one that ended, if any); False when stopping: none is started.

        Stopping is asked again under the lock that :meth:`stop` takes to send its Stop: a stop that landed after the
        reader's wait would otherwise find no process to tell, and the one started after it would run until the stop
        gave up waiting for the reader (5 s)."""
        with self._send_lock:
            if self._stopping.is_set():
                return False
            self.child.end()
            # No callback runs now: its meters start again, and notes queued while no process played are dropped,
            # counted (a dead process's notes, each a hit the audience did not hear, must show in stats()).
            self.state.loaded_serial[:] = 0
            self.state.levels[:] = 0.0
            self.state.voices_active[:] = 0
            ring = self.state.ring
            read, write = ring.read, ring.write
            queued = np.arange(read, write) % ring.capacity
            self.state.counters[UNSTARTED_DROPPED] += int(np.count_nonzero((ring.kind[queued] == NOTE_ON)
                                                                           & (ring.velocity[queued] > 0)))
            ring.read = write
            self.epoch += 1
            self.state.counters[EPOCH] = self.epoch  # the new process's core notes it at its first block
            self.child.start(msg.Setup(self.config, self.state.fd, self.arena.fd, self.arena.capacity * 4))
            self.process = self.child.process
            self._jack_back.started()
            self._staged.clear()  # a new process holds nothing sent ahead, and reads no block of the arena
            with self._blocks_lock:
                self._blocks.clear()
                self._held.clear()
                self._answered.notify_all()
                self._posted = 0
            self.arena.reset()
            for slot, buffer in list(self.buffers.items()):
                try:
                    self._send(slot, buffer)
                except SamplesNotShared as error:  # the slot stays empty in the new process; the others go on
                    # Told as a take not loaded: only said before, the node's slot still showed it, silent.
                    del self.buffers[slot]
                    self.book.forget(slot, buffer.serial)  # one the process before never answered: told here
                    self._answers.put((self.epoch, Answer(slot, buffer, f"the restarted audio process could not be "
                                                                        f"sent it ({error})")))
            if self.epoch > 0:  # after what the process before said: the takes it never answered are not loaded
                self._answers.put((self.epoch, "restarted"))
        return True

    def stop(self) -> None:
        """Stop the process: one that does not answer the Stop within
        :data:`~exsampling_patch.child_process.STOP_ANSWER_SECONDS` (hung) is terminated, and a warning told."""
        self._stopping.set()
        if not self.child.stop(self._send_lock, self._reader, STOP_ANSWER_SECONDS):
            self.report_status(warning=hung_at_stop("the sampler's audio process", STOP_ANSWER_SECONDS))
        self._answers.put((self.epoch, "stopped"))  # after all the process said: the takes left are not loaded
        if self._answering is not None:
            self._answering.join(STOP_ANSWER_SECONDS)
        self.arena.close()

    # -- takes ----------------------------------------------------------------------------------------------------

    def load(self, slot: int, buffer: SlotBuffer) -> None:
        """Send ``buffer`` to the audio process (kept here too, for a restart); if its samples were sent ahead
        (:meth:`stage`) and the process said it keeps them, send only which slot they go to, else send them whole
        (dropping any it may keep yet). Raises :class:`.handoff.SamplesNotShared` where its samples could not be
        shared or its message sent, or the sampler has stopped (:data:`STOPPED`): nothing was sent, and the slot keeps
        what it had. What becomes of it there is told to ``on_answer``."""
        with self._send_lock:
            if self._stopping.is_set():  # nothing would take it: before, it was told loaded all the same
                raise SamplesNotShared(STOPPED)
            staged = self._staged.pop(id(buffer.data), None)
            held = staged is not None and self._kept(staged[0])
            if staged is not None and held:
                try:
                    self._post(msg.LoadStaged(slot, staged[0], buffer.serial, buffer.frames, buffer.pitch_hz,
                                              buffer.due))
                except SamplesNotShared:  # its samples, kept there for nothing, go back to the arena
                    self._post(msg.Unstage(staged[0]))
                    raise
                self.book.asked(slot, buffer, self.epoch, self._posted)
            else:
                if staged is not None:  # not said kept (yet, or at all): dropped there if it is, and sent whole
                    self._post(msg.Unstage(staged[0]))
                self._send(slot, buffer)
            self.buffers[slot] = buffer

    def stage(self, buffer: SlotBuffer) -> None:
        """Send ``buffer``'s samples ahead of its assignment; the process keeps them until :meth:`load` of a
        buffer with the same ``data`` puts them in a slot, or :meth:`unstage` drops them. Nothing once the sampler is
        stopping, as :meth:`load`: a hung ``upcoming`` handler going on past the stop copied the samples into the arena
        and sent them to a process told to stop, which never uses them."""
        with self._send_lock:
            if self._stopping.is_set():
                return
            key = next(self._stage_keys)
            with self._blocks_lock:  # before the send: the process may answer at once
                self._held[key] = (self._posted + 1, None)
            try:
                sent = self._post(msg.Stage(key, buffer.frames), buffer.data[: buffer.frames])
            except SamplesNotShared:  # not sent ahead: its assignment sends it, and says so if that fails too
                sent = False
            if not sent:
                with self._blocks_lock:
                    self._held.pop(key, None)
                return
            self._staged[id(buffer.data)] = (key, buffer.data)

    def _kept(self, key: int) -> bool:
        """Whether the process keeps the samples staged under ``key`` (forgotten here from now on), waited for up to
        :data:`STAGE_ANSWER_SECONDS` where it has not said yet: it answers each Stage as it reads it, in order, so the
        wait is that of the messages before it (an assignment that follows its take's Stage at once, say). Not said in
        that time (a process hung or gone): False, the take is sent whole."""
        with self._answered:
            self._answered.wait_for(lambda: self._held.get(key, (0, False))[1] is not None, STAGE_ANSWER_SECONDS)
            return bool(self._held.pop(key, (0, False))[1])

    def unstage(self, buffer: SlotBuffer) -> None:
        """Drop samples sent ahead that no slot will take."""
        with self._send_lock:
            staged = self._staged.pop(id(buffer.data), None)
            if staged is not None:
                with self._blocks_lock:
                    self._held.pop(staged[0], None)
                self._post(msg.Unstage(staged[0]))  # dropped there if it was kept

    def _post(self, message: msg.Load | msg.Stage | msg.LoadStaged | msg.Unstage,
              samples: np.ndarray | None = None) -> bool:
        """Send ``message``; with ``samples``, its ``offset`` says where they are: in the arena, or -1 and a file
        of their own passed after the message (:mod:`.handoff`). Raises :class:`.handoff.SamplesNotShared`, having
        sent nothing, where that file could not be made (a process told -1 would wait for a file that never
        comes, and take the next message for it) or the message could not be sent but for the process's end (it
        does not pickle: a value of a kind the process cannot be sent); its arena block, if any, goes back. False
        where no process is there to send it to (before the start, after the stop)."""
        connection, process = self.child.connection, self.child.process
        if connection is None or process is None:
            return False
        fd = -1
        offset: int | None = None
        position = self._posted + 1  # counted once sent: one refused here (SamplesNotShared) never reaches the process
        if samples is not None:
            assert isinstance(message, msg.Load | msg.Stage)
            offset = self.arena.write(samples)
            if offset is None:
                fd = shared_or_refused(samples)
            else:
                with self._blocks_lock:  # before it is sent: the process may answer at once
                    self._blocks[offset] = position
            message = dataclasses.replace(message, offset=-1 if offset is None else offset)
        try:
            try:
                connection.send(message)  # pickled whole before a byte is written: any error but OSError sent nothing
            except OSError:  # the process died: the reader restarts it and re-sends every slot
                self._posted = position
                return True
            except Exception as error:
                # Kept, its block was named by no message, so by no Freed either: taken for good, and enough such
                # failures filled the arena (every take after them a file of its own, or not loaded at all).
                if offset is not None:
                    with self._blocks_lock:
                        self._blocks.pop(offset, None)
                    self.arena.release(offset)
                raise SamplesNotShared(f"its message could not be sent to the audio process: "
                                       f"{type(error).__name__}: {error}") from error
            self._posted = position
            if fd >= 0:
                shared, fd = fd, -1  # send_file closes it
                with contextlib.suppress(OSError):  # the process died: as above
                    send_file(connection, shared, process.pid)
        finally:
            if fd >= 0:
                os.close(fd)
        return True

    def _send(self, slot: int, buffer: SlotBuffer) -> None:
        load = msg.Load(slot, buffer.serial, buffer.frames, buffer.pitch_hz, buffer.due)
        if buffer.frames == 0:  # a cleared slot reads the arena's first GUARD samples, always zero: it needs no room
            self._post(dataclasses.replace(load, offset=0))
        else:
            self._post(load, buffer.data[: buffer.frames])
        self.book.asked(slot, buffer, self.epoch, self._posted)

    # -- what the process says ---------------------------------------------------------------------------------------

    def wait_midi(self, index: int = 0, timeout: float = 5.0) -> bool:
        """Wait until MIDI input ``index`` is open in the audio process."""
        return wait_until(lambda: bool(self.midi_ports[index]), timeout)

    def _read(self) -> None:
        while True:
            connection, process = self.child.connection, self.child.process
            assert connection is not None and process is not None
            try:
                while True:
                    self._handle(connection.recv())
            except (EOFError, OSError):
                pass
            self.child.answered.set()  # it has ended, or is ending: nothing is left to terminate
            if not self.rate_known.is_set():
                self.rate_untold.set()
            with self._answered:  # nor will it answer a Stage: an assignment waiting for that sends its take whole
                for key, (position, kept) in list(self._held.items()):
                    if kept is None:
                        self._held[key] = (position, False)
                self._answered.notify_all()
            code = process.wait()
            self._ended_at = time.perf_counter()
            self.opened.clear()
            self.ready.clear()
            if self._stopping.is_set():
                return
            if code == msg.JACK_BACK_EXIT:  # nothing failed: its JACK server is back, which only a new process finds
                self._restarted = JACK_BACK
                # There, or nowhere: a server gone again before the new process looked is waited for once more.
                self.config = dataclasses.replace(self.config, jack_only=True)
                wait = self._jack_back.returned()
                if self._jack_back.to_report:
                    self.report_error(
                        f"the sampler's audio process ended {self._jack_back.in_a_row} times in a row just after it "
                        "started, for a JACK server that answers but that its PortAudio does not find (exit status "
                        f"{code}): the sampler is silent; starting it again after a wait of up to "
                        f"{self._jack_back.longest:g} s")
                if self._stopping.wait(wait):
                    return
            else:
                self._restarted = f"audio process restarted after exit status {code}"
                # Until the new process opens the device, not until any opening (a MIDI keyboard plugged in)
                self.report_about(f"the sampler's audio process ended (exit status {code}); restarting it", "device")
                if self._stopping.wait(RESTART_SECONDS):
                    return
            if not self._spawn_until_started():
                return

    def _spawn_until_started(self) -> bool:
        """Start a new process, tried again every 5 s while it cannot be (told once, until one starts); False when
        stopping first. The reader reads the new one next: it never goes on without one."""
        told = ""
        while True:
            try:
                return self._spawn()
            except OSError as error:
                text = f"cannot start the sampler's audio process: {error}"
                if text != told:
                    told = text
                    self.report_error(text)
            if self._stopping.wait(RESTART_SECONDS * 5):
                return False

    def _handle(self, message: msg.Rate | msg.Ready | msg.Opened | msg.MidiPorts | msg.Error | msg.Status
                | msg.Staged | msg.Loaded | msg.Freed | msg.Unread | Stopping | msg.Stopped) -> None:
        if isinstance(message, Stopping):
            self.child.answered.set()
        elif isinstance(message, msg.Error):
            if message.text != self._last_error:
                self._last_error = message.text
                if message.about:
                    self.report_about(message.text, message.about)
                else:
                    self.report_error(message.text)
        elif isinstance(message, msg.Status):
            values = message.values
            if "sample_rate" in values and self.epoch > 0:  # a restarted process's stream: its frames count from 0
                values = {**values, "epoch": self.epoch, "previous_ended": self._ended_at, "audio": self._restarted}
            self.report_status(**values)
        elif isinstance(message, msg.Opened):
            self._last_error = ""  # playing: an error from here on is another outage's
            self.jack_client = message.jack_client
            self.opened.set()
        elif isinstance(message, msg.MidiPorts):
            self.midi_ports = list(message.names)
        elif isinstance(message, msg.Ready):
            self.ready.set()
        elif isinstance(message, msg.Rate):
            self.sample_rate = int(message.sample_rate)
            self.rate_known.set()
        elif isinstance(message, msg.Staged):
            with self._answered:
                if message.key in self._held:  # not for a key already loaded whole or dropped
                    self._held[message.key] = (self._held[message.key][0], message.kept)
                    self._answered.notify_all()
        elif isinstance(message, msg.Freed):
            with self._blocks_lock:
                for offset in message.offsets:
                    self._blocks.pop(offset, None)
            for offset in message.offsets:
                self.arena.release(offset)
        elif isinstance(message, msg.Loaded):
            self._answers.put((self.epoch, message))
        elif isinstance(message, msg.Unread):
            self._answers.put((self.epoch, message))  # a take's Load, maybe: not loaded
            # A damaged message: the process never read the block it points at, so no Freed names it. Kept, each
            # such message held its take's room for good, and enough of them filled the arena.
            with self._answered:
                unread = [offset for offset, position in self._blocks.items() if position == message.position]
                for offset in unread:
                    del self._blocks[offset]
                for key, (position, _) in list(self._held.items()):  # a Stage: its samples are not kept
                    if position == message.position:
                        self._held[key] = (position, False)
                        self._answered.notify_all()
            for offset in unread:
                self.arena.release(offset)
        elif isinstance(message, msg.Stopped):
            self.opened.clear()


def wait_for_rate(known: threading.Event, untold: threading.Event, stopping: threading.Event,
                  within: float) -> str | None:
    """Wait until the audio process says its sample rate (``known``: returns None), ends or cannot start first
    (``untold``), or ``within`` s pass without either (returns why, for the node to say as it assumes a rate), or the
    node stops (``stopping``: returns "", nothing to say: the process ends for the stop, and no take is loaded).

    Why not on the process's first error: its device not open within ``open_notice`` is told while the process may
    still be asking for the rate, which it says then."""
    deadline = time.monotonic() + within
    while not known.wait(0.05):
        if stopping.is_set():
            return ""
        if untold.is_set():
            return "it ended first"
        if time.monotonic() >= deadline:
            return f"nor ended in {within:.0f} s"
    return None
