"""``exsampling ableton install [--dest DIR]``: copy the Live remote script into Live's Remote Scripts folder."""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import sys
from pathlib import Path

SCRIPT_NAME = "ExSampling"


def default_remote_scripts(platform: str = sys.platform, home: Path | None = None) -> Path:
    """Live's per-user Remote Scripts folder (in the User Library) for this operating system."""
    home = home or Path.home()
    if platform == "darwin":
        return home / "Music" / "Ableton" / "User Library" / "Remote Scripts"
    # Windows, and elsewhere (Live under Wine keeps the Windows layout in the prefix's user folder)
    return home / "Documents" / "Ableton" / "User Library" / "Remote Scripts"


#: The remote script's package (top-level ``ableton_remote/`` in the repository): installed beside the core, never
#: imported by it (it is code for Live's Python), only found and copied.
SCRIPT_PACKAGE = "exsampling_ableton_remote"


def script_source() -> Path:
    """The folder of the installed remote script, found without importing it."""
    spec = importlib.util.find_spec(SCRIPT_PACKAGE)
    if spec is None or spec.origin is None:
        raise OSError(f"the remote script's package {SCRIPT_PACKAGE} is not installed (reinstall exsampling-patch)")
    return Path(spec.origin).parent


def install(dest: Path, name: str = SCRIPT_NAME) -> Path:
    """Copy the script's files to ``dest/name`` (replacing an older copy); returns that folder."""
    target = dest / name
    dest.mkdir(parents=True, exist_ok=True)
    tmp = dest / f".{name}.installing"
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(script_source(), tmp, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.rmtree(target, ignore_errors=True)
    os.replace(tmp, target)
    return target


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "ableton", help="Ableton Live integration (install the remote script)",
        description="Ableton Live integration. 'install' copies the ExSampling remote script into Live's "
        "Remote Scripts folder; choose 'ExSampling' as a Control Surface in Live's preferences afterwards.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    inst = actions.add_parser(
        "install", help="copy the remote script into Live's Remote Scripts folder",
        description="Copy the ExSampling remote script into Live's Remote Scripts folder (made if it is not "
        "there), replacing an older copy, and print where. In Live, choose 'ExSampling' under Settings > Link, "
        "Tempo & MIDI > Control Surface; the script loads each take into the track named after its slot.",
    )
    inst.add_argument("--dest", type=Path, default=None, metavar="DIR",
                      help=f"the Remote Scripts folder (default: {default_remote_scripts()})")
    inst.add_argument("--name", default=SCRIPT_NAME, help="folder name of the script (default: %(default)s)")
    inst.set_defaults(func=run_install)


def run_install(args: argparse.Namespace) -> int:
    dest = (args.dest or default_remote_scripts()).expanduser()
    made = not dest.exists()
    try:
        target = install(dest, args.name)
    except OSError as error:
        # Was Python's repr of the error: "[Errno 17] File exists: 'notes.txt'" of a file given as the folder.
        why = "a file, not a folder" if dest.is_file() else (error.strerror or str(error))
        where = f" ({error.filename})" if error.filename and Path(error.filename) != dest else ""
        print(f"error: cannot install the remote script into {dest}: {why}{where}", file=sys.stderr)
        return 1
    print(f"installed the ExSampling remote script in {target}")
    if made and args.dest is not None:  # a misspelt --dest was made and "installed" into: Live never saw it
        print(f"note: {dest} was not there and was made: Live reads remote scripts from the 'Remote Scripts' "
              f"folder of its User Library (Live's Settings > Library shows where that is)", file=sys.stderr)
    # Live lists the remote scripts as it starts, and runs the copy it read then: one open now neither lists a first
    # install nor runs a new one until it restarts.
    print("Live reads remote scripts as it starts: if it is open, quit it and open it again.")
    print(f"In Live: Settings > Link, Tempo & MIDI > Control Surface: choose '{target.name}' (no MIDI ports needed).")
    print("Name tracks after the sampler slots (HH, Snare, ...): audio tracks, or MIDI tracks with a Simpler.")
    print("The script listens on UDP 127.0.0.1:10600; a patch's ableton_live node sends to it (docs/ableton.md).")
    return 0
