"""An error in words for the console and the editor: the performer reads it, so the product's own errors say only
their message, others keep their type (it helps whoever looks into a library's or a plugin's failure). The
classifier's process says its failures without the type (models/error_words.py, failure_words): its sentence already
names what failed, the model.

Imports nothing of the project, so that the sampler's audio process can tell an error without the runtime (its
import is a good part of a second of CPU at that process's start: tests/outputs/test_sampler_start_imports.py).
"""

from __future__ import annotations

_READ_ONLY_HINT = ("a take's samples are read-only, shared by every branch the take goes to: change a copy "
                   "(take.samples.copy()) or compute new samples, and send take.derive(new_samples) on")


def error_text(error: BaseException) -> str:
    """``Type: message`` for an error the product did not expect (Python's, a library's, a plugin's: the type helps
    whoever looks into it); the message alone for one of the product's own classes, written for the performer
    ("PortInUse: TCP port 8443 is already in use" put a programmer's word first). The type alone when the error's
    ``__str__`` raises: formatted in the engine's own error handling, that raised anew and ended the worker thread
    that handled the message."""
    name = type(error).__name__
    lead = "" if type(error).__module__.startswith("exsampling_patch.") else f"{name}: "
    try:
        if isinstance(error, OSError) and error.strerror:
            # Python's "[Errno 2] No such file or directory: '/media/usb/takes'": the number and the quotes go, and
            # the class: the system's own words, with the path, say it to the performer, who can act on it ("OSError:
            # Read-only file system: ..." led with a programmer's word).
            paths = " -> ".join(str(path) for path in (error.filename, error.filename2) if path is not None)
            return f"{error.strerror}: {paths}" if paths else error.strerror
        told = str(error)
        if isinstance(error, ValueError) and told.endswith(" is read-only"):
            # numpy's words on a take's samples changed in place (`take.samples *= 0.5`, np.clip(..., out=)) said
            # nothing of why they are read-only, nor what to do instead.
            told += f" ({_READ_ONLY_HINT})"
        return f"{lead}{told}" if told else name  # a bare `assert`: no ": "
    except Exception:
        return f"{name} (its message could not be made)"
