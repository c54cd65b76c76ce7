"""The benchmarks' host line: which CPU, with which of the SIMD features the int8 network's speed depends on."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parents[2]


def host_check() -> ModuleType:
    spec = importlib.util.spec_from_file_location("host_check", REPO / "benchmarks" / "host_check.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cpu_line_names_the_model_and_its_simd_features(tmp_path: Path) -> None:
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nmodel name\t: Some Xeon\nflags\t\t: fpu sse avx avx2 avx512f avx512_vnni\n\n"
                       "processor\t: 1\nmodel name\t: Some Xeon\nflags\t\t: fpu sse avx avx2 avx512f avx512_vnni\n")
    assert host_check().cpu_line(str(cpuinfo)) == "cpu: Some Xeon, avx2, avx512f, avx512_vnni"


def test_cpu_line_says_when_none_of_the_features_is_there(tmp_path: Path) -> None:
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("model name\t: Old Chip\nflags\t\t: fpu sse sse2\n")
    line = host_check().cpu_line(str(cpuinfo))
    assert line.startswith("cpu: Old Chip, none of avx2")
    assert "no /proc/cpuinfo" in host_check().cpu_line(str(tmp_path / "missing"))
