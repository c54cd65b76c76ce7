"""The little OSC the remote script needs (strings, ints, floats), standard library only (Python 3.7+)."""

import struct


def _pad(data):
    return data + b"\0" * (4 - len(data) % 4)


def _string(text):
    return _pad(text.encode("utf-8"))


def encode(address, args=()):
    """One OSC message as bytes."""
    tags, body = ",", b""
    for arg in args:
        if isinstance(arg, bool):
            arg = int(arg)
        if isinstance(arg, int):
            tags += "i"
            body += struct.pack(">i", arg)
        elif isinstance(arg, float):
            tags += "f"
            body += struct.pack(">f", arg)
        else:
            tags += "s"
            body += _string(str(arg))
    return _string(address) + _string(tags) + body


def _read_string(data, at):
    end = data.index(b"\0", at)
    text = data[at:end].decode("utf-8")
    return text, at + ((end - at) // 4 + 1) * 4


def decode(data):
    """(address, [args]) of one OSC message; raises ValueError on anything else (bundles included)."""
    try:
        address, at = _read_string(data, 0)
        if not address.startswith("/"):
            raise ValueError("not an OSC message")
        if at >= len(data):
            return address, []
        tags, at = _read_string(data, at)
        args = []
        for tag in tags[1:]:
            if tag == "i":
                args.append(struct.unpack_from(">i", data, at)[0])
                at += 4
            elif tag == "f":
                args.append(struct.unpack_from(">f", data, at)[0])
                at += 4
            elif tag == "d":
                args.append(struct.unpack_from(">d", data, at)[0])
                at += 8
            elif tag == "h":
                args.append(struct.unpack_from(">q", data, at)[0])
                at += 8
            elif tag == "s":
                text, at = _read_string(data, at)
                args.append(text)
            elif tag in "TF":
                args.append(tag == "T")
            else:
                raise ValueError(f"OSC type tag {tag!r} not supported")
        return address, args
    except (IndexError, struct.error, UnicodeDecodeError) as error:
        raise ValueError(f"malformed OSC message: {error}") from None
