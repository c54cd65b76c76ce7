"""The ``recorder_status`` node: tells the phones what became of their web recorder takes (class, confidence, slot).

Data flows one way through a patch: a phone's "what became of my take" cannot come back along a link into the
recorder (a cycle). This sink, linked at the end of the patch, writes into the board the recorder's server reads
(:mod:`exsampling_patch.nodes.web_recorder.status`).
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from exsampling_patch.messages import Prediction, SlotAssignment, Take
from exsampling_patch.node import Input, Node
from exsampling_patch.ports import PREDICTION, SLOT, TAKE


def origin_id(take: Take) -> str:
    """The id of the uploaded take that ``take`` came from (split one-shots keep it in ``origin_take``)."""
    return str(take.meta.get("origin_take") or take.take_id)


#: Takes whose predicted figures are kept for their assignment (the oldest forgotten first).
HEARD_KEPT = 256


class RecorderStatus(Node):
    """Tell the phones what became of their takes: class, confidence and slot (a sink; link results here)."""

    type_name = "recorder_status"
    family = "utility"

    prediction = Input(PREDICTION, "classifier results: the take's class and confidence", multiple=True)
    assigned = Input(SLOT, "slot assignments: the slot the take went to", multiple=True)
    take = Input(TAKE, "processed takes (marks them 'processed', with pitch if known)", multiple=True)

    def start(self) -> None:
        from exsampling_patch.nodes.web_recorder.status import BOARD

        self._board = BOARD
        # take id -> each label's own figure; the take's own id, not its upload's: the one-shots of one upload
        # (onset_split) each have their own, and a one-shot read its sibling's figure for its label
        self._heard: OrderedDict[str, dict[str, float]] = OrderedDict()

    def on_prediction(self, prediction: Prediction) -> None:
        fields: dict[str, Any] = {"status": "classified", "label": prediction.label,
                                  "confidence": round(prediction.confidence, 4)}
        if prediction.reason:
            fields["reason"] = prediction.reason
        self._heard[prediction.take.take_id] = {score.label: score.probability for score in prediction.scores}
        while len(self._heard) > HEARD_KEPT:
            self._heard.popitem(last=False)
        self._update(prediction.take, fields)

    def on_assigned(self, assignment: SlotAssignment) -> None:
        fields: dict[str, Any] = {"status": "assigned", "slot": assignment.slot}
        if assignment.label is not None:
            # The label's own figure where the classifier's was heard, as the console says it: a map choosing slots
            # gives the slot's sum (clap 40% + snare 9%), and "clap snap 49% → Snare" gave it as the clap's.
            own = self._heard.get(assignment.take.take_id, {}).get(assignment.label, assignment.confidence)
            fields.update(label=assignment.label, confidence=round(own, 4))
        self._update(assignment.take, fields)

    def on_take(self, take: Take) -> None:
        fields: dict[str, Any] = {"status": "processed"}
        if "pitch_hz" in take.meta:
            fields["pitch_hz"] = take.meta["pitch_hz"]
        self._update(take, fields)

    def _update(self, take: Take, fields: dict[str, Any]) -> None:
        take_id = origin_id(take)
        current = self._board.get(take_id)
        if current is None:
            return  # not a web recorder's take (a folder or microphone take): nothing to tell
        if current.get("status") in ("assigned",) and fields.get("status") != "assigned":
            fields.pop("status")  # a late 'processed' must not hide the slot the take already went to
        self._board.update(take_id, **fields)
        self.report_status(take=take_id, **{k: v for k, v in fields.items() if k in ("label", "confidence", "slot")})
