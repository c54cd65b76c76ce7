"""The shipped class-to-slot table: every label the shipped classifier knows, on the original device's slots.

Drums go to the drum slots (HH, Snare, TT, BD), keys and guitars to Piano, winds and brass to Wind, basses to
Bass, voices to Chorus; everyday sounds follow the original system's table in spirit (short bright clicks on the
hi-hat, cracks and knocks on the snare, ringing sounds on TT, low thumps on the bass drum, pitched calls on
piano, breathy sounds on wind, low engines and animals on bass, voices on chorus). Composers edit it per patch
(the slot map's ``table`` parameter).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

SLOTS = ("HH", "Snare", "TT", "BD", "Piano", "Wind", "Bass", "Chorus")
"""The original Max for Live device's eight slots, in MIDI channel order."""

#: ESC-50's 50 classes on the original device's eight slots, in the spirit of the original table: short
#: bright clicks on the hi-hat, cracks and knocks on the snare, ringing sounds on TT, low thumps on the bass
#: drum, pitched calls on piano, breathy sustained sounds on wind, low engines and animals on bass, and
#: voices on chorus.
ESC50_SLOTS: dict[str, str] = {
    **dict.fromkeys(["mouse_click", "keyboard_typing", "clock_tick", "brushing_teeth", "crickets", "insects",
                     "drinking_sipping"], "HH"),
    **dict.fromkeys(["door_wood_knock", "coughing", "sneezing", "clapping", "glass_breaking", "fireworks",
                     "can_opening", "crackling_fire", "hand_saw"], "Snare"),
    **dict.fromkeys(["church_bells", "water_drops", "clock_alarm", "pouring_water"], "TT"),
    **dict.fromkeys(["thunderstorm", "footsteps", "door_wood_creaks", "toilet_flush"], "BD"),
    **dict.fromkeys(["car_horn", "chirping_birds", "rooster"], "Piano"),
    **dict.fromkeys(["wind", "siren", "breathing", "sea_waves", "rain"], "Wind"),
    **dict.fromkeys(["dog", "cow", "pig", "engine", "train", "helicopter", "airplane", "vacuum_cleaner",
                     "washing_machine", "chainsaw", "snoring"], "Bass"),
    **dict.fromkeys(["laughing", "cat", "crying_baby", "hen", "sheep", "frog", "crow"], "Chorus"),
}



#: The musical classes (drums, keys, strings, winds, brass, basses, voices) on their natural slots.
MUSICAL_SLOTS: dict[str, str] = {
    **dict.fromkeys(["hihat_closed", "hihat_open", "crash_cymbal", "ride_cymbal"], "HH"),
    **dict.fromkeys(["snare", "clap_snap", "tambourine_shaker", "woodblock_rim"], "Snare"),
    **dict.fromkeys(["tom", "cowbell", "mallets", "chime_bell", "gong"], "TT"),
    **dict.fromkeys(["kick"], "BD"),
    **dict.fromkeys(["acoustic_piano", "electric_piano_organ", "acoustic_guitar", "electric_guitar",
                     "bowed_strings", "harmonica"], "Piano"),
    **dict.fromkeys(["flute_recorder", "reeds", "saxophone", "brass"], "Wind"),
    **dict.fromkeys(["electric_bass", "double_bass"], "Bass"),
    **dict.fromkeys(["choir_voice"], "Chorus"),
}

#: The original system's table (its classifier's 41 FSDKaggle2018 classes, by their data set's names and the
#: short names ``../shared/DESIGN.md`` gives them), for models that composers train on takes labelled so.
ORIGINAL_SLOTS: dict[str, str] = {
    **dict.fromkeys(["hi_hat", "computer_keyboard", "keys_jangling", "writing", "scissors", "finger_snapping"], "HH"),
    **dict.fromkeys(["knock", "snare_drum", "tearing", "cough", "shatter", "fireworks", "tambourine"], "Snare"),
    **dict.fromkeys(["glockenspiel", "chime", "gong", "cowbell"], "TT"),
    **dict.fromkeys(["gunshot_or_gunfire", "gunshot", "fart", "bass_drum", "drawer_open_or_close", "drawer"], "BD"),
    **dict.fromkeys(["telephone", "harmonica", "electric_piano", "acoustic_guitar", "violin_or_fiddle", "violin"],
                    "Piano"),
    **dict.fromkeys(["saxophone", "trumpet", "clarinet", "oboe", "flute"], "Wind"),
    **dict.fromkeys(["cello", "bark", "bus", "microwave_oven", "burping_or_eructation", "burping", "double_bass"],
                    "Bass"),
    **dict.fromkeys(["laughter", "squeak", "meow", "applause"], "Chorus"),
}

#: Everyday names of drums and instruments, for composers' own labels ("Kick", "Hi-hat open", "Organ"), with the
#: plurals and drum-machine shorthands (SD, OH, CH: BD and HH are slots) that sample folders are named by; a label is
#: matched as written (case, spaces, '-' and '_' aside), so each spelling is a row. Left out for meaning something
#: else too: "keys" (keys jangling, an everyday sound: the original system's HH), "splash", "china", "808".
COMMON_NAMES: dict[str, str] = {
    **dict.fromkeys(["hihat", "closed_hihat", "open_hihat", "hi_hat_closed", "hi_hat_open", "cymbal", "crash",
                     "ride", "shaker", "hihats", "hi_hats", "hat", "hats", "open_hat", "closed_hat", "hat_open",
                     "hat_closed", "open_hi_hat", "closed_hi_hat", "pedal_hihat", "oh", "ch", "cymbals"], "HH"),
    **dict.fromkeys(["clap", "handclap", "snap", "rimshot", "rim", "sd", "snares", "claps", "hand_clap", "handclaps",
                     "snaps", "rim_shot", "rims", "side_stick", "cross_stick"], "Snare"),
    **dict.fromkeys(["toms", "tom_tom", "bell", "bells", "marimba", "xylophone", "vibraphone", "floor_tom",
                     "rack_tom", "high_tom", "mid_tom", "low_tom"], "TT"),
    **dict.fromkeys(["kick", "kick_drum", "kicks"], "BD"),
    **dict.fromkeys(["piano", "organ", "guitar", "strings", "viola", "rhodes"], "Piano"),
    **dict.fromkeys(["sax", "trombone", "horn", "french_horn", "tuba", "bassoon", "brass_section"], "Wind"),
    **dict.fromkeys(["bass", "bass_guitar", "upright_bass", "contrabass", "synth_bass", "sub_bass", "bass_synth"],
                    "Bass"),
    **dict.fromkeys(["voice", "vocal", "vocals", "choir", "singing", "vox", "voices"], "Chorus"),
}

#: The slots' own names as labels: takes sorted into folders named after the slot they are meant for ("HH", "BD")
#: and trained on were left without a slot where no other row had their name (HH, TT, BD, Chorus).
SLOT_NAMES: dict[str, str] = {slot.lower(): slot for slot in SLOTS}

_SHIPPED_MODELS_OWN = {**ESC50_SLOTS, **MUSICAL_SLOTS}
DEFAULT_SLOT_TABLE: dict[str, str] = {
    **_SHIPPED_MODELS_OWN,
    **{label: slot for label, slot in {**ORIGINAL_SLOTS, **COMMON_NAMES, **SLOT_NAMES}.items()
       if label not in _SHIPPED_MODELS_OWN},
}
"""The slot map's default table: ESC-50's everyday classes and the musical classes (the shipped classifier's
labels, first: the editor lists them so), then, for labels of composers' own models, the original system's
classes, everyday names of drums and instruments, and the slots' own names."""


def normalize_label(label: str) -> str:
    """A label as the slot map compares it: case, spaces, hyphens and underscores do not matter.

    (The original system crashed on "Hi-hat" because its table said "hi_hat".)
    """
    return re.sub(r"[\s_\-]+", "_", label.strip().lower())


def canonical_slot(slot: str, spellings: Mapping[str, str] | None = None) -> str:
    """``slot`` as the sampler's default slots spell it ("bass" is "Bass"), else as ``spellings`` (lower-cased
    slot -> its spelling: a table's own slots) spell it, else as given.

    The sampler finds a slot whatever its case, so a row ``Kick: bass`` loads into Bass: the slot map says so
    too, and sums it with the rows that say "Bass". So for a sampler's own slot names: ``thud: kick`` is summed
    with ``boom: Kick``, as one slot."""
    key = slot.lower()
    return SLOT_NAMES.get(key) or (spellings or {}).get(key, slot)


def normalized_table(table: Mapping[Any, Any]) -> dict[str, str]:
    """``table`` (label -> slot) as a slot map and a gate look labels up in it: each label by
    :func:`normalize_label`, each slot by :func:`canonical_slot`, a slot that is none of the default ones as the
    table's first row for it spells it (``boom: Kick``, ``thud: kick``: both "Kick")."""
    spellings: dict[str, str] = {}
    normalized = {}
    for label, slot in table.items():
        spelled = canonical_slot(str(slot), spellings)
        spellings.setdefault(spelled.lower(), spelled)
        normalized[normalize_label(str(label))] = spelled
    return normalized


def slot_scores(scores: Iterable[tuple[str, float]], table: Mapping[str, str]) -> list[tuple[str, float]]:
    """Each slot's probability, best first: the sum over the labels of ``scores`` that ``table`` sends there.

    ``scores`` are (label, probability) pairs, a prediction's top labels; ``table`` maps labels normalised with
    :func:`normalize_label` to slots. Labels not in the table are ignored. A closed hi-hat scored
    hihat_closed 0.45, hihat_open 0.40, dog 0.10 gives [("HH", 0.85), ("Bass", 0.10)]. Equal sums keep the
    order of their best labels.
    """
    totals: dict[str, float] = {}
    for label, probability in scores:
        slot = table.get(normalize_label(label))
        if slot is not None:
            totals[slot] = totals.get(slot, 0.0) + float(probability)
    return sorted(totals.items(), key=lambda item: -item[1])


def unslotted(scores: Iterable[tuple[str, float]], table: Mapping[str, str],
              ranked: Sequence[tuple[str, float]]) -> tuple[list[str], float] | None:
    """None where the labels of ``scores`` with no slot in ``table`` weigh no more than the best slot of ``ranked``
    (:func:`slot_scores`); else those it takes, heaviest first, to outweigh it (the heaviest alone where none has a
    slot), and the sum of all with no slot. Of dog 30%, cat 30%, kick (Bass) 40%, the map said "no slot for dog",
    which alone weighs less than Bass. Run on every prediction: the names are sought only once they outweigh."""
    outside = [(label, float(p)) for label, p in scores if normalize_label(label) not in table]
    weight = sum(p for _, p in outside)
    if ranked and weight <= ranked[0][1]:
        return None
    named: list[str] = []
    running = 0.0
    for label, probability in sorted(outside, key=lambda item: -item[1]):
        named.append(label)
        running += probability
        if not ranked or running > ranked[0][1]:
            break
    return named, weight


def gate_confidence(scores: Sequence[tuple[str, float]], table: Mapping[str, str],
                    judge: str = "label", ranked: Sequence[tuple[str, float]] | None = None) -> tuple[str, float]:
    """What a confidence gate compares with its threshold: (the best label, its probability), or with ``judge``
    "slot" (the best slot and its summed probability, :func:`slot_scores`) when that is more.

    ``scores`` are a prediction's top (label, probability) pairs. The gate node and the model's calibration
    (which reads the gate's threshold off held-out takes) both use this rule, so that they cannot drift apart.
    ``ranked``: ``slot_scores(scores, table)``, when the caller has it already (it is not ranked again).
    """
    if not scores:
        return ("", 0.0)
    best = max(scores, key=lambda item: item[1])
    if judge != "slot":
        return best
    if ranked is None:
        ranked = slot_scores(scores, table)
    return ranked[0] if ranked and ranked[0][1] > best[1] else best


def no_slot_reason(scores: Sequence[tuple[str, float]], table: Mapping[str, str], choose: str = "slot") -> str:
    """Why a slot map choosing by ``choose`` finds no slot for a prediction's ``scores`` (top labels, best first),
    said where a gate's fallback slot takes it: none of its labels has a slot, or (by slot) those with none weigh
    more than the best slot, or (by label) the best label has none. "no slot for its labels" was said of a dog 60%,
    kick 40% too, though kick had a slot."""
    ranked = slot_scores(scores, table)
    if not ranked:
        return "no slot for its labels"
    if choose == "label":
        return f"no slot for its best label, {scores[0][0]}"
    outside = sum(float(p) for label, p in scores if normalize_label(label) not in table)
    slot, probability = ranked[0]
    # As many digits as tell the two apart: 50.4% against 49.6% read "50% against Bass 50%", no outweighing at all.
    digits = next((d for d in range(3) if round(outside * 100, d) != round(probability * 100, d)), 3)
    return (f"its labels with no slot outweigh those with one ({_percent(outside, digits)} against {slot} "
            f"{_percent(probability, digits)})")


def _percent(fraction: float, digits: int) -> str:
    """``fraction`` as a percentage to ``digits`` decimals; never "100%" nor "0%" unless exactly so. A dog at 0.9996
    against HH at 0.0004 read "(100% against HH 0%)": a certainty the classifier never gave. Such a figure gets one
    decimal, and where that still rounds to the bound, ">99.9%" or "<0.1%"."""
    text = f"{fraction * 100:.{digits}f}"
    if 0.0 < fraction < 1.0 and float(text) in (0.0, 100.0):
        text = f"{fraction * 100:.{max(digits, 1)}f}"
        if float(text) == 100.0:
            return ">99.9%"
        if float(text) == 0.0:
            return "<0.1%"
    return f"{text}%"
