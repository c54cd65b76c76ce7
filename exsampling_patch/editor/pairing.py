"""The performance view's pairing pane: each running web recorder's URL, to open on the phones, and its QR code.

The URL's field is as wide as the pane; a URL longer than that is said to go on, under the field.
"""

from __future__ import annotations

from typing import Any

import dearpygui.dearpygui as dpg

from exsampling_patch.editor.live import RuntimeObserver

__all__ = ["PairingPane"]

QR_CELL = 3
FRAME_PAD_X = 4  # ImGui's frame padding: a field's text starts this far in from its edges


class PairingPane:
    """The pane's content, in the group ``tag`` (built by the performance view); :meth:`draw` each refresh."""

    def __init__(self, observer: RuntimeObserver, tag: str) -> None:
        self.observer = observer
        self.tag = tag
        self._signature: Any = None

    def url_tag(self, node_id: str, part: str = "url") -> str:
        """The pairing URL's field of a recorder node (``part="more"``: the line saying that it goes on)."""
        return f"{self.tag}:{node_id}:{part}"

    def draw(self) -> None:
        """Redraw the pane where the recorders' URLs or QR codes changed; else tell which URLs are cut."""
        found = [(node_id, live.get("url"), live.get("qr")) for node_id, live in self.observer.nodes.items()
                 if isinstance(live.get("url"), str)]
        signature = [(n, u, tuple(q) if isinstance(q, list) else None) for n, u, q in found]
        if signature == self._signature:
            self._tell_cut_urls([node_id for node_id, _, _ in found])
            return
        self._signature = signature
        parent = self.tag
        dpg.delete_item(parent, children_only=True)
        if not found:
            dpg.add_text("No recorder page is running.", parent=parent, color=(150, 150, 150))
            return
        for node_id, url, qr in found:
            dpg.add_text(f"{node_id}: open on the phone", parent=parent)
            # As wide as the pane (not wider: cut at its edge, the field's own scrolling would not reach the end);
            # a URL longer than that is said to go on, under the field, and shown whole in its tooltip.
            dpg.add_input_text(default_value=str(url), readonly=True, width=-1, parent=parent,
                               tag=self.url_tag(node_id))
            with dpg.tooltip(self.url_tag(node_id)):
                dpg.add_text(str(url), wrap=400)
            dpg.add_text("... goes on: click it and press End; Ctrl+A, Ctrl+C copies it whole", wrap=0, show=False,
                         color=(150, 150, 150), tag=self.url_tag(node_id, "more"), parent=parent)
            if isinstance(qr, list) and qr:
                size = (max(len(row) for row in qr) + 8) * QR_CELL
                with dpg.drawlist(size, size, parent=parent) as draw:
                    # White quiet zone of 4 modules around, as scanners expect.
                    dpg.draw_rectangle((0, 0), (size, size), color=(255, 255, 255), fill=(255, 255, 255))
                    for r, row in enumerate(qr):
                        for c, cell in enumerate(row):
                            if cell == "#":
                                x, y = (c + 4) * QR_CELL, (r + 4) * QR_CELL
                                dpg.draw_rectangle((x, y), (x + QR_CELL, y + QR_CELL), color=(0, 0, 0),
                                                   fill=(0, 0, 0), thickness=0, parent=draw)

    def _tell_cut_urls(self, node_ids: list[str]) -> None:
        """Show, under each pairing URL wider than its field, that it goes on (once the field is drawn)."""
        for node_id in node_ids:
            field, more = self.url_tag(node_id), self.url_tag(node_id, "more")
            if not dpg.does_item_exist(field) or not dpg.is_item_visible(field):
                continue
            text = dpg.get_text_size(str(dpg.get_value(field)))
            if text is None:
                continue
            cut = text[0] + 2 * FRAME_PAD_X > dpg.get_item_rect_size(field)[0]
            if cut != dpg.is_item_shown(more):
                dpg.configure_item(more, show=cut)
