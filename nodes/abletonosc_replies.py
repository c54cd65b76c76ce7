"""``ableton_osc``'s asks for Live's track names, and AbletonOSC's answers (UDP, on the node's ``reply_port``).

Asked every ``ask_every`` s, answered or not. A silence from the start (Live not running yet) is an error, told
once, which the first answer ends ("is back"), as ``ableton_live``'s and ``ableton_max``'s: takes may not reach Live
meanwhile (it was a warning, grey and cut short on the node, which the editor's status bar left out). After an answer,
two asks unanswered are an error, which the next answer ends: before, it stopped asking once answered, and a Live that
quit mid-show missed the takes without a word.
"""

from __future__ import annotations

import socket
import time

from exsampling_patch.node import Node
from exsampling_patch.nodes.osc import OscTarget


class TrackNames:
    """The track names AbletonOSC last told (``names``), and whether it has stopped answering (``gone``)."""

    def __init__(self, node: Node, target: OscTarget, listener: socket.socket, host: str, port: int, reply_port: int,
                 ask_every: float) -> None:
        self.node, self.target, self.listener = node, target, listener
        self.port, self.reply_port, self.ask_every = port, reply_port, ask_every
        self.where = f"{host}:{port}"
        self.names: list[str] = []
        self.gone = False
        self.answered = False  # set at its first answer: a take sent before it is not known to have reached Live

    @property
    def unheard(self) -> bool:
        """True while a take sent may not reach Live: AbletonOSC has not answered yet, or has stopped answering."""
        return self.gone or not self.answered

    def run(self) -> None:
        """Ask and read answers until the node stops (or its listener is closed)."""
        from pythonosc.osc_message import OscMessage

        node, where, ask_every = self.node, self.where, self.ask_every
        asked, told, heard = float("-inf"), False, None
        started = time.monotonic()
        while not node.stop_event.is_set():
            now = time.monotonic()
            if now - asked >= ask_every:
                asked = now
                self.target.send("/live/song/get/track_names", [])
            if heard is None and not told and now - started >= ask_every:
                told = True
                # Takes still go, by position: an AbletonOSC whose answers miss reply_port (another port, or that
                # one taken) gets them, so "lost" would lie; the reply port is the hint at that case.
                node.report_error(f"AbletonOSC does not answer on {where} (no track names on port {self.reply_port}): "
                                  "is Live running, with AbletonOSC as its Control Surface? Until it answers, slot "
                                  "N's takes go to track N and may not reach Live")
            elif heard is not None and not self.gone and now - heard >= 2 * ask_every:
                self.gone = True
                since = time.strftime("%H:%M:%S", time.localtime(time.time() - (now - heard)))
                # Takes still go, to the tracks it last named: a Live that only answers late (busy), or whose
                # answers no longer reach reply_port, gets them, so "lost" would lie.
                node.report_error(f"AbletonOSC stopped answering on {where} (no track names on port "
                                  f"{self.reply_port} since {since}): has Live quit? Until it answers (asked every "
                                  f"{ask_every:g} s), takes go to the tracks it last named and may not reach Live")
            try:
                data, _ = self.listener.recvfrom(65536)
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                message = OscMessage(data)
            except Exception:
                continue
            if message.address == "/live/song/get/track_names":
                names = [str(a) for a in message.params]
                if self.gone or (told and heard is None):  # "port", an opened key: the error ends, and the console
                    # says it is back: "answers again" only where it had answered before (gone, and back)
                    again = {"abletonosc_again": True} if self.gone else {}
                    node.report_status(port=self.port, abletonosc_answers=where, tracks=len(names), **again)
                elif heard is None or names != self.names:  # the first names, or tracks renamed in Live
                    node.report_status(tracks=len(names))
                self.names, heard, self.gone, self.answered = names, time.monotonic(), False, True
