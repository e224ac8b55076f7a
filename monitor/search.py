"""What a message search looks for: terms on key, value, headers, a JSON path and the timestamp.

A query is a list of terms separated by spaces, all of which must hold (quote a term that has spaces:
``value:"lost my bag"``). A pattern is a case-insensitive substring, or a regular expression between
slashes (``/^57\\d+$/``).

============================  ===================================================================
``delay``                     the key, the value or a header contains ``delay``
``"/gate \\d+/"``              the same, as a regular expression
``key:570306133677760513``    the key contains it (``key:/^5703/`` as a regular expression)
``value:"lost my bag"``       the value (as decoded: JSON, Avro as JSON, text) contains it
``header:airstream.trace``    a header of that name exists
``header:source=replay``      a header of that name contains ``replay``
``$.tweet_id=5703061336``     a JSON path of the decoded value equals a value (JSON and Avro records)
``$.user.name~/jet.?blue/``   a JSON path of the decoded value matches a pattern
``$.retweeted_status``        a JSON path of the decoded value exists
``after:2015-02-24T10:00``    the record's timestamp is at or after that time (UTC unless a zone is given)
``before:2015-02-24T12:00``   the record's timestamp is before that time
``limit:50000``               (not a test) a search reads at most this many records
============================  ===================================================================

Example::

    query = Query.parse('$.tweet_id=570306133677760513 after:2015-02-24')
    [m for m in messages if query.matches(m)]
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from jsonpath_ng.ext.parser import parse as parse_json_path

if TYPE_CHECKING:
    from airstream.monitor.browse import BrowsedMessage

__all__ = ["Query", "parse_time_ms"]

Test = Callable[["BrowsedMessage"], bool]


def parse_time_ms(text: str) -> int:
    """An ISO 8601 date or date/time as epoch milliseconds (UTC unless it names a zone).

    >>> parse_time_ms("2015-02-24"), parse_time_ms("2015-02-24T10:00:00+01:00")
    (1424736000000, 1424768400000)
    """
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a date/time: write it as 2015-02-24 or 2015-02-24T10:00:00") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return int(when.timestamp() * 1000)


def _pattern(text: str) -> Callable[[str], bool]:
    """A case-insensitive substring test, or a regular expression for ``/.../``."""
    if len(text) >= 2 and text.startswith("/") and text.endswith("/"):
        try:
            regex = re.compile(text[1:-1], re.IGNORECASE)
        except re.error as exc:
            raise ValueError(f"{text} is not a regular expression: {exc}") from None
        return lambda s: regex.search(s) is not None
    needle = text.casefold()
    if not needle:
        raise ValueError("an empty pattern matches everything: leave the term out")
    return lambda s: needle in s.casefold()


def _same(found: Any, literal: str) -> bool:
    """A JSON value equals what was typed, compared as text: ``JetBlue``, ``5703`` (a number or a string of
    digits alike, as ids are often either), ``true``, ``null``."""
    return found == literal if isinstance(found, str) else json.dumps(found) == literal


@dataclass(frozen=True)
class Query:
    """A parsed search: every term must hold; ``after_ms``/``before_ms`` also bound the scan.

    >>> from airstream.monitor.browse import BrowsedMessage
    >>> m = BrowsedMessage("t", 0, 7, 1_424_772_000_000, b"5703", b'{"tweet_id": 5703, "airline": "Delta"}')
    >>> [Query.parse(q).matches(m) for q in ("delta", "key:5703", "$.tweet_id=5703", "$.airline~/^del/",
    ...                                       "$.missing", "before:2015-02-24", "header:trace")]
    [True, True, True, True, False, False, False]
    """

    text: str
    tests: tuple[Test, ...] = field(default=(), repr=False, compare=False)
    after_ms: int | None = None
    before_ms: int | None = None
    limit: int | None = None
    """Records a search may read (``limit:N``); the browser's own bound when ``None``."""

    @classmethod
    def parse(cls, text: str) -> Query:
        """Read a typed query; ``ValueError`` names the term that cannot be read and how to write it."""
        lexer = shlex.shlex(text, posix=True)
        lexer.whitespace_split = True
        lexer.escape = ""  # a backslash belongs to the regular expression (\\d), not to the quoting
        try:
            terms = list(lexer)
        except ValueError as exc:
            raise ValueError(f"cannot read the search {text!r}: {exc} (close the quotes)") from None
        if not terms:
            raise ValueError("type what to search for: a word, key:..., value:..., header:name=..., $.path=...")
        tests: list[Test] = []
        after = before = limit = None
        for term in terms:
            head, sep, rest = term.partition(":")
            if term.startswith("$"):
                tests.append(_json_path_test(term))
            elif sep and head == "after":
                after = parse_time_ms(rest)
            elif sep and head == "before":
                before = parse_time_ms(rest)
            elif sep and head == "limit":
                digits = rest.replace(",", "").replace("_", "")
                if not digits.isdigit() or int(digits) < 1:
                    raise ValueError(f"limit:{rest} must be a number of records, as limit:50000")
                limit = int(digits)
            elif sep and head == "key":
                tests.append(_text_test(lambda m: [m.key_text] if m.key is not None else [], rest))
            elif sep and head == "value":
                tests.append(_text_test(lambda m: [m.value_text] if m.value is not None else [], rest))
            elif sep and head == "header":
                tests.append(_header_test(rest))
            else:
                tests.append(_text_test(lambda m: m.searchable_text(), term))
        if after is not None or before is not None:
            tests.append(_time_test(after, before))
        return cls(text, tuple(tests), after, before, limit)

    def matches(self, message: BrowsedMessage) -> bool:
        """Whether every term holds for ``message``."""
        return all(test(message) for test in self.tests)


def _text_test(parts: Callable[[BrowsedMessage], list[str]], pattern: str) -> Test:
    match = _pattern(pattern)
    return lambda m: any(match(part) for part in parts(m))


def _time_test(after: int | None, before: int | None) -> Test:
    def test(m: BrowsedMessage) -> bool:
        ts = m.timestamp_ms
        return ts is not None and (after is None or ts >= after) and (before is None or ts < before)
    return test


def _header_test(spec: str) -> Test:
    name, sep, pattern = spec.partition("=")
    if not name:
        raise ValueError("header: needs a header name, as header:source or header:source=replay")
    if not sep:
        return lambda m: any(n == name for n, _ in m.headers)
    match = _pattern(pattern)
    return lambda m: any(n == name and match(text) for n, text in m.header_values())


def _json_path_test(term: str) -> Test:
    path, op, operand = _split_path(term)
    try:
        expression = parse_json_path(path)
    except Exception as exc:  # JSONPathError, and bare Exceptions from the lexer for some inputs
        raise ValueError(f"{path} is not a JSON path ({exc}): write it as $.user.name or $.tags[*].text") from None

    def found(m: BrowsedMessage) -> list[Any]:
        view = m.value_view
        return [hit.value for hit in expression.find(view.data)] if view.structured else []

    if not op:
        return lambda m: bool(found(m))
    if op == "=":
        return lambda m: any(_same(v, operand) for v in found(m))
    match = _pattern(operand)
    return lambda m: any(match(v if isinstance(v, str) else json.dumps(v)) for v in found(m))


def _split_path(term: str) -> tuple[str, str, str]:
    """``$.a.b=x`` → (``$.a.b``, ``=``, ``x``); ``=`` and ``~`` inside brackets or quotes belong to the path."""
    depth, quote = 0, ""
    for i, ch in enumerate(term):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "[(":
            depth += 1
        elif ch in "])":
            depth -= 1
        elif depth == 0 and ch in "=~":
            return term[:i], ch, term[i + 1:]
    return term, "", ""
