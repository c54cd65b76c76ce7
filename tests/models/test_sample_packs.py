"""One-shots copied from a sample pack follow the class patterns of today, not those of the build that cached them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

from exsampling_patch.models.musical import Source
from exsampling_patch.models.oneshots import samples_source


def _hit(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), np.sin(np.linspace(0, 200, 4410)).astype(np.float32) * np.linspace(1, 0, 4410), 44100)


def test_a_copy_that_no_pattern_matches_any_more_is_removed(tmp_path: Path) -> None:
    pack = Source("pack", "some-package", "samples", "GPL-2+", kind="samples")
    _hit(tmp_path / "root" / "samples" / "drums" / "kick01.wav")
    _hit(tmp_path / "root" / "samples" / "drums" / "tom01.wav")
    out = tmp_path / "oneshots" / "pack"
    assert samples_source(pack, tmp_path / "root", out) == {"kick": 1, "tom": 1}
    kept = out / "kick" / "pack_drums_kick01.flac"
    assert kept.is_file()
    # Copies a build made when other patterns were in force: one in a class that has patterns, one in a class
    # that has none (cowbell). Left there, they would be trained on under labels nobody gave them today.
    (out / "kick" / "pack_drums_snare07.flac").write_bytes(kept.read_bytes())
    (out / "cowbell").mkdir()
    (out / "cowbell" / "pack_drums_tom01.flac").write_bytes(kept.read_bytes())
    assert samples_source(pack, tmp_path / "root", out) == {"kick": 1, "tom": 1}
    assert sorted(p.name for p in out.glob("*/*.flac")) == ["pack_drums_kick01.flac", "pack_drums_tom01.flac"]
