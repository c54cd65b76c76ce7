"""A node's live line in the patch view: what its last status tells, as one short line of text.

Plain Python (no widgets): ``patch_view.py`` draws it under the node's title while the patch runs.
"""

from __future__ import annotations

from collections.abc import Callable

from exsampling_patch.editor.live import NodeLive
from exsampling_patch.editor.slots import nowhere
from exsampling_patch.wording import counted, end_in_words, label_words

ELLIPSIS = "..."  # the default font has no glyph for U+2026
SEPARATOR, TIGHT = "  |  ", " | "  # between the parts of a live line; the tight one where the line is cut


def fate_text(live: NodeLive) -> str | None:
    """What became of the last take when it did not reach its slot: skipped (the slot locked, so it kept its take),
    not loaded (the sampler's audio process refused it, or did not answer: why, as the console says it; before, it
    read "skipped" as if the performer had locked the slot; the label then is the take the slot still plays, said
    as such) or rejected (by a gate or the slot map, with why); None when the status tells of no such take."""
    slot = live.get("slot")
    if live.get("skipped") is not None:
        where = f"slot {slot}" if slot else "its slot"
        why = live.get("not_loaded")
        if isinstance(why, str) and why:
            plays = live.get("label")
            # "; no output has it" where the take's end says no output loaded it, as the console says it: else the
            # line read alike where Live beside had the take and where nothing had it
            return (f"not loaded into {where}: {why}" + nowhere(why, live.skipped_loaded)
                    + (f"; it still plays {label_words(str(plays))}" if plays else ""))
        return f"skipped: {where} locked" if live.get("locked") else f"skipped: {where}"
    rejected = live.get("rejected")
    if isinstance(rejected, str) and rejected and not slot:  # with a slot: rejected, but sent to a fallback slot
        rejected = end_in_words(rejected)  # "not sure (glass breaking 31%)", as the phone and the console say it
        return rejected if rejected.startswith("rejected") else f"rejected: {rejected}"
    return None


def live_text(live: NodeLive) -> str:
    """A node's live line: dropouts first (xruns, late steps, dropped notes: a performer must see them), then last
    label with confidence, slot (or what became of a take that did not reach it: "skipped: slot HH locked"), latency
    (or a few counters)."""
    return SEPARATOR.join(live_parts(live))


def live_parts(live: NodeLive) -> list[str]:
    """The parts of a node's live line (:func:`live_text`), the most important first."""
    parts = []
    xruns = live.get("xruns")
    if isinstance(xruns, int) and xruns > 0:
        parts.append(counted(xruns, "xrun"))
    late = live.get("late_steps")  # a pattern's steps a stalled host made it skip: dropouts of the groove
    if isinstance(late, int) and late > 0:
        parts.append(counted(late, "late step"))
    dropped = live.get("dropped_notes")  # a sampler's notes that came too late to play, or while it restarted
    if isinstance(dropped, int) and dropped > 0:
        parts.append(counted(dropped, "dropped note"))
    warning = live.get("warning")
    if isinstance(warning, str) and warning:  # no error, but the performer should see it (a backlog)
        parts.append(f"warning: {warning}")
    if live.lost is not None:  # a take lost here (an edit left it nowhere to go): ahead of what the node last did
        parts.append(live.lost[1])
    # A take not loaded: its status's label is the take its slot still plays, which the fate names as such (before
    # the fate, it read as the refused take's label).
    why = live.get("not_loaded")
    refused = isinstance(why, str) and bool(why) and live.get("skipped") is not None
    label = live.get("label") if not refused else None
    gate_why = live.get("reason") if live.get("passed") is False else None
    if isinstance(gate_why, str) and gate_why:
        # A gate's rejection, in place of the label its reason names: "snare 88%" read the same as a take passed.
        gate_why = end_in_words(gate_why)
        parts.append(gate_why if gate_why.startswith(("rejected", "error in ")) else f"rejected: {gate_why}")
    elif label is not None and label != "":  # an assignment with no label (the Live outputs, the sampler) reports ""
        confidence, pitch_confidence = live.get("confidence"), live.get("pitch_confidence")
        # A class in words, as the phone page and the stage console say it ("choir voice 61%"; it read the model's
        # identifier "choir_voice"); a node's own words stay as they are ("take 3: 1.20 s", a phone's name).
        if isinstance(confidence, float):
            parts.append(f"{label_words(str(label))} {confidence:.0%}")
        elif isinstance(pitch_confidence, float):  # "unpitched 45%" would read as 45% sure it is unpitched
            parts.append(f"{label} (pitch confidence {pitch_confidence:.0%})")
        elif live.get("slot") is not None:  # the class of the take a slot plays (a sampler's, Live's)
            parts.append(label_words(str(label)))
        else:
            parts.append(f"{label}")
    fate = fate_text(live)
    if fate is not None:
        parts.append(fate)
    elif live.get("slot") is not None:
        figure = live.get("slot_confidence")  # a slot map's: the slot's labels summed ("slot Snare 95%")
        own = live.get("confidence")
        # Said where it reads differently from the label's: "rain 100%  |  slot Wind 100%" (99.6% and 99.9%) read as
        # a second figure for nothing, beside "dog 99%  |  slot Bass".
        said = isinstance(figure, float) and not (isinstance(own, float) and f"{figure:.0%}" == f"{own:.0%}")
        parts.append(f"slot {live.get('slot')}" + (f" {figure:.0%}" if said else ""))
    if isinstance(live.get("latency_ms"), int | float):
        parts.append(f"{live.get('latency_ms'):.0f} ms")
    for key in ("last_file", "count", "written", "takes"):
        if live.get(key) is not None and len(parts) < 4:
            parts.append(f"{key.replace('_', ' ')} {live.get(key)}")
    return parts


def fit_line(parts: list[str], width: float, measure: Callable[[str], float]) -> str:
    """The live line of ``parts`` as it fits in ``width`` pixels (``measure`` gives a text's width): whole if it
    fits, else with tighter separators, else its leading parts that fit and an ellipsis (the parts come most
    important first), else cut within the first part, with an ellipsis."""
    line = SEPARATOR.join(parts)
    if measure(line) <= width:
        return line
    if measure(TIGHT.join(parts)) <= width:
        return TIGHT.join(parts)
    for count in range(len(parts) - 1, 0, -1):
        line = TIGHT.join([*parts[:count], ELLIPSIS])
        if measure(line) <= width:
            return line
    return fit_text(TIGHT.join(parts), width, measure)


def fit_text(text: str, width: float, measure: Callable[[str], float]) -> str:
    """``text`` whole if it fits in ``width`` pixels, else its longest beginning that fits with an ellipsis (a
    separator it ends on left out)."""
    if measure(text) <= width:
        return text
    low, high = 0, len(text)  # the longest beginning that fits, with the ellipsis, is text[:low]
    while low < high:
        middle = (low + high + 1) // 2
        if measure(text[:middle].rstrip(" |") + ELLIPSIS) <= width:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip(" |") + ELLIPSIS
