"""Benchmark of the sampler under the JACK server: note-on latency, callback load, xruns.

Prints:
- note-on to first output sample, in blocks: from the moment a MIDI note-on reaches the process (rtmidi's
  callback, over a JACK MIDI port) to the audio callback that renders its first sample (the voice starts
  at the first sample of that block); plus the stream's own output latency as PortAudio reports it;
- callback time as a share of its budget (blocksize / rate) with 8 slots x 8 voices playing, rendered
  offline (no scheduler noise) and live in the JACK stream while real 10 s takes (ESC-50) are classified by
  the shipped model in its own process, as in the default patch, and new takes are loaded into slots;
- xruns reported by the sampler's own stream over the run (default 60 s: ``--seconds``), with what explains
  them: how late a realtime timer process beside the run woke (the machine's own scheduling latency), and
  which JACK clients the server's log names as late (when ``JACK_LOG`` names it, as scripts/services.sh does).

Usage: ``python benchmarks/bench_outputs.py [--seconds 60] [--blocksize N] [--make-stalls 4,6,8]`` with a JACK
server running (``make bench`` starts one at 512 frames; ``JACK_PERIOD=256 make bench`` at 256). ``--make-stalls``
stalls every CPU at once, on purpose, to see how a block size copes with a machine that stops now and then.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time

import numpy as np
from esc50_takes import ESC50, ten_second_takes

from exsampling_patch.messages import SlotAssignment, Take
from exsampling_patch.models.process import ClassifierProcess
from exsampling_patch.node import NodeContext


def sine_take(freq: float, seconds: float, rate: int = 44100) -> Take:
    t = np.arange(int(seconds * rate)) / rate
    return Take((0.1 * np.sin(2 * np.pi * freq * t)).astype(np.float32), rate, meta={"pitch_hz": freq})


def stats(values: np.ndarray) -> str:
    if values.size == 0:
        return "no data"
    return (f"median {np.median(values):.3f}  p95 {np.percentile(values, 95):.3f}  max {values.max():.3f}  "
            f"(n={values.size})")


def classifier_takes(count: int = 8, rate: int = 48000) -> list[np.ndarray]:
    """10 s takes of real recordings for the classifier beside the audio (noise where the data is missing)."""
    if not (ESC50 / "esc50.csv").exists():
        rng = np.random.default_rng(0)
        return [(rng.standard_normal(10 * rate) * 0.1).astype(np.float32) for _ in range(count)]
    return [audio for _, audio in ten_second_takes(count, rate)]


def classify_beside(stop: threading.Event, classifier: ClassifierProcess, takes: list[np.ndarray],
                    sampler: object, names: list[str], classified: list[int]) -> None:
    """Takes classified beside the audio, as the default patch does it (the classifier in its own process),
    one after another with 50 ms between them; now and then a new take loaded into a slot."""
    n = 0
    while not stop.is_set():
        classifier.predict(takes[n % len(takes)], 48000, max_seconds=5.0)
        if n % 4 == 0:  # a new take arrives now and then: prepared on this thread, swapped in by the callback
            slot = names[(n // 4) % len(names)]
            sampler.on_assign(SlotAssignment(slot, sine_take(110.0 * (1 + n % 5), 10.0)))  # type: ignore[attr-defined]
        n += 1
        classified[0] = n
        stop.wait(0.05)


def offline_share(blocksize: int, blocks: int = 2000) -> np.ndarray:
    """Callback time / budget with 64 voices, rendered without a device (the pure cost of the core)."""
    from exsampling_patch.nodes.sampler.core import SamplerCore
    from exsampling_patch.nodes.sampler.prepare import prepare
    from exsampling_patch.nodes.sampler.ring import NOTE_ON, EventRing

    ring = EventRing()
    core = SamplerCore(8, 48000, polyphony=8, rings=[ring])
    for s in range(8):
        core.load(s, prepare(sine_take(220.0, 30.0), 48000))
    out = np.zeros((blocksize, 2), np.float32)
    core.render(out)
    for s in range(8):
        for v in range(8):
            ring.push(NOTE_ON, s, 48 + v, 100)
    times = np.zeros(blocks)
    for i in range(blocks):
        start = time.perf_counter()
        core.render(out)
        times[i] = time.perf_counter() - start
    assert int(core.active.sum()) == 64
    return times / (blocksize / 48000)


BASELINE = """
import sys, time
import sounddevice as sd
seconds, blocksize = float(sys.argv[1]), int(sys.argv[2])
counts = [0, 0]
def callback(outdata, frames, time_info, status):
    counts[0] += 1
    counts[1] += int(status.output_underflow)
    outdata.fill(0)
with sd.OutputStream(samplerate=48000, blocksize=blocksize, channels=2, dtype="float32", latency="low",
                     callback=callback):
    time.sleep(seconds)
print(*counts)
"""


def baseline_xruns(seconds: float, blocksize: int) -> tuple[int, int]:
    """Xruns of a stream whose callback does nothing but write zeros: what the machine itself causes. In a
    process of its own, so that PortAudio's JACK client leaves the graph with it (the sampler's process plays)."""
    out = subprocess.run([sys.executable, "-c", BASELINE, str(seconds), str(blocksize)], capture_output=True,
                         text=True, check=True)
    callbacks, xruns = out.stdout.split()
    return int(callbacks), int(xruns)


ON_CPU_AT_TOP_PRIORITY = """
import os, sys, time
try:
    os.sched_setaffinity(0, {int(sys.argv[1])})
    os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(99))
except (AttributeError, OSError):
    pass
"""  # how the probes and the stall makers begin: on the CPU they are given, ahead of everything else there
PROBE = ON_CPU_AT_TOP_PRIORITY + """
period, seconds, threshold = float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
realtime = os.sched_getscheduler(0) == getattr(os, "SCHED_FIFO", -1)
end = time.monotonic() + seconds
deadline, wakeups, stalls = time.monotonic(), 0, []
while deadline < end:
    deadline += period
    time.sleep(max(0.0, deadline - time.monotonic()))
    now = time.monotonic()
    wakeups += 1
    if now - deadline > threshold:
        stalls.append((now, now - deadline))
        deadline = now  # one stall, counted once (not again for each period it spanned)
print(realtime, wakeups)
for at, late in stalls:
    print(at, late)
"""
PROBE_PERIOD = 0.001  # s between wake-ups: a stall longer than this is seen on the CPU it hits
STALL = 0.001  # a wake-up later than this (s) counts as a stall of the machine
EXPLAINS = (0.05, 0.002)  # an xrun reported up to 50 ms after a stall's end (or 2 ms before) follows from it


STALL_MAKER = ON_CPU_AT_TOP_PRIORITY + """
start, every, until = float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
lengths = [float(ms) / 1000 for ms in sys.argv[5].split(",")]
k = 0
while start + k * every < until:
    at, length = start + k * every, lengths[k % len(lengths)]
    while time.monotonic() < at - 0.002:
        time.sleep(0.001)
    while time.monotonic() < at + length:  # spin from the same moment on every CPU: nothing else runs
        pass
    print(at + length, length)
    k += 1
"""
STALL_EVERY = 3.0  # s between made stalls


def start_stall_makers(seconds: float, lengths_ms: str) -> list[subprocess.Popen[str]]:
    """Stalls of known length made on purpose, the same on every CPU at once (a process per CPU spinning at
    the highest realtime priority), every :data:`STALL_EVERY` s: how a block size copes with a machine that
    stops, whatever the host does meanwhile. Their output reads like the probes' (time it ended, length)."""
    start = time.monotonic() + 1.0
    return start_per_cpu(STALL_MAKER, start, STALL_EVERY, start + seconds - 2.0, lengths_ms)


def made_stalls(makers: list[subprocess.Popen[str]]) -> np.ndarray:
    """The stalls the first maker made, as rows of (time it ended, length)."""
    outputs = [maker.communicate(timeout=30)[0] for maker in makers]  # wait for each; they made the same stalls
    return time_rows(outputs[0].splitlines())


def start_wakeup_probes(seconds: float) -> list[subprocess.Popen[str]]:
    """A process per CPU, pinned there, that wakes every millisecond at the highest realtime priority and
    notes when it woke late: it runs no audio and holds no lock, so its delays are the machine's (kernel,
    hypervisor stalling a virtual CPU), not ours."""
    return start_per_cpu(PROBE, PROBE_PERIOD, seconds, STALL)


def start_per_cpu(script: str, *args: object) -> list[subprocess.Popen[str]]:
    """One Python process running ``script`` for each CPU this process may use, given the CPU, then ``args``."""
    return [subprocess.Popen([sys.executable, "-c", script, str(cpu), *map(str, args)], stdout=subprocess.PIPE,
                             text=True) for cpu in sorted(os.sched_getaffinity(0))]


def time_rows(lines: list[str]) -> np.ndarray:
    """Lines of "time length" (what the probes and stall makers print) as rows of floats, in time order."""
    return np.array(sorted(tuple(map(float, line.split())) for line in lines), np.float64).reshape(-1, 2)


def probe_stalls(probes: list[subprocess.Popen[str]]) -> tuple[bool, int, np.ndarray]:
    """(all realtime, wake-ups, stalls as rows of (time it ended, how late)) from finished probes."""
    realtime, wakeups, stalls = True, 0, []
    for probe in probes:
        lines = probe.communicate(timeout=30)[0].splitlines()
        if not lines:
            continue
        flag, count = lines[0].split()
        realtime, wakeups = realtime and flag == "True", wakeups + int(count)
        stalls += lines[1:]
    return realtime, wakeups, time_rows(stalls)


def explained(xruns: np.ndarray, stalls: np.ndarray) -> int:
    """How many of the ``xruns`` (times) come within :data:`EXPLAINS` of a stall's end."""
    before, after = EXPLAINS
    return sum(bool(((stalls[:, 0] >= x - before) & (stalls[:, 0] <= x + after)).any()) for x in xruns)


def chance(stalls: np.ndarray, seconds: float) -> float:
    """The share of a run of ``seconds`` in which an xrun would count as explained by one of ``stalls``
    by chance alone (the union of their windows)."""
    before, after = EXPLAINS
    covered, reach = 0.0, -np.inf
    for end in np.sort(stalls[:, 0]):
        start, stop = max(end - after, reach), end + before
        covered += max(0.0, stop - start)
        reach = max(reach, stop)
    return covered / seconds


def late_jack_clients(log: str, since: int) -> dict[str, int]:
    """Clients the JACK server's log names as late ("XRun: client = NAME was not finished") after byte ``since``,
    and the driver's own late cycles, counted."""
    counts: dict[str, int] = {}
    try:
        with open(log, encoding="utf-8", errors="replace") as handle:
            handle.seek(since)
            for line in handle:
                if "XRun: client = " in line:
                    name = line.split("client = ", 1)[1].split(" was not", 1)[0].strip()
                    counts[name] = counts.get(name, 0) + 1
                elif "Driver::Process XRun" in line:
                    counts["(the driver's own timer)"] = counts.get("(the driver's own timer)", 0) + 1
    except OSError:
        pass
    return counts


def jack_period() -> int:
    """The running JACK server's buffer size (frames per period), 256 where it cannot be read."""
    words = subprocess.run(["jack_bufsize"], capture_output=True, text=True).stdout.split()
    return int(words[0]) if words and words[0].isdigit() else 256


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the live run (default 60)")
    parser.add_argument("--in-process", action="store_true",
                        help="run the callback in this process (audio_process off)")
    parser.add_argument("--no-probes", action="store_true",
                        help="run without the timer processes that look for stalls of the machine (they wake "
                             "1000 times a second on each CPU)")
    parser.add_argument("--make-stalls", metavar="MS,MS,...", default="",
                        help=f"stall every CPU at once every {STALL_EVERY:g} s for these lengths in turn (e.g. "
                             "4,6,8), to see how the block size copes; the probes are then left out")
    parser.add_argument("--blocksize", type=int, default=0,
                        help="frames per callback (default: the JACK server's period, as a performer would set it)")
    args = parser.parse_args()
    if subprocess.run(["jack_lsp"], capture_output=True).returncode != 0:
        print("no JACK server running: start one (make bench does) and run again", file=sys.stderr)
        return 1
    blocksize = args.blocksize or jack_period()

    import mido

    from exsampling_patch.midi_ports import backend, jack_link
    from exsampling_patch.nodes.sampler import Sampler

    share = offline_share(blocksize)
    print(f"callback share of budget, offline, 8 slots x 8 voices: {stats(share * 100)} %")
    base_callbacks, base_xruns = baseline_xruns(min(10.0, args.seconds / 4), blocksize)
    print(f"for reference, a PortAudio stream that only writes zeros: {base_xruns} xruns in {base_callbacks} "
          f"callbacks over {min(10.0, args.seconds / 4):.0f} s (the JACK server's own, on this shared machine)")

    context = NodeContext()
    port = f"exs-bench-{os.getpid()}"
    sampler = Sampler("bench", {"virtual_port": port, "midi_api": "UNIX_JACK", "blocksize": blocksize,
                                "gain": 0.1, "audio_process": not args.in_process}, context)
    sampler.start()
    if not sampler.audio.opened.wait(10) or not sampler.audio.wait_midi(0, 10):
        print(f"the sampler could not open its stream or MIDI port: {context.errors}", file=sys.stderr)
        sampler.stop()
        return 1
    midi = backend("UNIX_JACK")
    target = next(n for n in midi.get_output_names() if n.endswith(port))
    sender = midi.open_output(target, client_name=f"exs-bench-keys-{os.getpid()}")
    jack_link(f"exs-bench-keys-{os.getpid()}", target, "output")
    for slot in sampler.names:
        sampler.on_assign(SlotAssignment(slot, sine_take(220.0, 10.0)))
    time.sleep(0.2)
    stop = threading.Event()
    classifier = ClassifierProcess(threads=1, warm_up={"max_seconds": 5.0})
    classifier.wait_ready()
    classified = [0]
    worker = threading.Thread(target=classify_beside, daemon=True,
                              args=(stop, classifier, classifier_takes(), sampler, sampler.names, classified))
    state = sampler.state  # the callback's meters, shared with its audio process
    first_callback, first_xruns = state.callbacks, state.xruns
    jack_log = os.environ.get("JACK_LOG", "")  # each run's server has a log of its own (scripts/jack.sh)
    log_start = os.path.getsize(jack_log) if os.path.exists(jack_log) else 0
    makers = start_stall_makers(args.seconds, args.make_stalls) if args.make_stalls else []
    probes = [] if args.no_probes or makers else start_wakeup_probes(args.seconds)
    worker.start()
    deadline = time.monotonic() + args.seconds
    notes = 0
    try:
        while time.monotonic() < deadline:  # keep 8 voices on each slot; each note re-triggers (stealing)
            for channel in range(8):
                sender.send(mido.Message("note_on", channel=channel, note=48 + notes % 8, velocity=100))
                notes += 1
            time.sleep(0.05)
    finally:
        stop.set()
        worker.join()
        classifier.stop()
        callbacks, xruns = state.callbacks - first_callback, state.xruns - first_xruns
        xrun_times = state.xrun_times(since=first_xruns)[:xruns]  # before stopping (closing may report one more)
        rate = sampler.sample_rate_used
        budget = blocksize / rate
        measured = np.arange(first_callback, first_callback + min(callbacks, len(state.cb_seconds)))
        live_share = state.cb_seconds[measured % len(state.cb_seconds)] / budget
        waits = state.note_wait[: min(state.notes_started, len(state.note_wait))] / budget
        latency = next((s["output_latency_ms"] / 1000 for s in context.statuses if "output_latency_ms" in s),
                       float("nan"))
        voices = int(state.voices_active.sum())
        steals = state.steals
        where = "its own audio process" if sampler.core is None else "the patch's process"
        sampler_client = sampler.audio.jack_client
        sender.close()
        sampler.stop()
        realtime, wakeups, stalls = probe_stalls(probes)
        made = made_stalls(makers) if makers else None
        late_clients = late_jack_clients(jack_log, log_start)
    print(f"sampler audio callback ran in {where}")
    print(f"note-on (MIDI in) to the callback rendering its first sample: {stats(waits)} blocks "
          f"of {blocksize} at {rate} Hz; the voice starts at sample 0 of that block")
    print(f"stream output latency reported by PortAudio: {latency * 1000:.2f} ms "
          f"({latency / budget:.2f} blocks)")
    print(f"callback share of budget, live under JACK with {voices} voices at the end, {classified[0]} takes "
          f"classified meanwhile: {stats(live_share * 100)} %")
    print(f"xruns reported by the sampler's stream: {xruns} in {callbacks} callbacks over {args.seconds:.0f} s "
          f"({notes} notes sent, {steals} voices stolen)")
    if wakeups:
        lengths = stalls[:, 1] * 1000
        print(f"{len(probes)} {'realtime (SCHED_FIFO 99)' if realtime else 'normal-priority'} timer processes, one "
              f"pinned to each CPU, woke late {len(stalls)} times in {wakeups} wake-ups: "
              f"{int((lengths > 2).sum())} by more than 2 ms, {int((lengths > budget * 1000).sum())} by more than "
              f"a period (worst {lengths.max(initial=0):.1f} ms): stalls of the machine, not of any program on it")
        print(f"xruns that the sampler's stream reported within {EXPLAINS[0] * 1000:.0f} ms after such a stall: "
              f"{explained(xrun_times, stalls)} of {len(xrun_times)} (an xrun at a random time would be, with "
              f"probability {chance(stalls, args.seconds) * 100:.1f}%)")
    if made is not None:
        made_lengths = ", ".join(f"{ms:g}" for ms in sorted({float(x) for x in args.make_stalls.split(",")}))
        print(f"stalls made on purpose, every CPU at once every {STALL_EVERY:g} s: {len(made)} of {made_lengths} ms in "
              f"turn; xruns the stream reported within {EXPLAINS[0] * 1000:.0f} ms after one: "
              f"{explained(xrun_times, made)} of {len(xrun_times)}")
    if late_clients:
        named = ", ".join(f"{name}{' (the sampler)' if name == sampler_client else ''} {count}"
                          for name, count in sorted(late_clients.items(), key=lambda item: -item[1]))
        print(f"JACK clients the server's log names as late during the run: {named}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
