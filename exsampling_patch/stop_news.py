"""What a stop leaves the performer to be told, said alike by ``exsampling run``'s summary and by the editor's status
bar after its Stop: the handlers it did not wait out (:func:`unfinished_text`), the takes a web recorder refused for
its full disk, kept on the phones (its ``held_on_phones`` status), the phones' uploads its stop cut off mid-body (its
``uploads_cut_off`` status), and those it was still checking and storing when its stop stopped waiting for them (its
``uploads_arriving`` status). And the summary's counts of takes by how they ended, in the words of the take lines
(:func:`ends_text`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence

from exsampling_patch.node import Node
from exsampling_patch.patch import Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime.events import TakeEnded
from exsampling_patch.runtime.ledger import TakeLedger, not_loaded_of
from exsampling_patch.wording import counted


def unfinished_text(unfinished: Sequence[tuple[str, str, str, str]]) -> str:
    """What a stop that did not finish in time says of it, ``unfinished`` being the stopped engine's
    ``Engine.unfinished`` (each handler still running then: node id, input, where in its code, the take in hand; or a
    worker telling a take's end, input ''):
    "some work did not finish in time, 2 handlers still running: 'classifier' on 'take' with take 'ana-3' at
    FILE:LINE in on_take, 'pitch' on 'take' with take 'ana-4' at FILE:LINE in on_take". The console's summary and
    the editor's Stop alike: the editor said the first words alone, and a composer was left to guess which node and
    which take (redone at the next start) the stop left behind. The handlers are listed after ", " with no comma in
    one: "; " between them read, in the editor's Stop (whose parts "; " separates), as more parts of the stop."""
    if not unfinished:
        return "some work did not finish in time"
    said = ", ".join(_unfinished_one(*each) for each in unfinished)
    handlers = all(port for _, port, _, _ in unfinished)  # a worker telling a take's end is in no handler
    left = (f"{counted(len(unfinished), 'handler')} still running" if handlers
            else f"{counted(len(unfinished), 'worker')} still busy")
    return f"some work did not finish in time, {left}: {said}"


def _unfinished_one(node_id: str, port: str, where: str, take_id: str) -> str:
    """One of :func:`unfinished_text`'s: a handler (``port`` set), or a worker telling take ``take_id``'s end out of
    any handler, to its source ``node_id`` (its take_ended not returned) or, with no ``node_id``, to the run's
    observers."""
    at = f" at {where}" if where else ""
    if port:
        return f"'{node_id}' on '{port}'" + (f" with take '{take_id}'" if take_id else "") + at
    to = f"'{node_id}'" if node_id else "the run's observers"
    return f"telling the end of take '{take_id}' to {to}{at}"


def phones_parts(held: Mapping[str, int], cut: Mapping[str, int]) -> list[str]:
    """The stop's sentences on the takes still on the phones, held ones first: ``held`` (:func:`held_parts`), then
    ``cut`` (:func:`uploads_cut_parts`)."""
    return held_parts(held) + uploads_cut_parts(cut)


def held_parts(counts: Mapping[str, int]) -> list[str]:
    """One sentence per recorder that refused takes for its full disk (507) and did not store them since: no take
    refused for good (the phone keeps it and sends it again), so none ended, and nothing else says them. ``counts``:
    node id -> its ``held_on_phones`` status, above 0."""
    return [f"{counted(count, 'take')} refused by '{node_id}' for its full disk, kept on the phones: make room, they "
            "are sent again" for node_id, count in counts.items()]


def uploads_cut_parts(counts: Mapping[str, int]) -> list[str]:
    """One sentence per recorder whose stop cut phones' uploads mid-body: no take lost (each phone keeps its take and
    sends it again), but nothing else says that takes were on their way. ``counts``: node id -> its ``uploads_cut_off``
    status, above 0."""
    return [(f"1 upload from a phone to '{node_id}' cut off by the stop: the phone keeps that take and sends it"
             if count == 1 else f"{count} uploads from phones to '{node_id}' cut off by the stop: the phones keep "
             "those takes and send them") + " again when the recorder is back" for node_id, count in counts.items()]


def arriving_parts(counts: Mapping[str, int]) -> list[str]:
    """One sentence per recorder whose stop stopped waiting (``STOP_WAIT``) for uploads read whole and still being
    checked and stored: what became of each comes after the stop, which said nothing of them. Stored, such a take is
    passed on at the next start; refused, its phone keeps it. ``counts``: node id -> its ``uploads_arriving`` status,
    above 0."""
    return [(f"1 upload from a phone to '{node_id}' still being stored as it stopped: stored, it is passed on at the "
             "next start; refused, its phone keeps it and sends it again" if count == 1 else
             f"{count} uploads from phones to '{node_id}' still being stored as it stopped: each stored is passed on "
             "at the next start; each refused, its phone keeps and sends again") for node_id, count in counts.items()]


def unsent_parts(counts: Mapping[str, int], unknown: Mapping[str, str] | None = None) -> list[str]:
    """One sentence per output that had takes handed to its sender that did not go before the stop (the sender waited
    for another run's folder): nothing goes after the stop; they are kept, and go at the next start. ``counts``: node
    id -> its ``unsent`` status (told as it stops: ``ableton_max``), above 0. ``unknown``: node id -> why the takes an
    earlier run kept for it could not be counted (its ``unsent_unknown`` status: the kept file's lock stuck): said so,
    with why, and its count as a floor. A count that left them out read as all there was, and more reached Live at the
    next start than the stop had said."""
    unknown = unknown or {}
    parts = []
    for node_id in [*counts, *(node_id for node_id in unknown if node_id not in counts)]:
        count, why = counts.get(node_id, 0), unknown.get(node_id, "")
        said = (f"{counted(count, 'take')} not sent to Live by '{node_id}'" if count
                else f"takes an earlier run kept for Live not sent by '{node_id}'")
        more = ", with maybe more an earlier run kept" if count and why else ""
        parts.append(f"{said}, kept for its next start" + (f"{more} (how many is unknown: {why})" if why else ""))
    return parts


def unsent_unknown(statuses: Mapping[str, Mapping[str, object]]) -> dict[str, str]:
    """Node id -> its ``unsent_unknown`` status where it says anything (:func:`unsent_parts`); ``statuses``: node id
    -> its status."""
    return {node_id: why for node_id, status in statuses.items()
            if isinstance(why := status.get("unsent_unknown"), str) and why}


KEPT_UNSENT = "not sent to Live yet: kept for the next start"
"""What an output notes of a take it kept unsent at its stop, for the next start (``ableton_max``): its line's words,
and how :func:`cut_off_news` knows the take is told by :func:`unsent_parts`."""


def unsent_takes(ledger: TakeLedger) -> dict[str, set[str]]:
    """The takes in flight at the stop that an output kept unsent (:data:`KEPT_UNSENT`) -> those outputs:
    :func:`unsent_parts` tells them, by that output."""
    unsent: dict[str, set[str]] = {}
    for take_id in ledger.in_flight():
        outputs = {node_id for node_id, reason in ledger.not_loaded(take_id) if reason == KEPT_UNSENT}
        if outputs:
            unsent[take_id] = outputs
    return unsent


def kept_takes(ledger: TakeLedger) -> dict[str, tuple[str, str]]:
    """Take id -> (node, why) of the first node each take in flight waits at (held or kept open): a stop cut off
    takes waiting at an output (Live not answering, a sampler waiting for its audio process, a classifier still
    working), and the summary named only their source. Why is the node's own word (:meth:`TakeLedger.hold`), or ''.

    An output that kept the take unsent (:func:`unsent_takes`) is passed over: it notes that, then lets the take go,
    and read between the two it was named first, :func:`cut_off_news` left it out as told by that output, and a
    sampler keeping the take as well was never named."""
    unsent = unsent_takes(ledger)
    kept = {}
    for take_id in ledger.in_flight():
        keepers = ledger.keepers(take_id)
        node_id = next((node for node in keepers if node not in unsent.get(take_id, ())), None)
        if node_id is not None:
            kept[take_id] = (node_id, keepers[node_id])
    return kept


def kept_counts(kept: Mapping[str, tuple[str, str]], errors: Mapping[str, str],
                again: Callable[[str], bool]) -> dict[str, tuple[int, str, bool]]:
    """:func:`kept_takes` by node: node id -> (how many, why: its own word, else its standing error in ``errors``
    ("Live did not answer"), whether ``again`` (take id -> its source passes it on again at the next start) says so
    of all)."""
    by_node: dict[str, tuple[int, str, bool]] = {}
    for take_id, (node_id, why) in kept.items():
        count, said, all_again = by_node.get(node_id, (0, why or errors.get(node_id, ""), True))
        by_node[node_id] = (count + 1, said, all_again and again(take_id))
    return by_node


def joined(parts: list[str]) -> str:
    """The summary's tail of ``parts``: each after "; "."""
    return "; " + "; ".join(parts) if parts else ""


def kept_parts(kept: Mapping[str, tuple[int, str, bool]]) -> list[str]:
    """One sentence per node that still had takes as the run stopped: ``kept``: node id -> (how many, why: its
    own word or its error, '' for none, whether their sources pass them all on again at the next start)."""
    return [f"{counted(count, 'take')} kept by '{node_id}'" + (f" ({why})" if why else "")
            + (": passed on again at the next start" if again else "")
            for node_id, (count, why, again) in kept.items()]


def passes_again(source: str, patch: Patch, registry: Registry) -> bool:
    """Whether ``source`` writes its takes down as done when they end (it overrides ``take_ended``: the web recorder,
    the microphone, a folder source), so passes on again at the next start those a stop cut off."""
    spec = patch.nodes.get(source)
    kind = registry.types.get(spec.type) if spec is not None else None
    return kind is not None and kind.take_ended is not Node.take_ended


def cut_off_counts(ledger: TakeLedger, leave_out: Collection[str] = frozenset()) -> dict[str, int]:
    """Source -> how many of its takes the stop cut off (still in flight), by source id; less ``leave_out`` (those
    :func:`kept_takes` names by the node they wait at: not told twice)."""
    return dict(sorted(Counter(ledger.source_of(take_id) for take_id in ledger.in_flight()
                               if take_id not in leave_out).items()))


def cut_off_parts(counts: Mapping[str, int], again: Callable[[str], bool]) -> list[str]:
    """One sentence per source whose takes the stop cut off, no node keeping them (still in a handler or queued):
    ``counts``: :func:`cut_off_counts`; ``again``: source id -> it passes them on again at the next start
    (:func:`passes_again`). Before, a Ctrl+C during a burst said only "some work did not finish in time"."""
    return [f"{counted(count, 'take')} from '{source}' not through the patch"
            + (", passed on again at the next start" if again(source) else "") for source, count in counts.items()]


def cut_off_news(ledger: TakeLedger, errors: Mapping[str, str], patch: Patch, registry: Registry,
                 kept: Mapping[str, tuple[str, str]] | None = None) -> list[str]:
    """The stop's sentences on the takes it cut off (still in flight), said alike by the console's summary and the
    editor's Stop: those a node kept first, by that node (:func:`kept_parts`; ``kept``: :func:`kept_takes`, read
    from ``ledger`` if None), then the rest by source (:func:`cut_off_parts`), each take told once. ``errors``:
    node id -> its standing error, the why of a node that kept takes without a word of its own.

    A take an output kept unsent (:func:`unsent_takes`), which :func:`unsent_parts` tells, is left out of the part by
    source alone: still in flight, it was told twice, "not through the patch" by its source as well as "not sent to
    Live" by the output. Another node that still had it (it went to a sampler too) tells it still: left out of the
    part by node as well, that node's sentence was gone, and the Stop said only "not sent to Live". One still queued
    or in a handler at another node (:meth:`TakeLedger.queued`) is told by its source too: else by no sentence."""
    unsent = unsent_takes(ledger)
    waiting = kept_takes(ledger) if kept is None else kept
    kept = {take_id: (node_id, why) for take_id, (node_id, why) in waiting.items()
            if node_id not in unsent.get(take_id, ())}  # the output that kept it unsent tells it in its own words

    def again(source: str) -> bool:
        return passes_again(source, patch, registry)

    by_node = kept_counts(kept, errors, lambda take_id: again(ledger.source_of(take_id)))
    # One still queued at another node as well is told by its source still: left out, no sentence told it.
    told_unsent = {take_id for take_id in unsent if ledger.queued(take_id) == 0}
    return kept_parts(by_node) + cut_off_parts(cut_off_counts(ledger, {*kept, *told_unsent}), again)


def summary_word(fate: str, reason: str) -> str:
    """The summary's word for a take that ended with ``fate`` and ``reason``: a take the patch set aside on purpose
    is counted as its line said it ("silent", "too short", "no slot"), not as "dropped", which a performer read as
    lost; a take lost on the way (went nowhere, its node removed by an edit) is still "dropped"."""
    if fate == "dropped":
        if reason == "silent":
            return "silent"
        if reason.startswith("too short"):
            return "too short"
        if reason.startswith("no slot for "):
            return "no slot"
    return fate


#: The summary's order of its counts (summary_word's words): the takes that came through first.
ENDS_ORDER = ("slot", "not loaded", "done", "rejected", "silent", "too short", "no slot", "skipped", "dropped",
              "refused", "error")


def recovered_text(recovered: int, ended: int, by_source: Mapping[str, int] | None = None) -> str:
    """How many of the ``ended`` takes the summary counts were recovered from the last run: "1 take done (1 of them
    recovered ...)" read as a sum gone wrong. Where they came from more than one source (``by_source``: source id ->
    how many), how many from each: "3 takes done (all recovered ...)" left the phones' and a folder's to guess."""
    which = "" if recovered == ended == 1 else "all " if recovered == ended else f"{recovered} of them "
    sources = ", ".join(f"{count} from '{source}'" for source, count in sorted((by_source or {}).items()))
    return f" ({which}recovered from the last run" + (f": {sources})" if len(by_source or {}) > 1 else ")")


def no_output_has(ended: TakeEnded) -> bool:
    """Whether a take ended in its slot but no output that loads takes loaded it (Live alone linked, and Live did not
    answer): its console line ends "; no output has it", and the summary counts it apart from the takes in their
    slots. Not where nothing was said unloaded (a slot map with no output linked: the slot is all there is to it)."""
    return bool(not_loaded_of(ended)) and ended.loaded == ()


def ends_text(told: Mapping[str, int], not_loaded: int = 0) -> str:
    """The summary's counts of takes by how they ended (``told``: :func:`summary_word`'s word -> count), in words
    as the take lines say them: "2 takes in their slots, 1 take rejected". It said "takes ended: slot 2, rejected 1",
    which a performer had to decode. ``not_loaded`` of the ``slot`` ones no output loaded (:func:`no_output_has`):
    counted apart, "1 take in its slot but loaded by no output", as their lines say it; "N takes in their slots" over
    lines saying "no output has it" read as takes an instrument could play."""
    told = dict(told)
    if not_loaded > 0:
        told["slot"] = told.get("slot", 0) - not_loaded
        told["not loaded"] = not_loaded
        if told["slot"] <= 0:
            del told["slot"]

    def words(word: str, count: int) -> str:
        takes = counted(count, "take")
        if word == "slot":
            return f"{takes} in {'a slot' if count == 1 else 'their slots'}"
        if word == "not loaded":
            return f"{takes} in {'its slot' if count == 1 else 'their slots'} but loaded by no output"
        if word == "no slot":
            return f"{takes} with no slot"
        if word == "error":
            return f"{takes} ended in {'an error' if count == 1 else 'errors'}"
        return f"{takes} {word}"

    def rank(word: str) -> tuple[int, str]:
        return (ENDS_ORDER.index(word) if word in ENDS_ORDER else len(ENDS_ORDER), word)

    return ", ".join(words(word, told[word]) for word in sorted(told, key=rank))
