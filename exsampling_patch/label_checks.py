"""Warnings of ``exsampling check`` (and of ``run`` at its start) about a classifier's labels and the table of the
slot map it feeds, the labels read from the model file's header (no torch):

- a model of the composer's own (``exsampling train``) with labels the map has no slot for, and no fallback (its
  own, or the ``fallback_slot`` of a gate every way to it passes):
  ``train`` names them before it trains, but the patch is written later; check said "ok", and each take heard
  as one of them went to the map's 'unmapped' output, in no slot, told only take by take;
- a row of the patch's table (a slot map's, or a gate's judging slots) whose label the model never gives
  (``dgo: Chorus``): it changes nothing, and check said "ok" while the dog still went to Bass;
- two rows of a table for one label spelt differently (``kick: Bass``, ``KICK: Snare``): the later won, without a
  word (:func:`same_label_warnings`);
- a confidence gate judging slots by a table other than the slot map's it feeds (:func:`gate_table_warnings`):
  the two disagreed on what a slot is, and takes the map was sure of were rejected.

Warnings, not problems: a label left out on purpose (a "noise" class that should load nothing), or a row kept
for another model, is a patch that runs as meant.
"""

from __future__ import annotations

import difflib
import functools
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from exsampling_patch.context import patch_path
from exsampling_patch.errors import Problem
from exsampling_patch.param_values import value_in_effect
from exsampling_patch.patch import Patch
from exsampling_patch.patch_hints import invisible_character
from exsampling_patch.patchfile import SourceMap
from exsampling_patch.ports import PREDICTION
from exsampling_patch.registry import Registry
from exsampling_patch.slot_takers import default_slots, slot_takers_fed, slots_of
from exsampling_patch.wording import counted
from exsampling_patch.yaml_syntax import quoting_hint


def label_warnings(patch: Patch, registry: Registry, source: SourceMap) -> list[Problem]:
    """Both warnings, for every classifier whose model's labels can be read and the slot maps it feeds; the rows
    warning for the gates judging slots it feeds too (their rows sum the slots the threshold judges)."""
    # A patch not read from a file (the editor's SourceMap()) has no folder to take a relative model path from.
    base_dir = Path(source.file).resolve().parent if Path(source.file).is_file() else None
    models: dict[str, list[str] | None] = {}  # classifier -> its model's labels (None: not known)
    feeding: dict[str, list[str]] = {}  # slot map or gate -> the classifiers that feed it
    warnings: list[Problem] = []
    for node_id, spec in patch.nodes.items():
        if spec.type != "classifier":
            continue
        labels = models[node_id] = _model_labels(spec.params.get("model"), base_dir)
        fed = _fed(patch, registry, node_id, kinds=("slot_map", "confidence_gate"))
        for table_id in fed:
            feeding.setdefault(table_id, []).append(node_id)
        if labels and spec.params.get("model"):
            # A map fed only past gates with a fallback_slot: that slot takes what the map has none for, as its own
            # fallback would (the map sends a passed prediction there since f6994f9).
            maps = _fed(patch, registry, node_id, around=_fallback_gates(patch, registry))
            missing = {map_id: _without_slot(patch, registry, map_id, labels) for map_id in maps}
            shown = {map_id: _row_slot(patch, registry, map_id, left[0]) for map_id, left in missing.items() if left}
            warnings += _unmapped(source, node_id, labels, missing, shown)
    for table_id, classifiers in feeding.items():
        heard = [models[node_id] for node_id in classifiers]
        if all(heard):
            warnings += _unknown_rows(patch, registry, source, table_id, classifiers,
                                      sorted({label for labels in heard for label in labels or ()}))
    return warnings


def _unmapped(source: SourceMap, node_id: str, labels: list[str], missing_in: dict[str, list[str]],
              example: dict[str, str]) -> list[Problem]:
    """The maps ``node_id`` feeds with no slot for some of its own model's labels (``missing_in``: map -> those
    labels), and no ``fallback``; on the ``model`` line. ``example``: map -> the slot its row for the first is shown
    with."""
    warnings = []
    for map_id, missing in missing_in.items():
        if not missing:
            continue
        named = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        one = len(missing) == 1  # "1 of the 5 labels ... have no slot ... give them rows"
        row = f"{_as_key(missing[0])}: {example.get(map_id, 'Snare')}{'' if one else ', ...'}"
        # "1 of the 1 label of its model has no slot" of a model of one label
        which = ("the only label of its model" if len(labels) == 1
                 else f"{len(missing)} of the {counted(len(labels), 'label')} of its model")
        warnings.append(Problem(
            f"node '{node_id}': {which} {'has' if one else 'have'} no slot in the table of '{map_id}', which has no "
            f"fallback: {named}",
            source.file, source.node_line(node_id, "params", "model") or source.node_line(node_id),
            hint=f"takes heard as {'it' if one else 'them'} go to its 'unmapped' output, in no slot: give "
            f"{'it a row' if one else 'them rows'} in its table ({row}) or set its fallback",
        ))
    return warnings


def _as_key(label: str) -> str:
    """``label`` as a table row's key is written for YAML to read it back as that text: in quotes where it would read
    otherwise (the row shown as ``on: Snare`` was the row true: YAML reads on, yes, no, off as true or false)."""
    try:
        read = yaml.safe_load(f"{label}: 0")
    except yaml.YAMLError:
        read = None
    return label if isinstance(read, dict) and list(read) == [label] else "'" + label.replace("'", "''") + "'"


def _unknown_rows(patch: Patch, registry: Registry, source: SourceMap, map_id: str, classifiers: list[str],
                  labels: list[str]) -> list[Problem]:
    """The rows of ``map_id``'s own ``table`` (a slot map's, or a gate's judging slots) that none of ``labels`` (what
    its classifiers' models give) matches, as the node matches them (case, spaces, '-' and '_' aside); on the row's
    line."""
    spec = patch.nodes[map_id]
    rows = spec.params.get("table")
    if not isinstance(rows, dict) or not rows:
        return []
    if spec.type == "confidence_gate" and value_in_effect(patch, registry, map_id, "judge") != "slot":
        return []  # judging the best label alone, it reads no table
    # The node itself says which row a label meets: one of these rows alone, each row sending to its own name.
    matcher = _built_node(patch, registry, map_id, {"base_table": "empty", "table": {str(k): str(k) for k in rows}})
    slot_for = getattr(matcher, "slot_for", None)
    if slot_for is None:
        return []
    # Case aside: the node spells a row's name as a slot (a row 'hh' reads as the slot HH, 'kick' as a row 'Kick' before
    # it), and a row is met whatever the case its name comes back in.
    met = {str(slot_for(label)).lower() for label in labels}
    whose = f"the model of '{classifiers[0]}'" if len(classifiers) == 1 else \
        f"the models of {', '.join(repr(c) for c in classifiers)}"
    warnings = []
    for row in rows:
        if str(row).lower() in met:
            continue
        # A suggestion only: the map's own rule decided above that nothing matches.
        spelled = {label.lower().replace(" ", "_").replace("-", "_"): label for label in labels}
        close = [spelled[c] for c in difflib.get_close_matches(
            str(row).strip().lower().replace(" ", "_").replace("-", "_"), list(spelled), n=1, cutoff=0.65)]
        line = source.node_line(map_id, "params", "table", row) or source.node_line(map_id)
        # 'dog' with a zero-width space after it was "did you mean 'dog'?", nothing said what differed.
        unseen = invisible_character(str(row), source.line_text(line))
        # `yes: Bass` is the row True to YAML: "row 'True' is no label" did not say that quotes make it the label yes
        unquoted = quoting_hint("str", row) if not isinstance(row, str) else ""
        # ... and the row is named as the file writes it, with what YAML read it as: "row 'True'" is in no file
        written = source.line_text(line).split(":", 1)[0].strip() if unquoted else ""
        read_as = (str(row).lower() if isinstance(row, bool) else f"the number {row}") if unquoted else ""
        named = f"{written or row} (to YAML, unquoted, {read_as})" if unquoted else f"'{row}'"
        warnings.append(Problem(
            f"node '{map_id}': table row {named} is no label of {whose}, so it changes nothing"
            + (f": did you mean '{close[0]}'?" if close and not unquoted else ""),
            source.file, line, unseen and unseen[1], hint=unseen[0] if unseen else unquoted or ("" if close else
            f"its labels: {', '.join(labels[:8])}" + (f" and {len(labels) - 8} more" if len(labels) > 8 else "")),
        ))
    return warnings


def same_label_warnings(patch: Patch, registry: Registry, source: SourceMap) -> list[Problem]:
    """A warning, on the later row's line, for each two rows of a slot table (a slot map's, a gate's judging slots)
    that are one label as the node reads them (case, spaces, '-' and '_' aside: ``kick: Bass``, ``KICK: Snare``) and
    send it to different slots: the later row won, and the earlier changed nothing, without a word."""
    warnings: list[Problem] = []
    for node_id, spec in patch.nodes.items():
        rows = spec.params.get("table")
        if not isinstance(rows, dict) or len(rows) < 2:
            continue
        if spec.type == "confidence_gate" and value_in_effect(patch, registry, node_id, "judge") != "slot":
            continue  # judging the best label alone, it reads no table
        # The node itself says which rows are one label: each row sending to its own number, the one that won
        # answers for them all.
        written = [(str(row), str(slot)) for row, slot in rows.items()]
        matcher = _built_node(patch, registry, node_id, {"base_table": "empty",
                                                          "table": {row: str(n) for n, (row, _) in enumerate(written)}})
        slot_for = getattr(matcher, "slot_for", None)
        if slot_for is None:
            continue
        lost: dict[int, list[int]] = {}  # the row that won -> the earlier rows of its label, of other slots
        for n, (row, _) in enumerate(written):
            won = slot_for(row)
            if won is not None and won.isdigit() and int(won) != n and \
                    written[n][1].lower() != written[int(won)][1].lower():  # the sampler finds a slot in any case
                lost.setdefault(int(won), []).append(n)
        for won, earlier in lost.items():
            row, slot = written[won]
            others = [written[n] for n in earlier]
            named = ", ".join(f"'{other}'" for other, _ in others)
            warnings.append(Problem(
                f"node '{node_id}': table rows {named} and '{row}' are one label (case, spaces, '-' and '_' do not "
                f"matter): the later, '{row}: {slot}', wins, and "
                + ", ".join(f"'{other}: {other_slot}'" for other, other_slot in others)
                + f" change{'s' if len(others) == 1 else ''} nothing",
                source.file, source.node_line(node_id, "params", "table", row)
                or source.node_line(node_id, "params", "table") or source.node_line(node_id),
                hint="keep the row of the slot meant and remove the other" + ("s" if len(others) > 1 else ""),
            ))
    return warnings


def gate_table_warnings(patch: Patch, registry: Registry, source: SourceMap) -> list[Problem]:
    """A warning, on the gate's line, for each confidence gate judging slots (``judge: slot``) whose table in effect
    differs from that of a slot map its 'passed' feeds: it summed by the shipped table while the map chose by the
    patch's, and a take the map would give HH 80% was rejected as "not sure (hihat_closed 40%)"."""
    warnings: list[Problem] = []
    for gate_id, spec in patch.nodes.items():
        for map_id in _fed(patch, registry, gate_id, "passed") if spec.type == "confidence_gate" else ():
            warning = gate_table_warning(patch, registry, source, gate_id, map_id)
            warnings += [warning] if warning is not None else []
    return warnings


def gate_table_warning(patch: Patch, registry: Registry, source: SourceMap, gate_id: str,
                       map_id: str) -> Problem | None:
    """:func:`gate_table_warnings`' warning of the gate ``gate_id`` and the slot map ``map_id`` it feeds, or None."""
    gate = _built_node(patch, registry, gate_id, patch.nodes[gate_id].params)
    gate_table = getattr(gate, "slot_table", None)
    if gate_table is None or getattr(gate, "judge", None) != "slot":
        return None  # judging the best label alone, it sums by no table
    judged = gate_table()
    slot_map = _built_node(patch, registry, map_id, patch.nodes[map_id].params)
    map_table = getattr(slot_map, "slot_table", None)
    if map_table is None:
        return None
    chosen = map_table()
    # Slots compared as the sampler finds them, case aside: 'dog: kick' here and 'dog: Kick' there agree.
    rows = [label for label in {**chosen, **judged}
            if (chosen.get(label) or "").lower() != (judged.get(label) or "").lower()]
    if not rows:
        return None
    named = "; ".join(f"{label}: {chosen.get(label) or 'no slot'} in '{map_id}', "
                      f"{judged.get(label) or 'no slot'} here" for label in rows[:4])
    named += f"; and {len(rows) - 4} more" if len(rows) > 4 else ""
    base, first = getattr(slot_map, "base_table", None), rows[0]
    same = f"base_table ({base}) and table rows as '{map_id}'" if base != getattr(gate, "base_table", None) \
        else f"rows as '{map_id}' in its table, {first}: {chosen.get(first) or repr('')}, ..."
    return Problem(
        f"node '{gate_id}': it judges slots by a table that differs from the one '{map_id}' chooses by, in "
        f"{counted(len(rows), 'row')}: {named}",
        source.file, source.node_line(gate_id),
        hint=f"give the gate the same {same}: its threshold then judges the slots the map picks",
    )


#: A gate's threshold within this of its model's calibrated one is taken as that one (the default patch's 0.45 is
#: the shipped model's 0.454, rounded); another is the composer's own, chosen for their table.
CALIBRATED_WITHIN = 0.005


def gate_calibration_warnings(patch: Patch, registry: Registry, source: SourceMap) -> list[Problem]:
    """A warning, on the gate's ``threshold`` line, for each confidence gate judging slots with the threshold its
    classifier's model was calibrated with (``gate_threshold`` in the model file, read off held-out takes summed by
    the shipped slot table) while its own table sends some of the model's labels to other slots: the sums it
    compares are no longer the ones calibrated, and the model card's figures (how many takes pass, how many of those
    land right) no longer hold. The model file carries the threshold, not the held-out takes: it cannot be
    calibrated again for the patch's table here, so the composer is told, and a threshold of their own is theirs."""
    warnings: list[Problem] = []
    for clf_id, spec in patch.nodes.items():
        for gate_id in _fed(patch, registry, clf_id, kinds=("confidence_gate",)) if spec.type == "classifier" else ():
            warning = gate_calibration_warning(patch, registry, source, clf_id, gate_id)
            warnings += [warning] if warning is not None else []
    return warnings


def gate_calibration_warning(patch: Patch, registry: Registry, source: SourceMap, classifier_id: str,
                             gate_id: str) -> Problem | None:
    """:func:`gate_calibration_warnings`' warning of the gate ``gate_id`` fed by the classifier ``classifier_id``
    (``exsampling classify --patch`` tells it of the chain it runs), or None."""
    base_dir = Path(source.file).resolve().parent if Path(source.file).is_file() else None
    labels, calibration, _ = _model_header(patch.nodes[classifier_id].params.get("model"), base_dir) or \
        _Header((), None, None)
    if calibration is None or calibration.judge != "slot":
        return None  # no calibration, or one of the best label alone: no table in it
    gate = _built_node(patch, registry, gate_id, patch.nodes[gate_id].params)
    threshold = getattr(gate, "threshold", None)
    if getattr(gate, "judge", None) != "slot" or not isinstance(threshold, float) or \
            abs(threshold - calibration.threshold) > CALIBRATED_WITHIN:
        return None
    # The gate's own rule reads both tables: the one calibrated with, and its own.
    rows = {"base_table": "empty", "table": dict(calibration.table)} if calibration.table is not None \
        else {"base_table": "shipped", "table": {}}
    calibrated = _built_node(patch, registry, gate_id, {"judge": "slot", **rows})
    if calibrated is None:
        return None
    moved = [(label, then, now) for label, then, now in zip(labels, calibrated.slots_for(labels),
                                                            gate.slots_for(labels), strict=True) if then != now]
    if not moved:
        return None
    by = "the shipped table" if calibration.table is None else "the table in the model file"
    named = "; ".join(f"{label}: {now or 'no slot'} here, {then or 'no slot'} when calibrated"
                      for label, then, now in moved[:4]) + (f"; and {len(moved) - 4} more" if len(moved) > 4 else "")
    return Problem(
        f"node '{gate_id}': its threshold, {threshold:g}, is the one the model of '{classifier_id}' was calibrated "
        f"with ({calibration.threshold:g}, slots summed by {by}), but its table sends {len(moved)} of the model's "
        f"labels elsewhere: {named}",
        source.file, source.node_line(gate_id, "params", "threshold") or source.node_line(gate_id),
        hint="the slots it sums are not the calibrated ones, so how many takes pass, and how many of those land "
        "right, are not the model card's: try takes of the piece with `.venv/bin/exsampling classify --patch` and set "
        f"the threshold that suits them (one other than {threshold:g} is taken as yours)",
    )


def span_warnings(patch: Patch, registry: Registry, source: SourceMap) -> list[Problem]:
    """A warning, on its ``max_seconds`` line (its ``model``'s, for the default), for each classifier that scores a span
    of each take other than the one its model's head was trained on (``span_seconds`` in the model file; 5 s in
    files written before it was recorded): since 3039502a the node scores the loudest 3.84 s, and a model trained on
    5 s by then was scored on 3.84 s without a word, reading inputs it was never fitted on."""
    from exsampling_patch.models.features import CLASSIFIED_SECONDS, scores_other_span

    base_dir = Path(source.file).resolve().parent if Path(source.file).is_file() else None
    warnings: list[Problem] = []
    for node_id, spec in patch.nodes.items():
        if spec.type != "classifier" or spec.type not in registry:
            continue
        header = _model_header(spec.params.get("model"), base_dir)
        scored = value_in_effect(patch, registry, node_id, "max_seconds")
        trained = header.span if header is not None else None
        if not isinstance(scored, float | int) or not trained or not scores_other_span(scored, trained):
            continue  # 0: the whole take, as no trainer trains; an unread model is told of elsewhere
        model = spec.params.get("model")
        named = f"its model '{model}'" if model else "the shipped model"
        # retrained, it fits the default span; the shipped model is not the composer's to retrain
        retrain = ", or retrain it: `.venv/bin/exsampling train` trains on the loudest " \
            f"{CLASSIFIED_SECONDS:g} s" if model and not scores_other_span(scored, CLASSIFIED_SECONDS) else ""
        warnings.append(Problem(
            f"node '{node_id}': it scores each take's loudest {scored:g} s, and {named} was trained on the loudest "
            f"{trained:g} s: its head reads a span it was not trained on, and takes are misheard more often",
            source.file, _span_line(source, node_id, "max_seconds" in spec.params),
            hint=f"set max_seconds: {trained:g} for this model{retrain}",
        ))
    return warnings


def _span_line(source: SourceMap, node_id: str, written: bool) -> int | None:
    """The line of a classifier's ``max_seconds``; the default's is its ``model``'s, the other side of the mismatch
    (a key the file lacks gives its ``params`` line, which names neither)."""
    return (source.node_line(node_id, "params", "max_seconds" if written else "model")
            or source.node_line(node_id))


class _Calibration(NamedTuple):
    """The gate calibration a model file carries (``meta``: ``gate_threshold``, ``gate_judge``, ``gate_table``)."""

    threshold: float
    judge: str
    table: tuple[tuple[str, str], ...] | None  # label -> slot it was calibrated with; None: the shipped table's rows


def _model_labels(model: Any, base_dir: Path | None) -> list[str] | None:
    """The labels of a classifier's ``model`` (the shipped model's where empty); None where not known (not there,
    no model file, or a relative path with no patch folder to take it from)."""
    header = _model_header(model, base_dir)
    return (list(header[0]) or None) if header is not None else None


def _model_header(model: Any, base_dir: Path | None) -> _Header | None:
    """The labels, the gate calibration and the trained span of a classifier's ``model`` (the shipped model's where
    empty), read from its header; None where not known, as :func:`_model_labels`."""
    from exsampling_patch.models.model_header import SHIPPED_MODEL

    if not model:
        path = SHIPPED_MODEL
    elif not isinstance(model, str) or (base_dir is None and not Path(model).expanduser().is_absolute()):
        return None
    else:
        path = patch_path(model, base_dir or Path.cwd())
    try:
        stat = path.stat()
    except OSError:
        return None
    return _header(str(path), stat.st_mtime_ns, stat.st_size)


def _built_node(patch: Patch, registry: Registry, node_id: str, params: dict[str, Any]) -> Any:
    """A node of ``node_id``'s type (a slot map, a gate) built with ``params``, or None where it cannot be (its
    parameters' problems are told on them)."""
    spec = patch.nodes[node_id]
    if spec.type not in registry:
        return None
    try:
        return registry.get(spec.type)(node_id, params)
    except Exception:
        return None


def _fed(patch: Patch, registry: Registry, node_id: str, output: str = "",
        kinds: tuple[str, ...] = ("slot_map",), around: frozenset[str] = frozenset()) -> list[str]:
    """The nodes of ``kinds`` whose 'prediction' input ``node_id``'s predictions (those of its ``output``, where
    given) reach, along prediction links (a gate's 'passed'; its 'rejected' goes to a map's 'rejected', which picks
    no slot). A slot map ends the way; any other node (a gate) passes predictions on, but those of ``around``."""
    seen, todo, found = {node_id}, [node_id], []
    while todo:
        at = todo.pop()
        for link in patch.links:
            target = patch.nodes.get(link.target.node)
            source = patch.nodes.get(link.source.node)
            if link.source.node != at or target is None or source is None or source.type not in registry:
                continue
            if output and at == node_id and link.source.port != output:
                continue
            port = registry.get(source.type).outputs.get(link.source.port)
            if port is None or port.type != PREDICTION:
                continue
            if target.type in kinds and link.target.port == "prediction" and link.target.node not in found:
                found.append(link.target.node)
            if target.type != "slot_map" and link.target.node not in seen | around:
                seen.add(link.target.node)
                todo.append(link.target.node)
    return found


def _fallback_gates(patch: Patch, registry: Registry) -> frozenset[str]:
    """The confidence gates with a ``fallback_slot`` (in effect)."""
    return frozenset(node_id for node_id, spec in patch.nodes.items() if spec.type == "confidence_gate"
                     and spec.type in registry and value_in_effect(patch, registry, node_id, "fallback_slot"))


def _row_slot(patch: Patch, registry: Registry, map_id: str, label: str) -> str:
    """The slot that a row for ``label`` is shown with: the slot named as the label (case aside) of a sampler the map
    feeds (the default slots where it feeds none), else its Snare or, without one, its first slot. "Vox: Snare" was
    shown for a sampler of slot_names [Kick, Vox], whose Vox a label 'Vox' was meant for: a row that check then
    refused; and "HH: Snare" for a model's label 'HH' (a folder `HH` of takes) in a patch with no sampler."""
    takers = slot_takers_fed(patch, registry, map_id)
    slots = [slot for taker in takers for slot in slots_of(patch, registry, taker) or []] or default_slots(registry)
    named = next((slot for slot in slots if slot.lower() == label.lower()), None)
    return named or next((slot for slot in slots if slot.lower() == "snare"), slots[0] if slots else "Snare")


def _without_slot(patch: Patch, registry: Registry, map_id: str, labels: list[str]) -> list[str]:
    """``labels`` that ``map_id``'s table in effect sends nowhere, as the map itself looks them up; none where it
    has a fallback."""
    node = _built_node(patch, registry, map_id, patch.nodes[map_id].params)
    slot_for = getattr(node, "slot_for", None)
    if getattr(node, "fallback", "") or slot_for is None:
        return []
    return [label for label in labels if slot_for(label) is None]


class _Header(NamedTuple):
    """What the checks read of a model file's header."""

    labels: tuple[str, ...]
    calibration: _Calibration | None
    span: float | None  # the span its head was trained on (:func:`.models.features.trained_span`); None: not read


@functools.lru_cache(maxsize=32)
def _header(path: str, mtime_ns: int, size: int) -> _Header:
    # Cached by the file's time and size: the editor checks its patch after every edit. The header is read
    # without torch (the check never loads the network).
    from exsampling_patch.models.features import trained_span
    from exsampling_patch.models.model_header import MODEL_FORMAT, MODEL_VERSION, ModelFileError, read_header

    try:
        blob = read_header(Path(path), "model", MODEL_FORMAT, MODEL_VERSION) if Path(path).is_file() else None
    except ModelFileError:
        return _Header((), None, None)
    labels = blob.get("labels") if blob is not None else None
    meta = blob.get("meta") if blob is not None else None
    calibration = None
    if isinstance(meta, dict) and isinstance(meta.get("gate_threshold"), (int, float)):
        table = meta.get("gate_table")
        calibration = _Calibration(float(meta["gate_threshold"]), str(meta.get("gate_judge") or "label"),
                                   tuple((str(k), str(v)) for k, v in table.items()) if isinstance(table, dict)
                                   else None)
    return _Header(tuple(str(label) for label in labels) if isinstance(labels, list) else (), calibration,
                   trained_span(meta) if blob is not None else None)
