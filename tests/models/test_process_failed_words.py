"""What the classifier's process says when a take or its model fails: words, with the error's own text, never the
error's Python class name ("failed on this take (OverflowError: ...)" reached the performer)."""

from __future__ import annotations

import numpy as np
import pytest

from exsampling_patch.error_text import error_text
from exsampling_patch.models.error_words import failure_words, model_failed, take_failed
from exsampling_patch.models.model_header import ModelFileError
from exsampling_patch.models.process import ClassifierProcess, ClassifierProcessError


def test_a_take_the_model_fails_on_in_its_process_is_told_in_words() -> None:
    """A real failure in the real process: an endless span to score overflows there (not a ValueError, which is
    refused as an argument), and the process goes on serving."""
    process = ClassifierProcess(threads=1)
    try:
        process.wait_ready()
        noise = np.random.default_rng(0).normal(0.0, 0.1, 32000).astype(np.float32)
        with pytest.raises(ClassifierProcessError) as raised:
            process.predict(noise, 16000, max_seconds=float("inf"))
        assert str(raised.value) == "the model could not score it: cannot convert float infinity to integer"
        assert process.predict(noise, 16000).top  # still serving
    finally:
        process.stop()


@pytest.mark.parametrize(("error", "words"), [
    (RuntimeError("mat1 and mat2 shapes cannot be multiplied"), "mat1 and mat2 shapes cannot be multiplied"),
    (MemoryError(), "out of memory"),
    (KeyError("mel"), "missing key 'mel'"),
    (AssertionError(), "an internal check failed"),
    (RuntimeError(), "it gave no reason"),
])
def test_a_take_s_failure_says_what_failed_and_the_error_s_own_text(error: Exception, words: str) -> None:
    assert take_failed(error) == f"the model could not score it: {words}"


def test_a_model_that_fails_to_load_without_a_message_is_told_what_failed_not_its_class() -> None:
    """An empty message at the start was sent as the error's class name alone ("MemoryError"). The process's load
    cannot be made to fail so for real here: the wording is tested on its own."""
    assert model_failed(MemoryError(), loaded=False) == "the model did not load: out of memory"
    assert model_failed(RuntimeError(), loaded=False) == "the model did not load: it gave no reason"
    assert model_failed(AssertionError(), loaded=True) == \
        "the model's first take (the warm-up) failed: an internal check failed"
    # An error with its own words is said as it was (a model file's problem names the file)
    assert model_failed(ModelFileError("sounds.pt is not a model file"), loaded=False) == \
        "sounds.pt is not a model file"


def test_the_classifier_s_words_leave_out_the_type_that_the_console_s_keep() -> None:
    """Two rules, on purpose (models/error_words.py says why): the console keeps a library's error type, the
    classifier's process, whose sentence already names the model, does not."""
    overflow = OverflowError("cannot convert float infinity to integer")
    assert error_text(overflow) == "OverflowError: cannot convert float infinity to integer"
    assert failure_words(overflow) == "cannot convert float infinity to integer"
    assert failure_words(KeyError("mel")) == "missing key 'mel'"
