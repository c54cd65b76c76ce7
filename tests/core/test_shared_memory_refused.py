"""An anonymous file the system refuses to size (over RLIMIT_FSIZE here; a take too long for the sampler's
arena gets one of its own): the error is raised and no descriptor is left open.

Before: the memfd made before the refused ftruncate stayed open, one per refused take, until the process ran
out of descriptors (then every file, socket and take failed)."""

from __future__ import annotations

import errno
import os
import resource

import pytest

from exsampling_patch.shared_memory import anonymous_file


def test_a_file_refused_its_size_leaves_no_descriptor_open() -> None:
    before = set(os.listdir("/proc/self/fd"))
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (64 << 10, hard))  # Python ignores the SIGXFSZ that comes with EFBIG
    try:
        with pytest.raises(OSError) as refused:
            anonymous_file(1 << 20, "exsampling-test")
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    assert refused.value.errno == errno.EFBIG
    assert set(os.listdir("/proc/self/fd")) == before
