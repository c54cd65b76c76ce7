"""A self-signed certificate for the recorder's HTTPS server: made on first run, reused afterwards.

Phones refuse the microphone on plain http to a LAN address, so the page must come over https. The
certificate is made with the ``openssl`` command (a system package the project installs) and kept in a
folder, so a phone that accepted it once is not asked again after a restart.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import secrets
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from exsampling_patch.takes import part_prefix, write_atomic

CERT_NAME, KEY_NAME, TOKEN_NAME = "recorder-cert.pem", "recorder-key.pem", "token"

log = logging.getLogger("exsampling.web_recorder")


class CertificateNotMade(RuntimeError):
    """The recorder's HTTPS certificate could not be made; the message says why and what to do (told without the
    class's name, as the product's own errors are)."""


def lan_address() -> str:
    """This machine's address on the network a phone would use (no packet is sent); 127.0.0.1 if none."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))
            return str(probe.getsockname()[0])
        except OSError:
            return "127.0.0.1"


CERT_DAYS = 825
"""How long a new certificate is valid (the most Apple's devices accept for a TLS server's certificate)."""
RENEW_DAYS = 30
"""A certificate that expires within this many days (or has expired) is made anew at start."""


def certificate_expiry(cert: Path) -> float | None:
    """When ``cert`` expires (seconds since 1970), read with ``openssl``; None if it cannot be read."""
    if shutil.which("openssl") is None:
        return None
    try:
        result = subprocess.run(["openssl", "x509", "-enddate", "-noout", "-in", str(cert)], capture_output=True,
                                text=True, timeout=30)
        text = result.stdout.strip()
        if result.returncode != 0 or not text.startswith("notAfter="):
            return None
        return float(ssl.cert_time_to_seconds(text[len("notAfter="):]))
    except (OSError, ValueError, subprocess.TimeoutExpired):
        return None


def ensure_certificate(folder: Path, hosts: list[str], warn: Callable[[str], None] | None = None,
                       now: float | None = None) -> tuple[Path, Path]:
    """The (certificate, key) in ``folder``, made now if missing or if it expires within :data:`RENEW_DAYS` (then
    ``warn`` and the log are told, naming the file); raises RuntimeError if it cannot be made."""
    folder.mkdir(parents=True, exist_ok=True)
    cert, key = folder / CERT_NAME, folder / KEY_NAME
    if cert.exists() and key.exists():
        expires = certificate_expiry(cert)
        now = time.time() if now is None else now
        if expires is None or expires - now > RENEW_DAYS * 86400:
            return cert, key  # valid long enough (or unreadable here: the server's start says what is wrong)
        when = time.strftime("%Y-%m-%d", time.gmtime(expires))
        left = (f"expired on {when}" if expires <= now
                else f"expires on {when}, in {max(1, round((expires - now) / 86400))} days")
        text = (f"the recorder's HTTPS certificate {cert} {left}: a new one is made, valid {CERT_DAYS} days (each "
                f"phone accepts its certificate warning once more)")
        log.warning("%s", text)
        if warn is not None:
            warn(text)
    if shutil.which("openssl") is None:
        raise CertificateNotMade("cannot make the HTTPS certificate: the 'openssl' command is missing "
                                 "(apt-get install openssl, or run `make install`)")
    names = ["DNS:localhost", "IP:127.0.0.1"]
    for host in hosts:
        try:
            names.append(f"IP:{ipaddress.ip_address(host)}")
        except ValueError:
            names.append(f"DNS:{host}")
    # Named after this process (part_prefix): a kill leaves them, and a later start removes them once it has ended.
    tmp_cert, tmp_key = _part(folder, CERT_NAME), _part(folder, KEY_NAME)
    command = ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
               "-nodes", "-days", str(CERT_DAYS), "-subj", "/CN=ExSampling field recorder",
               "-addext", "subjectAltName=" + ",".join(dict.fromkeys(names)),
               "-keyout", str(tmp_key), "-out", str(tmp_cert)]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=30)
        if result.returncode != 0:
            raise CertificateNotMade(f"openssl could not make the certificate: {result.stderr.strip()}")
        os.chmod(tmp_key, 0o600)
        os.chmod(tmp_cert, 0o644)  # public, as openssl made it before: its temporary file was 0600
        os.replace(tmp_key, key)  # key first: a cert without its key is never left behind
        os.replace(tmp_cert, cert)
    finally:  # what a failure left (none once renamed)
        tmp_key.unlink(missing_ok=True)
        tmp_cert.unlink(missing_ok=True)
    return cert, key


def _part(folder: Path, name: str) -> Path:
    """A new empty temporary file (mode 0600) in ``folder`` for ``name``, its name telling this process."""
    fd, tmp = tempfile.mkstemp(prefix=part_prefix(name), suffix=".part", dir=folder)
    os.close(fd)
    return Path(tmp)


def server_context(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert, key)
    return context


MIN_TOKEN = 16
"""Characters a saved pairing token must have; a shorter one (a hand-edited file, a file cut short) is replaced."""

#: Token file (resolved) -> the token made for it that could not be saved there, for this process: a recorder a live
#: edit rebuilds on the same state folder read the short (or missing) file again and made another token, and every
#: phone paired this run was refused.
_UNSAVED: dict[Path, str] = {}
_UNSAVED_LOCK = threading.Lock()


def load_token(folder: Path, rotate: bool = False, warn: Callable[[str], None] | None = None) -> str:
    """The pairing token kept in ``folder`` (made on first run, or anew when ``rotate``). A saved token shorter than
    :data:`MIN_TOKEN` is replaced by a new one, and ``warn`` (and the log) is told so, naming the file: the phones
    paired with it must scan the new QR code."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / TOKEN_NAME
    if not rotate:
        token = path.read_text(encoding="utf-8").strip() if path.exists() else ""
        if len(token) >= MIN_TOKEN:
            return token
        with _UNSAVED_LOCK:
            unsaved = _UNSAVED.get(path.resolve())
        if unsaved is not None:  # made by this process's recorder an edit rebuilt: its phones keep their pairing
            return unsaved
    if not rotate and path.exists():
        text = (f"the pairing token in {path} is {len(token)} characters long, fewer than {MIN_TOKEN}: a new one "
                f"replaces it (phones paired with the old one scan the new QR code; a token of your own goes in "
                f"the node's 'token' parameter)")
        log.warning("%s", text)
        if warn is not None:
            warn(text)
    token = secrets.token_urlsafe(18)
    try:
        # write_atomic's temporary file is 0600 from its making (mkstemp): the token is never readable by others
        write_atomic(path, lambda tmp: tmp.write_text(token + "\n", encoding="utf-8"), durable=False)
    except OSError as error:  # the file made immutable, root's, a full disk: raised, the recorder did not start
        with _UNSAVED_LOCK:
            _UNSAVED[path.resolve()] = token
        text = (f"the new pairing token could not be saved in {path} ({error.strerror or error}): it holds for this "
                "run only (phones scan this run's QR code; the next start makes another)")
        log.warning("%s", text)
        if warn is not None:
            warn(text)
    else:
        with _UNSAVED_LOCK:
            _UNSAVED.pop(path.resolve(), None)  # saved now: the file holds it
    return token


STATE_FILES = (CERT_NAME, KEY_NAME, TOKEN_NAME)
"""The files of a recorder's state folder written here (each through a temporary file: :func:`_part`)."""
