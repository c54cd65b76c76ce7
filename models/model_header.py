"""A model or head file's header, read and checked without torch: its format, version and front end, as
:mod:`.model_file` checks them before it builds the network. ``exsampling check`` reads a classifier's ``model``
so (:func:`model_file_problem`): a file that is there but no model file passed check, and the show's classifier
failed at its start."""

from __future__ import annotations

import glob
import io
import pickle
import re
import zipfile
import zlib
from pathlib import Path
from typing import Any, BinaryIO

from .features import FRONT_END, FrontEnd

MODEL_FORMAT = "exsampling-classifier"
MODEL_VERSION = 2
HEAD_FORMAT = "exsampling-head"
HEAD_VERSION = 2
PLAIN_VERSION = 1
"""The version a model or head file without YAMNet is written as (what exsampling read before YAMNet): such files
stay readable by older versions. A file that carries YAMNet (or a head that reads its features) is written as
:data:`MODEL_VERSION` / :data:`HEAD_VERSION`, 2, so that an older exsampling says to update rather than fail on
a head wider than its network's."""

SHIPPED_MODEL = Path(__file__).resolve().parent / "sounds.pt"
"""The shipped model: ESC-50's 50 everyday classes and the musical classes (``models/musical.py``). Named here,
where no torch is loaded, for the checks that read its labels from its header (``exsampling check``)."""

YAMNET_RECIPES = ("padded-patches96-meanmax-1", "padded-patches48-meanmax-2")
"""The recipes of YAMNet's features this code computes (:data:`.yamnet.KNOWN_FEATURES`, in the module that imports
torch): named here too, so that ``exsampling check`` tells a model of another recipe without torch. A test keeps the
two equal (tests/models/test_model_header_yamnet.py)."""

#: How the files torch writes begin: a zip archive (since torch 1.6), or a pickle (before).
TORCH_MAGIC = (b"PK", b"\x80")

#: The largest pickle (the file's structure, its tensors apart) read for a header: a model's is a few kB.
MAX_HEADER_BYTES = 16 * 2**20


class ModelFileError(ValueError):
    """A model file that cannot be loaded (missing, not a classifier model, wrong version), or written."""


#: Why a file does not load, in the few words both torch's errors (:func:`unreadable_because`) and a header read
#: without torch (:func:`read_header`) are told in.
EMPTY = "empty, or cut short"
NOT_A_MODEL = "not a model file: it holds something other than weights"
DAMAGED = "damaged: a model file cut short or changed"


def unreadable(p: Path, kind: str, why: str) -> ModelFileError:
    """The error of a file at ``p`` that does not load as a ``kind`` (model, head), saying ``why`` in a few words."""
    return ModelFileError(f"not a readable {kind} file: {p} ({why})")


def unreadable_because(exc: Exception, path: Path) -> str:
    """Why torch could not load a file, in a few words: its own messages run to paragraphs of advice that does
    not apply (to load with ``weights_only=False``, which would run code from the file)."""
    text = str(exc)
    if isinstance(exc, EOFError) or not text:
        return EMPTY
    try:
        with path.open("rb") as file:
            start = file.read(2)
    except OSError:
        start = b""
    if start and not start.startswith(TORCH_MAGIC):  # a WAV, a YAML patch, the model's card: torch said "101"
        return NOT_A_MODEL
    if "zip archive" in text or "central directory" in text:
        return DAMAGED
    if type(exc).__name__ == "UnpicklingError" or "Weights only load failed" in text:
        return NOT_A_MODEL
    return text.splitlines()[0][:200]


def check_blob(blob: Any, p: Path, kind: str, file_format: str, version: int) -> dict[str, Any]:
    """``blob``, a file's content, if it is of ``file_format`` and ``version``; ModelFileError names the file."""
    if not isinstance(blob, dict) or blob.get("format") != file_format:
        raise ModelFileError(f"not an exsampling classifier {kind}: {p}")
    found = blob.get("version")
    if not (isinstance(found, int) and not isinstance(found, bool) and PLAIN_VERSION <= found <= version):
        # "unsupported model version 2 in my.pt" said neither which side was old nor what to do
        joined = " and " if version == PLAIN_VERSION + 1 else " to "
        reads = f"version {version}" if version == PLAIN_VERSION else f"versions {PLAIN_VERSION}{joined}{version}"
        if isinstance(found, int) and found > version:
            raise ModelFileError(f"{kind} file {p} was written by a newer version of exsampling ({kind} version "
                                 f"{found}; this one reads {reads}): update exsampling to use it")
        raise ModelFileError(f"{kind} file {p} is of a version this exsampling does not read ({kind} version "
                             f"{'none' if found is None else found}; it reads {reads}): train it again "
                             "(.venv/bin/exsampling train)")
    return blob


def front_end_of(blob: dict[str, Any], p: Path, kind: str) -> FrontEnd:
    """The file's front end, if it is this version's; files from before 25 Nov 2026 (16 kHz resampling,
    743-point frames) are refused with what to do."""
    stored = blob.get("front_end")
    try:
        front_end = FrontEnd(**stored) if isinstance(stored, dict) else None
    except TypeError:
        front_end = None
    if front_end != FRONT_END:
        # The message showed both front ends as Python wrote them, "{'n_fft': 743, ...}" and "FrontEnd(frame_seconds=
        # 0.0464375, ...)": what matters to the composer is that the model would mishear takes, and what to do.
        older = isinstance(stored, dict) and "n_fft" in stored  # frames counted in samples at 16 kHz: before 25 Nov
        how = ("an older version of exsampling, which analysed takes at 16 kHz (this one, at their own rate)" if older
               else "another version of exsampling, which analysed takes otherwise than this one")
        raise ModelFileError(f"{kind} {p} was trained by {how}: with it takes would be misheard; train it again on "
                             "its takes (.venv/bin/exsampling train)")
    return front_end


class _Stub:
    """Stands for every class a file's pickle names (a tensor, its storage, an OrderedDict): none is looked up, so
    nothing the file names runs; a header's plain values (format, version, labels, front end) read as they are."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def __setstate__(self, state: Any) -> None:
        pass

    def __setitem__(self, key: Any, value: Any) -> None:
        pass

    def append(self, item: Any) -> None:
        pass

    def extend(self, items: Any) -> None:
        pass


class _HeaderUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        return _Stub

    def persistent_load(self, pid: Any) -> Any:
        return None  # a tensor's storage, kept apart in the archive


def read_header(p: Path, kind: str, file_format: str, version: int) -> dict[str, Any] | None:
    """The file's content, its tensors left out, checked as :func:`.model_file.load_model_file` checks it before
    torch builds anything; None where that cannot be told without torch (a file in torch's format before 1.6)."""
    try:
        with p.open("rb") as file:
            start = file.read(2)
    except OSError as error:
        raise unreadable(p, kind, str(error.strerror or error)) from error
    if not start:
        raise unreadable(p, kind, EMPTY)
    if not start.startswith(TORCH_MAGIC):
        raise unreadable(p, kind, NOT_A_MODEL)
    if not start.startswith(b"PK"):
        return None
    try:
        with zipfile.ZipFile(p) as archive:
            # torch writes '<name>/data.pkl' beside '<name>/data/<storage>': the one pickle of the file's structure
            found = [i for i in archive.infolist() if i.filename.count("/") == 1 and i.filename.endswith("/data.pkl")]
            if not found:
                raise unreadable(p, kind, NOT_A_MODEL)
            if found[0].file_size > MAX_HEADER_BYTES:
                return None
            data = archive.read(found[0])
        blob = _HeaderUnpickler(io.BytesIO(data)).load()
    except ModelFileError:
        raise
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as error:
        raise unreadable(p, kind, DAMAGED) from error
    except Exception as error:  # a pickle of something else: any error of its reading says only that
        raise unreadable(p, kind, NOT_A_MODEL) from error
    return check_blob(blob, p, kind, file_format, version)


def yamnet_recipe_of(blob: dict[str, Any], p: Path, kind: str) -> str | None:
    """The recipe of YAMNet's features the file's head was trained on (None where it carries no YAMNet), refused
    as :func:`.model_file.load_model_file` refuses it where this code does not compute it: `exsampling check` passed
    such a model, and the show's classifier failed at its start."""
    yamnet = blob.get("yamnet")
    recipe = yamnet.get("features") if isinstance(yamnet, dict) else None
    if isinstance(recipe, str):
        check_yamnet_recipe(recipe, p, kind)
    return recipe


def check_yamnet_recipe(recipe: str, p: Path, kind: str) -> None:
    """ModelFileError where this code does not compute YAMNet's features as ``recipe`` (the file ``p`` names it)."""
    if recipe not in YAMNET_RECIPES:
        raise ModelFileError(f"{kind} {p} was trained on YAMNet's features computed as '{recipe}', and this "
                             f"exsampling computes them only as {' or '.join(map(repr, YAMNET_RECIPES))}: with it "
                             "takes would be misheard; train it again on its takes (.venv/bin/exsampling train)")


def check_entries(file: BinaryIO, p: Path, kind: str) -> None:
    """ModelFileError (:data:`DAMAGED`) where an entry of the zip archive in ``file`` (open on ``p``, read from its
    start) does not match its CRC-32; none for a file that is not a zip archive (torch's format before 1.6: torch
    tells it). Torch's reader checks no CRC: a model with bytes zeroed in its weights loaded, and classified with
    them, without a word. Reads the whole file; its cost beside a load is in docs/performance.md."""
    try:
        file.seek(0)
        if not file.read(2).startswith(b"PK"):
            return
        with zipfile.ZipFile(file) as archive:
            bad = archive.testzip()
    except OSError as error:
        raise unreadable(p, kind, str(error.strerror or error)) from error
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, NotImplementedError) as error:
        raise unreadable(p, kind, DAMAGED) from error
    if bad is not None:
        raise unreadable(p, kind, DAMAGED)


def card_problem(p: Path) -> str | None:
    """That ``p`` is the card of a model (the .md a training writes beside its model file), naming the model file
    to give instead; None where ``p`` is no model's card. Here, where no torch is loaded, for `exsampling check`
    as well as for a load: a patch's ``model: my_model.md`` was told only "not a readable model file"."""
    model = _model_of_card(p)
    return None if model is None else f"{p} is the card of the model {model}, not a model file: give {model}"


def _model_of_card(p: Path) -> Path | None:
    """The model file beside ``p`` whose card ``p`` is (None if it is none): ``<stem>.md`` beside ``<stem>.pt`` as a
    training writes them (``cards.card_files``), or the model its heading names (the shipped model's card)."""
    if p.suffix.lower() != ".md":
        return None
    try:
        with p.open(encoding="utf-8", errors="replace") as file:
            heading = file.readline()
    except OSError:
        return None
    if not heading.startswith("# Model card: "):
        return None
    named = re.match(r"# Model card: `([^`/\\]+)`", heading)
    beside = sorted((q for q in p.parent.glob(glob.escape(p.stem) + "*") if q != p and q.with_suffix(".md") == p),
                    key=lambda q: (q.suffix != ".pt", q.name))
    for candidate in ([p.parent / named[1]] if named else []) + beside:
        try:
            with candidate.open("rb") as file:
                if candidate.is_file() and file.read(2).startswith(TORCH_MAGIC):
                    return candidate
        except OSError:
            continue
    return None


def model_file_problem(path: str | Path) -> str | None:
    """What keeps the file at ``path`` from loading as a model (:class:`ModelFileError`'s words), told from its
    header and its entries' CRC-32s without loading the network; None where it may load (or where only torch can
    tell)."""
    p = Path(path)
    card = card_problem(p)
    if card is not None:
        return card
    try:
        blob = read_header(p, "model", MODEL_FORMAT, MODEL_VERSION)
        if blob is not None:
            front_end_of(blob, p, "model")
            yamnet_recipe_of(blob, p, "model")
        with p.open("rb") as file:
            check_entries(file, p, "model")
    except ModelFileError as error:
        return str(error)
    except OSError as error:
        return str(unreadable(p, "model", str(error.strerror or error)))
    return None
