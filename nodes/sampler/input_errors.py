"""A take's error told on the sampler's ``assign`` input from outside its handler, shared by the in-process path
(:mod:`~exsampling_patch.nodes.sampler.assign`) and the audio process's answers
(:mod:`~exsampling_patch.nodes.sampler.answers`).

A module of its own so that ``answers`` need not import ``assign`` (which imports the rate wait, and through it the
host that imports ``answer_telling`` and ``answers``: a circle, tests/core/test_layers.py).
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)


def tell_on_input(node: Any, error: str) -> None:
    """Tell ``error`` of a take on ``node``'s ``assign`` input from outside its handler (a take handed over, one the
    audio process answered: ``answers.settle``): a later error, ended by the next take loaded. A report that fails is
    logged: the take still ends as it should, and the takes after it are told."""
    try:
        node.context.report_message_error(node.node_id, error, "assign")
    except Exception:
        log.exception("sampler '%s': could not tell its error %r", node.node_id, error)
