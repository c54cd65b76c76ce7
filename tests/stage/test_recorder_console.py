"""What a run's console says of its web recorder, for the performer to act on: the certificate each phone must
accept once."""

from __future__ import annotations

import http.client
import io
from pathlib import Path

import numpy as np
import soundfile as sf

from tests.stage.helpers import Run, free_port
from tests.stage.test_exit import folder_patch


def recorder_patch(tmp_path: Path, https: bool) -> Path:
    return folder_patch(tmp_path, f"""- id: phones
  type: web_recorder
  params: {{port: {free_port()}, https: {str(https).lower()}, print_qr: false, folder: takes, state_folder: state}}
""")


def test_the_run_says_at_its_url_to_accept_the_certificate_once(tmp_path: Path) -> None:
    """Printed only by `exsampling edit` (the recorder's own print, which a run turns off for its console's line)."""
    run = Run(str(recorder_patch(tmp_path, https=True)), "--for", "0.3", "--show-log", "none",
              "--log", str(tmp_path / "lib.log"))
    assert run.wait(60) == 0, run.output()
    (url,) = [line for line in run.stderr if "phones open https://" in line]
    assert url.rstrip().endswith(" (accept the certificate warning once on each phone)"), run.output()
    assert "".join(run.stderr).count("certificate warning") == 1, run.output()


def test_no_certificate_to_accept_over_plain_http(tmp_path: Path) -> None:
    run = Run(str(recorder_patch(tmp_path, https=False)), "--for", "0.3", "--show-log", "none",
              "--log", str(tmp_path / "lib.log"))
    assert run.wait(60) == 0, run.output()
    assert any("phones open http://" in line for line in run.stderr), run.output()
    assert "certificate warning" not in "".join(run.stderr), run.output()


def paired_patch(tmp_path: Path, port: int, more: str = "") -> Path:
    """A patch whose recorder listens on ``port`` of 127.0.0.1 over plain HTTP, pairing phones by the token
    ``the-current-token-0123456789``; ``more``: more of its parameters, as ", name: value"."""
    return folder_patch(tmp_path, f"""- id: phones
  type: web_recorder
  params: {{host: 127.0.0.1, port: {port}, https: false, print_qr: false, folder: takes, state_folder: state,
            token: the-current-token-0123456789{more}}}
""")


def ask(port: int, path: str, source: str, phone_key: str = "") -> int:
    """A GET from ``source`` (an address of the loopback's, standing for a phone), with its phone key if given."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(source, 0))
    try:
        connection.request("GET", path, headers={"X-Phone-Key": phone_key} if phone_key else {})
        return connection.getresponse().status
    finally:
        connection.close()


def test_a_phone_refused_for_its_token_is_told_once(tmp_path: Path) -> None:
    """A phone with an old link was answered 401 at every request (its page polls on), and only the library log
    said so: the performer never learnt that it needed the new link. Told once per phone, not per request."""
    port = free_port()
    patch = paired_patch(tmp_path, port)
    run = Run(str(patch), "--for", "60", "--show-log", "none", "--log", str(tmp_path / "lib.log"))
    try:
        run.wait_for("phones open http://")
        old_link = "/api/takes?token=an-old-token-from-last-week-01"
        for _ in range(3):  # an old page polling its takes
            assert ask(port, old_link, "127.0.0.2", phone_key="first-phone-key-0123") == 401
        assert ask(port, "/?token=an-old-token-from-last-week-01", "127.0.0.2") == 401  # reloaded: no key sent
        assert ask(port, "/", "127.0.0.3") == 401  # another phone, an address typed without the token
        assert ask(port, "/", "127.0.0.3") == 401
        assert ask(port, "/?token=the-current-token-0123456789", "127.0.0.3") == 200
        run.wait_for("a phone at 127.0.0.3 was refused", timeout=30)
    finally:
        run.signal_group()
        run.wait(30)
    told = [line for line in run.stderr if "was refused" in line]
    assert len(told) == 2, run.output()
    assert told[0].rstrip().endswith(
        "warning from node 'phones': a phone at 127.0.0.2 was refused: its link's pairing token is an old one; open "
        "the recorder's current link (or scan its QR code) on that phone"), run.output()
    assert "a phone at 127.0.0.3 was refused: it came without the pairing token" in told[1], run.output()


def upload(port: int, body: bytes, recorder: str) -> int:
    """A take POSTed as a script or a phone sends it, with the pairing token."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("POST", "/api/takes?token=the-current-token-0123456789", body=body,
                           headers={"X-Recorder": recorder})
        return connection.getresponse().status
    finally:
        connection.close()


def test_a_take_refused_for_good_is_told_on_the_console(tmp_path: Path) -> None:
    """A take the recorder refused (too long, not a WAV) was told to the phone only, whose page drops its audio: the
    console, which has a line for what became of each take, said nothing of it, with -q as without."""
    port = free_port()
    patch = paired_patch(tmp_path, port, ", max_seconds: 1")
    long_take = io.BytesIO()
    sf.write(long_take, np.full(48000 * 3, 0.1, np.float32), 48000, format="WAV", subtype="PCM_16")
    run = Run(str(patch), "-q", "--for", "60", "--show-log", "none", "--log", str(tmp_path / "lib.log"))
    try:
        run.wait_for("phones open http://")
        assert upload(port, long_take.getvalue(), "Ana") == 413
        assert upload(port, b"OggS" + bytes(200), "Bo") == 415
        run.wait_for("a take from Bo", timeout=30)
    finally:
        run.signal_group()
        run.wait(30)
    told = [line.rstrip() for line in run.stderr if "was refused" in line]
    assert len(told) == 2, run.output()
    assert told[0].endswith("warning from node 'phones': a take from Ana at 127.0.0.1 was refused, not stored: the "
                            "take is 3.0 s long; this recorder takes at most 1 s"), run.output()
    assert "a take from Bo at 127.0.0.1 was refused, not stored: not a WAV file" in told[1], run.output()
    assert not list((tmp_path / "takes").glob("*.wav")), "nothing is stored"


def test_a_take_over_the_upload_limit_is_told_on_the_console(tmp_path: Path) -> None:
    """A take larger than max_upload_mb is answered 413 before its body is read, never reaching the recorder's
    handler: the phone showed why and dropped it, and the console said nothing of it, nor counted it refused."""
    port = free_port()
    patch = paired_patch(tmp_path, port, ", max_seconds: 1, max_upload_mb: 0.2")
    large = io.BytesIO()
    sf.write(large, np.full(48000 * 5, 0.1, np.float32), 48000, format="WAV", subtype="PCM_16")  # 0.48 MB
    run = Run(str(patch), "--for", "60", "--show-log", "none", "--log", str(tmp_path / "lib.log"))
    try:
        run.wait_for("running ")
        assert upload(port, large.getvalue(), "Ana") == 413
        run.wait_for("a take from Ana", timeout=30)
    finally:
        run.signal_group()
        run.wait(30)
    told = [line.rstrip() for line in run.stderr if "was refused" in line]
    assert len(told) == 1, run.output()
    assert told[0].endswith("warning from node 'phones': a take from Ana at 127.0.0.1 was refused, not stored: the "
                            "take is too large: 0.5 MB (at most 0.2 MB)"), run.output()
    (summary,) = [line for line in run.stderr if line.startswith("stopped after")]
    assert "; 1 take refused" in summary, run.output()


def test_the_summary_counts_the_takes_refused(tmp_path: Path) -> None:
    """A take refused never flows, so never ends: the summary's "takes ended" left it out, as if none were lost."""
    port = free_port()
    patch = paired_patch(tmp_path, port)
    run = Run(str(patch), "--for", "60", "--show-log", "none", "--log", str(tmp_path / "lib.log"))
    try:
        run.wait_for("running ")  # started: a stop now is no stop during start-up, with a summary of its own
        assert upload(port, b"OggS" + bytes(200), "Bo") == 415
        run.wait_for("a take from Bo", timeout=30)
    finally:
        run.signal_group()
        run.wait(30)
    (summary,) = [line for line in run.stderr if line.startswith("stopped after")]
    assert "; 1 take refused" in summary, run.output()
