"""Typed readings of condition values: numbers, dates, IP addresses, booleans, case-folded strings.

Policy values and request-context values are strings; each operator family reads them as its own
type. The same functions serve the concrete evaluator and the solver's witness formatting, so the
two can never disagree about what a value means.

- Numbers are exact decimals (``fractions.Fraction``): ``"1.10"`` equals ``"1.1"``; no exponent form.
- Dates are integer microseconds since the epoch: ISO 8601 (``2024-01-31``, ``2024-01-31T12:00:00Z``,
  with an offset or fraction) or epoch seconds (all digits, optionally with a decimal fraction).
  A date or time without a zone is UTC.
- IP addresses are ``(version, integer)``; a CIDR is ``(version, network integer, prefix length)``.
  An IPv4 address never falls in an IPv6 range or the reverse.
- ``Bool`` compares ``true``/``false`` ignoring ASCII case.
- ``StringEqualsIgnoreCase`` compares character by character, two characters being equal when they
  are the same or have the same single-character upper or lower case (Java's ``equalsIgnoreCase``).
"""

from __future__ import annotations

import datetime as dt
import functools
import ipaddress
import re
from fractions import Fraction

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_EPOCH = re.compile(r"-?\d+(?:\.\d{1,6})?")
_EPOCH_ORIGIN = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
MICROS = 1_000_000
# datetime's range, in microseconds since the epoch: what a date witness can be printed as.
DATE_MIN = int((dt.datetime(1, 1, 1, tzinfo=dt.UTC) - _EPOCH_ORIGIN).total_seconds()) * MICROS
DATE_MAX = (
    int((dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=dt.UTC) - _EPOCH_ORIGIN).total_seconds()) * MICROS
)

IpAddress = tuple[int, int]  # (version, value)
IpNetwork = tuple[int, int, int]  # (version, network value, prefix length)


@functools.lru_cache(maxsize=16384)
def parse_number(text: str) -> Fraction | None:
    """An exact decimal, or None when ``text`` is not a decimal number."""
    if _NUMBER.fullmatch(text) is None:
        return None
    return Fraction(text)


@functools.lru_cache(maxsize=16384)
def parse_date(text: str) -> int | None:
    """Microseconds since the epoch, or None when ``text`` is neither ISO 8601 nor epoch seconds."""
    if _EPOCH.fullmatch(text):
        value = Fraction(text) * MICROS
        return int(value) if value.denominator == 1 else None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    delta = moment - _EPOCH_ORIGIN
    return (delta.days * 86400 + delta.seconds) * MICROS + delta.microseconds


def format_date(micros: int, *, epoch: bool = False) -> str:
    """Print a date so that :func:`parse_date` reads it back exactly."""
    if epoch:
        seconds, rest = divmod(micros, MICROS)
        return f"{seconds}" if rest == 0 else f"{seconds}.{rest:06d}".rstrip("0")
    moment = _EPOCH_ORIGIN + dt.timedelta(microseconds=micros)
    if moment.microsecond:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def format_number(value: Fraction) -> str:
    """Print an exact decimal (its denominator must divide a power of ten)."""
    if value.denominator == 1:
        return str(value.numerator)
    sign = "-" if value < 0 else ""
    value = abs(value)
    digits = 0
    scaled = value
    while scaled.denominator != 1:
        scaled *= 10
        digits += 1
        if digits > 60:
            raise ValueError(f"{value} has no finite decimal form")
    whole, frac = divmod(scaled.numerator, 10**digits)
    return f"{sign}{whole}.{frac:0{digits}d}"


@functools.lru_cache(maxsize=16384)
def parse_ip(text: str) -> IpAddress | None:
    """An IP address as ``(version, integer)``, or None."""
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    return (address.version, int(address))


@functools.lru_cache(maxsize=4096)
def parse_network(text: str) -> IpNetwork | None:
    """A CIDR block (or a single address, meaning /32 or /128), or None."""
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None
    return (network.version, int(network.network_address), network.prefixlen)


def ip_bits(version: int) -> int:
    """Address width of an IP version."""
    return 32 if version == 4 else 128


def in_network(address: IpAddress, network: IpNetwork) -> bool:
    """Whether ``address`` lies in ``network``."""
    version, value = address
    net_version, net_value, prefix = network
    if version != net_version:
        return False
    shift = ip_bits(version) - prefix
    return (value >> shift) == (net_value >> shift)


def format_ip(version: int, value: int) -> str:
    """Print an address."""
    if version == 4:
        return str(ipaddress.IPv4Address(value))
    return str(ipaddress.IPv6Address(value))


def _one(mapped: str, ch: str) -> str:
    return mapped if len(mapped) == 1 else ch


def chars_equal_ignoring_case(a: str, b: str) -> bool:
    """Java's rule for two characters: same, same upper case, or same lower case."""
    return a == b or _one(a.upper(), a) == _one(b.upper(), b) or _one(a.lower(), a) == _one(b.lower(), b)


def equals_ignoring_case(value: str, policy_value: str) -> bool:
    """``StringEqualsIgnoreCase`` of one request value and one policy value."""
    if len(value) != len(policy_value):
        return False
    if value.isascii() and policy_value.isascii():
        return value.lower() == policy_value.lower()
    return all(chars_equal_ignoring_case(a, b) for a, b in zip(value, policy_value, strict=True))


@functools.cache
def _cased_characters() -> tuple[str, ...]:
    """Every character whose single-character upper or lower case differs from itself."""
    found = []
    for code in range(0x110000):
        ch = chr(code)
        if _one(ch.upper(), ch) != ch or _one(ch.lower(), ch) != ch:
            found.append(ch)
    return tuple(found)


@functools.lru_cache(maxsize=4096)
def case_variants(ch: str) -> frozenset[str]:
    """Every character equal to ``ch`` under :func:`chars_equal_ignoring_case` (the solver needs the set).

    Only cased characters can equal another character, so scanning them (plus ``ch``) is complete.
    """
    return frozenset({ch} | {c for c in _cased_characters() if chars_equal_ignoring_case(c, ch)})
