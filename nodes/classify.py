"""Classification nodes: a confidence gate and the class-to-slot map; the sound classifier before them is in
:mod:`.sound_classifier`, its names importable from here too."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from exsampling_patch.messages import Prediction, SlotAssignment, Take, gate_reason
from exsampling_patch.node import Input, Node, Output, Param
from exsampling_patch.nodes.slot_rows import (
    SlotTableRows,
    base_table_param,
    chosen_slot,
    judged_confidence,
    table_param,
)
from exsampling_patch.nodes.slot_table import (
    DEFAULT_SLOT_TABLE,
    ESC50_SLOTS,
    MUSICAL_SLOTS,
    SLOTS,
    canonical_slot,
    no_slot_reason,
    normalize_label,
    slot_scores,
)
from exsampling_patch.nodes.sound_classifier import POOLINGS, WINDOWS, SoundClassifier
from exsampling_patch.ports import PREDICTION, SLOT, TAKE
from exsampling_patch.wording import counted

__all__ = ["DEFAULT_SLOT_TABLE", "ESC50_SLOTS", "MUSICAL_SLOTS", "POOLINGS", "SLOTS", "WINDOWS", "ConfidenceGate",
           "SlotMap", "SoundClassifier", "base_table_param", "gate_reason", "judged_confidence", "normalize_label",
           "slot_scores", "table_param"]

#: Meta of a prediction a gate with a ``fallback_slot`` passed: where it goes if the map has no slot for its labels
#: and no ``fallback`` of its own, with the reason :func:`no_slot_reason` gives.
NO_SLOT_FALLBACK = "gate_fallback_slot"

#: Take ids whose prediction the gate rejected before their (pitched) take reached the slot map: ids only.
REJECTED_MEMORY = 10_000


class ConfidenceGate(SlotTableRows, Node):
    """Pass predictions whose best label (or, with judge: slot, best slot) is at least as probable as a
    threshold; the rest go to 'rejected', with why.

    A rejected prediction carries its reason (``reason`` "rejected: not sure (dog 31%)", or "nothing to
    classify: ..."; meta ``gate`` "rejected" and ``gate_reason``), so that a ``recorder_status`` node linked to
    'rejected' tells the phone, and a slot map linked to it stops waiting for the take. With ``fallback_slot``
    set, a take that was classified but not surely enough still goes to that slot: it leaves on 'passed' too,
    marked with meta ``fallback_slot`` (takes with nothing to classify, silence, never replace a slot's sound);
    a passed one is marked with it too (meta ``gate_fallback_slot``), for a map with no slot for its labels.

    With ``judge: slot`` it sums by its own ``table`` and ``base_table``, as the slot map's (the shipped table,
    which its threshold was calibrated with, unless the patch changes it): a patch that changes the map's table
    gives the gate the same rows, so that the two agree on what a slot is (``exsampling check`` warns where not,
    and where such rows move labels that its model's calibrated threshold summed otherwise).
    """

    type_name = "confidence_gate"
    family = "classify"

    prediction = Input(PREDICTION, "predictions to filter", multiple=True)
    passed = Output(PREDICTION, "predictions at or above the threshold; with fallback_slot set, the rejected ones "
                    "that have labels too, marked with meta fallback_slot")
    rejected = Output(PREDICTION, "predictions below it, and takes with nothing to classify, each with its reason: "
                      "link to slot_map.rejected and to recorder_status.prediction")

    threshold = Param(float, 0.4, "the least probability of what is judged", minimum=0.0, maximum=1.0)
    judge = Param(str, "label", "label: the best label's probability; slot: the best slot's, the sum over the "
                  "top labels that its table sends there (a hi-hat heard as partly closed, partly open is sure of HH)",
                  choices=("label", "slot"))
    fallback_slot = Param(str, "", "slot that takes rejected as 'not sure' still go to (through 'passed', marked "
                          "for the slot map), and passed ones whose labels have no slot where the map has no "
                          "fallback; empty: none")
    base_table = base_table_param("with judge: slot, as the slot map's: ")
    table = table_param("with judge: slot, the slots summed, as the slot map's table (give it the map's rows): ")

    #: The table judged by, normalised once (an edit of the table rebuilds the node): by start(), or by the first
    #: prediction of a gate never started (a subclass whose start() does not call this one's, a test).
    _table: dict[str, str] | None = None

    def start(self) -> None:
        self._table = self._judged_table()

    def _judged_table(self) -> dict[str, str]:
        # The table matters only to judge: slot; with the shipped rows it is the rule the threshold was fitted with.
        return self.label_table() if self.judge == "slot" else DEFAULT_SLOT_TABLE

    def on_prediction(self, prediction: Prediction) -> None:
        table = self._table
        if table is None:
            table = self._table = self._judged_table()
        why = gate_reason(prediction, self.threshold, judged_confidence(prediction, self.judge, table))
        self.report_status(take=prediction.take.take_id, label=prediction.label or "nothing",
                           confidence=prediction.confidence, passed=why is None, **({"reason": why} if why else {}))
        if why is None:
            if self.fallback_slot and prediction.scores:
                # Its labels may have no slot: the map sends it here then, unless it has a fallback of its own.
                prediction = Prediction(prediction.take.derive(meta={NO_SLOT_FALLBACK: self.fallback_slot}),
                                        prediction.scores, prediction.reason)
            self.emit("passed", prediction)
            return
        meta: dict[str, Any] = {"gate": "rejected", "gate_reason": why}
        fallback = self.fallback_slot if prediction.scores else ""
        if not why.startswith("error in "):  # an error is its own fate, told where it happened
            self.tell_fate(prediction, "rejected", f"rejected: {why}")
        if fallback:
            meta["fallback_slot"] = fallback
        told = Prediction(prediction.take.derive(meta=meta), prediction.scores,
                          f"rejected: {why}" if prediction.scores else why)
        self.emit("rejected", told)
        if fallback:
            self.emit("passed", told)


class SlotMap(SlotTableRows, Node):
    """Turn a prediction into a sampler slot with an editable class-to-slot table.

    By default the slot whose labels sum the highest probability over the prediction's top labels wins
    (``choose: slot``: hihat_closed 0.45 + hihat_open 0.40 make HH 0.85, against dog 0.5 for Bass), and the
    assignment's confidence is that sum; ``choose: label`` takes the best label's slot. A prediction the gate
    marked with meta ``fallback_slot`` goes to that slot.

    With its ``take`` input linked, each assignment carries that version of its take (joined to the
    prediction by take id), so that processing the slot needs, such as pitch, can run beside the
    classifier instead of before it. Takes and predictions whose other half has not come yet are held (an edit of
    the map's parameters keeps them: the rebuilt map goes on with them), none dropped while its other half may still
    come: link the gate's 'rejected' output to the ``rejected`` input so that the takes whose predictions the gate
    keeps back are let go. Past ``max_waiting`` held, the node warns (its
    status's ``warning``: a line on the console, not an error), until the backlog has cleared; takes a source
    recovered from the last run (meta ``recovered``) are not counted: a restart's known backlog, not an overload.
    One whose take has ended (nothing more of it in flight) is forgotten at the next hold: its end told where it was
    left waiting; so is the gate's rejection of a take that ended before reaching 'take', at the next rejection.

    ``table`` lists changes to the shipped table (a row replaces the shipped row of its label, an empty value
    removes one, the other rows stay); with ``base_table: empty`` it is the patch's rows alone.
    """

    type_name = "slot_map"
    family = "classify"

    prediction = Input(PREDICTION, "predictions whose labels pick the slot (one marked with meta fallback_slot "
                       "goes there)", multiple=True)
    rejected = Input(PREDICTION, "optional: the gate's rejected predictions: their takes are not waited for",
                     multiple=True)
    take = Input(TAKE, "optional: the same takes after other processing (pitch), joined by take id", multiple=True)
    needs = {"take": "prediction"}
    slot = Output(SLOT, "the take assigned to its slot")
    unmapped = Output(PREDICTION, "predictions whose labels are not in the table")

    base_table = base_table_param()
    table = table_param()
    choose = Param(str, "slot", "slot: the slot whose labels sum the highest probability over the top labels; "
                   "label: the slot of the best label", choices=("slot", "label"))
    fallback = Param(str, "", "slot for labels not in the table; empty: send them to 'unmapped'")
    max_waiting = Param(int, 8, "takes (or predictions) held for their other half, with the take input linked, "
                        "before the node warns (none is dropped; takes recovered from the last run not counted)",
                        minimum=1, maximum=1000)

    #: Whether the table is normalised and the held takes' stores made (:meth:`_begin`): by start(), or by the first
    #: message of a map never started (a subclass whose start() does not call this one's, a test), as the gate's.
    _begun = False
    _table: dict[str, str]
    _spellings: dict[str, str]
    _takes: OrderedDict[str, Take]
    _predictions: OrderedDict[str, Prediction]
    _rejected: OrderedDict[str, tuple[str, str]]
    _warned: bool
    #: What the map an edit rebuilt this one from held (:meth:`handover`), for :meth:`_begin`.
    _handed: dict[str, OrderedDict[str, Any]] = {}

    def start(self) -> None:
        self._begin()

    def handover(self) -> dict[str, OrderedDict[str, Any]] | None:
        """What the map built in this one's place by an edit (of its table, its fallback) goes on with: the takes and
        predictions held for their other half, and the rejections whose take has not come, each to be mapped by the
        edit's table. Left behind, each take held ended 'left waiting' and its other half found nothing there."""
        if not self._begun:
            return None
        return {"takes": self._takes, "predictions": self._predictions, "rejected": self._rejected}

    def take_over(self, handed: dict[str, OrderedDict[str, Any]]) -> None:
        self._handed = handed

    def _begin(self) -> None:
        self._table = self.label_table()  # normalised once: an edit of the table rebuilds the node
        # the table's slots by their lower case: a fallback "kick" is the table's "Kick", as the sampler loads it
        self._spellings = {slot.lower(): slot for slot in self._table.values()}
        handed, self._handed = self._handed, {}
        self._takes = handed.get("takes", OrderedDict())
        self._predictions = handed.get("predictions", OrderedDict())
        # take id -> the gate's reason and the id the take's source emitted it under; its take not come yet
        self._rejected = handed.get("rejected", OrderedDict())
        self._warned = False
        self._begun = True
        if self._takes or self._predictions:  # held by the map this one replaces: still held here (the ledger's too)
            self._check_waiting()

    def on_take(self, take: Take) -> None:
        if not self._begun:
            self._begin()
        prediction = self._predictions.pop(take.take_id, None)
        if prediction is not None:
            self.let_go_take(prediction)
            self._map(prediction, take)
            self._check_waiting()
            return
        rejected = self._rejected.pop(take.take_id, None)
        if rejected is not None:
            self._let_go(take.take_id, rejected[0])
            return
        self._hold(self._takes, take.take_id, take)

    def on_prediction(self, prediction: Prediction) -> None:
        if not self._begun:
            self._begin()
        if not self.is_linked("take"):
            self._map(prediction, prediction.take)
            return
        take = self._takes.pop(prediction.take.take_id, None)
        if take is None:
            self._hold(self._predictions, prediction.take.take_id, prediction)
        else:
            self.let_go_take(take)
            self._map(prediction, take)
            self._check_waiting()

    def on_rejected(self, prediction: Prediction) -> None:
        if not self._begun:
            self._begin()
        if prediction.take.meta.get("fallback_slot"):
            return  # the gate sends it on 'passed' as well: it comes to 'prediction', for its fallback slot
        take_id = prediction.take.take_id
        why = str(prediction.take.meta.get("gate_reason") or prediction.reason or "rejected")
        held = self._takes.pop(take_id, None)
        if held is not None:
            self.let_go_take(held)
        if not self.is_linked("take") or held is not None:
            self._let_go(take_id, why)
            return
        self._forget_ended_rejections()
        # Its take has not come yet: it will not be held when it does. The id its source emitted it under is kept
        # beside the reason, to ask whether the take is still in flight (ids only: no samples kept).
        self._rejected[take_id] = (why, str(prediction.take.meta.get("origin_take") or take_id))
        while len(self._rejected) > REJECTED_MEMORY:
            self._rejected.popitem(last=False)

    def _let_go(self, take_id: str, why: str) -> None:
        self.report_status(take=take_id, slot="", rejected=why, waiting=len(self._takes) + len(self._predictions))
        self._check_waiting()

    def _hold(self, waiting: OrderedDict[str, Any], take_id: str, item: Any) -> None:
        self._forget_ended()
        waiting[take_id] = item
        # Should nothing more of the take be in flight (the classifier or the pitch not linked), it ended here. The
        # reason reads as its end ("dropped: left waiting in map for its prediction") and in a Stop's summary ("1 take
        # kept by 'map' (left waiting ...)"): ", which never came" there was no truth, its other half cut off.
        half = "its take" if waiting is self._predictions else "its prediction"
        self.hold_take(item, f"left waiting in {self.node_id} for {half}")
        self.report_status(take=take_id, waiting=len(self._takes) + len(self._predictions))
        self._check_waiting()

    def _forget_ended(self) -> None:
        """Drop what is held for a take that has ended: nothing more of it is in flight, so its other half will never
        come (a partly linked patch: no prediction ever reaches 'prediction'). Kept, a long show's held takes only
        grew. Its end already said where it was left waiting."""
        for held in (self._takes, self._predictions):
            for take_id in [take_id for take_id, item in held.items() if not self.take_in_flight(item)]:
                del held[take_id]

    def _forget_ended_rejections(self) -> None:
        """Drop the rejections whose take has ended without reaching 'take' (dropped on the take's branch): it never
        will. Kept, they stayed until REJECTED_MEMORY newer ones pushed them out."""
        for take_id in [take_id for take_id, (_, origin) in self._rejected.items() if not self.take_in_flight(origin)]:
            del self._rejected[take_id]

    def _check_waiting(self) -> None:
        """Warn once each time more than ``max_waiting`` takes or predictions are held; none is dropped. Said again
        only once the backlog has cleared: a burst hovering at the limit is one warning, not one each crossing.

        A warning (the status's ``warning``), not a node error: nothing failed and no take is lost, each still ends
        with its own fate. As an error it ended a 64-phone burst with "nodes with errors: map (1)"."""
        # Takes recovered from the last run (a restart with 9 stored, not done) come at start all at once, as their
        # classifier begins: a known backlog, not a sign of one overloaded. Counted, every such restart warned.
        takes = sum(not _recovered(take) for take in self._takes.values())
        predictions = sum(not _recovered(prediction.take) for prediction in self._predictions.values())
        recovered = len(self._takes) + len(self._predictions) - takes - predictions
        over = max(takes, predictions) > self.max_waiting
        if over and not self._warned:
            # The hint only where it helps: with 'rejected' linked, a backlog is a burst the classifier works through.
            hint = "" if self.is_linked("rejected") else (
                ". A take whose prediction the gate rejected is let go only with the gate's 'rejected' linked to this "
                "node's 'rejected'")
            besides = f" (besides {recovered} from the last run)" if recovered else ""
            # Only the side that waits: "and 0 predictions for their takes" told a performer nothing but a puzzle.
            waiting = [f"{counted(count, noun)} {'waits' if count == 1 else 'wait'} for "
                       f"{'its' if count == 1 else 'their'} {other if count == 1 else other + 's'}"
                       for count, noun, other in ((takes, "take", "prediction"), (predictions, "prediction", "take"))
                       if count]
            self.report_status(warning=(
                f"{' and '.join(waiting)}{besides}, more than max_waiting ({self.max_waiting}); all are kept{hint}"))
        elif self._warned and not (takes or predictions):
            self.report_status(warning="")  # the backlog has cleared
        if over or not (takes or predictions):
            self._warned = over

    def _map(self, prediction: Prediction, take: Take) -> None:
        if take is not prediction.take:  # the joined take, with what the classifier and gate noted in its meta
            take = take.derive(meta={k: v for k, v in prediction.take.meta.items() if k not in take.meta})
            prediction = Prediction(take, prediction.scores, prediction.reason)
        fallback_slot = take.meta.get("fallback_slot")
        slot: str | None
        if fallback_slot:
            slot = canonical_slot(str(fallback_slot), self._spellings)
            label, confidence, named = prediction.label, prediction.confidence, prediction.label
        else:
            chosen, label, confidence, named = chosen_slot(prediction, self._table, self.choose)
            slot = chosen or canonical_slot(self.fallback, self._spellings) or None
            if slot is None and take.meta.get(NO_SLOT_FALLBACK):
                # Passed by the gate, yet no slot here: the gate's fallback slot takes it, as one it turned down.
                fallback_slot = str(take.meta[NO_SLOT_FALLBACK])
                slot = canonical_slot(fallback_slot, self._spellings)
                why = no_slot_reason([(s.label, s.probability) for s in prediction.scores], self._table, self.choose)
                take = take.derive(meta={"fallback_slot": fallback_slot, "gate_reason": why})
        if slot is None:
            self.report_status(take=take.take_id, label=label or "nothing", slot="")
            self.tell_fate(take, "dropped", f"no slot for {named or 'it'}")
            self.emit("unmapped", prediction)
            return
        extra: dict[str, Any] = {"rejected": take.meta["gate_reason"]} if fallback_slot and "gate_reason" in take.meta \
            else {}
        # The label's figure is the classifier's; the slot's (its labels summed, what choose: slot went by) is said
        # as the slot's, as a gate judging slots words it: "snare 95%" beside the classifier's "snare 88%" read as
        # two confidences for one label.
        own = next((score.probability for score in prediction.scores if score.label == label), confidence)
        if own != confidence:
            extra["slot_confidence"] = confidence
        self.report_status(take=take.take_id, label=label or "nothing", slot=slot, confidence=own, **extra)
        self.emit("slot", SlotAssignment(slot, take, label, confidence))


def _recovered(take: Take) -> bool:
    """Whether a source passed ``take`` on again at this start (stored, not done, before the last run ended)."""
    return bool(take.meta.get("recovered"))
