"""Reading a file a user names as text, and JSON whose nesting is bounded.

enjoin reads files because a user names them: ``enjoin.yaml`` and the files it extends, a case file,
templates, organization policies, the input of ``enjoin decide``. Any of them may turn out to be
something other than the text it should be: a directory, a loop of symbolic links, a named pipe that
would block the read forever, a device that never ends, a file enjoin may not read, a binary, text in
another encoding, JSON nested deeper than Python's parser can recurse. Each of these is one error
(of the caller's class) naming the file and what it is: never a traceback, never a hang.

Bounds, the same for every file:

- :data:`MAX_BYTES`: a named file is at most 16 MiB. A CloudFormation template is at most 1 MB,
  and a config or a case file is a few kilobytes: a bigger file is a mistake, not an input.
- :data:`MAX_DEPTH`: lists and mappings (YAML), arrays and objects (JSON) nest at most 100 levels.
  The deepest real input, a policy inside a resource inside a template, nests about 15; parsers and
  every stage after them recurse once or more per level, and must stay far from Python's recursion
  limit.
- Integers of more digits than Python converts (``sys.get_int_max_str_digits()``, 4,300 by default)
  are refused by name, where Python's ``json`` would raise a bare ``ValueError``.
"""

from __future__ import annotations

import codecs
import errno
import functools
import itertools
import json
import os
import re
import stat
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from enjoin.errors import EnjoinError

MAX_BYTES = 16 * 1024 * 1024
MAX_DEPTH = 100

# A JSON string (skipped: brackets inside it are text) or a bracket. Possessive, so that an
# unterminated string costs one pass, not a backtracking search.
_JSON_TOKEN = re.compile(r'"[^"\\]*+(?:\\.[^"\\]*+)*+"|[\[\]{}]')
# The same strings, and everything but brackets: removed, what is left is the brackets the tokens hold.
_JSON_STRING = re.compile(r'"[^"\\]*+(?:\\.[^"\\]*+)*+"')
_NOT_BRACKET = re.compile(r"[^\[\]{}]++")
# Without a backslash a string is the text between two quotes: the ASCII text of no concern dropped.
_QUOTES_AND_BRACKETS = {code: None for code in range(128) if chr(code) not in '"[]{}\\'}
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}

_KINDS = (
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def read_text(
    path: Path,
    error: type[EnjoinError],
    where: str,
    what: str,
    *,
    missing: str | None = None,
    named: str | None = None,
) -> str:
    """The contents of the regular file ``path``, decoded as UTF-8.

    Args:
        path: the file.
        error: the error class to raise.
        where: the place errors name: the file itself, or the key of a config that names it.
        what: the kind of file without an article (``"YAML file"``), for "expected a ...".
        missing: what the error says was found when there is no file (default: ``no file at PATH``).
        named: the path as a config wrote it, which errors then quote before what they found
            (``'infra/x.yaml': a directory``), when ``where`` is the config's key.

    Raises:
        EnjoinError: of class ``error``, for a missing file, a loop of symbolic links, a directory,
            anything but a regular file, a file over :data:`MAX_BYTES`, one that cannot be read,
            binary content or bytes that are not UTF-8.
    """
    check_file(path, error, where, what, missing=missing, named=named)
    prefix = f"{named!r}: " if named is not None else ""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise error(where, f"a readable {what}", prefix + os_problem(exc)) from None
    if len(data) > MAX_BYTES:  # it grew since it was looked at
        raise error(where, f"a {what} of at most {MAX_BYTES // 2**20} MiB", f"{prefix}more than {MAX_BYTES} bytes")
    try:
        return decode(data, error, where)
    except EnjoinError as exc:
        raise error(exc.where, exc.expected, prefix + exc.found) from None


def check_file(
    path: Path,
    error: type[EnjoinError],
    where: str,
    what: str,
    *,
    missing: str | None = None,
    named: str | None = None,
) -> None:
    """Check that ``path`` is a regular file of at most :data:`MAX_BYTES` that may be opened for reading.

    Nothing is read: a named pipe would block, a device would never end. Arguments and errors are
    :func:`read_text`'s.
    """
    prefix = f"{named!r}: " if named is not None else ""

    def fail(expected: str, found: str) -> EnjoinError:
        return error(where, expected, prefix + found)

    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise error(where, f"an existing {what}", missing or f"{prefix}no file at {_real(path)}") from None
    except OSError as exc:
        raise fail(f"a readable {what}", os_problem(exc)) from None
    except ValueError:  # os.stat's refusal of a NUL character
        raise fail(f"the path of a {what}", "a path with a NUL character") from None
    if stat.S_ISDIR(info.st_mode):
        raise fail(f"a {what}", "a directory")
    for test, kind in _KINDS:
        if test(info.st_mode):
            raise fail(f"a {what} (a regular file)", kind)
    if info.st_size > MAX_BYTES:
        raise fail(f"a {what} of at most {MAX_BYTES // 2**20} MiB", f"{info.st_size} bytes")
    if not os.access(path, os.R_OK):
        raise fail(f"a readable {what}", "a file enjoin may not read (permission denied)")


def os_problem(exc: OSError) -> str:
    """What an operating system error says the path is, as an error's "found"."""
    if exc.errno == errno.ELOOP:
        return "a loop of symbolic links"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "a file enjoin may not read (permission denied)"
    if exc.errno == errno.EISDIR:
        return "a directory"
    if exc.errno == errno.ENOTDIR:
        return "a path through a file that is not a directory"
    if exc.errno == errno.ENAMETOOLONG:
        return "a path too long for the operating system"
    return (exc.strerror or type(exc).__name__).lower()


def decode(data: bytes, error: type[EnjoinError], where: str) -> str:
    """``data`` as UTF-8 text.

    Raises:
        EnjoinError: of class ``error``, for UTF-16 text, binary content (a NUL byte: text never has
            one) or a byte sequence that is not UTF-8, naming the first offending byte's offset.
    """
    for bom, name in ((codecs.BOM_UTF16_LE, "UTF-16LE"), (codecs.BOM_UTF16_BE, "UTF-16BE")):
        if data.startswith(bom) and not data.startswith(codecs.BOM_UTF8):
            raise error(where, "UTF-8 text", f"{name} text (it begins with a UTF-16 byte-order mark)")
    nul = data.find(b"\0")
    if nul >= 0:
        raise error(where, "UTF-8 text", f"binary content (a NUL byte at offset {nul})")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        found = f"a byte 0x{data[exc.start]:02x} at offset {exc.start} (line {line}), which is not UTF-8"
        raise error(where, "UTF-8 text", found) from None


class JsonRefused(json.JSONDecodeError):
    """JSON that enjoin does not read: nested deeper than :data:`MAX_DEPTH`, or an integer too long.

    A :class:`json.JSONDecodeError`, so that every caller reports it as it reports a syntax error:
    ``msg`` says what is wrong, ``lineno`` and ``colno`` where.
    """


def parse_json(text: str) -> Any:
    """``json.loads(text)``, refusing what it would recurse too deep on or cannot convert.

    Raises:
        json.JSONDecodeError: malformed JSON, or :class:`JsonRefused` for nesting deeper than
            :data:`MAX_DEPTH` or an integer of more digits than Python converts.
    """
    deep = too_deep(text)
    if deep is not None:
        raise JsonRefused(f"nesting deeper than {MAX_DEPTH} levels", text, deep)
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise
    except RecursionError:  # within MAX_DEPTH only when the caller's own stack is already deep
        raise JsonRefused("nesting deeper than the parser can follow", text, 0) from None
    except ValueError:
        # Python's limit on converting long digit strings to int (CVE-2020-10735).
        limit = sys.get_int_max_str_digits()
        long = re.compile(rf'"[^"\\]*+(?:\\.[^"\\]*+)*+"|\d{{{limit + 1},}}')
        found = next((m for m in long.finditer(text) if not m.group().startswith('"')), None)
        digits, at = (len(found.group()), found.start()) if found else (0, 0)
        raise JsonRefused(f"an integer of {digits} digits (at most {limit} are read)", text, at) from None


@functools.cache
def _nesting() -> Callable[[str], int] | None:
    """The compiled core's one-pass ``json_nesting`` (None when the core is not built)."""
    try:
        from enjoin.engine._fast import json_nesting
    except ImportError:
        return None
    return json_nesting


def too_deep(text: str) -> int | None:
    """The offset where JSON ``text`` first nests deeper than :data:`MAX_DEPTH`, or ``None``."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return None  # the common case, at the speed of a count
    nesting = _nesting()
    if nesting is not None and 0 <= nesting(text) <= MAX_DEPTH:
        return None  # every string closed: the compiled scan's depth is the tokens' depth
    # The deepest nesting, by C loops (regex substitution, accumulate) rather than one Python step
    # a token: a file of thousands of cases is read at the speed of the parser itself.
    if "\\" in text:
        brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub("", text))
    else:
        # Quotes pair up left to right; an odd last one opens no string (the token pattern skips it).
        pieces = text.translate(_QUOTES_AND_BRACKETS).split('"')
        outside = pieces[::2] if len(pieces) % 2 else [*pieces[:-1:2], pieces[-1]]
        brackets = "".join(outside)
    steps = map(_STEP.get, brackets, itertools.repeat(0))  # other (non-ASCII) characters: 0
    if max(itertools.accumulate(steps), default=0) <= MAX_DEPTH:
        return None
    depth = 0  # too deep somewhere: where, token by token
    for match in _JSON_TOKEN.finditer(text):
        token = match.group()
        if token in ("[", "{"):
            depth += 1
            if depth > MAX_DEPTH:
                return match.start()
        elif token in ("]", "}"):
            depth -= 1
    return None


def _real(path: Path) -> str:
    # os.path.realpath, not Path.resolve: the latter raises on a loop of symbolic links.
    return os.path.realpath(path)
