"""Print the crash of a pytest worker again, short: the fatal error and the stack of the thread that crashed.

Python's fault handler writes every thread's stack (the crashed one first, marked "Current thread") and then the
list of extension modules; in a test log all of it lands far above the last lines. Usage: ``crash_report.py LOG``;
prints nothing where the log has no fatal error.
"""

from __future__ import annotations

import sys
from pathlib import Path

#: Lines of the crashed thread's stack kept (its innermost frames come first).
FRAMES_KEPT = 30


def crash_report(lines: list[str]) -> list[str]:
    """Each fatal-error line of ``lines`` and the stack of the thread the fault handler marks current (where the
    fault came from a thread Python does not know, the first stack it printed)."""
    report: list[str] = []
    for index, line in enumerate(lines):
        if not line.startswith("Fatal Python error"):
            continue
        preamble: list[str] = []
        stacks: list[list[str]] = []
        for following in lines[index + 1:]:
            if following.startswith(("Extension modules", "Fatal Python error")):
                break
            if following.startswith(("Current thread", "Thread 0x")):
                stacks.append([following])
            elif stacks:
                stacks[-1].append(following)
            else:
                preamble.append(following)
        current = [stack for stack in stacks if stack[0].startswith("Current thread")]
        crashed = (current or stacks or [[]])[0]
        report += [line, *preamble, *crashed[:FRAMES_KEPT + 1]]
    return report


def main(argv: list[str]) -> int:
    report = crash_report(Path(argv[1]).read_text(errors="replace").splitlines())
    if report:
        print("\n=== a test worker crashed: what Python's fault handler said of it ===")
        print("\n".join(report))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
