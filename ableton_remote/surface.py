"""The control surface object Live talks to, and the loading of a take into a track.

OSC in (UDP, port 10600 unless ``EXSAMPLING_LIVE_PORT`` says otherwise), answered to the sender:

- ``/exsampling/load <slot> <path> [<label> <pitch_hz> <fire> <once>]`` -> ``/exsampling/loaded <slot> <path> <how>``
  or ``/exsampling/error <slot> <reason> <path>`` (the path: two takes of a slot in flight, the sender tells the one
  refused; before, the error named the slot alone); with ``once`` (a take sent again: redone after a crash, or
  missed while Live was silent), a track that holds ``path`` already, or that this script loaded it into before, is
  left as it is, answered ``already``
- ``/exsampling/ping [<id>]`` -> ``/exsampling/pong <version> [<id>]``

Loading uses what the running Live offers: a Simpler on the track (``SimplerDevice.replace_sample``),
else the track's first clip slot (``ClipSlot.create_audio_clip``, Live 12). Live calls
:meth:`ExSamplingSurface.update_display` about ten times a second on its main thread; the script reads
its socket there (never blocking), so every Live API call happens on Live's main thread.
"""

import contextlib
import errno
import os
import re
import socket
from collections import OrderedDict

from . import osc

# 2: a pong names the ping it answers; 3: an error names the take's path (the node warns of an installed script
# older than its own: what is lost, and how to install this one)
VERSION = "3"
DEFAULT_PORT = 10600
CLIP_SLOT = 0  # the scene a take goes into on an audio track
LOADS_KEPT = 4096  # (track, file) loads remembered for ``once``: hours of a show's takes
RETRY_TICKS = 30  # display ticks (about 0.1 s each) between tries of a port found taken
# A port another socket holds (Windows' sockets say it with their own number)
IN_USE = (errno.EADDRINUSE, getattr(errno, "WSAEADDRINUSE", errno.EADDRINUSE))


class LoadError(Exception):
    """A take that cannot be loaded; the text goes back to the sender."""


def find_track(song, slot):
    """The track named ``slot`` (case-insensitive, spaces at its ends aside), and no other. Not one whose name starts
    with ``slot`` and a space, as before: this script is not told the patch's slots, so it cannot tell HH's track
    named ``HH Open`` from slot ``HH Open``'s, and with no track named ``HH``, HH's takes went into HH Open's track."""
    tracks = list(song.tracks)
    wanted = slot.strip().lower()
    for track in tracks:
        if track.name.strip().lower() == wanted:
            return track
    told = "no track named '{}' (tracks: {})".format(slot, ", ".join(t.name for t in tracks) or "none")
    # A track renamed per take (ableton_osc's 'name' action: "Snare dog") is no longer found: say why, or the
    # performer sees the track there, named after the slot as far as the eye goes
    word = re.compile(rf"(^|\s){re.escape(wanted)}(\s|$)")
    like = [f"'{t.name}'" for t in tracks if wanted and word.search(t.name.lower())]
    if like:
        told += (f"; {', '.join(like)} {'is' if len(like) == 1 else 'are'} not taken for it: only a track named "
                 f"exactly '{slot}' is (renamed by ableton_osc's 'name' action? leave 'name' out of its actions "
                 "beside ableton_live)")
    raise LoadError(told)


def find_simpler(track):
    for device in getattr(track, "devices", ()):
        if getattr(device, "class_name", "") == "OriginalSimpler":
            return device
    return None


def holds(track, simpler, path):
    """Whether ``track`` holds the file ``path`` now: its Simpler's sample, else its take's clip."""
    if simpler is not None:
        return getattr(getattr(simpler, "sample", None), "file_path", None) == path
    slots = list(track.clip_slots)
    clip = slots[CLIP_SLOT].clip if len(slots) > CLIP_SLOT and slots[CLIP_SLOT].has_clip else None
    return getattr(clip, "file_path", None) == path


def load_take(song, slot, path, label="", fire=False, once=False, loads=None):
    """Load the audio file ``path`` into the track named ``slot``; returns how ("simpler" or "clip_slot"), or
    "already" where ``once`` and the track holds that file: a take sent again after Live loaded it (a crash between
    Live's answer and the sender's log of it) is not loaded, nor its clip fired, a second time.

    ``loads``: the (track name, file) of the loads done before, which this one is added to. A track no longer holds
    a take once a later take of its slot was loaded: a patch killed with both sent and unanswered redoes both, and
    without them each was loaded again (the older over the newer, then the newer)."""
    track = find_track(song, slot)
    simpler = find_simpler(track)
    key = (track.name.strip().lower(), path)
    if once and (holds(track, simpler, path) or (loads is not None and key in loads)):
        # Its file is not read: one removed since (the patch keeps a few copies per slot) is no reason to answer an
        # error, which the node told as a take not loaded that Live had loaded
        return "already"
    if not os.path.isfile(path):
        raise LoadError(f"file not found: {path}")
    how = _load(track, simpler, path, own_label(slot, label), fire)
    if loads is not None:
        loads[key] = None
        loads.move_to_end(key)
        while len(loads) > LOADS_KEPT:
            loads.popitem(last=False)
    return how


def own_label(slot, label):
    """``label``, unless it is only the slot's name (a patch with no classifier: fixed_slot sends the slot): then "",
    so that the clip keeps the file's name Live gave it, and the status bar names the file, not "HH <- HH"."""
    return label if label.strip().lower() != slot.strip().lower() else ""


def _load(track, simpler, path, label, fire):
    if simpler is not None:
        if not hasattr(simpler, "replace_sample"):
            raise LoadError("this Live cannot replace a Simpler's sample from a script (needs Live 12); "
                            "use an audio track without a Simpler instead")
        simpler.replace_sample(path)
        return "simpler"
    if getattr(track, "has_midi_input", False):
        raise LoadError(f"track '{track.name}' is a MIDI track without a Simpler: add a Simpler, or use an audio track")
    slots = list(track.clip_slots)
    if len(slots) <= CLIP_SLOT:
        raise LoadError(f"track '{track.name}' has no clip slot {CLIP_SLOT + 1}")
    clip_slot = slots[CLIP_SLOT]
    if not hasattr(clip_slot, "create_audio_clip"):
        raise LoadError("this Live cannot create audio clips from a script (ClipSlot.create_audio_clip needs "
                        f"Live 12); put a Simpler on track '{track.name}' in a Live that can replace samples")
    if clip_slot.has_clip:
        clip_slot.delete_clip()
    clip_slot.create_audio_clip(path)
    if label and clip_slot.has_clip:
        clip_slot.clip.name = label
    if fire:
        clip_slot.fire()
    return "clip_slot"


class ExSamplingSurface:
    """A minimal Live control surface: no MIDI, an OSC socket polled on Live's display timer."""

    def __init__(self, c_instance, port=None, host="127.0.0.1"):
        self._c = c_instance
        self.loaded = 0
        self._loads = OrderedDict()  # what load_take loaded, for a take sent again ("once")
        self._sock = None
        self._closed = False  # disconnected by Live (or no port to listen on): never bound again
        self._ticks = 0  # display ticks since the port was found taken
        if port is None:
            port = self._port_from_environment()
        self.host, self.port = host, port
        if port is not None:
            self._listen(taken_told=False)

    def _port_from_environment(self):
        """``EXSAMPLING_LIVE_PORT``'s port, or the default; None (told in Live's status bar) where it names none:
        raised from create_instance, "invalid literal for int()" reached Live's Log.txt alone, nothing in Live."""
        text = os.environ.get("EXSAMPLING_LIVE_PORT", "").strip() or str(DEFAULT_PORT)
        if text.isdecimal() and int(text) <= 65535:
            return int(text)
        self._closed = True
        told = (f"ExSampling: EXSAMPLING_LIVE_PORT is '{text}', no UDP port (0 to 65535): no take reaches this "
                "script; set it to the patch's ableton_live port and restart Live")
        self._log(told)
        self._show(told)
        return None

    def _listen(self, taken_told):
        """Bind the port. One taken (ExSampling chosen in two Control Surface slots, another Live open, another
        program) is told in Live's status bar and log, not raised: raised, Live would only write it to its Log.txt,
        and the patch could only ask whether the script is chosen. Tried again every few seconds from then on."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.setblocking(False)
        try:
            sock.bind((self.host, self.port))
        except OSError as error:
            sock.close()
            if not taken_told:
                if error.errno in IN_USE:
                    text = (f"ExSampling: UDP port {self.port} is taken ({error.strerror or error}): is ExSampling "
                            "chosen in two Control Surface slots, or does another program use that port? No take "
                            "reaches this one until it is free")
                else:  # not taken (a port the system keeps from programs; an address not this computer's): "chosen
                    # in two slots?" sent the performer after the wrong thing
                    text = (f"ExSampling: cannot listen on UDP {self.host}:{self.port} ({error.strerror or error}): "
                            "choose another port with EXSAMPLING_LIVE_PORT, and the patch's ableton_live port. No "
                            "take reaches this one until it can")
                self._log(text)
                self._show(text)
            return
        self._sock = sock
        self.port = sock.getsockname()[1]
        self._log(f"ExSampling listening on UDP {self.host}:{self.port}")
        self._show(f"ExSampling: listening on UDP port {self.port}")

    # -- what Live calls ----------------------------------------------------------------------------------------

    def update_display(self):
        """Called by Live about every 100 ms: handle whatever OSC has arrived."""
        if self._sock is None:  # its port was taken: tried again about every 3 s
            if self._closed:
                return
            self._ticks += 1
            if self._ticks % RETRY_TICKS == 0:
                self._listen(taken_told=True)
            return
        for _ in range(64):  # bounded: never hold Live's main thread for long
            try:
                data, sender = self._sock.recvfrom(65536)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return
            self.handle(data, sender)

    def disconnect(self):
        self._closed = True
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def refresh_state(self):
        pass

    def build_midi_map(self, midi_map_handle):
        pass

    def receive_midi(self, midi_bytes):
        pass

    def connect_script_instances(self, instanciated_scripts):
        pass

    def can_lock_to_devices(self):
        return False

    def suggest_input_port(self):
        return ""

    def suggest_output_port(self):
        return ""

    def suggest_map_mode(self, cc_no, channel=0):
        return -1

    # -- OSC ----------------------------------------------------------------------------------------------------

    def handle(self, data, sender):
        try:
            address, args = osc.decode(data)
        except ValueError as error:
            self._reply(sender, "/exsampling/error", ["", str(error)])
            return
        if address == "/exsampling/ping":  # its id, if any, echoed: the sender learns which ping this answers
            self._reply(sender, "/exsampling/pong", [VERSION, *args[:1]])
        elif address == "/exsampling/load":
            self._load(sender, args)
        else:
            self._reply(sender, "/exsampling/error", ["", f"unknown address {address}"])

    def _load(self, sender, args):
        if len(args) < 2:
            self._reply(sender, "/exsampling/error", ["", "/exsampling/load needs <slot> <path>"])
            return
        slot, path = str(args[0]), str(args[1])
        label = str(args[2]) if len(args) > 2 else ""
        fire = bool(args[4]) if len(args) > 4 else False
        once = bool(args[5]) if len(args) > 5 else False
        try:
            how = load_take(self._c.song(), slot, path, label, fire, once, self._loads)
        except LoadError as error:
            self._reply(sender, "/exsampling/error", [slot, str(error), path])
            return
        except Exception as error:  # Live's API raised: say so, keep the script alive
            self._reply(sender, "/exsampling/error", [slot, f"Live refused: {error}", path])
            return
        if how == "already":
            self._reply(sender, "/exsampling/loaded", [slot, path, how])
            return
        self.loaded += 1
        self._show(f"ExSampling: {slot} <- {own_label(slot, label) or os.path.basename(path)}")
        self._reply(sender, "/exsampling/loaded", [slot, path, how])

    def _reply(self, sender, address, args):
        if self._sock is None:
            return
        with contextlib.suppress(OSError):
            self._sock.sendto(osc.encode(address, args), sender)

    def _log(self, text):
        log = getattr(self._c, "log_message", None)
        if log is not None:
            log(text)

    def _show(self, text):
        show = getattr(self._c, "show_message", None)
        if show is not None:
            show(text)
