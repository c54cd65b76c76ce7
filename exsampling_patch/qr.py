"""The pairing URL as a QR code: rows of '#' (dark) and ' ' (light) modules, for terminals and the editor."""

from __future__ import annotations


def qr_rows(text: str, border: int = 2) -> list[str]:
    """The QR code of ``text`` as strings of '#'/' ' modules, one per row, with a light border."""
    import segno  # pure Python; imported here so listing node types stays quick

    code = segno.make(text, error="m", micro=False)
    return ["".join("#" if dark else " " for dark in row) for row in code.matrix_iter(scale=1, border=border)]


def terminal_text(rows: list[str]) -> str:
    """Rows drawn two modules per character cell with half blocks, dark on a light terminal or not."""
    lines = []
    padded = [*rows, " " * len(rows[0])] if len(rows) % 2 else rows
    for top, bottom in zip(padded[0::2], padded[1::2], strict=True):
        # Drawn inverted (light modules as blocks) so it reads on the usual dark terminal background.
        lines.append("".join({(False, False): "█", (True, False): "▄", (False, True): "▀", (True, True): " "}
                             [(a == "#", b == "#")] for a, b in zip(top, bottom, strict=True)))
    return "\n".join(lines)
