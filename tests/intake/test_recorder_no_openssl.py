"""A machine without openssl (a fresh Debian before `make run`'s install): the recorder's start said "RuntimeError:
cannot make the HTTPS certificate: ..." on the console, a programmer's word before the sentence written for the
performer (the product's own errors are told without their class)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_a_certificate_openssl_cannot_make_is_told_without_a_class_name(tmp_path: Path) -> None:
    patch = tmp_path / "phones.yaml"
    patch.write_text("exsampling_patch: 1\nname: phones\nnodes:\n- id: recorder\n  type: web_recorder\n"
                     "  params: {host: 127.0.0.1, port: 0, print_qr: false, folder: takes, state_folder: state}\n",
                     encoding="utf-8")
    (tmp_path / "bin").mkdir()  # a PATH where no openssl is found
    env = {**os.environ, "PATH": str(tmp_path / "bin")}
    done = subprocess.run([sys.executable, "-m", "exsampling_patch", "run", str(patch), "--for", "0.1", "--show-log",
                           "none", "--log", str(tmp_path / "run.log")], capture_output=True, text=True, env=env,
                          timeout=60, cwd=tmp_path)
    assert done.returncode == 3, done.stderr  # a node never started
    assert ("node 'recorder' never started: cannot make the HTTPS certificate: the 'openssl' command is missing "
            "(apt-get install openssl, or run `make install`)") in done.stderr, done.stderr
    assert "RuntimeError" not in done.stderr, done.stderr
