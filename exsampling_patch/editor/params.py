"""Which widget edits which parameter, from the node type's :class:`~exsampling_patch.node.Param` specs.

Pure data and conversions; :mod:`exsampling_patch.editor.inspector` builds the Dear PyGui widgets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from exsampling_patch.node import Param
from exsampling_patch.wording import counted


@dataclass(frozen=True)
class WidgetSpec:
    """How to edit one parameter.

    ``widget`` is one of ``slider_int``, ``slider_float`` (both limits known), ``input_int``,
    ``input_float``, ``checkbox``, ``combo``, ``text``, ``path``, ``table`` or ``list``.
    """

    name: str
    widget: str
    tooltip: str
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    required: bool = False


TOOLTIP_ROWS = 6  # a default table longer than this is told by its size in a tooltip, not written out


def tooltip(param: Param[Any]) -> str:
    """The one-line doc with the limits, unit and default: what the widget's tooltip says."""
    parts = [param.doc or param.name]
    if param.minimum is not None or param.maximum is not None:
        lo = "" if param.minimum is None else f"{param.minimum:g}"
        hi = "" if param.maximum is None else f"{param.maximum:g}"
        parts.append(f"range [{lo}, {hi}]{' ' + param.unit if param.unit else ''}")
    elif param.unit:
        parts.append(f"in {param.unit}")
    if param.required:
        parts.append("required")
    elif isinstance(param.default, dict) and len(param.default) > TOOLTIP_ROWS:
        # A long table read as one line ran off the screen: its size, and the rows are in the inspector.
        parts.append(f"default: a table of {len(param.default)} rows"
                     + ("; a patch lists only the rows it changes" if getattr(param, "merge", False) else ""))
    else:  # an empty text said nothing at all ("default: "), as if the line had been cut
        parts.append(f"default: {format_value(param.default) if param.default != '' else 'empty'}")
    return "\n".join(parts)


def widget_spec(param: Param[Any]) -> WidgetSpec:
    kind = param.kind_name
    common: dict[str, Any] = {"name": param.name, "tooltip": tooltip(param), "minimum": param.minimum,
                              "maximum": param.maximum, "required": param.required}
    if param.choices is not None:
        return WidgetSpec(widget="combo", choices=tuple(str(c) for c in param.choices), **common)
    bounded = param.minimum is not None and param.maximum is not None
    widget = {
        "int": "slider_int" if bounded else "input_int",
        "float": "slider_float" if bounded else "input_float",
        "bool": "checkbox",
        "str": "text",
        "choice": "text",
        "path": "path",
        "table": "table",
        "list": "list",
    }[kind]
    return WidgetSpec(widget=widget, **common)


def port_help(name: str, port: Any, output: bool) -> str:
    """What a port's hover says: its type, how many links it takes, and what it carries (its doc)."""
    if output:
        links = "output: sends to any number of inputs"
    elif port.multiple:
        links = "input, many: takes any number of links (their messages merge)"
    else:
        links = "input, single: takes one link"
    lines = [f"{name}: {links}", f"type {port.type.name}: {port.type.doc}"]
    if port.doc:
        lines.append(port.doc)
    return "\n".join(lines)


#: A kept value's tooltip lists at most this many rows (or items), each cut to TIP_LINE_CHARS: a 200-row table
#: written out as one wrapped line was taller than the window and ran off its edge.
TIP_ROWS, TIP_LINE_CHARS = 16, 100


def value_tip(name: str, value: Any) -> str:
    """What the tooltip of a parameter's value (kept by a placeholder, or not the type's) says: ``name: value``,
    a table one row a line (a long list one item a line), cut after TIP_ROWS with how many more."""
    if isinstance(value, dict) and value:
        head = f"{name}: a table of {counted(len(value), 'row')}"
        lines = [f"{key}: {format_value(item)}" for key, item in value.items()]
    elif isinstance(value, list) and len(value) > TIP_ROWS:
        head, lines = f"{name}: a list of {len(value)} items", [format_value(item) for item in value]
    else:
        text = f"{name}: {format_value(value)}"
        return text if len(text) <= TIP_ROWS * TIP_LINE_CHARS else text[:TIP_ROWS * TIP_LINE_CHARS - 3] + "..."
    more = len(lines) - TIP_ROWS
    lines = [line if len(line) <= TIP_LINE_CHARS else line[:TIP_LINE_CHARS - 3] + "..." for line in lines[:TIP_ROWS]]
    return "\n".join([head, *(f"  {line}" for line in lines), *([f"  ... and {more} more"] if more > 0 else [])])


def format_value(value: Any) -> str:
    """A value as short text (a table or list as one line of YAML)."""
    if value is None:
        return "(none)"
    if isinstance(value, dict | list):
        return yaml.safe_dump(value, default_flow_style=True, width=10_000).strip()
    return str(value)


def parse_scalar(text: str) -> Any:
    """Text from a table cell or a list item as YAML would read it: ``0.5`` is a number, ``HH`` is text."""
    text = text.strip()
    if not text:
        return ""
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    return value if isinstance(value, str | int | float | bool) else text


def parse_cell(text: str) -> Any:
    """A table cell's text as YAML would read it, as :func:`parse_scalar` does, and a list or a mapping too: the
    cells show them as one line of YAML (``[0.2, 0.8]``, a control map's range; ``{steps: x.x., notes: 0 +3}``, a
    pattern), and read back as text every one of them broke when any row of the table was edited."""
    text = text.strip()
    try:
        value = yaml.safe_load(text) if text.startswith(("[", "{")) else None
    except yaml.YAMLError:
        value = None
    return value if isinstance(value, list | dict) else parse_scalar(text)


def table_rows(value: dict[str, Any] | None) -> list[tuple[str, str]]:
    """A table parameter as (key, value text) rows."""
    return [(str(k), format_value(v)) for k, v in (value or {}).items()]


def rows_to_table(rows: list[tuple[str, str]]) -> dict[str, Any]:
    """Rows back to a table; rows without a key are dropped, a repeated key keeps its last value."""
    return {key.strip(): parse_cell(text) for key, text in rows if key.strip()}


def parse_list(text: str) -> list[Any]:
    """A list parameter typed as ``a, b, c`` or as YAML ``[a, b, c]``."""
    text = text.strip()
    if text.startswith("["):
        value = yaml.safe_load(text)
        if isinstance(value, list):
            return value
    return [parse_scalar(item) for item in text.split(",") if item.strip()]
