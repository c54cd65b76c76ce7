"""The default patch (what `make run` runs), end to end: a phone's upload becomes a playable sampler slot,
the original Max for Live protocol receives it, and the phone hears back what became of its take."""

from __future__ import annotations

import http.client
import json
import ssl
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import soundfile as sf
from pythonosc.dispatcher import Dispatcher
from pythonosc.osc_server import BlockingOSCUDPServer

from exsampling_patch.nodes.web_recorder.upload import encode_wav_pcm16
from exsampling_patch.runtime import Engine
from exsampling_patch.validate import load_patch

REPO = Path(__file__).resolve().parents[2]


class DeviceStandIn:
    """Routes OSC like the original Max for Live device: remembers /sound, /pitch, /location; fires on /label."""

    def __init__(self) -> None:
        self.pending: dict[str, Any] = {}
        self.fired: list[dict[str, Any]] = []
        dispatcher = Dispatcher()
        for address in ("/sound", "/pitch", "/location", "/duration"):
            dispatcher.map(address, lambda addr, value: self.pending.__setitem__(addr[1:], value))
        dispatcher.map("/label", lambda _addr, slot: self.fired.append({**self.pending, "label": slot}))
        self.server = BlockingOSCUDPServer(("127.0.0.1", 0), dispatcher)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.mark.slow
def test_upload_becomes_a_sampler_slot_and_osc(tmp_path: Path, esc50: Path) -> None:
    device = DeviceStandIn()
    patch, registry = load_patch(REPO / "patches" / "exsampling.yaml")
    patch.nodes["recorder"].params.update(folder=str(tmp_path / "takes"), state_folder=str(tmp_path / "state"),
                                          host="127.0.0.1", port=0, print_qr=False)
    patch.nodes["live"].params.update(port=device.port, folder=str(tmp_path / "live"))
    patch.nodes["sampler"].params.update(device="none", virtual_port="")
    engine = Engine(registry, base_dir=REPO / "patches")
    engine.start(patch)
    try:
        assert not engine.errors, engine.errors
        audio, rate = sf.read(esc50 / "audio" / "1-100032-A-0.flac", dtype="float32")  # a dog barking
        recorder: Any = engine.node("recorder")
        tls = ssl.create_default_context(cafile=str(tmp_path / "state" / "recorder-cert.pem"))
        connection = http.client.HTTPSConnection("127.0.0.1", recorder.server.port, context=tls, timeout=60)
        connection.request("POST", f"/api/takes?token={recorder.server.token}", body=encode_wav_pcm16(audio, rate),
                           headers={"X-Recorder": "Ana", "X-Take-Id": "dog1", "Content-Type": "audio/wav",
                                    "X-Phone-Key": "ana-phone-0123456789",
                                    "X-Latitude": "48.85", "X-Longitude": "2.35", "X-Accuracy": "12"})
        reply = connection.getresponse()
        assert reply.status == 201, reply.read()
        reply.read()
        assert engine.wait_idle(30, settle=0.3)
        deadline = time.monotonic() + 5
        while not device.fired and time.monotonic() < deadline:
            time.sleep(0.02)

        sampler: Any = engine.node("sampler")
        bass = next(s for s in sampler.slot_states() if s["name"] == "Bass")
        assert bass["label"] == "dog", sampler.slot_states()
        stored = sorted((tmp_path / "takes").glob("*.wav"))
        assert len(stored) == 1  # the recording as the phone sent it, kept whole
        kept, kept_rate = sf.read(stored[0], dtype="float32")
        assert kept_rate == rate and len(kept) == len(audio)
        (fired,) = device.fired
        assert fired["label"] == "Bass" and fired["location"] == "48.850000/2.350000"
        # Live gets what the sampler plays: the trimmed take, written for it, with its own duration
        sound = Path(fired["sound"])
        assert sound.parent == (tmp_path / "live").resolve()
        assert sf.info(sound).duration == pytest.approx(fired["duration"], abs=1e-3)
        assert fired["duration"] < len(audio) / rate  # the dog bark is short; the clip's silence was trimmed

        connection.request("GET", f"/api/takes?token={recorder.server.token}",
                           headers={"X-Phone-Key": "ana-phone-0123456789"})  # a phone sees its own takes
        listing = json.loads(connection.getresponse().read())
        text = json.dumps(listing)
        assert "dog" in text and "Bass" in text, listing
        connection.close()
    finally:
        engine.stop()
