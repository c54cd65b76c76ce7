"""Runs of the real `exsampling train` command line, several in one Python process, each stopped or starved at a point
of its writes that a Python audit hook sees. Why one process: each training process spent seconds importing torch and
warming it up before training for a fraction of a second, and a test of each stop point paid that again."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import asdict, dataclass, field

# Each run (a JSON list on stdin) is the real command line's main() with the run's argv; what it writes to stdout and
# stderr (pipes, as a file would be cut short by the "full" limit) ends in END: NUL, its exit status, what the hook
# did (a JSON list, "acted": each signal raised, where, and whether the run stopped there or went on), NUL. Its "at"
# is where the hook acts: "model", as the model file is put in its place (os.replace), a real signal raised (SIGINT:
# Ctrl+C); "renamed", as that rename is made: the hook makes it, and the signal is handled once the model is in place
# (no event comes between the rename's return and what follows it); "card", at the first file of the model's folder
# opened after the rename, as its card is written; "full", at the rename, the file size limit lowered to 256 bytes:
# a disk that fills up after the model and before its card; "pyplot", as matplotlib.pyplot's code is run (its first
# import: a run of its own process); "pyplot-init", there too, the KeyboardInterrupt surfacing as an ImportError, as
# pybind11 makes one cut short in an extension's initialisation (matplotlib's _image, _backend_agg) ("ImportError:
# initialization failed"). Its "sigs" are raised one after the other; its "ignored" are set ignored before main(),
# as nohup leaves them (an ignored signal reads so in the command as one inherited across exec does), and set back
# after (test_cli_train_stop.py checks one inherited across exec from a real nohup).
TRAIN_RUNS = """
import json, os, resource, signal, sys
run = {}
def raise_signal(where):
    for name in run["sigs"]:
        try:
            signal.raise_signal(getattr(signal, name))
        except BaseException:
            run["acted"].append(f"{name} {where}: stopped")
            raise
        run["acted"].append(f"{name} {where}: went on")
def beside_model(path):
    # a file of the model's folder: its card (a font or module opened first, or not, as this process's caches hold it,
    # is not the card step's write)
    return isinstance(path, (str, bytes, os.PathLike)) and (
        os.path.dirname(os.fsdecode(path)) == os.path.dirname(run["argv"][-1]))
def hook(event, args):
    if not run:
        return
    at = run["at"]
    if at.startswith("pyplot") and event == "exec" and args[0].co_filename.endswith(os.path.join("matplotlib",
                                                                                                 "pyplot.py")):
        if at == "pyplot":
            raise_signal("as pyplot runs")
        try:
            raise_signal("as pyplot runs, in an extension's initialisation")
        except KeyboardInterrupt as stop:
            raise ImportError("initialization failed") from stop
    elif event == "os.rename" and str(args[1]) == run["argv"][-1] and not run["renaming"]:
        if at == "model":
            raise_signal(f"before the rename to {args[1]}")
        elif at == "renamed":
            run["renaming"] = True
            os.replace(args[0], args[1])
            raise_signal(f"after the rename to {args[1]}")
        elif at == "full":
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write fails, the process goes on
            resource.setrlimit(resource.RLIMIT_FSIZE, (256, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
            run["acted"].append(f"file size limit 256 at the rename to {args[1]}")
        run["armed"] = at != "full"
    elif run["armed"] and event == "open" and beside_model(args[0]):
        run["armed"] = False
        raise_signal(f"at the open of {args[0]}")
sys.addaudithook(hook)
# Ctrl+C as a shell's foreground command has it, whatever this process inherited (a background job or nohup start
# it ignored, and the stop runs then ended 0 or 2, not 130); a signal set ignored for a run is set back to it after.
normal = {signal.SIGINT: signal.default_int_handler}
signal.signal(signal.SIGINT, signal.default_int_handler)
from exsampling_patch.cli import main
size = resource.getrlimit(resource.RLIMIT_FSIZE)
for each in json.load(sys.stdin):
    ignored = [getattr(signal, name) for name in each["ignored"]]
    for sig in ignored:
        signal.signal(sig, signal.SIG_IGN)
    run.clear(); run.update(each, armed=False, renaming=False, acted=[])
    code = main(each["argv"])
    acted = json.dumps(run["acted"])
    run.clear()
    resource.setrlimit(resource.RLIMIT_FSIZE, size)
    signal.signal(signal.SIGXFSZ, signal.SIG_DFL)
    for sig in ignored:
        signal.signal(sig, normal.get(sig, signal.SIG_DFL))
    for stream in (sys.stdout, sys.stderr):
        stream.write(f"\\0{code} {acted}\\0")
        stream.flush()
"""

END = "\0(-?[0-9]+) ([^\0]*)\0"


@dataclass
class TrainRun:
    """One run of `exsampling train` ``argv`` (its last argument the model file, as ``--out``), acted on ``at``
    (see TRAIN_RUNS) with ``sigs``; ``ignored``: signals set ignored before it starts, as under nohup."""

    argv: list[str]
    at: str
    sigs: list[str] = field(default_factory=lambda: ["SIGINT"])
    ignored: list[str] = field(default_factory=list)


class Ran(subprocess.CompletedProcess[str]):
    """What a run said and its exit status, and what the hook did in it (``acted``, see TRAIN_RUNS): where each
    signal came, and whether the run stopped there. Why: the runs stopped "renamed" and "card" end alike (the new
    model without its card): what they said could not tell which point the signal came at."""

    def __init__(self, argv: list[str], code: int, stdout: str, stderr: str, acted: list[str]) -> None:
        super().__init__(argv, code, stdout, stderr)
        self.acted = acted


def run_all(runs: dict[str, TrainRun]) -> dict[str, Ran]:
    """Each of ``runs`` in one process, one after the other; what each said, its exit status and what the hook did,
    by name."""
    process = subprocess.run([sys.executable, "-c", TRAIN_RUNS], input=json.dumps([asdict(r) for r in runs.values()]),
                             capture_output=True, text=True, timeout=600)
    outs, errs = (re.split(END, said) for said in (process.stdout, process.stderr))
    # [said, status, acted, said, status, acted, ..., what followed the last]: a run cut short leaves one end fewer
    assert process.returncode == 0 and len(errs) == 3 * len(runs) + 1, process.stderr
    return {name: Ran(run.argv, int(errs[3 * n + 1]), outs[3 * n], errs[3 * n], json.loads(errs[3 * n + 2]))
            for n, (name, run) in enumerate(runs.items())}
