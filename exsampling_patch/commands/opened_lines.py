"""What the stage console says of an input or output that opened: at start (the recorder's URL and QR code, the
sound device or JACK server, a MIDI port, where OSC comes in), and after its error, as the line saying it is back
(its device again, Live answering again, an OSC target that sends again)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from exsampling_patch.qr import terminal_text


def unprintable(text: str, stream: object) -> str:
    """Why ``text`` cannot go to ``stream`` as it is: its encoding (a terminal's under ``PYTHONIOENCODING=ascii``)
    has no half blocks for a QR code; '' where it can. Checked before printing: Python's own stderr prints each
    block as ``\\u2588``, the console's on the terminal as ``?``, a drawing no phone can scan, and said nothing."""
    encoding = getattr(stream, "encoding", None)
    if not isinstance(encoding, str):
        return ""
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return f"the terminal's encoding {encoding} has no half blocks"
    return ""


def opened_line(kind: str, node_id: str, params: Mapping[str, Any], status: Mapping[str, Any], back: bool = False,
                jack_client: str | None = None, print_qr: bool = True) -> str:
    """The line for node ``node_id`` of type ``kind`` (its patch ``params``) whose ``status`` opened something; ''
    where it says nothing. ``back``: it opened after its error; ``jack_client``: the JACK client its sound device
    opened as, if any; ``print_qr``: the recorder's QR code goes under its URL."""
    if "disk" in status:  # web_recorder: its take folder's disk was full (nodes/web_recorder/disk.py)
        return f"{kind} '{node_id}': {status['disk']}"
    if "url" in status:
        text = f"{kind} '{node_id}': phones open {status['url']}"
        if kind == "web_recorder" and str(status["url"]).startswith("https:") and not back:
            # Its own print (under edit) says so; a run prints the URL in its place (print_qr off), and a phone
            # that meets its self-signed certificate's warning unannounced looks like an attack to the performer.
            text += " (accept the certificate warning once on each phone)"
        qr = status.get("qr")
        if qr and print_qr:
            text += "\n" + terminal_text(qr)
        return text
    if "device" in status:
        rate = status.get("sample_rate")
        block = f"block {params.get('blocksize') or status.get('blocksize') or 'as the device sets it'}"
        device = str(status["device"])
        if status.get("device_name") and status["device_name"] != device:  # an index: named as `devices` lists it
            device += f" '{status['device_name']}'"
        server = os.environ.get("JACK_DEFAULT_SERVER", "default")
        jack = f" (JACK server '{server}', client {jack_client})" if jack_client else ""
        latency = f", output latency {status['output_latency_ms']} ms" if "output_latency_ms" in status else ""
        return (f"{kind} '{node_id}': sound device {device}{jack} at {rate:g} Hz, {block}{latency}"
                if isinstance(rate, int | float) else f"{kind} '{node_id}': sound device {device}{jack}")
    if "midi_port" in status:
        return f"{kind} '{node_id}': MIDI port {status['midi_port']}"
    if "sending_again" in status:  # its folder's lock, which another run held (nodes/osc_outbox.py)
        return f"{kind} '{node_id}': OSC to Live again, the folder {status['sending_again']} is free"
    if "sender_restarted" in status:  # its sender process stopped and was started again (nodes/osc_outbox.py)
        return f"{kind} '{node_id}': OSC to Live again, its sender started again"
    if "device_listens" in status:  # ableton_max: its port refused takes (Live not running), and no longer does
        return f"{kind} '{node_id}': the device listens again on {status['device_listens']}"
    if "live_answers" in status:  # ableton_live: Live answered after a silence (with the takes sent again)
        again = " again" if status.get("live_again") else ""  # it had answered before: gone, and back
        return f"{kind} '{node_id}': Live answers{again} on {status['live_answers']}"
    if "abletonosc_answers" in status:  # ableton_osc: AbletonOSC's first answer, or its first after it stopped
        again = " again" if status.get("abletonosc_again") else ""
        return f"{kind} '{node_id}': AbletonOSC answers{again} on {status['abletonosc_answers']}"
    if "port" in status and kind == "osc_receive":
        return f"{kind} '{node_id}': OSC in on {params.get('host', '127.0.0.1')}:{status['port']} (UDP)"
    # osc_send's first send that went after its error (its line at start came from its parameters)
    if "port" in status and kind == "osc_send" and back:
        return f"{kind} '{node_id}': OSC to {params.get('host', '127.0.0.1')}:{status['port']} (UDP)"
    return ""
