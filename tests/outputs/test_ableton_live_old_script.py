"""A remote script in Live older than this ExSampling's, though its pongs name their ping (version 2), is told once,
in words: which version it is, what is lost, and how to install the newer one.

Over real UDP; Live's side is the remote script against ``live_standin`` (the one mock the project allows), made to
answer as version 2 did. Before, its pongs were taken as the newest script's: its refusals, naming the slot alone,
were matched to the slot's oldest load in flight (maybe another take), and the performer was never told to install
the script again.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import exsampling_ableton_remote as ableton_remote
from exsampling_ableton_remote import osc
from exsampling_ableton_remote.surface import VERSION
from exsampling_patch.messages import SlotAssignment
from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.ableton import AbletonLive
from exsampling_patch.nodes.live_answers import old_script_words
from exsampling_patch.takes import write_take

from .helpers import sine_take, wait_for
from .live_standin import CInstance, Song, Track


class VersionTwoScript(ableton_remote.ExSamplingSurface):
    """The remote script as installed before its errors named the take's path: ``/exsampling/pong 2 <id>``, and
    ``/exsampling/error <slot> <reason>``."""

    old = True  # False: installed again and Live restarted
    answered = 0  # pings answered

    def handle(self, data: bytes, sender: tuple[str, int]) -> None:
        address, args = osc.decode(data)
        self.answered += address == "/exsampling/ping"
        if self.old and address == "/exsampling/ping":
            self._reply(sender, "/exsampling/pong", ["2", *args[:1]])
        else:
            super().handle(data, sender)

    def _reply(self, sender: tuple[str, int], address: str, args: list) -> None:
        super()._reply(sender, address, args[:2] if self.old and address == "/exsampling/error" else args)


@contextlib.contextmanager
def live_node(tmp_path: Path, surface: ableton_remote.ExSamplingSurface) -> Iterator[tuple[AbletonLive, NodeContext]]:
    context = NodeContext()
    node = AbletonLive("live", {"port": surface.port, "folder": str(tmp_path / "live")}, context)
    node.start()
    try:
        yield node, context
    finally:
        node.stop()
        surface.disconnect()


def warnings(context: NodeContext) -> list[str]:
    return [s["warning"] for s in context.statuses if "warning" in s]


def test_a_version_2_script_is_told_once_with_what_is_lost_and_how_to_install_it_again(tmp_path: Path) -> None:
    surface = VersionTwoScript(CInstance(Song([Track("HH")])), port=0)
    with live_node(tmp_path, surface) as (node, context):
        wait_for(lambda: bool(warnings(context)), tick=surface.update_display)
        # Two pings more answered, sent by the node's reply loop, which reads a datagram between them: no word more
        seen = surface.answered
        wait_for(lambda: surface.answered >= seen + 2, tick=surface.update_display)
        told = (f"the ExSampling script in Live (on 127.0.0.1:{surface.port}) is version 2, older than this "
                f"ExSampling's (version {VERSION}): its refusal of a take names no file, so with two takes of a slot "
                "on their way to Live, the older one is told refused (and not sent again) in place of the one "
                "refused; run '.venv/bin/exsampling ableton install' again, then restart Live")
        assert warnings(context) == [told]
        take = write_take(sine_take(440.0, seconds=0.2), tmp_path / "knock.wav")
        node.on_assignment(SlotAssignment("HH", take, "knock", 0.9))
        wait_for(lambda: node.loaded == 1, tick=surface.update_display)
        assert warnings(context) == [told]  # it stands: the take went through, the script in Live is still old
        assert context.errors == []


def test_a_refusal_from_a_version_2_script_is_still_told_of_its_take(tmp_path: Path) -> None:
    surface = VersionTwoScript(CInstance(Song([Track("HH")])), port=0)
    with live_node(tmp_path, surface) as (node, context):
        wait_for(lambda: bool(warnings(context)), tick=surface.update_display)
        take = write_take(sine_take(440.0, seconds=0.2), tmp_path / "knock.wav")
        node.on_assignment(SlotAssignment("Chorus", take, "knock", 0.9))  # no such track: refused
        wait_for(lambda: bool(context.errors), tick=surface.update_display)
        assert [str(error) for error in context.errors] == [
            f"{take.take_id} not loaded into Live's track 'Chorus': no track named 'Chorus' (tracks: HH)"]


def test_the_warning_ends_once_the_script_is_installed_again(tmp_path: Path) -> None:
    surface = VersionTwoScript(CInstance(Song([Track("HH")])), port=0)
    with live_node(tmp_path, surface) as (_, context):
        wait_for(lambda: bool(warnings(context)), tick=surface.update_display)
        surface.old = False  # 'exsampling ableton install' and Live restarted, the patch running
        wait_for(lambda: warnings(context)[-1] == "", tick=surface.update_display)
        assert len(warnings(context)) == 2 and "is version 2, older" in warnings(context)[0]
        assert context.errors == []


def test_what_each_older_script_loses_is_said_and_a_current_one_is_not_told_of() -> None:
    assert old_script_words("h:1", VERSION, named=True) == ""
    assert old_script_words("h:1", str(int(VERSION) + 1), named=True) == ""  # a newer script: nothing lost
    assert old_script_words("h:1", "", named=True) == ""  # no version to tell by: not guessed old
    one = old_script_words("h:1", "1", named=False)
    assert one.startswith(f"the ExSampling script in Live (on h:1) is version 1, older than this ExSampling's "
                          f"(version {VERSION}): its pong names no ping, ")
    assert "its refusal of a take names no file" in one
    assert old_script_words("h:1", "", named=False).startswith("the ExSampling script in Live (on h:1) is older ")
