"""What README.md and docs/*.md tell a newcomer holds: the commands and flags they show exist, the files they
name are there, and the patch examples they print pass `exsampling check`."""

from __future__ import annotations

import argparse
import fnmatch
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from exsampling_patch.cli import build_parser
from exsampling_patch.validate import check_file_with_warnings

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
#: The model card: its file names, module names and commands are read as the pages' (its figures and lines are its own).
CARD = ROOT / "models" / "MODEL_CARD.md"

#: Paths the docs name as examples of the reader's own files, not the repository's.
ILLUSTRATIVE = {"patches/other.yaml", "patches/show.yaml", "_dsp.py", "_util.py", "numpy.py"}


def fenced(text: str, lang: str) -> Iterator[str]:
    """The code blocks fenced with ```lang (indented ones too), their indent taken off."""
    block: list[str] | None = None
    indent = ""
    for line in text.splitlines():
        stripped = line.lstrip()
        if block is None and stripped == f"```{lang}":
            block, indent = [], line[: len(line) - len(stripped)]
        elif block is not None and stripped == "```":
            yield "\n".join(row[len(indent):] for row in block) + "\n"
            block = None
        elif block is not None:
            block.append(line)


def sub_parsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    return {name: sub for action in parser._actions if isinstance(action, argparse._SubParsersAction)
            for name, sub in action.choices.items()}


def command_lines(text: str) -> Iterator[tuple[str, bool]]:
    """Where a page shows a command: the lines of its sh blocks and indented code (True), its inline code (False:
    `exsampling sampler` there is also the name of a MIDI port)."""
    for block in fenced(text, "sh"):
        yield from ((line, True) for line in block.splitlines())
    yield from ((line, True) for line in re.findall(r"^ {4}((?:\.venv/bin/)?exsampling .*)$", text, flags=re.M))
    yield from ((code, False) for code in re.findall(r"(?<!`)`([^`\n]+)`(?!`)", text))


def test_every_flag_the_docs_show_is_one_the_command_takes() -> None:
    commands = sub_parsers(build_parser())
    wrong = []
    for page in PAGES:
        for line, shown_as_code in command_lines(page.read_text(encoding="utf-8")):
            for match in re.finditer(r"(?:^|[\s/])exsampling(?: -v+)? (\w+)([^`#|\n]*)", line):
                name, rest = match.groups()
                if name not in commands:
                    if shown_as_code:
                        wrong.append(f"{page.name}: no sub-command {name!r}: {line.strip()}")
                    continue
                parser = commands[name]
                words = rest.split()
                if words and words[0] in sub_parsers(parser):  # exsampling ableton install
                    parser = sub_parsers(parser)[words[0]]
                options = {option for action in parser._actions for option in action.option_strings}
                wrong += [f"{page.name}: {name} takes no {flag}: {line.strip()}"
                          for flag in re.findall(r"(?<![\w-])--?[a-z][\w-]*", rest) if flag not in options]
    assert not wrong, "\n".join(wrong)


def test_the_readme_lists_every_sub_command_and_every_doc() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\.venv/bin/exsampling (\w+)", readme, flags=re.M))
    commands = set(sub_parsers(build_parser()))
    assert (sorted(commands - listed), sorted(listed - commands)) == ([], [])
    assert [f"docs/{page.name}" for page in PAGES[1:] if f"`docs/{page.name}`:" not in readme] == []


def repository_files() -> set[str]:
    names: set[str] = set()
    for top in ("exsampling_patch", "nodes", "models", "tests", "benchmarks", "scripts", "examples", "ableton_remote"):
        for _folder, folders, files in os.walk(ROOT / top):
            folders[:] = [f for f in folders if f not in ("node_modules", "build", "__pycache__")]
            names.update(files)
    return names


def test_every_file_the_docs_name_is_there() -> None:
    top = "exsampling_patch|nodes|models|tests|benchmarks|scripts|patches|docs|examples|ableton_remote"
    rooted = re.compile(rf"(?<![\w./~-])((?:{top})/[\w.*/-]*[\w*/])")
    packaged = re.compile(r"(?<![\w./~-])((?:sampler|runtime|editor|commands|web_recorder)/[\w./-]*\w)")
    files = repository_files()
    missing = []
    for page in [*PAGES, CARD]:
        text = page.read_text(encoding="utf-8")
        for path in rooted.findall(text):
            found = any(ROOT.glob(path)) if "*" in path else (ROOT / path).exists()
            if not found and path not in ILLUSTRATIVE:
                missing.append(f"{page.name}: {path}")
        for path in packaged.findall(text):  # sampler/server.py: under nodes/ or exsampling_patch/
            if not any((ROOT / base / path).exists() for base in ("nodes", "exsampling_patch")):
                missing.append(f"{page.name}: {path}")
        for name in re.findall(r"`(\*?[\w*]+\.(?:py|js|sh))`", text):  # editor.md's `screen.py`
            if not fnmatch.filter(files, name) and name not in ILLUSTRATIVE:
                missing.append(f"{page.name}: {name}")
        for link in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", text):
            if not (page.parent / link).exists():
                missing.append(f"{page.name}: link {link}")
    assert not missing, "\n".join(missing)


#: Nodes the docs' patch fragments link to without showing them (the default patch's ids).
CONTEXT = {
    "sampler": "- id: sampler\n  type: sampler\n  params: {device: none, virtual_port: ''}\n",
    "groove": "- id: groove\n  type: pattern\n",
    "osc": "- id: osc\n  type: osc_receive\n",
}


def as_patch(example: str) -> str:
    """A fragment (nodes, maybe links) made a whole patch, with the nodes its links (and its ``clock`` parameters) name
    that it does not show."""
    if example.startswith("exsampling_patch:"):
        return example
    nodes, _, links = example.partition("\nlinks:\n")
    shown = set(re.findall(r"^- id: ([\w-]+)", nodes, flags=re.M))
    named = {end.split(".")[0] for end in re.findall(r"[\w-]+\.\w+", links)}
    named |= set(re.findall(r"\bclock: ([\w-]+)", nodes))  # the pattern node whose beat clock a node goes by
    context = "".join(CONTEXT[node] for node in sorted(named - shown))
    return f"exsampling_patch: 1\nnodes:\n{nodes.rstrip()}\n{context}" + (f"links:\n{links}" if links else "")


EXAMPLES = [(page.name, n, block) for page in PAGES
            for n, block in enumerate(fenced(page.read_text(encoding="utf-8"), "yaml"))]


@pytest.mark.parametrize(("page", "n", "example"), EXAMPLES, ids=[f"{page}-{n}" for page, n, _ in EXAMPLES])
def test_every_patch_example_checks(tmp_path: Path, page: str, n: int, example: str) -> None:
    (tmp_path / "patches").mkdir()
    (tmp_path / "patches" / "my-nodes").mkdir()  # patch-format.md's node_dirs
    path = tmp_path / "patches" / "example.yaml"
    path.write_text(as_patch(example), encoding="utf-8")
    problems, plugins, warnings = check_file_with_warnings(path)
    assert [str(p) for p in [*problems, *warnings]] == [], path.read_text()
    assert [str(p) for p in plugins if str(tmp_path) in str(p)] == []


def test_every_port_the_docs_name_exists() -> None:
    """`pitch.out`, `sampler.loaded`, `gate.rejected`: a node type, or a node of the default patch, and its port."""
    import yaml

    from exsampling_patch.registry import Registry

    ports = {row["type"]: {port["name"] for port in (*row["inputs"], *row["outputs"])}
             for row in Registry.default(entry_points=False).describe()}
    default = yaml.safe_load((ROOT / "patches" / "exsampling.yaml").read_text(encoding="utf-8"))
    types = {**{name: name for name in ports}, **{node["id"]: node["type"] for node in default["nodes"]}}
    wrong = [f"{page.name}: {node}.{port}" for page in PAGES
             for node, port in re.findall(r"`(\w+)\.(\w+)`", page.read_text(encoding="utf-8"))
             if node in types and port != "py" and port not in ports[types[node]]]
    assert not wrong, "\n".join(wrong)


def test_every_sub_command_help_says_what_it_does() -> None:
    """`exsampling ableton install --help` printed its options alone, with not a word of what it does."""
    silent = []
    for name, parser in sub_parsers(build_parser()).items():
        silent += [f"{name} {sub}" for sub, nested in sub_parsers(parser).items() if not nested.description]
        if not parser.description:
            silent.append(name)
    assert silent == []


def test_run_s_help_names_every_exit_status_the_readme_lists() -> None:
    """`run --help` listed 0, 3 and 130 but not 70 (exit handlers cut off), which the README tells scripts of."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    listed = re.search(r"`run`'s exit status, for scripts:\n\n(.*?)\n\n", readme, re.S)
    assert listed, "README.md: no list of run's exit statuses"
    statuses = re.findall(r"`(\d+)`", listed.group(1))
    assert {"0", "1", "70", "130"} <= set(statuses), statuses  # the list read is the one meant
    description = " ".join((sub_parsers(build_parser())["run"].description or "").split())
    assert [status for status in statuses if not re.search(rf"\b{status}\b", description)] == [], description


def test_the_custom_node_guide_s_class_loads_and_its_tests_pass(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/custom-nodes.md's Gain, saved in a folder, is the type `gain`; the tests the guide shows for it pass
    as written, beside a show.yaml that uses it."""
    import inspect
    import sys

    from exsampling_patch.registry import Registry

    node, *_, tests = fenced((ROOT / "docs" / "custom-nodes.md").read_text(encoding="utf-8"), "python")
    folder = tmp_path / "my-nodes"
    folder.mkdir()
    (folder / "gain.py").write_text(node, encoding="utf-8")
    registry = Registry.default([folder], entry_points=False)
    assert registry.problems == [] and registry.get("gain").__name__ == "Gain"
    (tmp_path / "show.yaml").write_text("exsampling_patch: 1\nnodes:\n- id: g\n  type: gain\n  params: {gain_db: -6}\n",
                                        encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(folder))  # the guide's "put its folder on sys.path"
    monkeypatch.delitem(sys.modules, "gain", raising=False)
    try:
        namespace: dict[str, object] = {}
        exec(compile(tests, "custom-nodes.md", "exec"), namespace)
        ran = []
        for name, test in namespace.items():
            if name.startswith("test_") and callable(test):
                wanted = inspect.signature(test).parameters
                test(**({"tmp_path": tmp_path / name} if "tmp_path" in wanted else {}))
                ran.append(name)
    finally:
        sys.modules.pop("gain", None)
    assert len(ran) == 4, ran


def test_the_custom_node_guide_s_take_kept_open_ends_once_written_or_not_loaded(tmp_path: Path) -> None:
    """docs/custom-nodes.md's SlotFiles (keep_open / close_take), in a real engine: its take ends only once the file
    is written ("slot HH", the file there as it ends), or says it was not loaded where it could not be written."""
    import threading

    import numpy as np

    from exsampling_patch.messages import SlotAssignment, Take
    from exsampling_patch.patch import NodeSpec, Patch
    from exsampling_patch.registry import Registry
    from exsampling_patch.runtime import TakeEnded
    from exsampling_patch.runtime.engine import Engine

    (example,) = [block for block in fenced((ROOT / "docs" / "custom-nodes.md").read_text(encoding="utf-8"), "python")
                  if "class SlotFiles" in block]
    (tmp_path / "nodes").mkdir()
    (tmp_path / "nodes" / "slot_files.py").write_text(example, encoding="utf-8")
    registry = Registry.default([tmp_path / "nodes"], entry_points=False)
    assert registry.problems == []
    (tmp_path / "a file").write_text("not a folder", encoding="utf-8")

    def end_of(folder: Path) -> tuple[TakeEnded, bool]:
        patch = Patch()
        patch.add_node(NodeSpec("f", "slot_files", {"folder": str(folder)}))
        engine = Engine(registry, base_dir=tmp_path)
        ended: list[tuple[TakeEnded, bool]] = []
        done = threading.Event()

        def end(event: TakeEnded) -> None:
            ended.append((event, (folder / "HH.wav").exists()))
            done.set()

        engine.events.subscribe(end, TakeEnded)
        engine.start(patch)
        try:
            engine.inject("f", "assignment", SlotAssignment("HH", Take(np.zeros((480, 1), np.float32), 48000)))
            assert done.wait(5)
        finally:
            engine.stop()
        return ended[0]

    ended, written = end_of(tmp_path / "out" / "slots")  # not there yet, as its default folder in a new show
    assert ended.fate == "slot" and ended.reason == "slot HH" and written
    ended, _ = end_of(tmp_path / "a file")
    assert ended.fate == "slot" and ended.reason.startswith("slot HH, not loaded into slot_files 'f': "), ended


def shown_commands() -> Iterator[tuple[str, str]]:
    """Each `exsampling ...` command the pages show in sh blocks and indented code, one line each (continued
    lines joined, the pipe and comment after it left off), without `.venv/bin/`."""
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        blocks = [*fenced(text, "sh"), *re.findall(r"^ {4}((?:\.venv/bin/)?exsampling .*)$", text, flags=re.M)]
        for block in blocks:
            for line in block.replace("\\\n", " ").splitlines():
                command = re.match(r"(?:\.venv/bin/)?exsampling\s+(.*)", line.split("#")[0].split("|")[0].strip())
                if command:
                    yield page.name, command.group(1)


def test_every_command_the_docs_show_runs_as_written() -> None:
    """A command shown with its arguments (not a synopsis) is one the parser takes: its required options and
    arguments are there, in an order that works."""
    parser = build_parser()
    wrong = []
    for page, command in shown_commands():
        if "[" in command or "..." in command:
            continue
        try:
            parser.parse_args(command.replace("~", "/home/user").split())
        except SystemExit:
            wrong.append(f"{page}: exsampling {command}")
    assert wrong == [], "\n".join(wrong)


def test_every_synopsis_the_docs_show_names_options_as_their_help_does() -> None:
    """`run PATCH [--for SECONDS]`: an option shown with a value names it as `--help` does, and an option the
    command requires is shown outside the brackets."""
    commands = sub_parsers(build_parser())
    wrong = []
    for page, command in shown_commands():
        if "[" not in command:
            continue
        name, *rest = command.split()
        parser = commands[name]
        if rest and rest[0] in sub_parsers(parser):
            parser = sub_parsers(parser)[rest[0]]
        actions = {flag: action for action in parser._actions for flag in action.option_strings}
        for flag, value in re.findall(r"(--[\w-]+)(?: ([A-Z][\w.]*))?", command):
            action = actions[flag]
            shown_as = action.metavar or action.dest.upper() if action.nargs != 0 else None
            if (value or None) != shown_as:
                wrong.append(f"{page}: {name} {flag} {value}: --help shows {flag} {shown_as or ''}")
        bare = re.sub(r"\[[^\]]*\]", "", command)
        wrong += [f"{page}: {name} requires {action.option_strings[0]}, shown in brackets" for action in
                  parser._actions if action.required and action.option_strings
                  and action.option_strings[0] not in bare]
    assert wrong == [], "\n".join(wrong)


#: Dotted names the pages show that are an object's attribute or a node's port, not a module's name.
NOT_MODULE_NAMES = {"node.context.emitted", "node.beat_clock", "sampler.loaded"}
#: Endings of the file names the pages show (`edit.log`, `run.py`): a file, not a module's attribute.
FILE_SUFFIXES = ("py", "js", "log", "yaml", "json", "md", "txt", "wav")


def project_module(parts: list[str]) -> tuple[str, list[str]] | None:
    """The project's module the longest leading part of ``parts`` names (``validate``, ``palette`` in the editor,
    ``nodes.clock``, ``sampler.rig``, ``features`` in models), and the names after it; None where no module of the
    project is meant."""
    packages = {"exsampling_patch": ROOT / "exsampling_patch", "exsampling_patch.nodes": ROOT / "nodes",
                "exsampling_patch.models": ROOT / "models"}
    for n in range(len(parts) - 1, 0, -1):
        for package, folder in packages.items():
            top = package.rpartition(".")[2]  # `nodes.clock`, `models.features`: the installed package's folder
            dotted = parts[:n][1:] if package != "exsampling_patch" and parts[0] == top else parts[:n]
            for sub in ([], ["editor"], ["runtime"], ["commands"], ["sampler"], ["web_recorder"]):
                path = folder.joinpath(*sub, *dotted)
                if dotted and (path.with_suffix(".py").exists() or (path / "__init__.py").exists()):
                    return ".".join([package, *sub, *dotted]), parts[n:]
    return None


def test_every_module_name_the_docs_give_is_there() -> None:
    """`validate.check_link`, `path_checks.READ_PATHS`, `sampler.rig.message_due`: code moves between modules (the
    checks' hints to patch_hints.py, the editor's placement to placement.py); a page naming the old place sends a
    reader to nothing."""
    import importlib

    wrong = []
    for page in [*PAGES, CARD]:
        for name in sorted(set(re.findall(r"`((?:[a-z_]+\.)+[A-Za-z_]\w*)(?:\(\))?`", page.read_text("utf-8")))):
            parts = name.removeprefix("exsampling_patch.").split(".")
            found = None if parts[-1] in FILE_SUFFIXES or name in NOT_MODULE_NAMES else project_module(parts)
            if found is None:
                continue
            value: object = importlib.import_module(found[0])
            for attribute in found[1]:
                if not hasattr(value, attribute):
                    wrong.append(f"{page.name}: {name}: {found[0]} has no {'.'.join(found[1])}")
                    break
                value = getattr(value, attribute)
    assert wrong == [], "\n".join(wrong)


def test_the_default_patch_with_ableton_live_as_the_live_page_says_checks(tmp_path: Path) -> None:
    """ableton.md: in a copy of the default patch, change the node `live`'s type from ableton_max to ableton_live,
    its links staying as they are: that copy checks, without a warning."""
    text = " ".join((ROOT / "docs" / "ableton.md").read_text(encoding="utf-8").split())
    said = re.search(r"change the node `(\w+)`'s `type: (\w+)` to `type: (\w+)`", text)
    assert said, "ableton.md says which node of the default patch to change, and to what"
    node, old, new = said.groups()
    default = (ROOT / "patches" / "exsampling.yaml").read_text(encoding="utf-8")
    assert f"- id: {node}\n  type: {old}\n" in default
    (tmp_path / "patches").mkdir()
    copy = tmp_path / "patches" / "show.yaml"
    copy.write_text(default.replace(f"- id: {node}\n  type: {old}\n", f"- id: {node}\n  type: {new}\n"),
                    encoding="utf-8")
    problems, _plugins, warnings = check_file_with_warnings(copy)
    assert [str(p) for p in [*problems, *warnings]] == []
