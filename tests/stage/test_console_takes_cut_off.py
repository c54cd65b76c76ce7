"""Errors on takes whose lines never come, and takes named after their line.

A take named by a status after its line ("loaded after all") was put back among the takes on their way, for good:
5000 such takes, 5000 kept; and once the oldest was no longer remembered as ended, an error naming it was counted
"1 more error on takes, each said on its take's line" and never printed. An error counted on a take just before a
Ctrl+C was left for a line the stop cut off. From the stop on, a node's second error was counted whatever it said:
its text survived in the show log alone.
"""

from __future__ import annotations

import io
import time

from exsampling_patch.commands.error_repeats import RepeatedErrors
from exsampling_patch.commands.late_loads import TAKES_KEPT
from exsampling_patch.commands.stage import StageConsole
from exsampling_patch.patch import Patch
from exsampling_patch.runtime import NodeError, NodeStatus, TakeEnded


def error(node_id: str, text: str) -> NodeError:
    return NodeError(node_id, error=text, port="take", time=time.monotonic())


def arrived(take_id: str) -> NodeStatus:
    return NodeStatus("phones", status={"take": take_id, "recorder": "Ana", "duration": 2.0}, time=time.monotonic())


def ended(take_id: str, reason: str = "slot HH") -> TakeEnded:
    return TakeEnded("map", take_id=take_id, recorder="Ana", fate="slot", reason=reason, slots=("HH",),
                     time=time.monotonic(), loaded=())


def console_of() -> StageConsole:
    console = StageConsole(Patch(), err=io.StringIO())
    console.repeats = RepeatedErrors(every=3600.0)  # no count due meanwhile, however slow the host
    return console


def said(console: StageConsole) -> list[str]:
    return [line.split(" ", 1)[1] for line in console.err.getvalue().splitlines()]  # type: ignore[union-attr]


def test_takes_loaded_after_all_are_not_kept_and_an_error_on_an_old_one_is_told() -> None:
    console = console_of()
    for number in range(TAKES_KEPT + 10):
        take_id = f"Ana-{number:05d}"
        console(arrived(take_id))
        console(ended(take_id))
        console(NodeStatus("sampler", status={"take": take_id, "slot": "HH", "loaded_after_all": take_id},
                           time=time.monotonic()))
    assert len(console._takes) == 0  # none is on its way
    console(arrived("Ana-late"))
    console(error("sampler", "Ana-late not loaded into slot HH: no answer"))  # the first on takes: told
    console(error("sampler", "Ana-00000 rolled back from slot HH: no answer"))  # long ended: no line is to tell it
    assert [line for line in said(console) if "error in node" in line] == [
        "error in node 'sampler': Ana-late not loaded into slot HH: no answer",
        "error in node 'sampler': Ana-00000 rolled back from slot HH: no answer"]


def test_an_error_on_a_take_named_again_long_after_its_line_is_told_when_it_comes() -> None:
    """A take forgotten as ended (TAKES_KEPT newer ones ended since) named again by the sampler (it still plays it)
    was taken for one on its way: an error naming it waited for its line, long out, and the run's flush told it as
    one of the takes "whose lines the stop cut off"."""
    console = console_of()
    for number in range(TAKES_KEPT + 10):
        console(arrived(f"Ana-{number:05d}"))
        console(ended(f"Ana-{number:05d}"))
    console(arrived("Ana-late"))
    console(error("sampler", "Ana-late not loaded into slot HH: no answer"))  # the first on takes: told
    for old in ("Ana-00000", "Ana-00001"):
        console(NodeStatus("sampler", status={"take": old, "slot": "HH"}, time=time.monotonic()))  # it plays them
        console(error("sampler", f"{old} rolled back from slot HH: the sampler's audio process stopped"))
    assert [line for line in said(console) if "error in node" in line] == [
        "error in node 'sampler': Ana-late not loaded into slot HH: no answer",
        "error in node 'sampler': Ana-00000 rolled back from slot HH: the sampler's audio process stopped",
        "error in node 'sampler': Ana-00001 rolled back from slot HH: the sampler's audio process stopped"]
    told = len(said(console))
    console.stopping()
    console.flush_errors()
    assert not [line for line in said(console)[told:] if "Ana-0000" in line or "cut off" in line], said(console)


def test_an_error_on_a_take_the_console_stops_following_is_told_then_not_as_cut_off_by_the_stop() -> None:
    """A take on its way pushed out of the TAKES_KEPT kept (as many newer ones came, none ended) took its errors
    counted for its line along: told only at the run's flush, as on takes "whose lines the stop cut off": untrue
    (the stop cut off no line of it), and late. Told as the console lets the take go, saying why then."""
    console = console_of()
    console(arrived("Ana-0"))
    console(arrived("Ana-1"))
    console(error("sampler", "Ana-0 not loaded into slot HH: no answer"))  # the first on takes: told
    console(error("sampler", "Ana-1 not loaded into slot BD: no answer"))  # counted: its line is to tell it
    for number in range(TAKES_KEPT):  # Ana-0, then Ana-1 pushed out
        console(arrived(f"Bo-{number:05d}"))
    assert said(console) == [
        "error in node 'sampler': Ana-0 not loaded into slot HH: no answer",
        f"error in node 'sampler': Ana-1 not loaded into slot BD: no answer; told now: the console stopped waiting "
        f"for its take's line, {TAKES_KEPT:,} newer takes on their way"]
    console(ended("Ana-1", reason="slot BD"))  # its line after all: the error told already
    console.stopping()
    console.flush_errors()
    assert said(console)[2:] == ["take Ana-1 from Ana: slot BD (0 ms)"], said(console)  # its length let go too


def test_errors_left_for_lines_the_stop_cut_off_are_told_at_the_flush() -> None:
    console = console_of()
    for take_id in ("Ana-1", "Ana-2", "Ana-3", "Ana-4", "Ana-5"):
        console(arrived(take_id))
    console(error("sampler", "Ana-1 not loaded into slot HH: no answer"))  # told
    console(error("sampler", "Ana-2 not loaded into slot BD: no answer"))  # counted: its line is to tell it
    console(ended("Ana-2", reason="slot BD"))
    console(error("sampler", "Ana-3 not loaded into slot TT: no answer"))  # counted, and its line never comes
    console(error("sampler", "Ana-4 not loaded into slot SN: no answer"))  # so neither
    console.stopping()
    console.flush_errors()
    console.flush_errors()  # a second flush tells nothing again
    assert said(console) == [
        "error in node 'sampler': Ana-1 not loaded into slot HH: no answer",
        "take Ana-2 from Ana, 2.0 s: slot BD; error in node 'sampler': Ana-2 not loaded into slot BD: no answer (0 ms)",
        "error in node 'sampler': 1 more error on takes, each said on its take's line",
        "error in node 'sampler': Ana-3 not loaded into slot TT: no answer",
        "error in node 'sampler': 1 more error on takes whose lines the stop cut off"]


def test_an_error_on_the_last_take_before_a_stop_is_not_said_to_be_on_its_line() -> None:
    console = console_of()
    for take_id in ("Ana-1", "Ana-2"):
        console(arrived(take_id))
    console(error("sampler", "Ana-1 not loaded into slot HH: no answer"))
    console(error("sampler", "Ana-2 not loaded into slot BD: no answer"))
    console.stopping()
    console.flush_errors()
    assert said(console) == ["error in node 'sampler': Ana-1 not loaded into slot HH: no answer",
                             "error in node 'sampler': Ana-2 not loaded into slot BD: no answer"]


def test_a_take_line_tells_its_error_where_its_reason_names_the_node_for_something_else() -> None:
    console = console_of()
    for take_id in ("Ana-1", "Ana-2", "Ana-3"):
        console(arrived(take_id))
    console(error("sampler", "Ana-1 not loaded into slot HH: no answer"))
    console(error("sampler", "Ana-2 not loaded into slot BD: its file is not a sound"))
    console(error("sampler", "Ana-3 not loaded into slot BD: no answer"))
    console(ended("Ana-2", reason="slot BD, not loaded into sampler 'sampler': the sampler has stopped"))
    console(ended("Ana-3", reason="slot BD, not loaded into sampler 'sampler': no answer"))  # said by its end
    lines = [line for line in said(console) if line.startswith("take ")]
    assert lines == ["take Ana-2 from Ana, 2.0 s: slot BD, not loaded into sampler 'sampler': the sampler has stopped; "
                     "error in node 'sampler': Ana-2 not loaded into slot BD: its file is not a sound (0 ms)",
                     "take Ana-3 from Ana, 2.0 s: slot BD, not loaded into sampler 'sampler': no answer (0 ms)"], lines


def test_a_different_error_as_the_run_stops_is_told_and_takes_and_repeats_are_counted() -> None:
    console = console_of()
    for take_id in ("Ana-1", "Ana-2"):
        console(arrived(take_id))
    console.stopping()
    console(error("sampler", "Ana-1 not loaded into slot HH: the sampler has stopped"))  # its first: told
    console(error("sampler", "the JACK server is gone"))  # another error: told
    console(error("sampler", "Ana-2 not loaded into slot BD: the audio process did not answer"))  # a take's
    console(error("sampler", "the JACK server is gone"))  # said already
    console(error("sampler", "slot BD not emptied: the sampler has stopped"))  # says what its first said
    console(error("sampler", "the port midi-in is gone"))  # another: told
    console.flush_errors()
    assert said(console) == ["error in node 'sampler': Ana-1 not loaded into slot HH: the sampler has stopped",
                             "error in node 'sampler': the JACK server is gone",
                             "error in node 'sampler': the port midi-in is gone",
                             "error in node 'sampler': 3 more errors as the run stopped"]


def test_an_error_on_a_take_is_counted_once_its_line_told_it_so_the_stop_cuts_off_none_counted() -> None:
    """A count line before the stop said "2 more errors on takes, each said on its take's line" of errors whose
    lines had not come yet; the stop cut those lines off and the flush told the two again, as cut off: each error
    twice, and the count line's words untrue of them. An error on a take is now counted once its line has told it;
    one whose line never comes is told at the flush alone. The flush's count still holds an error told on its line
    after the last count line (08e89213)."""
    console = StageConsole(Patch(), err=io.StringIO())
    console.repeats = RepeatedErrors(every=1.0)
    at = time.monotonic() + 1e6  # the count lines come from these times alone: no timer's count is due meanwhile

    def error_at(seconds: float, text: str) -> NodeError:
        return NodeError("sampler", error=text, port="take", time=at + seconds)

    for take_id in ("Ana-1", "Ana-2", "Ana-3", "Ana-4", "Ana-5", "Ana-6"):
        console(arrived(take_id))
    console(error_at(0.0, "Ana-1 not loaded into slot HH: no answer"))  # told
    console(error_at(0.1, "Ana-2 not loaded into slot BD: no answer"))  # counted, and its line never comes
    console(error_at(0.2, "Ana-5 not loaded into slot CP: no answer"))  # counted: its line tells it
    console(ended("Ana-5", reason="slot CP"))
    console(error_at(1.5, "Ana-3 not loaded into slot TT: no answer"))  # a count line is due: Ana-5's alone
    console(error_at(1.6, "Ana-4 not loaded into slot SN: no answer"))  # counted after that line: its line tells it
    console(error_at(1.7, "Ana-6 not loaded into slot RS: no answer"))  # its line never comes
    console(ended("Ana-4", reason="slot SN"))
    console.stopping()
    console.flush_errors()
    lines = [line for line in said(console) if not line.startswith("take ")]
    assert lines == ["error in node 'sampler': Ana-1 not loaded into slot HH: no answer",
                     "error in node 'sampler': 1 more error on takes, each said on its take's line",
                     "error in node 'sampler': 1 more error on takes, each said on its take's line",
                     "error in node 'sampler': Ana-2 not loaded into slot BD: no answer",
                     "error in node 'sampler': 2 more errors on takes whose lines the stop cut off"], said(console)
    takes = [line for line in said(console) if line.startswith("take ")]
    assert [take.split(" ")[1] for take in takes] == ["Ana-5", "Ana-4"], takes
    assert all("; error in node 'sampler': " in take for take in takes), takes
