"""What the classifier's process says when a take or its model fails: in words, with the error's own text.

The process sends text to the node, which tells the performer ("the classifier failed on this take (...)"): the
error's Python class name ("RuntimeError: ...", or a bare "MemoryError" where the error had no text) told them
nothing they could act on.

Not exsampling_patch/error_text.py's rule, on purpose: that one keeps the type of an error from outside the project
("ValueError: ..."), which points whoever looks into it at the library or plugin that failed. Here the one that
failed is always the same and already said in words ("the model could not score it", "the model did not load"),
and the error itself does not cross the pipe, only its text: a type would be a programmer's word in the
performer's sentence, telling nothing the sentence does not.
"""

from __future__ import annotations

#: Errors that often come with no text of their own (or a bare key), said by what they mean; first match wins.
_KINDS: tuple[tuple[type[BaseException], str], ...] = (
    (MemoryError, "out of memory"),
    (RecursionError, "too deeply nested"),
    (KeyError, "missing key"),
    (IndexError, "index out of range"),
    (ZeroDivisionError, "division by zero"),
    (AssertionError, "an internal check failed"),
    (NotImplementedError, "not implemented"),
)

NO_REASON = "it gave no reason"


def failure_words(error: BaseException) -> str:
    """The error's own text; where it has none, what its kind means ("out of memory"), else "it gave no reason".
    A missing key is said as one: a KeyError's text is the key alone ("'mel'")."""
    text = str(error)
    kind = next((words for cls, words in _KINDS if isinstance(error, cls)), "")
    if isinstance(error, KeyError) and text:
        return f"{kind} {text}"
    return text or kind or NO_REASON


def take_failed(error: BaseException) -> str:
    """Why the model could not score a take, for the node: what failed, then the error's own text."""
    return f"the model could not score it: {failure_words(error)}"


def model_failed(error: BaseException, loaded: bool) -> str:
    """Why the process could not get ready: the error's own text where it has one (a model file's problem names
    the file); where it has none, what failed, loading the model or (``loaded``) scoring its first take."""
    if str(error) and not isinstance(error, KeyError):
        return str(error)
    what = "the model's first take (the warm-up) failed" if loaded else "the model did not load"
    return f"{what}: {failure_words(error)}"
