"""What README.md and docs/*.md send a reader to beyond files: the `make` targets they show, and the sections they
name ("From a script" in docs/recording.md, "Start-up" below)."""

from __future__ import annotations

import re
from pathlib import Path

from tests.core.test_docs import CARD, PAGES, ROOT


def sections(page: Path) -> list[str]:
    """A page's headings, and the bold words that open a paragraph or a list item (``**At the start**``)."""
    text = page.read_text(encoding="utf-8")
    return [*re.findall(r"^#{1,6} (.+)$", text, flags=re.M),
            *(lead.rstrip(".:") for lead in re.findall(r"^(?:- )?\*\*([^*]+)\*\*", text, flags=re.M))]


def has_section(page: Path, name: str) -> bool:
    """``"Start-up"`` names the heading "Start-up (4 Dec)" too."""
    return any(section.startswith(name) for section in sections(page))


def test_every_make_target_the_docs_show_is_in_the_makefile() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([\w-]+):", makefile, flags=re.M))
    wrong = [f"{page.name}: make {target}" for page in PAGES
             for target in re.findall(r"`make ([\w-]+)", page.read_text(encoding="utf-8")) if target not in targets]
    assert wrong == [], "\n".join(wrong)


def test_every_section_the_docs_name_is_a_heading_there() -> None:
    # The README sends a reader to `docs/recording.md`, "From a script": a heading renamed leaves them searching.
    wrong = []
    for page in PAGES:
        text = " ".join(page.read_text(encoding="utf-8").split())
        for name, section in re.findall(r"`(?:docs/)?([\w-]+\.md)`,? \(?\"([^\"]+)\"", text):
            target = ROOT / "docs" / name if page.parent == ROOT else page.parent / name
            if target.exists() and not has_section(target, section):
                wrong.append(f"{page.name}: {name}, \"{section}\"")
        for section in re.findall(r"(?:\bsee |under )?\"([^\"]+)\" (?:below|above)|\(see \"([^\"]+)\"\)", text):
            named = next(s for s in section if s)
            if not has_section(page, named):
                wrong.append(f"{page.name}: \"{named}\"")
    assert wrong == [], "\n".join(wrong)


def test_every_command_the_docs_show_to_type_is_the_venv_s() -> None:
    # replay.md showed `exsampling replay ...`: after the README's `make run`, `exsampling` alone is no command (the
    # venv is not activated), and a newcomer copying the line got "command not found". ableton.md told the reader, in
    # its prose, to "Run `exsampling ableton install` again": a code span, which the blocks checked here were not.
    # classify.md opened a paragraph with `exsampling train DATA --out my.pt`, and the model card gave its
    # `python -m exsampling_patch.models.train_sounds all ...` to reproduce the model: a span that opens a sentence
    # with a command and a value of its own (a file, a number: not only options, a sub-command and CAPITALS to fill
    # in) is the line the sentence is about, one to type; so is any `python -m` of the project's modules, which only
    # the venv's python imports. Fenced blocks are left out here: sh ones are read above, and in the others (code) a
    # comment names a command.
    from exsampling_patch.cli import build_parser
    from tests.core.test_docs import fenced, sub_parsers

    nested = {name for sub in sub_parsers(build_parser()).values() for name in sub_parsers(sub)}
    wrong = []
    for page in [*PAGES, CARD]:
        text = page.read_text(encoding="utf-8")
        shown = [*fenced(text, "sh"), *re.findall(r"^ {4}((?:\S+/)?exsampling .*)$", text, flags=re.M)]
        prose = " ".join(text.split())  # a span may go on over a line break
        shown += re.findall(r"\b(?:[Rr]un|[Uu]se) [`']((?:\S+/)?exsampling [^`']+)[`']", prose)
        shown += re.findall(r"[`']((?:\S+/)?exsampling [^`']+)[`'] runs?\b", prose)
        paragraphs = re.sub(r"(?<!\n)\n(?!\n)", " ", re.sub(r"^\s*```.*?^\s*```", "", text, flags=re.S | re.M))
        for span in re.findall(r"(?:^|(?<=[.!?] ))`((?:\S+/)?exsampling [^`]+)`", paragraphs, flags=re.M):
            words = span.split()[1:]
            while words and words[0].startswith("-"):  # `exsampling -v run PATCH`: options before the sub-command
                words.pop(0)
            if any(not word.startswith("-") and not word.isupper() and word not in nested | {"..."}
                   for word in words[1:]):
                shown.append(span)
        shown += re.findall(r"`((?:\S+/)?python3? -m exsampling_patch[^`]*)`", paragraphs)
        wrong += [f"{page.name}: {line.strip()}" for block in shown for line in block.splitlines()
                  if re.match(r"(?:\S+/)?(?:exsampling|python3? -m)\s", line.strip())
                  and not line.strip().startswith(".venv/bin/")]
    assert wrong == [], "\n".join(wrong)


def test_every_name_the_docs_place_in_a_file_is_defined_there() -> None:
    # performance.md: "(`runtime/engine.py`, `SWITCH_INTERVAL` 0.5 ms)". Code moves between modules (the engine's
    # error keeping to runtime/node_errors.py, the classifier node out of nodes/classify.py): a page that names the old
    # file beside a name sends the reader to a file without it.
    wrong = []
    for page in [*PAGES, CARD]:
        prose = " ".join(page.read_text(encoding="utf-8").split())
        for path, name in re.findall(r"`((?:[\w-]+/)*\w+\.py)`,? `([A-Za-z_]\w*)(?:\(\))?`", prose):
            files = [base / path for base in (ROOT, ROOT / "nodes", ROOT / "exsampling_patch")
                     if (base / path).is_file()]
            defined = rf"^\s*(?:(?:async )?def |class ){name}\b|^\s*(?:self\.)?{name}\s*(?::[^=]*)?="
            if not any(re.search(defined, file.read_text(encoding="utf-8"), flags=re.M) for file in files):
                wrong.append(f"{page.name}: {path} defines no {name}")
    assert wrong == [], "\n".join(wrong)


def test_no_line_of_prose_in_the_docs_is_over_120_columns() -> None:
    # recording.md and sampler.md had lines of 158 to 199 columns, past what the rest of the docs (and the code) keep
    # to. Counted in characters: a line of "→" or "é" is as wide as one of ASCII. Code blocks (a command or a console
    # line shown as it is), table rows and images cannot be wrapped.
    wrong = []
    for page in PAGES:
        in_code = False
        for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
            if line.lstrip().startswith("```"):
                in_code = not in_code
            elif not in_code and len(line) > 120 and not line.lstrip().startswith(("|", "![")):
                wrong.append(f"{page.name}:{number}: {len(line)} columns")
    assert wrong == [], "\n".join(wrong)


def anchor(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces made '-'."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_every_link_s_anchor_is_a_heading_of_its_page() -> None:
    # sampler.md links to recording.md#microphone: test_docs checks the page is there, not the heading.
    wrong = []
    for page in PAGES:
        for target, name in re.findall(r"\]\(([^)#:]*)#([^)]+)\)", page.read_text(encoding="utf-8")):
            linked = page.parent / target if target else page
            if linked.exists() and name not in {anchor(h) for h in re.findall(r"^#{1,6} (.+)$",
                                                                              linked.read_text(encoding="utf-8"),
                                                                              flags=re.M)}:
                wrong.append(f"{page.name}: {target}#{name}")
    assert wrong == [], "\n".join(wrong)
