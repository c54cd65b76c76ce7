"""The node API: ports, parameter specs and validation, handlers, threads."""

from __future__ import annotations

import re
import sys
import threading
from pathlib import Path
from typing import Any, cast

import numpy as np
import pytest

from exsampling_patch import TAKE, Input, Node, Output, Param, Take
from exsampling_patch.node import ParamError
from exsampling_patch.patchfile import read_patch
from exsampling_patch.ports import ANY, CONTROL, PREDICTION, SLOT, link_problem
from exsampling_patch.registry import Registry
from exsampling_patch.runtime.parts import error_text, raised_at
from exsampling_patch.validate import check_patch


class Scale(Node):
    """Scale takes."""

    take = Input(TAKE, "in")
    out = Output(TAKE, "out")
    factor = Param(float, 1.0, "the factor", minimum=0.0, maximum=4.0)
    mode = Param(str, "linear", "how", choices=("linear", "square"))
    table = Param(dict, {"a": "b"}, "a table")

    def on_take(self, take: Take) -> None:
        self.emit("out", take.derive(take.samples * self.factor))


def test_class_declares_ports_and_params() -> None:
    assert Scale.type_name == "scale"
    assert list(Scale.inputs) == ["take"] and Scale.inputs["take"].type is TAKE
    assert list(Scale.param_specs) == ["factor", "mode", "table"]
    described = Scale.describe()
    assert described["doc"] == "Scale takes."
    assert described["params"][0] == {"name": "factor", "type": "float", "default": 1.0, "doc": "the factor",
                                      "min": 0.0, "max": 4.0}
    assert described["params"][1]["type"] == "choice"
    assert described["params"][2]["type"] == "table"


class Wrapped(Node):
    """Pass what is at least as probable
    as a threshold; the rest go to 'rejected'.

    More about it, which the one-line doc leaves out.
    """


def test_the_one_line_doc_is_the_whole_summary_when_it_wraps_in_the_source() -> None:
    # The palette's hover and the inspector show it: not cut mid-sentence ("... as probable as a").
    assert Wrapped.doc() == "Pass what is at least as probable as a threshold; the rest go to 'rejected'."
    assert Scale.doc() == "Scale takes."


def test_params_are_validated_and_read_as_attributes() -> None:
    node = Scale("s", {"factor": 2})
    assert node.factor == 2.0 and isinstance(node.factor, float)
    with pytest.raises(ParamError, match="above its maximum"):
        Scale("s", {"factor": 5})
    with pytest.raises(ParamError, match="did you mean 'square'"):
        Scale("s", {"mode": "squar"})
    with pytest.raises(ParamError, match="has no parameter 'factr'; did you mean 'factor'"):
        Scale("s", {"factr": 1})
    with pytest.raises(ParamError, match="must be a number, got the text 'two'"):
        Scale("s", {"factor": "two"})
    with pytest.raises(ParamError, match="must be a number, got true"):
        Scale("s", {"factor": True})


class Kinds(Node):
    """A parameter of each kind."""

    take = Input(TAKE, "in")
    name = Param(str, "a", "text")
    count = Param(int, 1, "a whole number")
    loud = Param(bool, False, "true or false")
    mode = Param(str, "fast", "a choice", choices=("fast", "slow", "off"))
    where = Param("path", "takes", "a path")
    rows = Param(dict, {}, "a table")
    labels = Param(list, [], "a list")
    when = Param(float, 0.0, "a number")

    def on_take(self, take: Take) -> None:
        pass


def test_a_value_of_the_wrong_kind_is_told_in_a_patch_s_words(tmp_path: Path) -> None:
    # Before, "parameter 'name' must be str, got int 3": Python's names of types, to a performer who wrote `3`.
    registry = Registry.default(entry_points=False)
    registry.register(Kinds, "test")
    path = tmp_path / "show.yaml"
    path.write_text("exsampling_patch: 1\nnodes:\n- id: k\n  type: kinds\n  params:\n    name: 3\n    count: 1.5\n"
                    "    loud: 'yes'\n    mode: 2\n    where: off\n    rows: [a, b]\n    labels: {dog: 1}\n"
                    "    when: 2024-05-01\n", encoding="utf-8")
    parsed = read_patch(path)
    assert [str(p).split(" (")[0] for p in check_patch(parsed.patch, registry, parsed.source_map)] == [
        f"{path}:6: node 'k': parameter 'name' must be text, got the number 3",
        f"{path}:7: node 'k': parameter 'count' must be a whole number, got the number 1.5",
        f"{path}:8: node 'k': parameter 'loud' must be true or false, got the text 'yes'",
        f"{path}:9: node 'k': parameter 'mode' must be one of fast, slow or off, got the number 2",
        f"{path}:10: node 'k': parameter 'where' must be a path, got false",
        f"{path}:11: node 'k': parameter 'rows' must be a mapping, got the list ['a', 'b']",
        f"{path}:12: node 'k': parameter 'labels' must be a list, got the mapping {{'dog': 1}}",
        f"{path}:13: node 'k': parameter 'when' must be a number, got the date 2024-05-01",
    ]


def test_nan_and_infinite_numbers_are_refused() -> None:
    # NaN compares false with both limits: it used to pass them and switch off what the parameter sets.
    with pytest.raises(ParamError, match=r"'factor' is nan: give a finite number in \[0, 4\]"):
        Scale("s", {"factor": float("nan")})
    with pytest.raises(ParamError, match="'factor' is -inf"):
        Scale("s", {"factor": float("-inf")})
    unbounded = Param(float, 0.0, "no limits")
    unbounded.name = "free"
    with pytest.raises(ParamError, match=r"'free' is nan: give a finite number$"):
        unbounded.validate(float("nan"))
    assert unbounded.validate(float("inf")) == float("inf")  # no range: infinity may mean "no limit"
    with pytest.raises(ParamError, match="must be a whole number, got the number nan"):
        Param(int, 1, "whole", minimum=0).validate(float("nan"))


def test_handle_dispatches_and_emits() -> None:
    node = Scale("s", {"factor": 0.5})
    take = Take(np.ones(4, dtype=np.float32), 8000)
    node.handle("take", take)
    (port, out), = node.context.emitted
    assert port == "out" and np.allclose(out.samples, 0.5)
    assert np.allclose(take.samples, 1.0)  # the input take is unchanged


def test_unknown_input_raises() -> None:
    with pytest.raises(NotImplementedError):
        Scale("s").handle("nope", 1)


def test_run_thread_reports_and_restarts() -> None:
    calls: list[int] = []
    done = threading.Event()

    class Flaky(Node):
        """Fails once."""

        out = Output(TAKE)

        def start(self) -> None:
            self.run_thread(self.loop, restart_delay=0.01)

        def loop(self) -> None:
            calls.append(1)
            if len(calls) == 1:
                raise OSError("device busy")
            done.set()

    node = Flaky("f")
    node.start()
    assert done.wait(2)
    node.stop()
    assert len(calls) == 2
    assert "device busy" in str(node.context.errors[0])


def test_run_thread_tells_a_loop_that_calls_sys_exit_once_and_does_not_run_it_again() -> None:
    # sys.exit() in a source's loop: before 92c1be6 its thread ended without a word (threading drops SystemExit);
    # then it was told and run again for ever, a loop that quits at once (a script turned node) restarted every
    # restart_delay, told each time. Now it is told once, where it quit, and the thread ends.
    calls: list[int] = []

    class Quitter(Node):
        """Quits at once, every time, as a script turned node may."""

        out = Output(TAKE)

        def start(self) -> None:
            self.run_thread(self.loop, name="q-listen", restart_delay=0.01)

        def loop(self) -> None:
            calls.append(1)
            sys.exit("no device")

    node = Quitter("q")
    node.start()
    (thread,) = node._threads
    thread.join(5)
    try:
        assert not thread.is_alive() and len(calls) == 1
    finally:
        node.stop()
    (error,) = node.context.errors
    assert str(error) == "'q-listen' quit with sys.exit('no device'): it is not run again until the patch is started " \
                         "again", error
    quit_with = cast(BaseException, error)  # told as the exception raised
    assert raised_at(quit_with, node).startswith(f"{__file__}:"), raised_at(quit_with, node)  # the line that quit
    assert error_text(quit_with) == str(error)  # the product's words, no class before them


def test_port_rule() -> None:
    assert link_problem(TAKE, TAKE) is None
    assert link_problem(ANY, SLOT) is None and link_problem(PREDICTION, ANY) is None
    assert link_problem(TAKE, SLOT) == "a take output cannot feed a slot input"
    assert link_problem(CONTROL, TAKE) is not None


def test_a_port_typed_with_anything_but_a_port_type_is_refused_where_it_is_declared() -> None:
    # Before, Input("take") was accepted and `exsampling nodes` failed later on the type's missing .name.
    with pytest.raises(TypeError, match="not 'take'; did you mean TAKE"):
        Input("take", "in")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="not 'tkae'; did you mean TAKE"):
        Output("tkae", "out")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="one of TAKE, PREDICTION, SLOT, MIDI, CONTROL, ANY"):
        Input(None, "in")  # type: ignore[arg-type]


def test_take_shapes() -> None:
    mono = Take(np.zeros(10), 16000)
    assert mono.samples.shape == (10, 1) and mono.samples.dtype == np.float32
    stereo = Take(np.ones((10, 2)), 16000)
    assert stereo.mono().shape == (10,)
    with pytest.raises(ValueError):
        Take(np.zeros((2, 2, 2)), 16000)
    derived: Any = stereo.derive(meta={"pitch_hz": 220.0})
    assert derived.meta["pitch_hz"] == 220.0 and derived.take_id == stereo.take_id and "pitch_hz" not in stereo.meta


def test_names_that_hide_the_api_are_refused() -> None:
    with pytest.raises(TypeError, match=r"hides Node\.stop"):
        class Bad(Node):
            """Bad."""

            stop = Param(float, 1.0, "clashes with Node.stop")  # type: ignore[assignment]
    # A hook added later (leaving, which an edit calls) is guarded too: a port of that name hid it.
    with pytest.raises(TypeError, match=r"^Late: output 'leaving' hides Node\.leaving; rename it$"):
        class Late(Node):
            """Late."""

            leaving = Output(ANY, "clashes with Node.leaving")  # type: ignore[assignment]


def test_new_samples_are_no_longer_the_file(tmp_path: Any) -> None:
    take = Take(np.zeros(4, np.float32), 8000, path=tmp_path / "a.wav")
    assert take.derive(meta={"x": 1}).path == tmp_path / "a.wav"  # same samples: still that file
    changed = take.derive(np.ones(4, np.float32))
    assert changed.path is None and changed.meta["source_path"] == str(tmp_path / "a.wav")


def test_latency_status_counts_from_storage() -> None:
    import time

    take = Take(np.zeros(4, np.float32), 8000, meta={"stored_at": time.monotonic() - 0.25})
    assert 250.0 <= take.latency_status()["latency_ms"] < 1000.0
    assert Take(np.zeros(4, np.float32), 8000).latency_status() == {}


def test_path_params_say_what_they_name() -> None:
    class Writer(Node):
        """Write takes."""

        folder = Param("path", "takes", "where to write")
        model = Param("path", "", "a model file", path_kind="file")

    assert Writer.param_specs["folder"].describe()["path_kind"] == "folder"  # named folder: a folder
    assert Writer.param_specs["model"].describe()["path_kind"] == "file"
    with pytest.raises(ParamError, match="'folder' is 'a\\\\x00b': a path cannot hold a NUL character"):
        Writer("w", {"folder": "a\0b"})


def test_a_parameter_spec_that_cannot_work_is_refused_where_it_is_declared() -> None:
    # Before, a str with a minimum made every check of its value raise TypeError ('<' between str and int).
    with pytest.raises(ValueError, match="minimum and maximum are for int and float parameters, not str"):
        Param(str, "abc", "a name", minimum=1)
    with pytest.raises(ValueError, match="minimum 5 is above maximum 2"):
        Param(float, 3.0, "x", minimum=5, maximum=2)
    with pytest.raises(ValueError, match="a choice parameter needs its choices"):
        Param("choice", "a", "a mode")
    # Before, a minimum written as a str loaded, and the default's check at registration raised "TypeError: '<' not
    # supported between instances of 'float' and 'str'", with no line.
    with pytest.raises(ValueError, match="minimum must be a number, not str '0'"):
        Param(float, 1.0, "a level", minimum="0")  # type: ignore[call-overload]  # wrong on purpose
    with pytest.raises(ValueError, match="maximum must be a number, not bool True"):
        Param(int, 1, "a count", maximum=True)
    # Before, "unsupported parameter type <class 'tuple'>": which kinds there are was nowhere said.
    with pytest.raises(ValueError, match=re.escape("unsupported parameter kind tuple; use int, float, bool, str, "
                                                   "dict (a table), list, or the names 'path' and 'choice'")):
        Param(tuple, (1, 2), "a pair")
    # Before, "unknown parameter kind 'choise'; use one of ['bool', 'choice', 'float', ...]": no hint, a Python list.
    with pytest.raises(ValueError, match=re.escape("unknown parameter kind 'choise'; did you mean 'choice'? Use "
                                                   "bool, choice, float, int, list, path, str or table")):
        Param("choise", "a", "a mode", choices=["a", "b"])
    # The kinds by the names one writes: "did you mean 'table'? Use ... dict (a table), ..." never named 'table'.
    with pytest.raises(ValueError, match=re.escape("unknown parameter kind 'tabel'; did you mean 'table'? Use "
                                                   "bool, choice, float, int, list, path, str or table")):
        Param("tabel", {}, "a map")
    with pytest.raises(ValueError, match=re.escape("unknown parameter kind 'number'; use bool, choice, float, int, "
                                                   "list, path, str or table")):
        Param("number", 1, "a count")


def test_an_emit_of_the_wrong_kind_of_message_is_refused_at_the_emitter() -> None:
    # Before, a take's samples sent on a take output reached the next node, which failed on them instead.
    class Raw(Node):
        """Emit the samples instead of the take."""

        take = Input(TAKE, "in")
        out = Output(TAKE, "out")

        def on_take(self, take: Take) -> None:
            self.emit("out", take.samples)

    node = Raw("raw")
    with pytest.raises(TypeError, match=r"output 'out' carries takes \(.*\); emit got an array of samples"):
        node.handle("take", Take(np.zeros(4, dtype=np.float32), 8000))
    assert node.context.emitted == []
