"""A YAML loader that remembers where every value came from, and a reader that checks values.

enjoin's users write YAML (``enjoin.yaml``) and so do its case files (the law as data). When a value
is wrong, the error must name the file, the line and the key path (``holdings[2].fields[3]``), so a
plain ``yaml.safe_load`` is not enough: it forgets positions. :func:`load_yaml` composes the node
tree (which keeps marks), turns it into plain Python values and records the line of every key path.

Deliberate differences from ``yaml.safe_load``:

- Mapping keys are always read as strings, from their source text: a column named ``on`` or a
  question named ``no`` must not become a boolean (YAML 1.1 would make it one).
- A key given twice in one mapping is an error (``safe_load`` silently keeps the last), except where
  a merge key (``<<``) supplies it: overriding a merged value is what merges are for.
- The source text of every scalar is kept (:meth:`YamlDocument.raw`), so an account id written
  ``011111111111`` is not lost to YAML 1.1's octal reading.
- Hostile documents are refused while the node tree is composed, before anything walks it
  (:class:`BoundedComposer`, which the CloudFormation template loader uses too): nesting deeper than
  :data:`~enjoin.textfile.MAX_DEPTH` levels (libyaml's own composer would overflow the C stack), and
  aliases that expand to more than :data:`MAX_ALIAS_NODES` nodes (a "billion laughs" document of a few
  hundred bytes shares its nodes, but any walk over its values visits 9^9 of them). A value that
  contains itself through an alias is refused by the walker, which knows its key path.
- The file is read by :func:`enjoin.textfile.read_text`: a directory, a loop of symbolic links, a
  named pipe, a binary or non-UTF-8 file is one error naming the file.

:class:`Reader` is the shared vocabulary of checks (a mapping with known keys, a non-empty string, a
list drawn from a vocabulary, a date...) that :mod:`enjoin.config` and :mod:`enjoin.case` build
their validation from; every failure raises the caller's error class with the place, what was
expected and what was found.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import os
import re
import sys
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import yaml
from yaml.composer import Composer

from enjoin.errors import EnjoinError
from enjoin.textfile import MAX_DEPTH, read_text

# The start of libyaml's own refusal of deep nesting (its limit is far above MAX_DEPTH).
LIBYAML_TOO_DEEP = "exceeded maximum nesting depth"

# A key path: mapping keys are strings, sequence positions are ints. () is the document itself.
KeyPath = tuple[str | int, ...]

# The most nodes the aliases of one document may bring in, counting every node of an alias's value
# each time the alias appears. Real configs and templates use a few hundred; a billion-laughs
# document of 300 bytes would bring in hundreds of millions.
MAX_ALIAS_NODES = 100_000

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")


def shown_path(path: Path) -> str:
    """The way a file is named in messages: relative to the working directory when inside it."""
    absolute = path if path.is_absolute() else Path.cwd() / path
    try:
        return str(absolute.relative_to(Path.cwd()))
    except ValueError:
        return str(absolute)


def format_key(key: KeyPath) -> str:
    """``("holdings", 2, "fields", 3)`` -> ``holdings[2].fields[3]``."""
    text = ""
    for part in key:
        if isinstance(part, int):
            text += f"[{part}]"
        elif _IDENTIFIER.match(part):
            text += f".{part}" if text else part
        else:
            # Keys with dots, spaces or colons (column names, ARNs) stay unambiguous when quoted.
            text += f"[{part!r}]"
    return text


def describe(value: Any) -> str:
    """A value as a message shows it: its kind first, so a list is not mistaken for a string."""
    if value is None:
        return "an empty value (null)"
    if isinstance(value, bool):
        return f"the boolean {'true' if value else 'false'}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the string {value!r}" if value else "an empty string"
    if isinstance(value, _dt.datetime | _dt.date):
        return f"the date {value.isoformat()}"
    if isinstance(value, Mapping):
        keys = ", ".join(str(k) for k in value)
        return f"a mapping (keys: {keys})" if keys else "an empty mapping"
    if isinstance(value, list):
        return f"a list of {len(value)} item{'s' if len(value) != 1 else ''}" if value else "an empty list"
    return f"a {type(value).__name__}"


def outline(value: Any) -> str:
    """What a whole document is, without its content: a file that is not the config or case it was
    named as (a README, a log) may not be meant to be shown, and is no use to quote."""
    if value is None:
        return "an empty document"
    if isinstance(value, str):
        return f"text ({len(value)} characters), not a mapping"
    if isinstance(value, list):
        return f"a list of {len(value)} item{'s' if len(value) != 1 else ''}, not a mapping"
    if isinstance(value, Mapping):
        return f"a mapping of {len(value)} keys"
    return f"a single {type(value).__name__} value, not a mapping"


def suggest(found: str, names: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` when a known name is close to what was written, else ``""``."""
    known = list(names)
    # Case first: "ca" for "CA" is the commonest slip, and difflib scores it as no match at all.
    close = [k for k in known if k.casefold() == found.casefold()]
    close = close or difflib.get_close_matches(found, known, n=1, cutoff=0.75)
    return f" (did you mean {close[0]!r}?)" if close else ""


@dataclass(frozen=True, slots=True)
class YamlDocument:
    """One parsed YAML file: its plain value and the line of every key path in it.

    Attributes:
        path: the file, absolute.
        shown: the file as messages name it (see :func:`shown_path`).
        value: the document as plain Python values (dict, list, str, int, float, bool, date, None).
        lines: 1-based line of each key path: for a mapping entry the line of its key, for a list
            item the line where the item starts.
        raws: the source text of each scalar, by key path.
    """

    path: Path
    shown: str
    value: Any
    lines: Mapping[KeyPath, int]
    raws: Mapping[KeyPath, str]

    def line(self, key: KeyPath) -> int:
        """The line of ``key``, or of its nearest ancestor when ``key`` is absent (a missing key)."""
        while key and key not in self.lines:
            key = key[:-1]
        return self.lines.get(key, 1)

    def raw(self, key: KeyPath) -> str | None:
        """The source text of the scalar at ``key`` (``None`` for a mapping, a list or nothing)."""
        return self.raws.get(key)

    def where(self, key: KeyPath) -> str:
        """``file:line: key.path``, the place an error names."""
        text = format_key(key)
        place = f"{self.shown}:{self.line(key)}"
        return f"{place}: {text}" if text else place


def load_yaml(path: Path | str, error: type[EnjoinError]) -> YamlDocument:
    """Read and parse one YAML file, keeping the line of every key path.

    Args:
        path: the file (relative paths are taken from the working directory).
        error: the error class to raise (ConfigError for enjoin.yaml, CaseError for a case file).

    Raises:
        EnjoinError: of class ``error``, for an unreadable file, malformed YAML (with line and
            column), a key given twice, a non-scalar key or a recursive alias.
    """
    written = Path(path)
    absolute = written if written.is_absolute() else Path.cwd() / written
    text = read_text(absolute, error, shown_path(absolute), "YAML file")
    return parse_yaml(text, absolute, error)


def parse_yaml(text: str, path: Path, error: type[EnjoinError]) -> YamlDocument:
    """Parse YAML ``text`` said to come from ``path`` (see :func:`load_yaml`)."""
    shown = shown_path(path)
    loader = _Loader(text)
    try:
        try:
            root = loader.get_single_node()
        except Refused as exc:
            raise error(f"{shown}:{exc.mark.line + 1}", exc.expected, exc.found) from None
        except yaml.MarkedYAMLError as exc:
            raise _malformed(exc, shown, error) from None
        except yaml.reader.ReaderError as exc:
            raise _unreadable(exc, text, shown, error) from None
        except yaml.YAMLError as exc:
            raise error(shown, "valid YAML", str(exc)) from None
        except UnicodeError:  # only a str built in memory can hold a lone surrogate; a file cannot
            raise error(shown, "YAML text", "a lone surrogate character") from None
        lines: dict[KeyPath, int] = {(): 1 if root is None else root.start_mark.line + 1}
        raws: dict[KeyPath, str] = {}
        walker = _Walker(loader, shown, error, lines, raws)
        value = None if root is None else walker.walk(root, (), frozenset())
    finally:
        loader.dispose()
    return YamlDocument(absolute_path(path), shown, value, lines, raws)


class Refused(yaml.YAMLError):
    """A document :class:`BoundedComposer` will not compose: too deep, or an alias bomb.

    Attributes:
        mark: where in the text (the alias that crossed the bound, the collection one level too deep).
        expected: what a document should be, as an error's "expected".
        found: what this one is, as an error's "found".
    """

    def __init__(self, mark: Any, expected: str, found: str) -> None:
        super().__init__(f"line {mark.line + 1}: expected {expected}; found {found}")
        self.mark = mark
        self.expected = expected
        self.found = found


class BoundedComposer(Composer):
    """PyYAML's composer, refusing documents that would be too deep or expand too far.

    PyYAML composes an alias as the very node of its anchor, so composing a billion-laughs document
    is cheap; it is every walk over the values (construction without sharing, a validator, a
    ``json.dumps``) that explodes. This composer counts, as it goes, how many nodes each anchored
    value stands for (its own nodes, its aliases at their full size) and refuses the alias that
    brings the total of nodes aliases stand for past :data:`MAX_ALIAS_NODES`. It also refuses a
    collection nested more than :data:`~enjoin.textfile.MAX_DEPTH` levels deep before composing it.

    Mixed in ahead of a loader class (:func:`bounded_loader`); it replaces libyaml's C composer too,
    which recurses on the C stack without any limit.

    Attributes:
        recursive_alias: where the first alias to one of its own ancestors is, if any (counted as one
            node: such a value is infinite, and the loader that meets it must refuse it).
    """

    recursive_alias: Any  # yaml.Mark | None (the C parser's marks are another class)
    peek_event: Callable[[], Any]  # the parser's, which comes later in the loader's bases

    def reset_bounds(self) -> None:
        """Start counting; the loader's ``__init__`` calls it."""
        self.anchors = {}  # a C loader's __init__ leaves the Python composer's table unset
        self.recursive_alias = None
        self._depth = 0
        self._aliased = 0  # nodes the aliases met so far stand for
        self._total = 0  # nodes composed so far, each alias counted at the size of its value
        self._sizes: dict[int, int] = {}  # id of an anchored node -> the nodes its value stands for

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            anchored = self.anchors.get(event.anchor)
            if anchored is not None:  # an undefined alias is the composer's own error
                size = self._sizes.get(id(anchored))
                if size is None:  # its anchor is still being composed: an ancestor
                    self.recursive_alias = self.recursive_alias or event.start_mark
                    size = 1
                self._aliased += size
                self._total += size
                if self._aliased > MAX_ALIAS_NODES:
                    raise Refused(
                        event.start_mark,
                        f"a YAML document without alias expansion beyond {MAX_ALIAS_NODES} nodes",
                        f"an alias bomb (the alias *{event.anchor} brings the expansion to {self._aliased} nodes)",
                    )
            alias: yaml.Node = super().compose_node(parent, index)  # type: ignore[assignment]  # never None
            return alias
        collection = isinstance(event, yaml.SequenceStartEvent | yaml.MappingStartEvent)
        if collection:
            if self._depth >= MAX_DEPTH:
                raise Refused(
                    event.start_mark,
                    f"YAML nested at most {MAX_DEPTH} levels deep",
                    f"nesting deeper than {MAX_DEPTH} levels",
                )
            self._depth += 1
        before = self._total
        self._total += 1
        node: yaml.Node = super().compose_node(parent, index)  # type: ignore[assignment]  # never None
        if collection:
            self._depth -= 1
        if event.anchor is not None:
            self._sizes[id(node)] = self._total - before
        return node


def bounded_loader(base: type[yaml.SafeLoader]) -> type[yaml.SafeLoader]:
    """``base`` (a SafeLoader or CSafeLoader, or a subclass) composing with :class:`BoundedComposer`."""

    class Bounded(BoundedComposer, base):  # type: ignore[valid-type,misc]  # a class made at run time
        def __init__(self, stream: str) -> None:
            base.__init__(self, stream)
            self.reset_bounds()

    Bounded.__name__ = Bounded.__qualname__ = f"Bounded{base.__name__}"
    return Bounded


# The C parser keeps marks just like the pure-Python one and is several times faster; its events
# feed the bounded composer.
_Loader = bounded_loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def unreadable_character(exc: yaml.reader.ReaderError, text: str) -> tuple[int, int, str]:
    """Line, column and description of the character a YAML reader refused in ``text``.

    YAML allows no control character but tab and line breaks: a binary file that happens to decode as
    UTF-8 ends here. The reader gives the place as a character offset, without a line.
    """
    position = exc.position if isinstance(exc.position, int) and 0 <= exc.position <= len(text) else 0
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    character = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "\0")
    return line, column, f"the character U+{character:04X} ({exc.reason})"


def _unreadable(exc: yaml.reader.ReaderError, text: str, shown: str, error: type[EnjoinError]) -> EnjoinError:
    line, column, found = unreadable_character(exc, text)
    return error(f"{shown}:{line}:{column}", "YAML text (no control characters)", found)


def absolute_path(path: Path) -> Path:
    """``path`` made absolute against the working directory, without resolving symlinks."""
    return path if path.is_absolute() else Path(os.path.abspath(path))


def _malformed(exc: yaml.MarkedYAMLError, shown: str, error: type[EnjoinError]) -> EnjoinError:
    mark = exc.problem_mark or exc.context_mark
    if (exc.problem or "").startswith(LIBYAML_TOO_DEEP):
        # libyaml (PyYAML 6.0.4 on) stops at its own depth, which can come before the composer's bound: the
        # same refusal, in the same words.
        line = mark.line + 1 if mark is not None else 1
        return error(f"{shown}:{line}", f"YAML nested at most {MAX_DEPTH} levels deep",
                     f"nesting deeper than {MAX_DEPTH} levels")
    place = f"{shown}:{mark.line + 1}:{mark.column + 1}" if mark is not None else shown
    # PyYAML's problems often begin "found ..." or "but found ...": the message adds its own "found".
    problem = re.sub(r"^(but )?found ", "", exc.problem or "a YAML syntax error")
    context = ""
    if exc.context:
        # The parser notices an unclosed bracket or quote late; where it began is what to fix.
        began = exc.context_mark
        at = f" at line {began.line + 1}, column {began.column + 1}" if began is not None else ""
        context = f" ({exc.context}{' started' + at if at and exc.problem_mark is not None else at})"
    return error(place, "valid YAML", f"{problem}{context}")


class _Walker:
    """Turns a composed node tree into plain values, recording lines and scalar source text."""

    def __init__(
        self,
        loader: yaml.SafeLoader,
        shown: str,
        error: type[EnjoinError],
        lines: dict[KeyPath, int],
        raws: dict[KeyPath, str],
    ) -> None:
        self.loader = loader
        self.shown = shown
        self.error = error
        self.lines = lines
        self.raws = raws

    def fail(self, node: yaml.Node, key: KeyPath, expected: str, found: str) -> NoReturn:
        place = f"{self.shown}:{node.start_mark.line + 1}"
        text = format_key(key)
        raise self.error(f"{place}: {text}" if text else place, expected, found)

    def walk(self, node: yaml.Node, key: KeyPath, active: frozenset[int]) -> Any:
        if isinstance(node, yaml.ScalarNode):
            self.raws[key] = str(node.value)
            try:
                return self.loader.construct_object(node, deep=True)
            except yaml.MarkedYAMLError as exc:
                raise _malformed(exc, self.shown, self.error) from None
            except (ValueError, OverflowError, TypeError, AttributeError) as exc:
                # A well-formed scalar with an impossible value: 2026-02-30 resolves as a date; an
                # integer of 5,000 digits is more than Python converts (sys.get_int_max_str_digits).
                # An explicit tag on a scalar that is not of its kind fails inside PyYAML's constructor
                # (!!timestamp z: an AttributeError on the failed match).
                kind = node.tag.rsplit(":", 1)[-1].replace("timestamp", "date")
                if kind == "int":  # the only ValueError of a well-formed int: too many digits
                    digits = sum(c.isdigit() for c in str(node.value))
                    limit = sys.get_int_max_str_digits()
                    self.fail(
                        node, key, f"an integer Python reads (at most {limit} digits)", f"an integer of {digits} digits"
                    )
                self.fail(node, key, f"a valid {kind}", f"{node.value!r} ({exc})")
        if id(node) in active:
            # An alias to one of its own ancestors: a value that contains itself. The composer keeps
            # no position for an alias, so the line is the anchored value's.
            self.fail(node, key, "a value that does not contain itself", "a recursive alias")
        inner = active | {id(node)}
        if isinstance(node, yaml.SequenceNode):
            items = []
            for index, item in enumerate(node.value):
                self.lines[(*key, index)] = item.start_mark.line + 1
                items.append(self.walk(item, (*key, index), inner))
            return items
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, key, inner)
        self.fail(node, key, "a scalar, a list or a mapping", f"a {type(node).__name__}")

    def mapping(self, node: yaml.MappingNode, key: KeyPath, active: frozenset[int]) -> dict[str, Any]:
        own = {id(k) for k, _ in node.value}
        try:
            self.loader.flatten_mapping(node)  # resolves merge keys (<<) in place
        except yaml.MarkedYAMLError as exc:
            raise _malformed(exc, self.shown, self.error) from None
        result: dict[str, Any] = {}
        first_own_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self.fail(key_node, key, "a plain key (a name)", "a list or a mapping used as a key")
            name = str(key_node.value)
            line = key_node.start_mark.line + 1
            if id(key_node) in own:
                if name in first_own_line:
                    self.fail(
                        key_node,
                        (*key, name),
                        "each key once in a mapping",
                        f"{name!r} again (first at line {first_own_line[name]})",
                    )
                first_own_line[name] = line
            self.lines[(*key, name)] = line
            result[name] = self.walk(value_node, (*key, name), active)
        return result


class Reader:
    """Checks values of one :class:`YamlDocument`, raising ``error`` at the offending key path.

    Every check takes the key path of the value it checks; the error names ``file:line: key``,
    what was expected (listing allowed values where there is a list) and what was found.
    """

    def __init__(self, doc: YamlDocument, error: type[EnjoinError]) -> None:
        self.doc = doc
        self.error = error

    def fail(self, key: KeyPath, expected: str, found: str) -> NoReturn:
        """Raise the reader's error at ``key``."""
        raise self.error(self.doc.where(key), expected, found)

    def mapping(
        self,
        key: KeyPath,
        value: Any,
        *,
        known: Collection[str] | None,
        required: Collection[str] = (),
        what: str = "a mapping",
        nonempty: bool = False,
    ) -> dict[str, Any]:
        """A mapping whose keys are all in ``known`` (any, when ``None``) and include ``required``."""
        if not isinstance(value, dict) or (nonempty and not value):
            self.fail(key, what, describe(value))
        for name in value:
            if known is not None and name not in known:
                self.fail(
                    (*key, name),
                    f"one of the keys {', '.join(sorted(known))}",
                    f"unknown key {name!r}{suggest(name, known)}",
                )
        for name in required:
            if name not in value:
                found = f"only the keys {', '.join(value)}" if value else "an empty mapping"
                self.fail(key, f"the key {name!r} in {what}", found)
        return value

    def string(self, key: KeyPath, value: Any, *, what: str = "a non-empty string") -> str:
        """A non-empty string (whitespace alone is empty)."""
        if not isinstance(value, str) or not value.strip():
            self.fail(key, what, describe(value))
        return value

    def boolean(self, key: KeyPath, value: Any, *, what: str = "true or false") -> bool:
        """A YAML boolean (``true``/``false``), never a string that looks like one."""
        if not isinstance(value, bool):
            self.fail(key, what, describe(value))
        return value

    def date(self, key: KeyPath, value: Any, *, what: str = "a date (YYYY-MM-DD)") -> _dt.date:
        """A calendar date, written bare (2026-02-01) or quoted ("2026-02-01")."""
        if isinstance(value, _dt.datetime):
            self.fail(key, what, f"the date and time {value.isoformat()}")
        if isinstance(value, _dt.date):
            return value
        if isinstance(value, str):
            try:
                return _dt.date.fromisoformat(value.strip())
            except ValueError:
                pass
        self.fail(key, what, describe(value))

    def choice(self, key: KeyPath, value: Any, allowed: Sequence[str], *, what: str) -> str:
        """One name out of ``allowed``; the error lists them all and suggests the closest."""
        if not isinstance(value, str):
            self.fail(key, f"{what}, one of: {', '.join(allowed)}", describe(value))
        if value not in allowed:
            self.fail(key, f"{what}, one of: {', '.join(allowed)}", f"{value!r}{suggest(value, allowed)}")
        return value

    def items(self, key: KeyPath, value: Any, *, what: str, nonempty: bool = False) -> list[Any]:
        """A list (``nonempty``: with at least one item)."""
        if not isinstance(value, list) or (nonempty and not value):
            self.fail(key, what, describe(value))
        return value

    def names(
        self,
        key: KeyPath,
        value: Any,
        allowed: Sequence[str] | None,
        *,
        what: str,
        item: str,
        nonempty: bool = False,
    ) -> tuple[str, ...]:
        """A list of distinct names, each in ``allowed`` (any non-empty string when ``None``).

        Args:
            key: where the list is.
            value: the list as parsed.
            allowed: the vocabulary, or ``None`` for free names.
            what: the list as the error's "expected" names it ("a list of fields").
            item: one item as the error names it ("a field of case ca-v-hhs").
            nonempty: whether an empty list is an error.
        """
        listed = self.items(key, value, what=what, nonempty=nonempty)
        names: list[str] = []
        for index, entry in enumerate(listed):
            if allowed is None:
                names.append(self.string((*key, index), entry, what=item))
            else:
                names.append(self.choice((*key, index), entry, allowed, what=item))
            if names[-1] in names[:-1]:
                self.fail((*key, index), f"{what} without repetitions", f"{names[-1]!r} listed twice")
        return tuple(names)
