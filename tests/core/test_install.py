"""Installing: the package into a fresh virtual environment, and what each extra is for."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[2]


def pyproject() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def test_dependencies_are_ranges_not_pins() -> None:
    pinned = [dep for dep in pyproject()["project"]["dependencies"] if "==" in dep]
    assert not pinned, f"pinned in the package's metadata (pin in scripts/bootstrap.sh instead): {pinned}"


def test_make_run_installs_no_test_tool() -> None:
    """`make run` (bootstrap.sh run) installs neither the browser tests' tools nor the test extras."""
    listing = subprocess.run(["bash", str(REPO / "scripts/bootstrap.sh"), "run", "--list"], capture_output=True,
                             text=True, check=True).stdout.split()
    for tool in ("chromium", "nodejs", "npm", "xdotool", "xvfb", "playwright-core", "[dev]", "[test]"):
        assert tool not in listing, listing
    # A fresh Debian 12 has python3 without ensurepip: `python3 -m venv .venv` failed there.
    assert {"python3", "python3-venv"} <= set(listing), listing
    listing = subprocess.run(["bash", str(REPO / "scripts/bootstrap.sh"), "test", "--list"], capture_output=True,
                             text=True, check=True).stdout.split()
    # libxtst6: the editor's scenarios send their X input through it (tests/editor/xinput.py); xdotool brought it.
    for tool in ("chromium", "xdotool", "xvfb", "libxtst6", "jackd2", "playwright-core", ".[dev]"):
        assert tool in listing, listing


def bootstrap_sandbox(tmp_path: Path, has_torch: bool = True) -> tuple[Path, dict[str, str], Path]:
    """A copy of bootstrap.sh whose apt and python are stood in for by scripts that note their calls in the log
    returned (nothing is installed): its folder, the environment to run it in, the log. The python makes a venv
    whose python and pip note theirs too; its ``python -c "import torch"`` fails unless ``has_torch``."""
    root, tools, log = tmp_path / "root", tmp_path / "tools", tmp_path / "calls.log"
    (root / "scripts").mkdir(parents=True)
    shutil.copy2(REPO / "scripts/bootstrap.sh", root / "scripts/bootstrap.sh")
    shutil.copy2(REPO / "pyproject.toml", root / "pyproject.toml")
    no_torch = "" if has_torch else '[ "$1" = -c ] && exit 1\\n'
    tools.mkdir()
    stand_ins = {
        "dpkg-query": "echo 'install ok installed'",
        # The python that makes the venv: a venv whose python and pip note what they are asked.
        "python3": f'echo "python3 $*" >> {log}\nrm -rf .venv && mkdir -p .venv/bin\n'
                   f"printf '#!/bin/sh\\necho \"venv-python $*\" >> {log}\\n{no_torch}' > .venv/bin/python\n"
                   f"printf '#!/bin/sh\\necho \"pip $*\" >> {log}\\n' > .venv/bin/pip\n"
                   "chmod +x .venv/bin/python .venv/bin/pip",
    }
    for name, body in stand_ins.items():
        (tools / name).write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
        (tools / name).chmod(0o755)
    env = {**os.environ, "PATH": f"{tools}:{os.environ['PATH']}", "PYTHON": str(tools / "python3")}
    return root, env, log


def test_bootstrap_makes_again_a_venv_left_without_pip(tmp_path: Path) -> None:
    """A `python3 -m venv` that failed half-way (no python3-venv) leaves .venv/bin/python without pip: bootstrap.sh
    took it for a made venv, and its `pip install` failed at every later run."""
    root, env, log = bootstrap_sandbox(tmp_path)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root / ".venv")], check=True)  # as left
    subprocess.run(["bash", str(root / "scripts/bootstrap.sh"), "run"], env=env, check=True, capture_output=True)
    calls = log.read_text(encoding="utf-8").splitlines()
    assert calls[0] == "python3 -m venv --clear .venv", calls  # made again
    assert "pip install -q -e ." in calls, calls
    log.unlink()
    subprocess.run(["bash", str(root / "scripts/bootstrap.sh"), "run"], env=env, check=True, capture_output=True)
    assert log.read_text(encoding="utf-8").splitlines() == ["venv-python -m pip --version"]  # made: left alone


def test_bootstrap_installs_the_cpu_build_of_torch(tmp_path: Path) -> None:
    """PyPI's torch for Linux is the CUDA build, with GBs of nvidia packages: on a machine without this one's pip
    settings (its CPU wheel in a local folder), `make run` downloaded them all. It asks PyTorch's CPU index."""
    root, env, log = bootstrap_sandbox(tmp_path, has_torch=False)
    subprocess.run(["bash", str(root / "scripts/bootstrap.sh"), "run"], env=env, check=True, capture_output=True)
    calls = log.read_text(encoding="utf-8").splitlines()
    torch = [call for call in calls if call.startswith("pip install") and "torch" in call]
    assert torch == ["pip install -q --no-deps --index-url https://download.pytorch.org/whl/cpu torch==2.13.0"], calls
    assert calls.index(torch[0]) < calls.index("pip install -q -e ."), calls  # first: `-e .` finds it there


def test_train_without_its_extra_says_how_to_get_it(monkeypatch: pytest.MonkeyPatch, capsys, tmp_path: Path) -> None:
    from exsampling_patch.cli import main

    monkeypatch.setitem(sys.modules, "tqdm", None)  # import tqdm raises ImportError
    # Through the command line, with the options its parser gives (--out among them), as a user runs it.
    assert main(["train", str(tmp_path), "--out", str(tmp_path / "mine.pt")]) == 2
    assert ".venv/bin/pip install 'exsampling-patch[train]'" in capsys.readouterr().err


def _installed_closure(requirements: list[str]) -> list[metadata.Distribution]:
    """The distributions installed here that ``requirements`` need, with what they need in turn."""
    found: dict[str, metadata.Distribution] = {}
    todo = [Requirement(text) for text in requirements]
    while todo:
        requirement = todo.pop()
        name = canonicalize_name(requirement.name)
        if name in found or (requirement.marker and not requirement.marker.evaluate({"extra": ""})):
            continue
        try:
            found[name] = metadata.distribution(requirement.name)
        except metadata.PackageNotFoundError:
            continue  # pip installs it from the index
        todo.extend(Requirement(text) for text in found[name].requires or [])
    return list(found.values())


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:  # another file system
        shutil.copy2(source, target)


def _preinstall(distributions: list[metadata.Distribution], site: Path) -> None:
    """Put installed distributions into another environment's ``site`` as pip would have, by hard links.

    Links, not a reinstall from wheels: the same files, in seconds; pip sees them installed (their dist-info
    comes along) and installs only what is missing. A dependency the package does not declare is not linked,
    so the run below still fails on it."""
    present = {canonicalize_name(dist.metadata["Name"]) for dist in metadata.distributions(path=[str(site)])}
    for dist in distributions:
        if canonicalize_name(dist.metadata["Name"]) in present:
            continue  # the new environment's own (setuptools, pip)
        files = [file for file in dist.files or [] if file.parts[0] != ".."]
        # A module's own folder comes whole (with its byte code); the folders that modules share, file by file.
        shared = [file for file in files if len(file.parts) == 1 or file.parts[0] == "__pycache__"]
        for top in {file.parts[0] for file in files} - {file.parts[0] for file in shared}:
            shutil.copytree(Path(str(dist.locate_file(top))), site / top, copy_function=_link_or_copy)
        for file in shared:
            source, target = Path(str(dist.locate_file(file))), site / file
            if source.is_file():
                target.parent.mkdir(exist_ok=True)
                _link_or_copy(str(source), str(target))


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_pip_install_into_a_fresh_venv_runs_the_default_patch(tmp_path: Path) -> None:
    """`pip install .` in a fresh venv (its declared dependencies already there, as bootstrap.sh installs
    torch's CPU build first), then `exsampling run` on the default patch for 1 s: it starts, runs and stops
    cleanly."""
    src = tmp_path / "src"
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True)
    if listed.returncode != 0:
        pytest.skip("needs a git checkout (the files to install are the tracked ones)")
    archive = listed.stdout
    for name in filter(None, archive.decode().split("\0")):
        if (REPO / name).is_file():
            (src / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, src / name)
    venv = tmp_path / "venv"
    # Without a pip of its own: ensurepip's install of one took 3-5 s of CPU. This pip installs into it, run by the
    # venv's own python (--python).
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = venv / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"
    _preinstall(_installed_closure(pyproject()["project"]["dependencies"]), site)
    pip = [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python")]
    subprocess.run([*pip, "install", "-q", "--no-compile", "."], cwd=src, check=True, timeout=300)
    checked = subprocess.run([*pip, "check"], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout

    # The default patch, with what a test machine needs changed: a free port, folders in tmp, no sound card.
    data = yaml.safe_load((REPO / "patches" / "exsampling.yaml").read_text(encoding="utf-8"))
    params = {node["id"]: node.setdefault("params", {}) for node in data["nodes"]}
    params["recorder"].update(host="127.0.0.1", port=0, print_qr=False)
    params["sampler"].update(device="none", virtual_port="")
    patch = tmp_path / "patches" / "exsampling.yaml"
    patch.parent.mkdir()
    patch.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    done = subprocess.run([str(venv / "bin" / "exsampling"), "run", str(patch), "--for", "1"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=240, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "stopped after" in done.stderr
    assert (tmp_path / "session" / "takes").is_dir()
