"""A case: one lawsuit's orders over time, their clauses with citations, and what they leave open.

The law is data (``src/enjoin/cases/<name>.yaml``), not code: orders with the dates they bind,
clauses with stable ids and the quoted words that support them, the plaintiff states, the
vocabulary of fields, populations and programs, and the open questions with their defaults. This
module loads a case file, validates it (every error names the file and line) and answers the
questions the judgment asks of the law: which order binds on a date, what a clause demands, and
whether a field may reach the recipient given the agency's recorded decisions.
"""

from __future__ import annotations

import datetime as _dt
import enum
import functools
import itertools
import os
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from enjoin.config_model import RecordedDecision
from enjoin.errors import CaseError
from enjoin.textfile import check_file
from enjoin.yamlload import KeyPath, Reader, YamlDocument, absolute_path, load_yaml, outline, shown_path

# Two-letter codes of the 50 states, DC and the five inhabited territories that run Medicaid
# programs (PR, GU, VI, AS, MP): the values a holding's `states` and a case's plaintiffs may name.
STATE_CODES: tuple[str, ...] = (
    "AK", "AL", "AR", "AZ", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "IA", "ID", "IL", "IN", "KS",
    "KY", "LA", "MA", "MD", "ME", "MI", "MN", "MO", "MS", "MT", "NC", "ND", "NE", "NH", "NJ", "NM",
    "NV", "NY", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VA", "VT", "WA", "WI",
    "WV", "WY",
    "DC",
    "AS", "GU", "MP", "PR", "VI",
)  # fmt: skip

# The answer a question has before any decision: the order does not settle it.
UNDECIDED = "undecided"


class ClauseTest(enum.Enum):
    """Which check the judgment applies to the holdings a party reaches, for one clause."""

    # Nothing from the clause's programs may reach the recipient at all (Dkt. 98).
    NO_SHARING = "NO_SHARING"
    # Only the clause's fields_allowed may reach the recipient; open fields follow the decisions.
    FIELDS = "FIELDS"
    # None of the clause's fields_medical may reach the recipient.
    MEDICAL = "MEDICAL"
    # Only records of the clause's populations_allowed may reach the recipient.
    POPULATIONS = "POPULATIONS"
    # No data of the clause's programs (the forbidden ones) may reach the recipient.
    PROGRAMS = "PROGRAMS"


class FieldStatus(enum.Enum):
    """Whether a field may reach the recipient under a FIELDS clause, decisions applied."""

    # The order lists it, or a recorded decision allows it.
    ALLOWED = "ALLOWED"
    # Outside the order's list, and no decision allows it.
    FORBIDDEN = "FORBIDDEN"
    # The order leaves it open and no decision settles it: a reachable field is INDETERMINATE.
    UNDECIDED = "UNDECIDED"


_STATUS_OF_ANSWER = {
    "allowed": FieldStatus.ALLOWED,
    "forbidden": FieldStatus.FORBIDDEN,
    UNDECIDED: FieldStatus.UNDECIDED,
}


@dataclass(frozen=True, slots=True)
class Citation:
    """The words that support a clause, and how far they have been checked."""

    docket: str  # "Dkt. 148"
    pinpoint: str  # page or section, or "not verified: pinpoint unknown"
    quote: str
    verified: bool  # checked against the order's PDF (False while only news reports are at hand)
    source: str  # the report or URL the quote came from


@dataclass(frozen=True, slots=True)
class Clause:
    """One testable rule of one order."""

    id: str  # "DKT148-FIELDS": stable; scenarios carry it as a tag, reports sort by it
    order: str  # the id of the order it belongs to ("dkt-148")
    title: str  # the rule in plain words a lawyer reads
    test: ClauseTest
    programs: tuple[str, ...]  # programs whose data it protects (for PROGRAMS: the forbidden ones)
    fields_allowed: tuple[str, ...]  # FIELDS: the fields that may reach the recipient
    fields_medical: tuple[str, ...]  # MEDICAL: the fields that are medical or reveal health
    populations_allowed: tuple[str, ...]  # POPULATIONS: whose records may reach the recipient
    citations: tuple[Citation, ...]


@dataclass(frozen=True, slots=True)
class Order:
    """One instrument of the case and the dates it binds (both ends inclusive)."""

    id: str  # "dkt-148"
    docket: str  # "Dkt. 148"
    title: str
    signed: _dt.date | None
    start: _dt.date
    end: _dt.date | None  # None: open-ended
    clause_ids: tuple[str, ...]

    def binds(self, as_of: _dt.date) -> bool:
        """Whether the order is in force on ``as_of``."""
        return self.start <= as_of and (self.end is None or as_of <= self.end)


@dataclass(frozen=True, slots=True)
class OpenQuestion:
    """Something the order leaves open: a named decision with a default."""

    id: str  # "name", "daca", "mixed_households"...: the key of a `decisions:` entry
    subject: str  # "field", "population" or "rule"
    text: str
    default: str  # "undecided", or one of the options
    options: tuple[str, ...]  # what a decision may answer (for a field: "allowed", "forbidden")


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """The names a holding, a clause or a question may use."""

    fields: tuple[str, ...]
    populations: tuple[str, ...]
    programs: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Case:
    """One lawsuit's orders, clauses, plaintiffs, vocabulary and open questions."""

    name: str  # "ca-v-hhs"
    title: str
    court: str
    number: str  # "3:25-cv-05536-VC"
    recipient: str  # "DHS": who the orders restrict
    path: Path  # the case file
    orders: tuple[Order, ...]  # by start date
    clauses: tuple[Clause, ...]
    plaintiff_states: tuple[str, ...]
    vocabulary: Vocabulary
    questions: tuple[OpenQuestion, ...]

    def in_force(self, as_of: _dt.date) -> Order | None:
        """The order that binds on ``as_of`` (orders never overlap), or ``None`` before the first."""
        for order in self.orders:
            if order.binds(as_of):
                return order
        return None

    def clause(self, clause_id: str) -> Clause:
        """The clause with this id.

        Raises:
            CaseError: for an unknown id, listing the known ones.
        """
        for clause in self.clauses:
            if clause.id == clause_id:
                return clause
        known = ", ".join(c.id for c in self.clauses)
        raise CaseError(f"case {self.name}", f"a clause id of the case, one of: {known}", repr(clause_id))

    def question(self, qid: str) -> OpenQuestion:
        """The open question with this id.

        Raises:
            CaseError: for an unknown id, listing the known ones.
        """
        for question in self.questions:
            if question.id == qid:
                return question
        known = ", ".join(q.id for q in self.questions)
        raise CaseError(f"case {self.name}", f"an open question of the case, one of: {known}", repr(qid))

    def answer(self, qid: str, decisions: Sequence[RecordedDecision]) -> str:
        """The answer to an open question: the recorded decision's, else the question's default.

        Raises:
            CaseError: for an unknown question, or a decision whose answer is not an option.
        """
        question = self.question(qid)
        for decision in decisions:
            if decision.question == qid:
                if decision.share not in question.options:
                    raise CaseError(
                        f"case {self.name}: decision {qid!r}",
                        f"one of: {', '.join(question.options)}",
                        repr(decision.share),
                    )
                return decision.share
        return question.default

    def field_status(
        self,
        field: str,
        decisions: Sequence[RecordedDecision],
        *,
        clause_id: str | None = None,
    ) -> FieldStatus:
        """Whether ``field`` may reach the recipient under a FIELDS clause, decisions applied.

        A field the clause lists is ALLOWED; a field an open question of subject "field" names
        follows the recorded decision, else the question's default (``name``: UNDECIDED; ``ssn``,
        ``race_ethnicity``, ``sex``, ``email``: FORBIDDEN); every other field is FORBIDDEN.

        Args:
            field: a field of the vocabulary.
            decisions: the agency's recorded decisions (``Config.decisions``).
            clause_id: the FIELDS clause to judge by; may be omitted when the case has exactly one.

        Raises:
            CaseError: for a field outside the vocabulary, a clause that is not a FIELDS clause, or
                an omitted clause id when the case has no or several FIELDS clauses.
        """
        if field not in self.vocabulary.fields:
            raise CaseError(
                f"case {self.name}: field",
                f"a field of the case, one of: {', '.join(self.vocabulary.fields)}",
                repr(field),
            )
        clause = self._fields_clause(clause_id)
        if field in clause.fields_allowed:
            return FieldStatus.ALLOWED
        for question in self.questions:
            if question.subject == "field" and question.id == field:
                return _STATUS_OF_ANSWER[self.answer(field, decisions)]
        return FieldStatus.FORBIDDEN

    def _fields_clause(self, clause_id: str | None) -> Clause:
        if clause_id is not None:
            clause = self.clause(clause_id)
            if clause.test is not ClauseTest.FIELDS:
                raise CaseError(
                    f"case {self.name}: clause {clause_id}",
                    "a FIELDS clause",
                    f"a {clause.test.value} clause",
                )
            return clause
        candidates = [c for c in self.clauses if c.test is ClauseTest.FIELDS]
        if len(candidates) != 1:
            raise CaseError(
                f"case {self.name}",
                "a clause id naming the FIELDS clause to judge by",
                f"{len(candidates)} FIELDS clauses ({', '.join(c.id for c in candidates) or 'none'})",
            )
        return candidates[0]


def shipped_cases() -> tuple[str, ...]:
    """The names of the cases shipped with enjoin (``ca-v-hhs``...)."""
    folder = resources.files("enjoin").joinpath("cases")
    return tuple(sorted(p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml")))


def shipped_case_path(name: str) -> Path:
    """The file of a shipped case (the package is installed as files, not zipped)."""
    return Path(str(resources.files("enjoin").joinpath("cases", f"{name}.yaml")))


def load_case(name_or_path: str, *, where: str = "enjoin.yaml: case") -> Case:
    """Load and validate a case: a shipped case name, or the path of a case file.

    Args:
        name_or_path: ``"ca-v-hhs"`` or a path (relative to the working directory).
        where: the place that named the case, for the error when there is no such case.

    Raises:
        CaseError: for an unknown case (at ``where``), a path that is not a regular file enjoin may
            read (a directory, a loop of symbolic links: at ``where``), or an invalid case file (at its
            file and line: binary or non-UTF-8 content, an alias bomb, a key or value that is wrong).
    """
    shipped = shipped_cases()
    if name_or_path in shipped:
        path = shipped_case_path(name_or_path)
        expected_name: str | None = name_or_path
    else:
        path = absolute_path(Path(name_or_path))
        expected_name = None
        if "\0" in name_or_path or not os.path.lexists(path):
            raise CaseError(
                where,
                f"a case shipped with enjoin ({', '.join(shipped)}) or the path of a case file",
                f"{name_or_path!r} (no such case, and no file at {os.path.realpath(path)})",
            )
        # A directory, a loop of symbolic links, a named pipe: said before the cache's stat() below.
        check_file(path, CaseError, where, "case file", named=name_or_path)
    stat = path.stat()
    case = _load_cached(path, stat.st_mtime_ns, stat.st_size)
    if expected_name is not None and case.name != expected_name:
        raise CaseError(
            f"{shown_path(path)}: name", f"the name of the file, {expected_name!r}", repr(case.name)
        )
    return case


@functools.lru_cache(maxsize=32)
def _load_cached(path: Path, mtime_ns: int, size: int) -> Case:
    # Keyed by modification time and size so an edited case file is read again; a Case is frozen,
    # so handing the same one to every config that names it is safe.
    del mtime_ns, size
    return _CaseReader(load_yaml(path, CaseError)).case()


_TOP_KEYS = (
    "name",
    "title",
    "court",
    "number",
    "recipient",
    "plaintiff_states",
    "vocabulary",
    "orders",
    "clauses",
    "questions",
)
_ORDER_KEYS = ("id", "docket", "title", "signed", "start", "end", "clauses")
_CLAUSE_KEYS = (
    "id",
    "order",
    "title",
    "test",
    "programs",
    "fields_allowed",
    "fields_medical",
    "populations_allowed",
    "citations",
)
_CITATION_KEYS = ("docket", "pinpoint", "quote", "verified", "source")
_QUESTION_KEYS = ("id", "subject", "text", "default", "options")
_SUBJECTS = ("field", "population", "rule")
_FIELD_OPTIONS = ("allowed", "forbidden")
# Which list key each test reads; a list key given to a clause whose test ignores it is an error,
# since data that means nothing is usually a mistake (a MEDICAL list on a FIELDS clause...).
_TEST_KEY = {
    ClauseTest.FIELDS: "fields_allowed",
    ClauseTest.MEDICAL: "fields_medical",
    ClauseTest.POPULATIONS: "populations_allowed",
}


class _CaseReader:
    """Validates one case file into a :class:`Case`."""

    def __init__(self, doc: YamlDocument) -> None:
        self.doc = doc
        self.r = Reader(doc, CaseError)

    def case(self) -> Case:
        r = self.r
        if not isinstance(self.doc.value, dict):
            r.fail((), "a case file (a mapping of name, orders, clauses...)", outline(self.doc.value))
        top = r.mapping((), self.doc.value, known=_TOP_KEYS, required=_TOP_KEYS, what="a case file")
        name = r.string(("name",), top["name"])
        vocabulary = self.vocabulary(top["vocabulary"])
        plaintiffs = r.names(
            ("plaintiff_states",),
            top["plaintiff_states"],
            STATE_CODES,
            what="a list of two-letter state codes",
            item="a state, DC or territory code",
            nonempty=True,
        )
        orders = self.orders(top["orders"])
        clauses = self.clauses(top["clauses"], vocabulary)
        self.cross_check(orders, clauses)
        questions = self.questions(top["questions"], vocabulary, clauses)
        return Case(
            name=name,
            title=r.string(("title",), top["title"]),
            court=r.string(("court",), top["court"]),
            number=r.string(("number",), top["number"]),
            recipient=r.string(("recipient",), top["recipient"]),
            path=self.doc.path,
            orders=tuple(sorted(orders, key=lambda o: o.start)),
            clauses=clauses,
            plaintiff_states=plaintiffs,
            vocabulary=vocabulary,
            questions=questions,
        )

    def vocabulary(self, value: Any) -> Vocabulary:
        keys = ("fields", "populations", "programs")
        table = self.r.mapping(("vocabulary",), value, known=keys, required=keys, what="the vocabulary")
        lists = {
            key: self.r.names(
                ("vocabulary", key), table[key], None, what=f"a list of {key}", item="a name", nonempty=True
            )
            for key in keys
        }
        return Vocabulary(lists["fields"], lists["populations"], lists["programs"])

    def orders(self, value: Any) -> list[Order]:
        r = self.r
        orders: list[Order] = []
        for index, entry in enumerate(r.items(("orders",), value, what="a list of orders", nonempty=True)):
            key: KeyPath = ("orders", index)
            table = r.mapping(
                key, entry, known=_ORDER_KEYS, required=("id", "docket", "title", "start", "clauses")
            )
            order_id = r.string((*key, "id"), table["id"])
            if order_id in (o.id for o in orders):
                r.fail((*key, "id"), "each order id once", f"{order_id!r} again")
            start = r.date((*key, "start"), table["start"])
            end = self.optional_date((*key, "end"), table.get("end"))
            if end is not None and end < start:
                r.fail((*key, "end"), f"a date on or after the start, {start.isoformat()}", end.isoformat())
            orders.append(
                Order(
                    id=order_id,
                    docket=r.string((*key, "docket"), table["docket"]),
                    title=r.string((*key, "title"), table["title"]),
                    signed=self.optional_date((*key, "signed"), table.get("signed")),
                    start=start,
                    end=end,
                    clause_ids=r.names(
                        (*key, "clauses"),
                        table["clauses"],
                        None,
                        what="a list of clause ids",
                        item="a clause id",
                    ),
                )
            )
        self.check_overlaps(orders)
        return orders

    def optional_date(self, key: KeyPath, value: Any) -> _dt.date | None:
        return None if value is None else self.r.date(key, value, what="a date (YYYY-MM-DD) or null")

    def check_overlaps(self, orders: list[Order]) -> None:
        # Exactly one order may bind on any date: in_force must never have to choose.
        indexed = sorted(enumerate(orders), key=lambda pair: pair[1].start)
        for (_, earlier), (index, later) in itertools.pairwise(indexed):
            if earlier.end is None or earlier.end >= later.start:
                until = earlier.end.isoformat() if earlier.end else "open-ended"
                self.r.fail(
                    ("orders", index, "start"),
                    f"orders whose dates do not overlap ({earlier.id} runs {earlier.start.isoformat()}"
                    f" .. {until})",
                    f"{later.id} starting {later.start.isoformat()}",
                )

    def clauses(self, value: Any, vocabulary: Vocabulary) -> tuple[Clause, ...]:
        r = self.r
        clauses: list[Clause] = []
        tests = [t.value for t in ClauseTest]
        for index, entry in enumerate(r.items(("clauses",), value, what="a list of clauses", nonempty=True)):
            key: KeyPath = ("clauses", index)
            table = r.mapping(
                key,
                entry,
                known=_CLAUSE_KEYS,
                required=("id", "order", "title", "test", "programs", "citations"),
            )
            clause_id = r.string((*key, "id"), table["id"])
            if clause_id in (c.id for c in clauses):
                r.fail((*key, "id"), "each clause id once", f"{clause_id!r} again")
            test = ClauseTest(r.choice((*key, "test"), table["test"], tests, what="a clause test"))
            for list_key in _TEST_KEY.values():
                if list_key in table and _TEST_KEY.get(test) != list_key:
                    r.fail((*key, list_key), f"no {list_key} on a {test.value} clause", "the key given")
            needed = _TEST_KEY.get(test)
            if needed is not None and needed not in table:
                r.fail(key, f"the key {needed!r} on a {test.value} clause", "no such key")
            clauses.append(
                Clause(
                    id=clause_id,
                    order=r.string((*key, "order"), table["order"]),
                    title=r.string((*key, "title"), table["title"]),
                    test=test,
                    programs=self.vocab_list(
                        (*key, "programs"), table["programs"], vocabulary.programs, "program"
                    ),
                    fields_allowed=self.vocab_list(
                        (*key, "fields_allowed"), table.get("fields_allowed", []), vocabulary.fields, "field"
                    ),
                    fields_medical=self.vocab_list(
                        (*key, "fields_medical"), table.get("fields_medical", []), vocabulary.fields, "field"
                    ),
                    populations_allowed=self.vocab_list(
                        (*key, "populations_allowed"),
                        table.get("populations_allowed", []),
                        vocabulary.populations,
                        "population",
                    ),
                    citations=self.citations((*key, "citations"), table["citations"]),
                )
            )
            if test is ClauseTest.MEDICAL and not clauses[-1].fields_medical:
                r.fail((*key, "fields_medical"), "at least one medical field", "an empty list")
            if test in (ClauseTest.NO_SHARING, ClauseTest.PROGRAMS) and not clauses[-1].programs:
                r.fail((*key, "programs"), f"at least one program for a {test.value} clause", "an empty list")
        return tuple(clauses)

    def vocab_list(self, key: KeyPath, value: Any, allowed: tuple[str, ...], noun: str) -> tuple[str, ...]:
        return self.r.names(
            key, value, allowed, what=f"a list of {noun}s", item=f"a {noun} of the vocabulary"
        )

    def citations(self, key: KeyPath, value: Any) -> tuple[Citation, ...]:
        r = self.r
        # A clause without a citation is law nobody can check: refuse it.
        entries = r.items(key, value, what="a list of at least one citation", nonempty=True)
        citations = []
        for index, entry in enumerate(entries):
            at: KeyPath = (*key, index)
            table = r.mapping(at, entry, known=_CITATION_KEYS, required=_CITATION_KEYS, what="a citation")
            citations.append(
                Citation(
                    docket=r.string((*at, "docket"), table["docket"]),
                    pinpoint=r.string((*at, "pinpoint"), table["pinpoint"]),
                    quote=r.string((*at, "quote"), table["quote"]),
                    verified=r.boolean((*at, "verified"), table["verified"]),
                    source=r.string((*at, "source"), table["source"]),
                )
            )
        return tuple(citations)

    def cross_check(self, orders: list[Order], clauses: tuple[Clause, ...]) -> None:
        r = self.r
        order_ids = [o.id for o in orders]
        clause_ids = [c.id for c in clauses]
        for index, clause in enumerate(clauses):
            if clause.order not in order_ids:
                r.fail(
                    ("clauses", index, "order"),
                    f"an order of the case, one of: {', '.join(order_ids)}",
                    repr(clause.order),
                )
        for o_index, order in enumerate(orders):
            for c_index, clause_id in enumerate(order.clause_ids):
                key: KeyPath = ("orders", o_index, "clauses", c_index)
                if clause_id not in clause_ids:
                    r.fail(key, f"a clause of the case, one of: {', '.join(clause_ids)}", repr(clause_id))
                owner = clauses[clause_ids.index(clause_id)].order
                if owner != order.id:
                    r.fail(key, f"a clause whose order is {order.id!r}", f"{clause_id} (of order {owner!r})")
        for index, clause in enumerate(clauses):
            order = orders[order_ids.index(clause.order)]
            if clause.id not in order.clause_ids:
                r.fail(
                    ("clauses", index, "order"),
                    f"an order that lists {clause.id} in its clauses",
                    f"{order.id} (clauses: {', '.join(order.clause_ids) or 'none'})",
                )

    def questions(
        self, value: Any, vocabulary: Vocabulary, clauses: tuple[Clause, ...]
    ) -> tuple[OpenQuestion, ...]:
        r = self.r
        allowed_somewhere = {f for c in clauses for f in c.fields_allowed}
        questions: list[OpenQuestion] = []
        for index, entry in enumerate(r.items(("questions",), value, what="a list of open questions")):
            key: KeyPath = ("questions", index)
            table = r.mapping(
                key, entry, known=_QUESTION_KEYS, required=_QUESTION_KEYS, what="an open question"
            )
            qid = r.string((*key, "id"), table["id"])
            if qid in (q.id for q in questions):
                r.fail((*key, "id"), "each question id once", f"{qid!r} again")
            subject = r.choice((*key, "subject"), table["subject"], _SUBJECTS, what="a question subject")
            if subject == "field":
                # A field question's id is the field it opens.
                r.choice(
                    (*key, "id"),
                    qid,
                    vocabulary.fields,
                    what="for a field question, a field of the vocabulary",
                )
                if qid in allowed_somewhere:
                    r.fail(
                        (*key, "id"), "a field no clause already allows", f"{qid!r}, in a fields_allowed list"
                    )
            options = r.names(
                (*key, "options"),
                table["options"],
                _FIELD_OPTIONS if subject == "field" else None,
                what="a list of the answers a decision may give",
                item="an answer" + (" of a field question" if subject == "field" else ""),
                nonempty=True,
            )
            default = r.choice(
                (*key, "default"),
                table["default"],
                (UNDECIDED, *options),
                what="the answer before any decision",
            )
            questions.append(
                OpenQuestion(qid, subject, r.string((*key, "text"), table["text"]), default, options)
            )
        return tuple(questions)
