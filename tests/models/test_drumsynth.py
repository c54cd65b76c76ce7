"""LMMS's DrumSynth presets as a source of electronic drum hits: labelled by their names, rendered by real LMMS."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from exsampling_patch.models.drumsynth import label_of, render_presets
from exsampling_patch.models.musical import MUSICAL_CLASSES, SOURCES
from exsampling_patch.models.oneshots import DEFAULT_CACHE, fetch_package


@pytest.mark.parametrize(("preset", "label"), [
    ("tr808/Kick", "kick"), ("r_n_b/k_soft", "kick"), ("misc/hot_morning_bass_drum", "kick"),
    ("misc_bass/depth_bass_drum", "kick"), ("misc/simple-k", "kick"),
    ("tr909/Snare2", "snare"), ("electro/S_Linn", "snare"), ("misc/think_sn_1", "snare"),
    ("acoustic/JazzSnr_H", "snare"), ("misc/clappy_snare", "snare"),
    ("tr909/Hat-c2", "hihat_closed"), ("electro/H_closed", "hihat_closed"), ("misc_hats/pedal_hh", "hihat_closed"),
    ("tr909/Hat-o", "hihat_open"), ("electro/H_open", "hihat_open"), ("misc_hats/slick_hat_open", "hihat_open"),
    ("tr606/TR606_Tom_H", "tom"), ("linn/linn_tom3", "tom"), ("electro/Syntom_1", "tom"),
    ("misc_hats/amen_ride", "ride_cymbal"), ("tr77/Tr77_cym", "crash_cymbal"),
    ("tr808/Handclap", "clap_snap"), ("linn/linn_clp", "clap_snap"),
    ("linn/linn_stk", "woodblock_rim"), ("tr808/Clave", "woodblock_rim"), ("cr78/Maracas", "tambourine_shaker"),
    ("tr808/Cowbell", "cowbell"), ("instrument/Moog_bass", "electric_bass"), ("instrument/upright_bass", "double_bass"),
])
def test_a_preset_is_labelled_by_what_its_name_says(preset: str, label: str) -> None:
    kit, name = preset.split("/")
    assert label_of(kit, name) == label


@pytest.mark.parametrize("preset", [
    "cr78/Bongo_h",  # a bongo, not a hat ("h" for high)
    "misc/tomita_clip",  # not a tom
    "misc_electro/what_to_do_at_220",  # "hat" inside a word
    "r_n_b/snare&hat", "jorgensohn/hihatopclo",  # two sounds in one name
    "effects/Gunshot", "misc_fx/click", "instrument/E_Piano",  # effects, and synth imitations of instruments
    "linn/linn_cga1",  # congas: no label covers them
])
def test_a_preset_whose_name_is_not_one_drum_is_left_out(preset: str) -> None:
    kit, name = preset.split("/")
    assert label_of(kit, name) is None


def _centroid(hit: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(hit[: rate // 5], n=8192))
    return float((spectrum * np.fft.rfftfreq(8192, 1 / rate)).sum() / spectrum.sum())


@pytest.mark.slow
def test_real_presets_render_to_one_labelled_hit_each(tmp_path: Path) -> None:
    """Real LMMS renders real presets of lmms-common: each a hit at the start of its file that sounds like its
    drum (a kick's spectrum lower than a hat's, an open hat longer than a closed one), an unlabelled preset
    nowhere; a second build reuses the render and a relabelled set renders again."""
    source = next(s for s in SOURCES if s.kind == "drumsynth")
    root, _ = fetch_package(source.package, DEFAULT_CACHE)
    presets = tmp_path / "presets"
    for name in ("tr808/Kick", "tr808/Snare", "tr808/Hat_c", "tr808/Hat_o", "tr808/Tom_lo", "tr808/Handclap",
                 "cr78/Bongo_l"):
        (presets / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(root / source.path / f"{name}.ds", presets / f"{name}.ds")
    out = tmp_path / "out"
    counts = render_presets(presets, out)
    assert counts == {"kick": 1, "snare": 1, "hihat_closed": 1, "hihat_open": 1, "tom": 1, "clap_snap": 1}
    assert set(counts) <= {c.label for c in MUSICAL_CLASSES}
    hits = {}
    for label in counts:
        (path,) = (out / label).glob("*.flac")
        hit, rate = sf.read(str(path), dtype="float32")
        assert rate == 44100 and 0.02 < len(hit) / rate < 5.0, (label, len(hit) / rate)
        assert np.abs(hit).max() > 0.05, label
        # A clap's loudest burst may come after its first: the hit starts where it first comes near its peak.
        onset = np.flatnonzero(np.abs(hit) > 0.25 * np.abs(hit).max())[0]
        assert onset < 0.01 * rate, f"{label}: the hit starts its file"
        hits[label] = hit
    assert _centroid(hits["kick"], 44100) < _centroid(hits["snare"], 44100) < _centroid(hits["hihat_closed"], 44100)
    assert len(hits["hihat_open"]) > 1.5 * len(hits["hihat_closed"])

    (out / "kick" / "kept.flac").write_bytes(b"")
    render_presets(presets, out)
    assert (out / "kick" / "kept.flac").exists(), "the same presets and labels: the render is reused"
    (presets / "tr808" / "Tom_lo.ds").rename(presets / "tr808" / "Conga_lo.ds")
    assert "tom" not in render_presets(presets, out)
    assert not (out / "kick" / "kept.flac").exists(), "other labels: rendered again"


def fake_lmms_and_presets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, script: str) -> tuple[Path, Path]:
    """A program named lmms running ``script`` (sh), first on the PATH, and a cache as a fetched lmms-common leaves
    it (no download: the package is there, unpacked) with one preset, tr808/Kick.ds; returns the cache and the
    presets' folder. Real LMMS renders the project it is given: the program fails as it would."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    lmms = bin_dir / "lmms"
    lmms.write_text(f"#!/bin/sh\n{script}", encoding="utf-8")
    lmms.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    cache = tmp_path / "cache"
    (cache / "debs").mkdir(parents=True)
    (cache / "debs" / "lmms-common_1.2.2-1_all.deb").write_bytes(b"")
    root = cache / "packages" / "lmms-common"
    presets = root / "usr" / "share" / "lmms" / "samples" / "drumsynth"
    (presets / "tr808").mkdir(parents=True)
    (presets / "tr808" / "Kick.ds").write_text("[General]\n", encoding="utf-8")
    (root / ".unpacked").write_text("lmms-common_1.2.2-1_all.deb", encoding="utf-8")
    return cache, presets


def test_a_render_lmms_refuses_is_told_with_the_preset_and_lmmss_words(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    # Before, subprocess's CalledProcessError went past the build's handler: a traceback naming a temporary
    # project, and none of what LMMS said. The program of lmms's name refuses as LMMS would (the render ran the lmms
    # on its own PATH, /usr/bin:/bin, whatever was found).
    from exsampling_patch.models.oneshots import main

    cache, presets = fake_lmms_and_presets(
        tmp_path, monkeypatch, "echo 'LMMS 1.2.2'\necho 'Notice: could not set realtime priority.' >&2\n"
        "echo 'Could not open project for rendering' >&2\nexit 1\n")

    assert main(["build", "--cache", str(cache), "--source", "drumsynth"]) == 1
    assert capsys.readouterr().err == (
        f"error: LMMS could not render the DrumSynth preset tr808/Kick.ds (in {presets}): it exited with status 1: "
        "Notice: could not set realtime priority. / Could not open project for rendering\n")


def test_a_render_past_its_time_is_told_with_the_preset(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    # Before, subprocess's TimeoutExpired went past the build's handler: a traceback naming a temporary project.
    from exsampling_patch.models import drumsynth
    from exsampling_patch.models.oneshots import main

    cache, presets = fake_lmms_and_presets(tmp_path, monkeypatch, "echo 'Notice: rendering' >&2\nexec sleep 60\n")
    monkeypatch.setattr(drumsynth, "RENDER_TIMEOUT", 0.5)

    assert main(["build", "--cache", str(cache), "--source", "drumsynth"]) == 1
    assert capsys.readouterr().err == (
        f"error: LMMS could not render the DrumSynth preset tr808/Kick.ds (in {presets}): it ran past 0.5 s and was "
        "stopped: Notice: rendering\n")


def test_a_render_that_writes_no_audio_file_is_told_with_the_preset(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    # Before, LMMS exiting 0 without its WAV ended the build with libsndfile's "Error opening '/tmp/.../presets.wav':
    # System error.": no preset named, nor that LMMS wrote nothing.
    from exsampling_patch.models.oneshots import main

    cache, presets = fake_lmms_and_presets(tmp_path, monkeypatch, "echo 'Notice: no audio output' >&2\nexit 0\n")

    assert main(["build", "--cache", str(cache), "--source", "drumsynth"]) == 1
    assert capsys.readouterr().err == (
        f"error: LMMS could not render the DrumSynth preset tr808/Kick.ds (in {presets}): it exited with status 0 "
        "but wrote no audio file: Notice: no audio output\n")
