"""``exsampling devices``: the audio devices, MIDI ports and JACK server a patch can use on this machine."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from exsampling_patch.midi_ports import API_CHOICES


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "devices", help="list audio devices, MIDI ports and the JACK server",
        description="List the audio devices (host API, channels, default rate), the MIDI inputs and outputs "
        "and whether a JACK server runs, as the nodes see them: the names a patch's 'device' parameters and its "
        "MIDI port parameters ('port', the sampler's 'midi_port') take.",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--midi-api", choices=API_CHOICES, default="auto",
                        help="MIDI API to ask (default: the one the nodes use)")
    parser.set_defaults(func=run)


def gather(midi_api: str = "auto") -> dict[str, Any]:
    """Everything listed; a part that cannot be asked says why in ``error``."""
    from exsampling_patch import devices

    found: dict[str, Any] = {"jack": devices.jack_server()}
    try:
        found["audio"] = devices.audio_devices()
    except Exception as error:
        found["audio"], found["audio_error"] = [], f"{type(error).__name__}: {error}"
    with devices.stderr_held() as said:  # libjack prints its own lines when no server answers
        try:
            found["midi"] = devices.midi_ports(midi_api)
        except Exception as error:
            found["midi"] = {"inputs": [], "outputs": [], "error": f"{type(error).__name__}: {error}"}
    if "error" in found["midi"] and not found["jack"]["running"] and "jack" in found["midi"]["error"].lower():
        found["midi"]["error"] = ("no JACK server runs, and the MIDI ports listed are JACK's: "
                                  "start one, then list them again")
    elif said:
        sys.stderr.buffer.write(said[0])
        sys.stderr.flush()
    return found


def run(args: argparse.Namespace) -> int:
    found = gather(args.midi_api)
    if args.json:
        json.dump(found, sys.stdout, indent=1)
        print()
        return 0
    from exsampling_patch.devices import describe_audio_device

    jack = found["jack"]
    if jack["running"]:
        print(f"JACK server '{jack['server']}' is running, {len(jack['ports'])} ports")
        for port in jack["ports"]:
            print(f"    {port}")
    else:
        print(f"JACK server '{jack['server']}' is not running{' (' + jack['note'] + ')' if jack.get('note') else ''}")
    print("\nAudio devices ('device' parameter: number or part of the name; > default input, < default output):")
    if found.get("audio_error"):
        print(f"    cannot list them: {found['audio_error']}")
    elif not found["audio"]:
        print("    none")
    for row in found["audio"]:
        mark = (">" if row["default_input"] else " ") + ("<" if row["default_output"] else " ")
        print(f"  {mark} {describe_audio_device(row)}")
    midi = found["midi"]
    where = f" ({midi['api'] or midi['backend']})" if midi.get("api") or midi.get("backend") else ""
    print(f"\nMIDI{where}:")
    if midi.get("error"):
        print(f"    cannot list them: {midi['error']}")
    for kind in ("inputs", "outputs"):
        print(f"  {kind}: {', '.join(repr(name) for name in midi[kind]) or 'none'}")
    return 0
