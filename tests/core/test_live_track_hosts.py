"""Which ``ableton_osc`` hosts check takes for this machine, where ableton_live's remote script listens: its rename
warning then tells a clash, not "check cannot tell" (exsampling_patch/live_track_checks.py)."""

from __future__ import annotations

import pytest

from exsampling_patch.live_track_checks import _this_machine


@pytest.mark.parametrize("host", ["localhost", "LOCALHOST", "LocalHost", "127.0.0.1", "127.1.2.3", "0.0.0.0", "::1",
                                  "::", "::ffff:127.0.0.1", "0:0:0:0:0:0:0:1"])
def test_names_of_this_machine_are_known(host: str) -> None:
    # Before: 0.0.0.0, LOCALHOST, ::ffff:127.0.0.1 (and the long ::1) got "check cannot tell whether ... is this
    # machine", though a datagram sent there reaches this machine's Live
    assert _this_machine(host)


@pytest.mark.parametrize("host", ["10.0.0.7", "192.168.1.20", "::ffff:10.0.0.7", "fe80::1", "127.example.org",
                                  "live-pc", "localhost.example.org", "128.0.0.1"])
def test_other_hosts_are_not_taken_for_this_machine(host: str) -> None:
    assert not _this_machine(host)
