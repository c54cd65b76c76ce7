"""The web recorder's folders when the system refuses to make them (a read-only disk, a card's lock switch, a file
where the folder should be, a folder of another user's above it).

A take folder or state folder that could not be made failed the recorder's start: no page was served, so the phones
could not even learn why, while an existing take folder that cannot be written left it running, refusing takes with a
reason. A failing node must not stop the show, and the console must say what happened: the recorder now starts. Its
take folder not made, it serves its page saying that it cannot store takes and why (:data:`NOT_STORING`, in the
page's settings, which the page follows as it runs), refuses each upload with that reason (507: its phone keeps the
take and sends it again, counted as held on the phones), and tells the error on its node; the folder is made again
at each upload, and once it is, takes are stored and the error ends as a folder made writable again does
(:class:`~.disk.DiskWatch`). Its state folder not made, its certificate, pairing token and the phones' lists are kept
for this run only, in a private temporary folder, told: phones accept the certificate and scan the QR code again at
the next start of the patch. Its state folder there but not writable, or one of the files it appends to not writable
(root's after a ``sudo`` run, locked), the same, with a copy of its files: the phones keep their certificate and pairing
token for the run. A recorder a live edit rebuilds goes on with the temporary folder's files of the one it replaces
(handed over at its stop): the takes seen this run (a phone's retry of one is its duplicate), the phones' lists, the
certificate and pairing token; in a temporary folder of its own where the state folder still cannot be written, else
added to the state folder's files (:func:`_merge`): made writable meanwhile (remounted, its mode mended), the rebuilt
recorder read its files alone, and a phone's retry of a take stored before the edit was stored again. A state folder
that was not made at the start and has a certificate, key or pairing token of its own by the edit (a drive mounted, a
folder restored since) had them overwritten by this run's, untold: the phones paired at earlier shows had to accept a
new certificate and scan the QR code again. Those are left as they are now, and the rebuilt recorder goes on in a
temporary folder with this run's files, told (:func:`_own_identity`): the phones paired this run keep working.

A take folder that exists but cannot be written (a card's lock switch, a disk mounted read-only, permissions), found at
the start or by a take's failed write, was told on the node only: the page said nothing, and each upload was answered
500 ("could not be stored"), which the phone shows as a failure, not as its take kept for later. It is now told as a
folder not made is: the page says the recorder cannot store takes and why, each upload is refused 507 with that reason
(the folder tried again, with an empty nameless file, at each upload), and the notice ends once a take is stored.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import shutil
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from exsampling_patch.node import Node
from exsampling_patch.nodes.web_recorder.seen import append_whole
from exsampling_patch.nodes.web_recorder.upload import UploadError
from exsampling_patch.runtime.path_errors import folder_param_text, not_a_folder, what_it_is
from exsampling_patch.takes import part_prefix

#: The page's setting that says why the recorder stores no takes now ('' while it stores them).
NOT_STORING = "notStoring"


def refused_words(node: Node, error: OSError) -> str:
    """The console's words for a folder parameter of ``node`` the system refused (which, why, what to do)."""
    return folder_param_text(node, error) or f"{error.strerror or error}: {error.filename}"


def _why(folder: Path, error: OSError) -> str:
    """The phone's words for a take folder that cannot be made: the folder and the system's reason; a file in its
    place (or above it) said as such, which the system's "File exists" did not."""
    blocker = not_a_folder(folder)
    if blocker is not None:
        return f"its take folder {folder} cannot be made: {blocker} {what_it_is(blocker)}"
    failed = Path(os.fsdecode(error.filename)) if isinstance(error.filename, (str, bytes, os.PathLike)) else folder
    at = "" if failed == folder else f", at {failed}"
    return f"its take folder {folder} cannot be made ({error.strerror or error}{at})"


def _unwritable(folder: Path, error: OSError) -> str:
    """The phone's words for a take folder there that cannot be written: the folder and the system's reason."""
    return f"its take folder {folder} cannot be written ({error.strerror or error})"


#: The errors of a write that say the folder cannot be written (not the disk's room, nor one file's name).
NOT_WRITABLE = (errno.EROFS, errno.EACCES, errno.EPERM)


class TakeFolder:
    """The take folder of ``node``, made at its start or, where the system refused it, at an upload since."""

    def __init__(self, node: Node, folder: Path, page: dict[str, Any]) -> None:
        self.node = node
        self.folder = folder
        self._page = page  # the page's settings, as the server sends them (from its request threads)
        # Always there, '' while takes are stored: a key added or removed as another thread sends the settings
        # failed that answer ("dictionary changed size during iteration").
        page.setdefault(NOT_STORING, "")
        self._lock = threading.Lock()  # made by one upload at a time (request threads)
        self.made = False
        self._unwritable = False  # there, but a write in it failed (at the start's try, or a take's): tried again

    def make_at_start(self) -> str:
        """Make the folder and try a write in it; where either fails, the console's line that says why (the page
        says it too)."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            self._page[NOT_STORING] = f"The recorder cannot store takes: {_why(self.folder, error)}."
            return (f"{refused_words(self.node, error)}; takes from phones are refused until it can be made (each "
                    "phone keeps its takes and sends them again)")
        self.made = True
        try:
            self._try_write()
        except OSError as error:
            self._refuse(error)
            return (f"the take folder {self.folder} cannot be written ({error.strerror or error}): takes from phones "
                    "are refused until it can be (each phone keeps its takes and sends them again); make it "
                    "writable, or set the parameter 'folder' to another folder")
        return ""

    def _try_write(self) -> None:
        """A write in the folder, or OSError: nameless where the system can, so that a kill leaves nothing."""
        tempfile.TemporaryFile(dir=self.folder).close()

    def _refuse(self, error: OSError) -> str:
        """The folder found not writable (``error``): said on the page until a write in it succeeds; the phone's
        words."""
        why = _unwritable(self.folder, error)
        self._unwritable = True
        self._page[NOT_STORING] = f"The recorder cannot store takes: {why}."
        return why

    def write_failed(self, error: OSError) -> UploadError | None:
        """A take's write failed with ``error``: where it says the folder cannot be written, said on the page and the
        507 to answer (its phone keeps the take and sends it again); else None."""
        if error.errno not in NOT_WRITABLE:
            return None
        with self._lock:
            why = self._refuse(error)
        return _refused(why, "written")

    def make(self) -> None:
        """Before a take is stored: the folder made now if it was not, else :class:`UploadError` 507 with why (its
        phone keeps the take and sends it again)."""
        if self.made and not self._unwritable:
            return
        with self._lock:
            if self.made and not self._unwritable:
                return
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                why = _why(self.folder, error)
                self._page[NOT_STORING] = f"The recorder cannot store takes: {why}."
                raise _refused(why, "made") from error
            if self._unwritable:
                try:
                    self._try_write()
                except OSError as error:
                    raise _refused(self._refuse(error), "written") from error
            self._page[NOT_STORING] = ""
            self.made, self._unwritable = True, False


def _refused(why: str, until: str) -> UploadError:
    """The 507 of an upload refused for its take folder (``why``, the phone's words), stored once it can be
    ``until`` (made, written)."""
    return UploadError(507, f"the recorder cannot store takes: {why}; the take is kept on the phone and sent again, "
                            f"stored once the folder can be {until}; tell the performer")


def state_folder(node: Node, folder: Path, tell: Callable[[str], Any], appended: tuple[str, ...] = (),
                 carried: dict[str, bytes] | None = None) -> tuple[Path, Path | None]:
    """``folder`` made, and None; where the system refused it, a private temporary folder for this run as both, told
    (``tell``: the certificate and pairing token are new at each start of the patch then, kept by a live edit). Where
    ``folder`` is there but cannot be written (a read-only disk), or one of its files ``appended`` to cannot be (root's
    after a ``sudo`` run, locked), its files are copied into the temporary folder: the phones keep their certificate
    and pairing token. That start failed, when its table of takes seen could not be opened: no page, no QR code.
    ``carried``: the files of the temporary folder of the recorder an edit rebuilt this one from (:func:`spare_files`),
    written over the copy, or added to ``folder``'s where it can be written now (:func:`_merge`): this run's takes
    seen, its phones' lists, its certificate go on; where ``folder`` has a certificate, key or pairing token of its own
    now (not this run's, nor the one copied from it at the start: another drive there), those are left as they are and
    this run's go on in a temporary folder, told."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        spare = _spare(folder, carried, copy=False)
        tell(f"{refused_words(node, error)}; the recorder runs with its certificate, pairing token and the phones' "
             f"lists kept for this run only, in {spare} (a live edit keeps them): at the next start of the patch "
             "phones accept a new certificate and scan a new QR code")
        return spare, spare
    try:
        tempfile.TemporaryFile(dir=folder).close()
        failed: OSError | None = None
    except OSError as error:
        failed = OSError(error.errno, error.strerror, str(folder))  # the folder, not the nameless file tried in it
    for name in appended if failed is None else ():
        try:  # a folder it can write may hold a file it cannot, which its table's open failed the start on
            if (folder / name).is_file():
                open(folder / name, "ab").close()
        except OSError as error:
            failed = error
            break
    if failed is None and carried:
        if (MADE_FOR_RUN in carried or COPIED in carried) and _own_identity(folder, carried, appended):
            spare = _spare(folder, carried, copy=False)
            tell(f"the state folder {folder} has a certificate, key or pairing token of its own now (a disk mounted "
                 "or a folder restored since the start), left as they are: the recorder goes on with this run's, kept "
                 f"in {spare}, so that the phones paired this run keep working; at the next start of the patch it "
                 "uses the folder's, which the phones paired before know, and the phones paired this run scan its QR "
                 "code again")
            return spare, spare
        try:
            _merge(folder, carried, appended)
        except OSError as error:  # a full disk: this run's state goes on in a temporary folder, as it did
            failed = error
    if failed is not None:
        spare = _spare(folder, carried, copy=True, appended=appended)
        words = refused_words(node, failed)
        tell(f"{words}; the recorder runs with a copy of its certificate, pairing token and the phones' lists, kept "
             f"for this run only, in {spare} (a live edit keeps them): what this run adds to them is lost when the "
             "patch stops")
        return spare, spare
    return folder, None


#: The empty file in a temporary state folder whose certificate and token were made for its run, not copied from the
#: state folder: only those are kept off a folder that has its own (a renewed certificate, a rotated token of the
#: folder's copy are written to it).
MADE_FOR_RUN = ".made-for-this-run"


#: The file in a temporary state folder copied from the state folder: the digests of the folder's certificate, key
#: and pairing token as copied. A folder writable at a live edit whose files differ from those is another (a drive
#: swapped at its mount point, a folder restored from another machine): the copy was merged over it, untold.
COPIED = ".copied-identity"


def _own_identity(folder: Path, carried: dict[str, bytes], appended: tuple[str, ...]) -> bool:
    """Whether ``folder`` holds a file of the identity ``carried`` (certificate, key, pairing token: what is not
    ``appended`` to) that differs from this run's and from the one copied from it (:data:`COPIED`): one the folder had
    before (a drive mounted, a folder restored) and phones of other runs use, which this run's must not overwrite. One
    it cannot read counts as its own. A file of the copy this run renewed (a token rotated) is no folder's own."""
    copied = _copied_digests(carried)
    for name, data in carried.items():
        if name in appended or name in (MADE_FOR_RUN, COPIED):
            continue
        try:
            has = (folder / name).read_bytes()
        except FileNotFoundError:
            continue
        except OSError:
            return True
        if has != data and _digest(has) != copied.get(name):
            return True
    return False


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _copied_digests(carried: dict[str, bytes]) -> dict[str, str]:
    """The digests :data:`COPIED` holds; none where there is none (a folder not made at the start) or unreadable."""
    try:
        digests = json.loads(carried.get(COPIED, b"{}"))
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in digests.items()} if isinstance(digests, dict) else {}


def _merge(folder: Path, carried: dict[str, bytes], appended: tuple[str, ...]) -> None:
    """The files ``carried`` over from the temporary state folder of the recorder an edit replaced, into ``folder``,
    which can be written now: what that run appended to the files ``appended`` (takes seen, phones' lists) added to
    them; the others (certificate, key, pairing token: the phones use those now) written where the folder has none
    (one of its own is kept: :func:`_own_identity`, checked before). OSError where a write fails, the folder's files
    then as they were, or with a journal's whole lines added (read the same: the newest entry of a take wins)."""
    parts: list[tuple[Path, Path]] = []
    try:
        for name, data in carried.items():
            target = folder / name
            if name in appended or name in (MADE_FOR_RUN, COPIED) or (target.is_file() and target.read_bytes() == data):
                continue
            # All written before any is renamed: a certificate is not left without its key
            fd, made = tempfile.mkstemp(prefix=part_prefix(name), suffix=".part", dir=folder)  # 0600: a key, a token
            parts.append((Path(made), target))
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            with contextlib.suppress(OSError):
                os.chmod(made, target.stat().st_mode & 0o777)  # the folder's own file's mode, where it has one
        for name in appended:
            if name in carried:
                _append_new(folder / name, carried[name])
        for part, target in parts:
            os.replace(part, target)
    finally:  # what a failure left (none once renamed)
        for part, _ in parts:
            part.unlink(missing_ok=True)


def _append_new(path: Path, copy: bytes) -> None:
    """Add to the file ``path`` what its ``copy`` (the temporary folder's) has beyond it: the copy was made of it at
    the start and appended to since; where it was not (the folder could not be made then, or the copy was rewritten),
    the copy whole, on a line of its own."""
    try:
        had = path.read_bytes()
    except FileNotFoundError:
        had = b""
    new = copy[len(had):] if copy.startswith(had) else (b"\n" if had and not had.endswith(b"\n") else b"") + copy
    if new:
        with open(path, "ab", buffering=0) as file:
            append_whole(file, new)


def _spare(folder: Path, carried: dict[str, bytes] | None, copy: bool, appended: tuple[str, ...] = ()) -> Path:
    """A private temporary state folder standing in for ``folder``: with a copy of its files (``copy``), the digests
    of those not ``appended`` to (:data:`COPIED`), then those ``carried`` over from the recorder an edit replaced
    (their own digests, of the folder first copied, or their certificate made for the run, win)."""
    spare = Path(tempfile.mkdtemp(prefix="exsampling-recorder-"))
    digests: dict[str, str] = {}
    for item in folder.iterdir() if copy and folder.is_dir() else ():
        with contextlib.suppress(OSError):  # one it cannot read is made anew
            if item.is_file():
                shutil.copy2(item, spare / item.name)
                (spare / item.name).chmod(item.stat().st_mode & 0o777 | 0o200)  # one left read-only is appended to
                if item.name not in appended:
                    digests[item.name] = _digest((spare / item.name).read_bytes())
    if copy and not (carried and (MADE_FOR_RUN in carried or COPIED in carried)):
        (spare / COPIED).write_text(json.dumps(digests), encoding="utf-8")
    for name, data in (carried or {}).items():
        (spare / name).write_bytes(data)
    if not copy and not carried:  # its certificate and token are made at its start
        (spare / MADE_FOR_RUN).touch()
    return spare


def spare_files(folder: Path | None) -> dict[str, bytes]:
    """The files of the temporary state folder of a run (:func:`state_folder`), if it had one, read before its
    removal: a recorder rebuilt by an edit on the same folder goes on with them (its ``carried``)."""
    files: dict[str, bytes] = {}
    for item in folder.iterdir() if folder is not None and folder.is_dir() else ():
        with contextlib.suppress(OSError):
            if item.is_file():
                files[item.name] = item.read_bytes()
    return files


def remove_spare(folder: Path | None) -> None:
    """Remove the temporary state folder of a run (:func:`state_folder`), if it had one."""
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)
