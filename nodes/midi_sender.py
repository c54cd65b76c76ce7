"""MIDI messages that say which node sent them: a small number per sending node, its sender tag.

Everything linked into a sampler's ``midi`` input reaches one event ring, and a ``midi_out`` holds what every
sender sent ahead in one queue. A ``pattern`` node voids what it sent ahead with a timed all-notes-off (CC 123) on
each channel it played (stopped, or its master started again); by channel alone, that also dropped the hits
another pattern had sent ahead on the channel and released a keyboard's notes held there. A message of a
:class:`SentMessage` carries its sender's tag: a timed all-notes-off that has one voids only that sender's notes.
Messages without one (a keyboard's, a DAW's, a file's) have tag 0: an all-notes-off of theirs ends every note of
its channel, as MIDI has it.
"""

from __future__ import annotations

import threading
from typing import Any

import mido

#: Tags fit the sampler's event rings (int8); past this many senders in a process they are shared again.
MAX_TAG = 127

_tags: dict[str, int] = {}
_tags_lock = threading.Lock()


def sender_tag(node_id: str) -> int:
    """The tag (1-127) of the messages node ``node_id`` sends: the same for every instance of that node in this
    process, so that a node an edit rebuilt voids what the one before it sent ahead."""
    with _tags_lock:
        tag = _tags.get(node_id)
        if tag is None:
            tag = len(_tags) % MAX_TAG + 1
            _tags[node_id] = tag
        return tag


class SentMessage(mido.Message):
    """A mido message with its sender's tag (``sender``), kept by :meth:`copy`. It equals the same message
    untagged: the tag says who sent it, not what it is."""

    __slots__ = ("sender",)

    def copy(self, skip_checks: bool = False, **overrides: Any) -> SentMessage:
        copied = super().copy(skip_checks=skip_checks, **overrides)
        object.__setattr__(copied, "sender", sender_of(self))
        return copied

    def __reduce__(self) -> tuple[Any, ...]:  # mido's __setattr__ refuses the slot a plain unpickling would set
        return _rebuilt, (sender_of(self), dict(vars(self)))


def _rebuilt(sender: int, fields: dict[str, Any]) -> SentMessage:
    fields = dict(fields)
    return sent_message(sender, fields.pop("type"), **fields)


def sent_message(sender: int, type_name: str, **fields: Any) -> SentMessage:
    """A message of ``type_name`` (mido's: ``note_on``, ``control_change`` ...) tagged ``sender``."""
    message = SentMessage(type_name, **fields)
    object.__setattr__(message, "sender", sender)  # mido's __setattr__ takes only a message's own fields
    return message


def sender_of(message: Any) -> int:
    """The sender tag of ``message``: 0 for a message without one."""
    return int(getattr(message, "sender", 0))
