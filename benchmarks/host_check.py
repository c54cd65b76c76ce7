"""How much slower this host runs a take's work after the CPU has waited than back to back (not a benchmark
itself: ``scripts/bench.sh`` runs only ``bench_*.py``).

Some virtual machines give a process's memory back to the host while it waits, so the first pass over it
after a pause is slow however idle the machine is; a benchmark that paces its takes (as a show does) then
measures the host as much as the code. The check times the classifier's front end (NumPy only) on 5 s of a
48 kHz take, back to back and after a pause, and prints both, so that figures from such a host can be told
apart.
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from exsampling_patch.models.features import analyse

__all__ = ["cpu_line", "pause_cost", "pause_cost_line"]

#: The CPU features that move the int8 network's speed most (4 Dec: the same model file took 5.2-5.4 ms a take on
#: 3 Dec's host and 24.7 ms on an AVX2-only one), printed so that figures from different hosts can be told apart.
SIMD_FLAGS = ("avx2", "avx512f", "avx512_vnni", "avx_vnni", "amx_int8")


def pause_cost(pause_seconds: float, repeats: int = 9, rate: int = 48_000) -> tuple[float, float]:
    """Median ms of the front end on 5 s of noise at ``rate``: (back to back, after ``pause_seconds`` asleep)."""
    take = (np.random.default_rng(0).standard_normal(5 * rate) * 0.1).astype(np.float32)
    analyse(take, rate)
    back_to_back, after_pause = [], []
    for _ in range(repeats):
        started = time.perf_counter()
        analyse(take, rate)
        back_to_back.append((time.perf_counter() - started) * 1e3)
    for _ in range(repeats):
        time.sleep(pause_seconds)
        started = time.perf_counter()
        analyse(take, rate)
        after_pause.append((time.perf_counter() - started) * 1e3)
    return statistics.median(back_to_back), statistics.median(after_pause)


def pause_cost_line(pause_seconds: float) -> str:
    """One line for a benchmark's output: the front end's time back to back and after ``pause_seconds``."""
    warm, cold = pause_cost(pause_seconds)
    return (f"host check: the classifier's front end on 5 s at 48 kHz, median {warm:.1f} ms back to back, "
            f"{cold:.1f} ms after {pause_seconds:g} s asleep (alike on a host that keeps memory warm)")


def cpu_line(cpuinfo: str = "/proc/cpuinfo") -> str:
    """One line for a benchmark's output: the CPU's model name and which of :data:`SIMD_FLAGS` it has."""
    try:
        with open(cpuinfo, encoding="utf-8", errors="replace") as file:
            text = file.read()
    except OSError:
        import platform

        return f"cpu: {platform.processor() or platform.machine()} (no /proc/cpuinfo)"
    fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
    fields = {k.strip(): v.strip() for k, v in fields.items()}
    flags = set(fields.get("flags", "").split())
    have = [f for f in SIMD_FLAGS if f in flags]
    return f"cpu: {fields.get('model name', '?')}, {', '.join(have) or 'none of ' + ', '.join(SIMD_FLAGS)}"
