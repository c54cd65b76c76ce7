"""A warning a node told that stands until its next take goes through: :class:`StandingWarning`, kept apart from
:mod:`exsampling_patch.node` (which names it for node types) for that module's length."""

from __future__ import annotations

import threading
from typing import Any


class StandingWarning:
    """A warning a node told that stands until its next take goes through (a start-up notice: a new certificate,
    temporary files swept), then is ended by an empty warning (as the classifier ends its backlog's). Kept, it led
    the editor's node line until the node stopped, read as a problem of now. Thread-safe: ended once."""

    def __init__(self, standing: bool = False) -> None:
        self._lock = threading.Lock()
        self._standing = standing
        self._lasting = ""  # a warning no take ends: shown again when a passing one ends

    def told(self) -> None:
        """A warning was told (``report_status(warning=...)``): the next :meth:`ended` ends it."""
        with self._lock:
            self._standing = True

    def told_lasting(self, warning: str) -> None:
        """``warning`` was told, true until :meth:`lasting_ended` (a Live script older than ExSampling's): no take
        ends it, and a passing warning told after it, once ended, gives the node line back to it, not to nothing."""
        with self._lock:
            self._standing, self._lasting = False, warning

    def lasting_ended(self) -> dict[str, str]:
        """The lasting warning is no longer true (Live's script was installed again): the status field that ends it,
        none where a passing warning leads the node line (its end, at the next take, ends both)."""
        with self._lock:
            self._lasting = ""
            return {} if self._standing else {"warning": ""}

    def ended(self) -> dict[str, Any]:
        """The status fields that end the warning, for the take that went through now; none where none stands (or
        an earlier take ended it). Where a lasting warning gets the node line back, ``warning_back=True`` says so:
        the console told that line once already, and it is no news."""
        with self._lock:
            standing, self._standing = self._standing, False
            if not standing:
                return {}
            return {"warning": self._lasting, "warning_back": True} if self._lasting else {"warning": ""}
