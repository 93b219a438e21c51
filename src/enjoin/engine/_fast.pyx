# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, embedsignature=True
"""The compiled core of the concrete decision: ``decide(request) -> Result``.

This is :func:`enjoin.engine.evaluate.decide_reference` with its inner loops in C. It scans the same
compiled :class:`~enjoin.engine.policy.Policy` objects, layer by layer, with the same rules; what it
does not do itself it hands to the very Python functions the reference uses, so the two cannot drift
apart where it matters:

- which statements name the action and cover the resource: each distinct Action and static Resource
  list has a number, a policy is an array of those numbers (``FastPolicy``), and what each list says
  of an action or a resource is kept in that value's ``Memo``, two bits a list, computed once with
  the same patterns (``wildcard.glob_tokens``) as the reference's scanner; a new resource's answers
  from exact ARNs and literal prefixes come from two indexes at once;
- conditions: key presence, ``...IfExists``, ``ForAllValues``/``ForAnyValue``, negation and ``Null``
  in C; the comparison of one value in C for the string, ``StringLike`` and ``Bool`` families and
  for IPv4 addresses, and by the reference's own compiled matcher for the others (numbers, dates,
  IPv6, ARNs, case folding); policy variables (in condition values and in Resource) substituted as
  the reference's ``variables.resolve`` does, and what they resolve to kept by the variables' texts;
- context values: as ``EvalContext.lookup``: the request's context read in place (keys compared
  lower-cased, the last spelling winning), and each derived key computed alone as ``context.derive``
  computes it (held equal by the tests);
- principals of resource policies: the reference's ``principal_strengths``;
- combining the layers: ``layers.combine_truth`` restated over C values;
- explaining the result: by the reference's ``explain`` over this run's layers, when the
  explanation is first read for ALLOW, EXPLICIT_DENY and IMPLICIT_DENY (``model.DeferredResult``).

It is two-valued on purpose: whenever anything evaluates to UNKNOWN (an unsupported operator, an
unknown principal id, a value that cannot be read), or the request holds something unusual (a
document instead of a compiled policy, a session policy for a user, a non-string context value), it
gives the request to the reference implementation, which explains the INDETERMINATE answer. The
tests hold the two equal on the conformance corpus and on generated workloads.
"""

cimport cython
from cpython.object cimport PyObject, PyTypeObject
from cpython.dict cimport PyDict_Next
from cpython.ref cimport Py_INCREF, Py_XDECREF
from cpython.unicode cimport PyUnicode_1BYTE_KIND, PyUnicode_DATA, PyUnicode_GET_LENGTH, PyUnicode_KIND, PyUnicode_READ
from libc.string cimport memcmp, memcpy
from libc.stdint cimport uint32_t, uint64_t
from libc.stdlib cimport calloc, free, malloc, realloc

cdef extern from *:
    void __builtin_prefetch(const void*) nogil

cdef extern from "Python.h":
    PyTypeObject* _type_of "Py_TYPE"(PyObject*)
    void PyObject_GC_UnTrack(void*)
    void PyObject_GC_Track(void*)
    Py_ssize_t PyTuple_GET_SIZE(object)
    object _alloc "PyType_GenericAlloc"(PyTypeObject*, Py_ssize_t)
    ctypedef struct PyMemberDef:
        Py_ssize_t offset
    ctypedef struct PyMemberDescrObject:
        PyMemberDef* d_member

# Truth values, as in enjoin.engine.truth.
DEF T_FALSE = 0
DEF T_UNKNOWN = 1
DEF T_TRUE = 2
# Glob codes outside Unicode's range stand for the two wildcards.
DEF G_STAR = 0x110000
DEF G_ONE = 0x110001
# Condition families handled in C; the rest call the reference's matcher.
DEF F_OTHER = 0
DEF F_EXACT = 1
DEF F_LIKE = 2
DEF F_BOOL = 3
DEF F_NULL = 4
DEF F_IP = 5  # IpAddress: an IPv4 value in C, any other value by the reference's matcher
# The Principal elements ``FastStatement.strengths`` matches without its FastPrincipal.
DEF P_OTHER = 0
DEF P_ANY = 1  # "*"
DEF P_ONE_ACCOUNT = 2  # one account (its id or root ARN), nothing else
DEF P_ONE_USER = 3  # one IAM user's ARN, nothing else
# Qualifiers, as in enjoin.engine.conditions.
DEF Q_PLAIN = 0
DEF Q_FOR_ALL = 1
DEF Q_FOR_ANY = 2

# The reference's own helpers and constants, read once at import into typed module variables (a
# Python global would cost a dictionary lookup on every use).
import sys

from enjoin.engine import conditions as _conditions_module
from enjoin.engine import context as _context_module
from enjoin.engine import layers as _layers_module
from enjoin.engine import values as _values_module
from enjoin.engine import variables as _variables_module
from enjoin.engine import wildcard as _wildcard_module
from enjoin.engine.arn import Caller, CallerKind, parse_caller
from enjoin.engine.model import Decision, DeferredResult, Request
from enjoin.engine.policy import Policy, PolicyKind

cdef object _layers_type = _layers_module.Layers
cdef object _strengths = _layers_module.principal_strengths
cdef object _parse_caller = parse_caller
cdef object _unknown_value = _conditions_module.UNKNOWN_VALUE
cdef object _glob_tokens = _wildcard_module.glob_tokens
cdef object _pieces = _wildcard_module.pieces
cdef object _has_wildcard = _wildcard_module.has_wildcard
cdef object _literal_text = _wildcard_module.literal_text
cdef object _literal_type = _wildcard_module.Literal
cdef object _variable_type = _variables_module.Variable
cdef object _has_variables = _variables_module.has_variables
cdef object _intern = sys.intern
cdef object _policy_type = Policy
cdef object _kind_resource = PolicyKind.RESOURCE
cdef frozenset _rcp_services = frozenset(_layers_module.RCP_SERVICES)
cdef frozenset _trust_actions = frozenset(_layers_module.TRUST_ACTIONS)
cdef frozenset _fixed_keys = frozenset(_context_module.FIXED_KEYS)
cdef tuple _tag_prefixes = tuple(_context_module.TAG_PREFIXES)
cdef str _principal_tag = _context_module.TAG_PREFIXES[0]
cdef object _same_principal_arn = _context_module.same_principal_arn
cdef str _resource_tag = _context_module.TAG_PREFIXES[1]
cdef object _parse_network = _values_module.parse_network
cdef object _deferred_type = DeferredResult
cdef object _allow = Decision.ALLOW
cdef object _explicit_deny = Decision.EXPLICIT_DENY
cdef object _implicit_deny = Decision.IMPLICIT_DENY
cdef object _user_kind = CallerKind.USER
# Slots read in place. Request, Policy and Caller are slotted classes: their attributes sit at fixed
# offsets in the object, which the generic attribute lookup (type lookup, descriptor, call) finds
# again on every read. The core reads the offsets the classes' own descriptors give, once, here, and
# only for objects of exactly those classes (a request of any other type goes to the reference).
cdef Py_ssize_t _offset(type cls, str name) except -1:
    for klass in cls.__mro__:
        descriptor = klass.__dict__.get(name)
        if descriptor is not None:
            if type(descriptor) is not _member_descriptor:
                raise TypeError(f"{cls.__name__}.{name} is not a slot")
            return (<PyMemberDescrObject*> descriptor).d_member.offset
    raise AttributeError(f"{cls.__name__} has no slot {name}")


cdef inline object _slot(object instance, Py_ssize_t offset):
    cdef PyObject* value = (<PyObject**> ((<char*> <PyObject*> instance) + offset))[0]
    if value == NULL:
        raise AttributeError("slot not set")
    return <object> value


cdef inline void _set_slot(object instance, Py_ssize_t offset, object value):
    """Set a slot of a new object (of exactly the class the offset was read from) in place."""
    cdef PyObject** place = <PyObject**> ((<char*> <PyObject*> instance) + offset)
    cdef PyObject* old = place[0]
    Py_INCREF(value)
    place[0] = <PyObject*> value
    Py_XDECREF(old)


cdef object _member_descriptor = type(Caller.__dict__["account"])
cdef object _request_type = Request
cdef Py_ssize_t _R_PRINCIPAL = _offset(Request, "principal")
cdef Py_ssize_t _R_PRINCIPAL_ID = _offset(Request, "principal_id")
cdef Py_ssize_t _R_ACTION = _offset(Request, "action")
cdef Py_ssize_t _R_RESOURCE = _offset(Request, "resource")
cdef Py_ssize_t _R_RESOURCE_ACCOUNT = _offset(Request, "resource_account")
cdef Py_ssize_t _R_IDENTITY = _offset(Request, "identity_policies")
cdef Py_ssize_t _R_SCPS = _offset(Request, "scps")
cdef Py_ssize_t _R_RCPS = _offset(Request, "rcps")
cdef Py_ssize_t _R_BOUNDARY = _offset(Request, "permissions_boundary")
cdef Py_ssize_t _R_SESSION = _offset(Request, "session_policy")
cdef Py_ssize_t _R_RESOURCE_POLICY = _offset(Request, "resource_policy")
cdef Py_ssize_t _R_CONTEXT = _offset(Request, "context")
cdef Py_ssize_t _P_FAST = _offset(Policy, "_fast")
cdef object _caller_type = Caller
cdef Py_ssize_t _C_KIND = _offset(Caller, "kind")
cdef Py_ssize_t _C_ACCOUNT = _offset(Caller, "account")
cdef Py_ssize_t _C_ARN = _offset(Caller, "arn")
cdef Py_ssize_t _C_NAME = _offset(Caller, "name")
cdef Py_ssize_t _C_SESSION_ARN = _offset(Caller, "session_arn")
cdef Py_ssize_t _C_PRINCIPAL_ID = _offset(Caller, "principal_id")
cdef Py_ssize_t _R_PRINCIPAL_TAGS = _offset(Request, "principal_tags")
cdef Py_ssize_t _R_RESOURCE_TAGS = _offset(Request, "resource_tags")
cdef Py_ssize_t _R_ORG_ID = _offset(Request, "principal_org_id")
cdef Py_ssize_t _R_ORG_PATHS = _offset(Request, "principal_org_paths")
cdef Py_ssize_t _D_DECISION = _offset(DeferredResult, "decision")
cdef Py_ssize_t _D_ALLOWED_BY = _offset(DeferredResult, "allowed_by")
cdef Py_ssize_t _D_DENIED_BY = _offset(DeferredResult, "denied_by")
cdef Py_ssize_t _D_UNSUPPORTED = _offset(DeferredResult, "unsupported")
cdef Py_ssize_t _D_WRITER = _offset(DeferredResult, "_writer")

# The reference's decision and explanation, bound by enjoin.engine.evaluate (which imports this module).
cdef object _reference = None
cdef object _explain = None
# Each action's lower-cased text, one object per action: the memos keyed by it then match by identity.


def bind(reference, explain):
    """Receive the reference's ``decide_reference`` and ``explain`` (called once by enjoin.engine.evaluate)."""
    global _reference, _explain
    _reference = reference
    _explain = explain


# --------------------------------------------------------------------------- patterns

# Every class below is outside the cyclic garbage collector (``cython.no_gc``): none of them can be
# part of a reference cycle (they refer to the reference's policy objects, strings and containers of
# their own kind, never back), and hundreds of thousands of them live as long as their policies, so
# tracking them would only make every full collection walk them.


@cython.no_gc
cdef class Glob:
    """One pattern with ``*``/``?`` wildcards (and literal pieces), matched in full over code points."""

    cdef uint32_t* codes
    cdef Py_ssize_t length

    def __cinit__(self, pattern):
        tokens = _glob_tokens(pattern)
        cdef list codes = []
        for kind, text, _bounded in tokens:
            if kind == "star":
                codes.append(G_STAR)
            elif kind == "one":
                codes.append(G_ONE)
            else:
                codes.extend(ord(ch) for ch in text)
        self.length = len(codes)
        self.codes = <uint32_t*> malloc((self.length + 1) * sizeof(uint32_t))
        if self.codes == NULL:
            raise MemoryError()
        cdef Py_ssize_t i
        for i in range(self.length):
            self.codes[i] = codes[i]

    def __dealloc__(self):
        free(self.codes)

    cdef bint match(self, str value):
        return _glob_match(self.codes, self.length, value)


cdef bint _glob_match(uint32_t* codes, Py_ssize_t length, str value):
    """Whether the pattern (code points; G_STAR and G_ONE the wildcards) matches ``value`` in full.
    Greedy matching with one backtrack point (the last star): exact for * and ?."""
    cdef int kind = PyUnicode_KIND(value)
    cdef void* data = PyUnicode_DATA(value)
    cdef Py_ssize_t n = PyUnicode_GET_LENGTH(value)
    cdef Py_ssize_t p = 0, s = 0, star = -1, mark = 0
    cdef uint32_t code
    while s < n:
        if p < length:
            code = codes[p]
            if code == G_STAR:
                star = p
                mark = s
                p += 1
                continue
            if code == G_ONE or code == <uint32_t> PyUnicode_READ(kind, data, s):
                p += 1
                s += 1
                continue
        if star < 0:
            return False
        p = star + 1
        mark += 1
        s = mark
    while p < length and codes[p] == G_STAR:
        p += 1
    return p == length


@cython.no_gc
@cython.final
cdef class _Template:
    """A value or Resource pattern holding policy variables, as code points: its text with each
    variable left out (with ``wildcards``, the ``*`` and ``?`` of its plain text as G_STAR and
    G_ONE; the special variables and other literal pieces as their characters), and where each
    variable's text goes. A request's pattern is that text with the variables' texts put in,
    literally, as ``variables.resolve`` substitutes them."""

    cdef uint32_t* codes
    cdef Py_ssize_t length
    cdef Py_ssize_t* slots  # for each variable in order: the position in codes its text goes before
    cdef Py_ssize_t count

    def __cinit__(self, tuple template, bint wildcards):
        cdef list codes = []
        cdef list slots = []
        for piece in template:
            if type(piece) is _variable_type:
                slots.append(len(codes))
            elif type(piece) is str:
                for ch in <str> piece:
                    if wildcards and ch == "*":
                        codes.append(G_STAR)
                    elif wildcards and ch == "?":
                        codes.append(G_ONE)
                    else:
                        codes.append(ord(ch))
            else:
                codes.extend([ord(ch) for ch in <str> piece.text])
        self.length = len(codes)
        self.count = len(slots)
        self.codes = <uint32_t*> malloc((self.length + 1) * sizeof(uint32_t))
        self.slots = <Py_ssize_t*> malloc((self.count + 1) * sizeof(Py_ssize_t))
        if self.codes == NULL or self.slots == NULL:
            raise MemoryError()
        cdef Py_ssize_t i
        for i in range(self.length):
            self.codes[i] = codes[i]
        for i in range(self.count):
            self.slots[i] = slots[i]

    def __dealloc__(self):
        free(self.codes)
        free(self.slots)

    cdef int matches(self, list texts, Py_ssize_t first, str value, bint wildcards) except -1:
        """Whether this pattern, its variables' texts ``texts[first:first + count]``, matches
        ``value`` (in full; without ``wildcards``, equals it)."""
        cdef Py_ssize_t total = self.length, i, j, n, at = 0, done = 0
        cdef str text
        for i in range(self.count):
            total += PyUnicode_GET_LENGTH(<str> texts[first + i])
        if not wildcards and total != PyUnicode_GET_LENGTH(value):
            return False
        cdef uint32_t* codes = <uint32_t*> malloc((total + 1) * sizeof(uint32_t))
        if codes == NULL:
            raise MemoryError()
        cdef int kind
        cdef void* data
        for i in range(self.count):
            n = self.slots[i] - done
            memcpy(codes + at, self.codes + done, n * sizeof(uint32_t))
            at += n
            done = self.slots[i]
            text = <str> texts[first + i]
            kind = PyUnicode_KIND(text)
            data = PyUnicode_DATA(text)
            for j in range(PyUnicode_GET_LENGTH(text)):
                codes[at] = <uint32_t> PyUnicode_READ(kind, data, j)
                at += 1
        memcpy(codes + at, self.codes + done, (self.length - done) * sizeof(uint32_t))
        cdef bint found = _glob_match(codes, total, value)  # without wildcards: no G_STAR, G_ONE
        free(codes)
        return found


cdef int _any_template(tuple templates, list texts, str value, bint wildcards) except -1:
    """Whether any of the patterns (``_Template``), their variables' texts in ``texts`` in order,
    matches ``value``."""
    cdef Py_ssize_t first = 0
    cdef _Template template
    for template in templates:
        if template.matches(texts, first, value, wildcards):
            return True
        first += template.count
    return False


@cython.no_gc
cdef class Fixed:
    """A literal prefix or suffix, compared in place (``memcmp`` when both sides are one byte a
    character, as ARNs almost always are)."""

    cdef uint32_t* codes
    cdef unsigned char* narrow  # the text as one byte a character, or NULL when it does not fit
    cdef Py_ssize_t length

    def __cinit__(self, str text):
        self.length = len(text)
        self.codes = <uint32_t*> malloc((self.length + 1) * sizeof(uint32_t))
        if self.codes == NULL:
            raise MemoryError()
        cdef Py_ssize_t i
        cdef bint fits = True
        for i in range(self.length):
            self.codes[i] = ord(text[i])
            if self.codes[i] > 255:
                fits = False
        self.narrow = NULL
        if fits:
            self.narrow = <unsigned char*> malloc(self.length + 1)
            if self.narrow == NULL:
                raise MemoryError()
            for i in range(self.length):
                self.narrow[i] = <unsigned char> self.codes[i]

    def __dealloc__(self):
        free(self.codes)
        free(self.narrow)

    cdef bint at(self, str value, Py_ssize_t start):
        """Whether the text occurs in ``value`` at ``start`` (which leaves room for it)."""
        cdef int kind = PyUnicode_KIND(value)
        cdef void* data = PyUnicode_DATA(value)
        if kind == PyUnicode_1BYTE_KIND:
            if self.narrow == NULL:
                return False
            return memcmp(<unsigned char*> data + start, self.narrow, self.length) == 0
        cdef Py_ssize_t i
        for i in range(self.length):
            if <uint32_t> PyUnicode_READ(kind, data, start + i) != self.codes[i]:
                return False
        return True

    cdef inline bint starts(self, str value):
        return PyUnicode_GET_LENGTH(value) >= self.length and self.at(value, 0)

    cdef inline bint ends(self, str value):
        cdef Py_ssize_t n = PyUnicode_GET_LENGTH(value)
        return n >= self.length and self.at(value, n - self.length)


@cython.no_gc
cdef class Patterns:
    """A list of patterns matched as one (as ``wildcard.GlobSet``): does any match the value in full?"""

    cdef bint everything
    cdef frozenset exact
    cdef tuple prefixes
    cdef tuple prefix_texts
    cdef tuple suffixes
    cdef list globs
    cdef tuple glob_heads  # each glob's literal text before its first wildcard

    def __cinit__(self, patterns):
        exact = set()
        prefixes = []
        suffixes = []
        heads = []
        self.globs = []
        self.everything = False
        for pattern in patterns:
            parts = _pieces(pattern)
            if not _has_wildcard(parts):
                exact.add(_literal_text(parts))
                continue
            if parts == ("*",):
                self.everything = True
                continue
            if len(parts) == 1 and isinstance(parts[0], str):
                text = parts[0]
                body = text[: len(text) - 1]  # no negative indices: the module turns wraparound off
                if text.endswith("*") and "*" not in body and "?" not in body:
                    prefixes.append(body)
                    continue
                if text.startswith("*") and "*" not in text[1:] and "?" not in text[1:]:
                    suffixes.append(text[1:])
                    continue
            self.globs.append(Glob(parts))
            heads.append(_head(parts))
        self.glob_heads = tuple(heads)
        self.exact = frozenset(exact)
        self.prefixes = tuple(Fixed(text) for text in prefixes)
        self.prefix_texts = tuple(prefixes)
        self.suffixes = tuple(Fixed(text) for text in suffixes)

    def matches(self, str value):
        """Whether any pattern matches ``value`` in full (for the tests)."""
        return self.match(value)

    cdef bint match(self, str value):
        if self.everything or (self.exact and value in self.exact):
            return True
        cdef Fixed fixed
        for fixed in self.prefixes:
            if fixed.starts(value):
                return True
        for fixed in self.suffixes:
            if fixed.ends(value):
                return True
        cdef Glob glob
        for glob in self.globs:
            if glob.match(value):
                return True
        return False


cdef str _head(tuple parts):
    """A pattern's literal text before its first wildcard (Literal pieces are all literal)."""
    cdef list out = []
    cdef Py_ssize_t star, one
    for piece in parts:
        if type(piece) is str:
            star = (<str> piece).find("*")
            one = (<str> piece).find("?")
            if star >= 0 or one >= 0:
                out.append((<str> piece)[: min(star, one) if star >= 0 and one >= 0 else max(star, one)])
                break
            out.append(piece)
        else:
            out.append(piece.text)
    return "".join(out)


# --------------------------------------------------------------------------- conditions


@cython.no_gc
@cython.final
cdef class _Values:
    """The policy values of a condition as its comparison reads them: exact texts (F_EXACT, F_BOOL
    lower-cased), patterns (F_LIKE), or the reference's matcher of one value (F_OTHER; a string when
    a value cannot be read as the operator's type)."""

    cdef frozenset exact
    cdef str single  # the one text of ``exact``, when it holds one (compared without the set)
    cdef Patterns like
    cdef object matcher


cdef _Values _values_of(int family, object matcher, tuple resolved):
    """A condition's values from its templates' pieces (variables substituted) and the reference's
    matcher of them."""
    cdef _Values values = _Values.__new__(_Values)
    values.matcher = matcher
    if family == F_EXACT:
        values.exact = frozenset([_literal_text(piece) for piece in resolved])
    elif family == F_BOOL:
        values.exact = frozenset([(<str> _literal_text(piece)).lower() for piece in resolved])
    elif family == F_LIKE:
        values.like = Patterns(resolved)
    if values.exact is not None and len(values.exact) == 1:
        values.single = next(iter(values.exact))
    return values


DEF RESOLVED = 0
DEF UNRESOLVABLE = -3  # a variable's key is absent, without a default: the statement is invalid
DEF UNKNOWN_VARIABLE = -4  # a variable's value cannot be known: the statement's truth is unknown


@cython.no_gc
@cython.final
cdef class _Variables:
    """The policy variables of some templates, in order: each one's key (lower-cased), whether AWS
    derives that key, and its default (None: none)."""

    cdef tuple keys
    cdef tuple derived
    cdef tuple defaults

    def __cinit__(self, tuple templates):
        keys = []
        defaults = []
        for template in templates:
            for piece in <tuple> template:
                if type(piece) is _variable_type:
                    keys.append(_intern(piece.key))
                    defaults.append(piece.default)
        self.keys = tuple(keys)
        self.derived = tuple([key in _fixed_keys or key.startswith(_tag_prefixes) for key in keys])
        self.defaults = tuple(defaults)


cdef int _resolve(_Variables variables, _Run run, list out) except -2:
    """As ``variables.resolve`` over each template: appends each variable's text to ``out``;
    UNRESOLVABLE or UNKNOWN_VARIABLE where the reference raises."""
    cdef Py_ssize_t i
    for i in range(len(variables.keys)):
        value = run.lookup_as(<str> variables.keys[i], variables.derived[i] is True)
        if value is _unknown_value:
            return UNKNOWN_VARIABLE
        if isinstance(value, tuple):
            if len(<tuple> value) == 1:
                value = (<tuple> value)[0]
            elif len(<tuple> value) == 0:
                value = None
            else:
                return UNKNOWN_VARIABLE
        if value is None:
            value = variables.defaults[i]
            if value is None:
                return UNRESOLVABLE
        out.append(value if type(value) is str else str(value))
    return RESOLVED


cdef tuple _substituted(tuple templates, list texts):
    """The templates' pieces with each variable replaced by its text, literally (as ``resolve``)."""
    cdef list out = []
    cdef list pieces
    cdef Py_ssize_t next_text = 0
    for template in templates:
        pieces = []
        for piece in <tuple> template:
            if type(piece) is _variable_type:
                pieces.append(_literal_type(texts[next_text]))
                next_text += 1
            else:
                pieces.append(piece)
        out.append(tuple(pieces))
    return tuple(out)


@cython.no_gc
cdef class FastCondition:
    """One compiled condition (operator, key, values); values with policy variables are resolved per
    request, and what they resolve to is kept by the variables' texts."""

    cdef object condition  # the reference's Condition
    cdef str key
    cdef bint derived  # a key AWS derives from the principal or resource (context.is_fixed_key)
    cdef int qualifier
    cdef bint if_exists
    cdef bint negated
    cdef bint unsupported
    cdef int family
    cdef _Values values  # the static values (None when they hold policy variables)
    cdef tuple templates  # values with policy variables: the templates, resolved per request
    cdef _Variables variables
    cdef tuple patterns  # F_EXACT, F_LIKE: the templates as _Template, compared in place
    cdef frozenset null_wants
    cdef uint32_t* networks  # F_IP: the IPv4 blocks, as (address >> shift, shift) pairs
    cdef Py_ssize_t network_count

    def __cinit__(self, condition):
        self.condition = condition
        self.key = _intern(condition.key_lower)
        self.derived = self.key in _fixed_keys or self.key.startswith(_tag_prefixes)
        self.qualifier = condition.qualifier
        self.if_exists = condition.if_exists
        self.negated = condition.negated
        self.unsupported = condition.unsupported is not None
        self.family = F_OTHER
        self.values = None
        self.templates = None
        if self.unsupported:
            return
        family = condition.family
        if family == "null":
            self.family = F_NULL
            self.null_wants = condition.null_wants
            return
        if family in ("string", "binary"):
            self.family = F_EXACT
        elif family == "bool":
            self.family = F_BOOL
        elif family == "like":
            self.family = F_LIKE
        if any([_has_variables(template) for template in condition.templates]):
            self.templates = tuple(condition.templates)
            self.variables = _Variables(self.templates)
            if self.family == F_EXACT or self.family == F_LIKE:
                self.patterns = tuple([_Template(t, self.family == F_LIKE) for t in self.templates])
            return
        pieces = tuple(self._pieces())
        self.values = _values_of(self.family, condition.matcher(None), pieces)
        if family == "ip":
            self._ipv4_networks([_literal_text(piece) for piece in pieces])

    cdef _Values resolve(self, list texts):
        """The values (of a family other than F_EXACT and F_LIKE) for the variables' texts, with the
        reference's matcher of them (which the reference's Condition keeps per values)."""
        resolved = _substituted(self.templates, texts)
        return _values_of(self.family, self.condition.matcher_of(resolved), resolved)

    def __dealloc__(self):
        free(self.networks)

    cdef int _ipv4_networks(self, list texts) except -1:
        # The blocks exactly as the reference parses them (values.parse_network); IPv6 ones are
        # left to its matcher, which an IPv6 value goes to.
        cdef list blocks = []
        for text in texts:
            network = _parse_network(text)
            if network is None:
                return 0  # the reference reports it: keep its matcher
            version, value, prefix = network
            if version == 4:
                blocks.append((value >> (32 - prefix), 32 - prefix))
        self.networks = <uint32_t*> malloc((2 * len(blocks) + 1) * sizeof(uint32_t))
        if self.networks == NULL:
            raise MemoryError()
        cdef Py_ssize_t i
        for i in range(len(blocks)):
            self.networks[2 * i] = <uint32_t> blocks[i][0]
            self.networks[2 * i + 1] = <uint32_t> blocks[i][1]
        self.network_count = len(blocks)
        self.family = F_IP
        return 0

    cdef int ipv4(self, str value) except -2:
        """IpAddress of one value: T_TRUE/T_FALSE for an IPv4 address written as the reference's
        parser (``ipaddress``) accepts it; -1 for anything else (IPv6, or not an address)."""
        cdef Py_ssize_t n = PyUnicode_GET_LENGTH(value), i, digits = 0, parts = 0
        cdef int kind = PyUnicode_KIND(value)
        cdef void* data = PyUnicode_DATA(value)
        cdef uint32_t address = 0, part = 0, shift, ch, first = 0
        if n < 7 or n > 15:
            return -1
        for i in range(n + 1):
            ch = <uint32_t> PyUnicode_READ(kind, data, i) if i < n else 46  # a final '.' closes the last part
            if 48 <= ch <= 57:
                if digits == 0:
                    first = ch
                elif first == 48:
                    return -1  # leading zeros are refused
                digits += 1
                if digits > 3:
                    return -1
                part = part * 10 + (ch - 48)
            elif ch == 46:
                if digits == 0 or part > 255:
                    return -1
                address = (address << 8) | part
                parts += 1
                digits = 0
                part = 0
            else:
                return -1
        if parts != 4:
            return -1
        for i in range(self.network_count):
            shift = self.networks[2 * i + 1]
            if (address >> shift if shift < 32 else 0) == self.networks[2 * i]:
                return T_TRUE
        return T_FALSE

    def _pieces(self):
        return [tuple(p for p in template) for template in self.condition.templates]

    cdef int one(self, str value, _Values values) except -1:
        """The positive comparison of one request value with the policy values."""
        if self.family == F_EXACT:
            if values.single is not None:
                return T_TRUE if value == values.single else T_FALSE
            return T_TRUE if value in values.exact else T_FALSE
        if self.family == F_LIKE:
            return T_TRUE if values.like.match(value) else T_FALSE
        if self.family == F_BOOL:
            if not value.isascii():
                return T_FALSE
            if values.single is not None:
                return T_TRUE if value.lower() == values.single else T_FALSE
            return T_TRUE if value.lower() in values.exact else T_FALSE
        cdef int truth
        if self.family == F_IP:
            truth = self.ipv4(value)
            if truth >= 0:
                return truth
        if type(values.matcher) is str:
            return T_UNKNOWN  # a policy value the operator cannot read (the reference: UNKNOWN)
        return values.matcher(value)

    cdef int evaluate(self, _Run run) except -5:
        """The condition's truth for the request; -2 when the request must go to the reference;
        UNRESOLVABLE or UNKNOWN_VARIABLE when resolving its policy variables fails (the reference
        raises, and the statement is then invalid or unknown)."""
        if self.unsupported:
            return T_UNKNOWN
        value = run.lookup_as(self.key, self.derived)
        cdef int result, status = RESOLVED
        cdef _Values values = self.values
        if values is not None and type(value) is str and self.qualifier == Q_PLAIN and self.family != F_NULL:
            result = self.one(value, values)
            return 2 - result if self.negated else result
        if value is _unknown_value:
            return T_UNKNOWN
        cdef tuple members
        if value is None:
            members = ()
        elif type(value) is str:
            members = (value,)
        elif type(value) is tuple:
            members = value
            for member in members:
                if type(member) is not str:
                    return -2
        else:
            return -2
        if self.family == F_NULL:
            return T_TRUE if (len(members) == 0) in self.null_wants else T_FALSE
        if len(members) == 0:
            if self.if_exists or self.qualifier == Q_FOR_ALL:
                return T_TRUE
            if self.qualifier == Q_FOR_ANY:
                return T_FALSE
            return T_TRUE if self.negated else T_FALSE
        cdef list texts = None
        if values is None:  # as the reference: the variables are resolved only when a value is compared
            texts = []
            status = _resolve(self.variables, run, texts)
            if status != RESOLVED:
                return status
            if self.patterns is None:
                values = self.resolve(texts)
                texts = None
        if self.qualifier == Q_PLAIN:
            if len(members) > 1:
                return T_UNKNOWN
            result = self.compare(members[0], values, texts)
            return 2 - result if self.negated else result
        cdef int low = T_TRUE, high = T_FALSE, each
        for member in members:
            each = self.compare(member, values, texts)
            if self.negated:
                each = 2 - each
            if each < low:
                low = each
            if each > high:
                high = each
        return low if self.qualifier == Q_FOR_ALL else high

    cdef inline int compare(self, str value, _Values values, list texts) except -1:
        """``one``, or for F_EXACT and F_LIKE values with variables, the templates with ``texts``."""
        if texts is None:
            return self.one(value, values)
        return T_TRUE if _any_template(self.patterns, texts, value, self.family == F_LIKE) else T_FALSE


# --------------------------------------------------------------------------- principals


@cython.no_gc
cdef class FastPrincipal:
    """A Principal element (``principals.PrincipalSpec``), matched as ``PrincipalSpec._match`` does."""

    cdef bint wildcard
    cdef bint canonical
    cdef frozenset accounts, users, roles, sessions, unique_ids
    cdef str one_account, one_user  # the one account, user, when the element names one

    def __cinit__(self, spec):
        self.wildcard = spec.wildcard
        self.canonical = spec.canonical
        self.accounts = spec.accounts
        self.users = spec.users
        self.one_account = next(iter(self.accounts)) if len(self.accounts) == 1 else None
        self.one_user = next(iter(self.users)) if len(self.users) == 1 else None
        self.roles = spec.roles
        self.sessions = spec.sessions
        self.unique_ids = spec.unique_ids

    cdef int match(self, object caller) except -1:
        """Packed as ``FastStatement.strengths``: named*27 + direct*9 + role*3 + account. ``caller``
        is a ``Caller`` (``_decide`` checks), read at its slots' offsets."""
        if self.wildcard:
            return T_TRUE * 27 + T_TRUE * 9
        cdef int direct = T_FALSE, role = T_FALSE, account, listed
        cdef str account_id = _slot(caller, _C_ACCOUNT)
        if account_id == self.one_account if self.one_account is not None else account_id in self.accounts:
            account = T_TRUE
        else:
            account = T_UNKNOWN if self.canonical else T_FALSE
        cdef bint user = _slot(caller, _C_KIND) is _user_kind
        if user:
            if self.one_user is not None:
                if <str> _slot(caller, _C_ARN) == self.one_user:
                    direct = T_TRUE
            elif _slot(caller, _C_ARN) in self.users:
                direct = T_TRUE
        else:
            if self.roles and (account_id, _slot(caller, _C_NAME)) in self.roles:
                role = T_TRUE
            if self.sessions:
                session_arn = _slot(caller, _C_SESSION_ARN)
                if session_arn is not None:
                    direct = T_TRUE if session_arn in self.sessions else T_FALSE
                else:
                    prefix = f":{account_id}:assumed-role/{_slot(caller, _C_NAME)}/"
                    for session in self.sessions:
                        if prefix in session:
                            direct = T_UNKNOWN
                            break
        if self.unique_ids:
            principal_id = _slot(caller, _C_PRINCIPAL_ID)
            if principal_id is None:
                listed = T_UNKNOWN
            else:
                listed = T_TRUE if principal_id.split(":", 1)[0] in self.unique_ids else T_FALSE
            if user:
                direct = max(direct, listed)
            else:
                role = max(role, listed)
        return max(direct, role, account) * 27 + direct * 9 + role * 3 + account


# --------------------------------------------------------------------------- statements and policies


# The reference's Condition -> its FastCondition. A Condition is shared by the statements that hold the same
# condition (policy._condition) and never changes, and neither does a FastCondition once made (what it resolves
# per request is kept by the variables' texts): statements share theirs too. Keyed by identity, and the key
# kept alive by the entry. Bounded as the reference's memos are.
cdef dict _fast_conditions = {}


cdef FastCondition _fast_condition(object condition):
    found = _fast_conditions.get(condition)
    if found is None:
        if len(_fast_conditions) > 65536:
            _fast_conditions.clear()
        found = _fast_conditions[condition] = FastCondition(condition)
    return <FastCondition> found


@cython.no_gc
cdef class FastStatement:
    """One compiled statement, as the hot path reads it."""

    cdef object statement  # the reference's Statement
    cdef object ref
    cdef Py_hash_t ref_hash
    cdef bint allow
    cdef bint dynamic
    cdef tuple conditions
    cdef tuple resource_templates  # a Resource/NotResource with policy variables (else None)
    cdef tuple resource_patterns  # the same as _Template
    cdef _Variables resource_variables
    cdef bint resource_negated
    cdef FastPrincipal principal  # a Principal element (None: NotPrincipal, or no principal)
    cdef int principal_shape  # P_ANY, P_ONE_ACCOUNT, P_ONE_USER: matched here; P_OTHER: by principal
    cdef str principal_one  # the account or user ARN of P_ONE_ACCOUNT, P_ONE_USER
    cdef dict principals  # NotPrincipal: caller -> packed principal strengths, per has_boundary
    cdef dict principals_bounded

    def __cinit__(self, statement):
        self.statement = statement
        self.ref = statement.ref
        self.ref_hash = hash(self.ref)
        self.allow = statement.allow
        self.dynamic = statement.dynamic
        self.conditions = tuple([_fast_condition(c) for c in statement.conditions])
        self.resource_templates = None
        if statement.resource_templates is not None and statement.resources is None:
            self.resource_templates = tuple(statement.resource_templates)
            self.resource_patterns = tuple([_Template(t, True) for t in self.resource_templates])
            self.resource_variables = _Variables(self.resource_templates)
            self.resource_negated = statement.resource_negated
        self.principals = {}
        self.principals_bounded = {}
        spec = statement.principal
        self.principal = None if spec is None or statement.principal_negated else FastPrincipal(spec)
        self.principal_shape = P_OTHER
        if self.principal is not None:
            self.principal_shape, self.principal_one = _principal_shape(spec)

    cdef int truth(self, _Run run) except -1:
        """Truth of a statement that names the action and covers the (static) resource, as the
        reference's ``Statement.check``; -2: hand over."""
        if not self.dynamic:
            return T_TRUE
        cdef int result = T_TRUE, value
        cdef FastCondition condition
        if self.resource_templates is not None:
            value = self.resource_truth(run)
            if value == UNRESOLVABLE or value == T_FALSE:
                return T_FALSE
            if value == UNKNOWN_VARIABLE:
                return T_UNKNOWN
        for condition in self.conditions:
            value = condition.evaluate(run)
            if value == T_FALSE or value == -2:
                return value
            if value == UNRESOLVABLE:
                return T_FALSE  # a variable without a value: the statement is invalid
            if value == UNKNOWN_VARIABLE:
                return T_UNKNOWN
            if value == T_UNKNOWN:
                result = T_UNKNOWN
        return result

    cdef int resource_truth(self, _Run run) except -5:
        """Whether Resource/NotResource with policy variables covers the resource (the reference's
        ``resource_matches``); UNRESOLVABLE or UNKNOWN_VARIABLE as its ``resolve`` raises."""
        cdef list texts = []
        cdef int status = _resolve(self.resource_variables, run, texts)
        if status != RESOLVED:
            return status
        cdef bint covered = _any_template(self.resource_patterns, texts, run.resource, True)
        return T_TRUE if covered != self.resource_negated else T_FALSE

    cdef int strengths(self, object caller, bint has_boundary) except -1:
        """The reference's ``principal_strengths`` packed as named*27 + direct*9 + role*3 + account."""
        cdef int matched
        if self.principal_shape == P_ANY:
            return T_TRUE * 27 + T_TRUE * 9
        if self.principal_shape == P_ONE_ACCOUNT:  # an account: the account's strength alone
            matched = T_TRUE if <str> _slot(caller, _C_ACCOUNT) == self.principal_one else T_FALSE
            return matched * 27 + matched
        if self.principal_shape == P_ONE_USER:  # a user: a direct grant to that user alone
            if _slot(caller, _C_KIND) is _user_kind and <str> _slot(caller, _C_ARN) == self.principal_one:
                return T_TRUE * 27 + T_TRUE * 9
            return T_FALSE
        if self.principal is not None:
            return self.principal.match(caller)
        cdef dict memo = self.principals_bounded if has_boundary else self.principals
        found = memo.get(caller)
        if found is None:
            named, (direct, role, account) = _strengths(self.statement, caller, has_boundary)
            found = named * 27 + direct * 9 + role * 3 + account
            if len(memo) > 4096:
                memo.clear()
            memo[caller] = found
        return found


cdef tuple _principal_shape(object spec):
    """The shape of a Principal element (``principals.PrincipalSpec``) and its one name."""
    if spec.wildcard:
        return P_ANY, None
    if spec.canonical or spec.roles or spec.sessions or spec.unique_ids:
        return P_OTHER, None
    if len(spec.accounts) == 1 and not spec.users:
        return P_ONE_ACCOUNT, next(iter(spec.accounts))
    if len(spec.users) == 1 and not spec.accounts:
        return P_ONE_USER, next(iter(spec.users))
    return P_OTHER, None


# --------------------------------------------------------------------------- what patterns say of a value

# Every distinct pattern list of the policies compiled so far (an Action/NotAction, or a static
# Resource/NotResource) is kept once, under a small number; a policy is then an array of those
# numbers. What a list says of a value (does the action name it? does the resource fall under it?)
# depends on nothing else, so it is computed once per (list, value) and kept in the value's ``Memo``,
# two bits per list: a decision reads bits where it used to match patterns, from a small array (one
# per action, one per resource) instead of the patterns of thousands of policies.

@cython.no_gc
cdef class PatternSet:
    """A pattern list and whether it is negated (NotAction, NotResource)."""

    cdef Patterns patterns
    cdef bint negated

    def __cinit__(self, Patterns patterns, bint negated):
        self.patterns = patterns
        self.negated = negated


cdef dict _action_set_ids = {}  # (patterns, negated) -> number
cdef list _action_sets = [None]  # number -> PatternSet (0 is never used)
cdef dict _resource_set_ids = {}
cdef list _resource_sets = [None]  # 0 stands for "any resource": no test


cdef uint32_t _set_id(dict ids, list sets, tuple patterns, bint negated) except 0:
    key = (patterns, negated)
    found = ids.get(key)
    if found is None:
        found = ids[key] = len(sets)
        sets.append(PatternSet(Patterns(patterns), negated))
        if sets is _resource_sets:
            _index_resource_set(<uint32_t> found, <PatternSet> sets[found])
    return <uint32_t> found


# Most Resource lists are exact ARNs and literal prefixes ("arn:aws:s3:::bucket/*"). For those, what
# a list says of a new resource is found all at once, when its memo is made: by looking the
# resource and each of its prefixes up in these indexes, instead of testing each list in turn. The
# template holds every list's answer for a resource no index names: known "no" for such a list
# (known "yes" under NotResource), not yet known for the others, which are tested when first asked.
cdef dict _exact_index = {}  # ARN -> the numbers of the simple lists that name it exactly
cdef dict _prefix_index = {}  # literal prefix -> the numbers of the simple lists that have it
cdef set _prefix_lengths = set()
# Lists with wildcards inside ("arn:aws:s3:::b/team?/*.csv"), by each such pattern's literal text
# before its first wildcard: a resource that starts with it has the list tested when its memo is made.
# A pattern whose literal head is shorter than this would be tested for too many resources: its list
# is tested when first asked instead.
DEF GLOB_HEAD = 20
cdef dict _glob_index = {}
cdef set _glob_lengths = set()
cdef uint64_t* _template = <uint64_t*> calloc(2, sizeof(uint64_t))  # covers every number given out
cdef Py_ssize_t _template_groups = 1
if _template == NULL:
    raise MemoryError()


# A memo holds two bits per list number, in groups of 64: the group's "known" word, then its "yes" word.
cdef uint64_t* _grown(uint64_t* words, Py_ssize_t groups, Py_ssize_t wanted) except NULL:
    """``words`` (``groups`` groups) grown to ``wanted`` groups, the new ones not known."""
    cdef uint64_t* grown = <uint64_t*> realloc(words, 2 * wanted * sizeof(uint64_t))
    if grown == NULL:
        raise MemoryError()
    cdef Py_ssize_t i
    for i in range(2 * groups, 2 * wanted):
        grown[i] = 0
    return grown


cdef int _index_resource_set(uint32_t number, PatternSet patterns) except -1:
    global _template, _template_groups
    cdef Py_ssize_t group = number >> 6, wanted
    cdef uint64_t bit = (<uint64_t> 1) << (number & 63)
    if group >= _template_groups:
        wanted = max(2 * _template_groups, group + 1)
        _template = _grown(_template, _template_groups, wanted)
        _template_groups = wanted
    cdef Patterns listed = patterns.patterns
    if listed.suffixes:
        return 0  # not known: tested when first asked
    for head in listed.glob_heads:
        if len(head) < GLOB_HEAD:
            return 0
    _template[2 * group] |= bit
    if patterns.negated:
        _template[2 * group + 1] |= bit
    for head in set(listed.glob_heads):
        _glob_index.setdefault(head, []).append(number)
        _glob_lengths.add(len(head))
    for text in listed.exact:
        _exact_index.setdefault(text, []).append(number)
    prefixes = listed.prefix_texts + (("",) if listed.everything else ())
    for text in prefixes:
        _prefix_index.setdefault(text, []).append(number)
        _prefix_lengths.add(len(text))
    return 0


@cython.no_gc
cdef class Memo:
    """What each pattern list says of one value (an action, lower-cased, or a resource): two bits
    per list number (known, yes), filled the first time a decision asks. Sixty-four lists share 16
    bytes, so the answers a decision reads sit on a few cache lines."""

    cdef str value
    cdef bint resource  # a resource's memo (else an action's): which lists its numbers name
    cdef uint64_t* words
    cdef Py_ssize_t groups
    # An action's memo: how the layers treat it (``layers.Layers``): a KMS or trust action, whose
    # resource policy must allow; a trust action; a service RCPs govern.
    cdef bint mandatory, trust, rcp_applies

    def __cinit__(self, str value):
        self.value = value
        self.words = NULL
        self.groups = 0

    def __dealloc__(self):
        free(self.words)

    cdef int prefill(self) except -1:
        """A resource's answers from every simple Resource list, at once (see ``_exact_index``)."""
        global _memo_bytes
        cdef Py_ssize_t groups = (len(_resource_sets) + 63) >> 6, length
        self.words = <uint64_t*> malloc(2 * groups * sizeof(uint64_t) + 1)
        if self.words == NULL:
            raise MemoryError()
        memcpy(self.words, _template, 2 * groups * sizeof(uint64_t))
        self.groups = groups
        _memo_bytes += 2 * groups * sizeof(uint64_t)
        cdef str value = self.value
        self._matched(_exact_index.get(value))
        for length in _prefix_lengths:
            if length <= len(value):
                self._matched(_prefix_index.get(value[:length]))
        cdef PatternSet patterns
        cdef uint64_t bit
        for length in _glob_lengths:
            if length <= len(value):
                numbers = _glob_index.get(value[:length])
                if numbers is None:
                    continue
                for number in <list> numbers:
                    if (<Py_ssize_t> number >> 6) >= groups:
                        continue
                    patterns = <PatternSet> _resource_sets[number]
                    bit = (<uint64_t> 1) << (<Py_ssize_t> number & 63)
                    if patterns.patterns.match(value) != patterns.negated:
                        self.words[2 * (<Py_ssize_t> number >> 6) + 1] |= bit
                    else:
                        self.words[2 * (<Py_ssize_t> number >> 6) + 1] &= ~bit
        return 0

    cdef void _matched(self, object numbers):
        """These simple lists match the value: yes, or no under NotResource (the template's "yes")."""
        if numbers is None:
            return
        cdef Py_ssize_t number, group
        cdef uint64_t bit
        for number in <list> numbers:
            group = number >> 6
            if group < self.groups:
                bit = (<uint64_t> 1) << (number & 63)
                if _template[2 * group + 1] & bit:
                    self.words[2 * group + 1] &= ~bit
                else:
                    self.words[2 * group + 1] |= bit

    cdef inline bint holds(self, uint32_t number) except -1:
        """What list ``number`` says of the value (tested now if not yet known)."""
        cdef Py_ssize_t group = number >> 6
        cdef uint64_t bit = (<uint64_t> 1) << (number & 63)
        if group < self.groups and self.words[2 * group] & bit:
            return (self.words[2 * group + 1] & bit) != 0
        return self.fill(number)

    cdef bint fill(self, uint32_t number) except -1:
        global _memo_bytes
        cdef list sets = _resource_sets if self.resource else _action_sets
        cdef Py_ssize_t group = number >> 6, wanted
        cdef uint64_t bit = (<uint64_t> 1) << (number & 63)
        if group >= self.groups:
            wanted = max((len(sets) + 63) >> 6, group + 1, 2 * self.groups)
            self.words = _grown(self.words, self.groups, wanted)
            _memo_bytes += 2 * (wanted - self.groups) * sizeof(uint64_t)
            self.groups = wanted
        cdef PatternSet patterns = <PatternSet> sets[number]
        cdef bint yes = patterns.patterns.match(self.value) != patterns.negated
        self.words[2 * group] |= bit
        if yes:
            self.words[2 * group + 1] |= bit
        return yes


# The memos of the actions (as requests spell them) and of the resources decided so far. They are
# dropped together when they would hold more than this many bytes: a process deciding on millions
# of resources keeps only what it learnt since. A decision holds its two memos, so dropping them
# under it changes nothing for it.
DEF MEMO_BUDGET = 64 * 1024 * 1024
cdef Py_ssize_t _memo_bytes = 0
cdef dict _action_memos = {}
cdef dict _resource_memos = {}


cdef Memo _action_memo(str action):
    found = _action_memos.get(action)
    if found is not None:
        return <Memo> found
    _mind_budget()
    cdef str action_lower = action.lower()
    cdef Memo memo = Memo(action_lower)
    _action_memos[action] = memo
    memo.trust = action_lower in _trust_actions
    memo.mandatory = action_lower.startswith("kms:") or memo.trust
    memo.rcp_applies = action_lower.partition(":")[0] in _rcp_services
    return memo


cdef Memo _resource_memo(str resource):
    found = _resource_memos.get(resource)
    if found is not None:
        return <Memo> found
    _mind_budget()
    memo = _resource_memos[resource] = Memo(resource)
    (<Memo> memo).resource = True
    memo.prefill()
    return memo


cdef void _mind_budget():
    global _memo_bytes
    if _memo_bytes > MEMO_BUDGET or len(_resource_memos) > 1 << 20:
        _action_memos.clear()
        _resource_memos.clear()
        _memo_bytes = 0


def memo_sizes():
    """(actions, resources, bytes) the memos hold (for the tests)."""
    return len(_action_memos), len(_resource_memos), _memo_bytes


# --------------------------------------------------------------------------- policies

DEF R_ALLOW = 1
DEF R_DYNAMIC = 2  # conditions, or a Resource with policy variables: FastStatement.truth decides


cdef struct Record:
    uint32_t actions  # the Action/NotAction list's number
    uint32_t resources  # the static Resource/NotResource list's number; 0: any resource
    uint32_t flags


@cython.no_gc
cdef class FastPolicy:
    """A policy as the hot path reads it: one record of three numbers per statement, in order."""

    cdef tuple statements
    cdef object kind
    cdef Record* records
    cdef Py_ssize_t count

    def __cinit__(self, policy):
        self.kind = policy.kind
        self.statements = tuple(FastStatement(s) for s in policy.statements)
        self.count = len(self.statements)
        self.records = <Record*> malloc((self.count + 1) * sizeof(Record))
        if self.records == NULL:
            raise MemoryError()
        cdef FastStatement statement
        cdef Py_ssize_t position
        for position in range(self.count):
            statement = self.statements[position]
            actions, action_negated, resources, resource_negated = statement.statement.scan_spec()
            self.records[position].actions = _set_id(
                _action_set_ids, _action_sets, tuple(actions), action_negated
            )
            number = 0
            if resources is not None:
                number = _set_id(_resource_set_ids, _resource_sets, tuple(resources), resource_negated)
                if (<PatternSet> _resource_sets[number]).patterns.everything and not resource_negated:
                    number = 0
            self.records[position].resources = number
            self.records[position].flags = (R_ALLOW if statement.allow else 0) | (
                R_DYNAMIC if statement.dynamic else 0
            )

    def __dealloc__(self):
        free(self.records)

    def positions(self, str action_lower, str resource):
        """``Policy.scan``: the positions of the statements that name the action and cover the
        (static) resource, in statement order."""
        cdef Memo actions = _action_memo(action_lower)
        cdef Memo resources = _resource_memo(resource)
        cdef list out = []
        cdef Py_ssize_t position
        for position in range(self.count):
            if self.covers(position, actions, resources):
                out.append(position)
        return tuple(out)

    cdef inline bint covers(self, Py_ssize_t position, Memo actions, Memo resources) except -1:
        cdef Record* record = &self.records[position]
        if not actions.holds(record.actions):
            return False
        return record.resources == 0 or resources.holds(record.resources)


cdef inline FastPolicy fast_policy(object policy):
    """The policy's compiled core (kept on the Policy); None for a document."""
    if type(policy) is not _policy_type:
        return None
    found = _slot(policy, _P_FAST)
    if found is None:
        return _compile_late(policy)
    return <FastPolicy> found


cdef FastPolicy _compile_late(object policy):
    """The core of a policy compiled before the core was bound, made and kept on first use."""
    found = FastPolicy(policy)
    policy._fast = found
    return found


# --------------------------------------------------------------------------- one request

DEF ABSENT = -1  # an optional layer the request does not have

# The lists of a run that nothing has been put in yet all start as this one, which nothing is ever
# put in: a run makes its own only when it has something to keep (most never do).
cdef list _NONE = []


@cython.no_gc
cdef class _Run:
    """The state of one decision: the layers of ``layers.Layers`` as C values, and the context.

    A decision borrows the module's spare run and gives it back cleared (``_borrow``, ``_give_back``),
    so that its fields stay in the processor's caches from one decision to the next; what the
    result's explanation needs is copied into a small ``_Writer``.
    """

    cdef object request
    cdef object caller
    cdef str action_lower
    cdef str resource
    cdef Memo actions  # what the policies' Action lists say of the action
    cdef Memo resources  # what their static Resource lists say of the resource
    cdef str resource_account
    cdef bint declined
    # Outputs of the last scan.
    cdef int allow
    cdef int deny
    cdef FastStatement first
    # The layers.
    cdef bint same_account, mandatory, rcp_applies, trust
    cdef int identity, boundary, session, rp_direct, rp_role, rp_account, all_deny, rcp_deny
    cdef FastStatement identity_st, boundary_st, session_st, rp_direct_st, rp_role_st, rp_account_st
    cdef list scp_levels, scp_sts, rcp_levels, rcp_sts, deny_sts

    cdef object lookup_as(self, str key, bint derived):
        """A key's value; ``derived``: whether AWS derives it from the principal or resource."""
        if derived:
            return _derived_value(self.request, self.caller, self.action_lower, self.resource_account, key)
        return _context_value(_slot(self.request, _R_CONTEXT), key)

    cdef int scan(self, object policies, bint deny_decides=True) except -1:
        """One layer (identity policies, an SCP level, the boundary...): sets allow, first and deny.

        ``deny_decides``: a deny in this layer makes the request an explicit deny (not so for an
        RCP, whose deny counts only for the services RCPs govern); the layer's allow is then moot.
        """
        cdef int allow = T_FALSE, deny = T_FALSE, truth
        cdef FastPolicy fast
        cdef FastStatement statement
        cdef FastStatement first = None
        cdef Memo actions = self.actions, resources = self.resources
        cdef Record* record
        cdef Py_ssize_t position
        for policy in policies:
            fast = fast_policy(policy)
            if fast is None:
                self.declined = True
                return 0
            # Every statement in order, by its record: the action's memo, then the resource's.
            for position in range(fast.count):
                record = &fast.records[position]
                if record.flags & R_ALLOW and (allow == T_TRUE or (deny == T_TRUE and deny_decides)):
                    # The layer allows already, and its first allowing statement is known: another
                    # Allow can change neither (the reference's OR is TRUE whatever this one is).
                    # Or the layer denies, and the answer is an explicit deny whatever it allows.
                    continue
                if not actions.holds(record.actions):
                    continue
                if record.resources != 0 and not resources.holds(record.resources):
                    continue
                if record.flags & R_DYNAMIC:
                    statement = <FastStatement> fast.statements[position]
                    truth = statement.truth(self)
                    if truth == T_FALSE:
                        continue
                    if truth != T_TRUE:
                        self.declined = True
                        return 0
                if record.flags & R_ALLOW:
                    allow = T_TRUE
                    if first is None:
                        first = <FastStatement> fast.statements[position]
                else:
                    deny = T_TRUE
                    if self.deny_sts is _NONE:
                        self.deny_sts = []
                    self.deny_sts.append(fast.statements[position])
        self.allow = allow
        self.deny = deny
        self.first = first
        return 0

    cdef int scan_levels(self, object levels, list allows, list firsts, bint deny_decides) except -1:
        """Organization policies level by level; returns the worst deny."""
        cdef int worst = T_FALSE
        for level in levels:
            self.scan(level, deny_decides)
            if self.declined:
                return 0
            allows.append(self.allow)
            firsts.append(self.first)
            if self.deny > worst:
                worst = self.deny
        return worst

    cdef int scan_resource_policy(self, FastPolicy fast, bint has_boundary) except -1:
        """The resource policy: sets the direct, role and account grants; returns its deny."""
        cdef int direct = T_FALSE, role = T_FALSE, account = T_FALSE, deny = T_FALSE, truth, packed
        cdef int named, by_direct, by_role, by_account
        cdef FastStatement statement
        cdef Py_ssize_t position
        for position in range(fast.count):
            if not fast.covers(position, self.actions, self.resources):
                continue
            statement = <FastStatement> fast.statements[position]
            truth = statement.truth(self)
            if truth == T_FALSE:
                continue
            if truth != T_TRUE:
                self.declined = True
                return 0
            packed = statement.strengths(self.caller, has_boundary)
            named = packed // 27
            by_direct = (packed // 9) % 3
            by_role = (packed // 3) % 3
            by_account = packed % 3
            if named == T_UNKNOWN or by_direct == T_UNKNOWN or by_role == T_UNKNOWN or by_account == T_UNKNOWN:
                self.declined = True
                return 0
            if statement.allow:
                if by_direct == T_TRUE and direct != T_TRUE:
                    direct = T_TRUE
                    self.rp_direct_st = statement
                if by_role == T_TRUE and role != T_TRUE:
                    role = T_TRUE
                    self.rp_role_st = statement
                if by_account == T_TRUE and account != T_TRUE:
                    account = T_TRUE
                    self.rp_account_st = statement
            elif named == T_TRUE:
                deny = T_TRUE
                if self.deny_sts is _NONE:
                    self.deny_sts = []
                self.deny_sts.append(statement)
        self.rp_direct = direct
        self.rp_role = role
        self.rp_account = account
        return deny

    cdef tuple combine(self):
        """``layers.combine_truth`` over the C layers: ``(final, allow_part)``."""
        cdef int boundary = T_TRUE if self.boundary == ABSENT else self.boundary
        cdef int session = T_TRUE if self.session == ABSENT else self.session
        cdef int limit = min(boundary, session)
        cdef int id_side = min(self.identity, limit)
        cdef int direct = T_FALSE if self.rp_direct == ABSENT else self.rp_direct
        cdef int role = T_FALSE if self.rp_role == ABSENT else self.rp_role
        cdef int account = T_FALSE if self.rp_account == ABSENT else self.rp_account
        cdef int allowed, deny = self.all_deny, guard = T_TRUE, level
        if self.trust:
            direct = min(direct, boundary, max(session, T_UNKNOWN))
        if self.same_account:
            allowed = max(direct, min(role, limit), min(account, id_side) if self.mandatory else id_side)
        else:
            allowed = min(max(direct, role, account), id_side)
        for level in self.scp_levels:
            guard = min(guard, level)
        if self.rcp_levels:
            if self.rcp_applies:
                for level in self.rcp_levels:
                    guard = min(guard, level)
                deny = max(deny, self.rcp_deny)
            else:
                for level in self.rcp_levels:
                    guard = min(guard, max(level, T_UNKNOWN))
                deny = max(deny, min(self.rcp_deny, T_UNKNOWN))
        cdef int allow_part = min(guard, allowed)
        return min(2 - deny, allow_part), allow_part

    cdef list allowed_by(self):
        """``evaluate._allowed_by``: the statements that granted, one per layer that had to allow."""
        cdef list found = list(self.scp_sts)
        if self.rcp_applies:
            found.extend(self.rcp_sts)
        cdef list limits = []
        if self.boundary != ABSENT:
            limits.append(self.boundary_st)
        if self.session != ABSENT:
            limits.append(self.session_st)
        if self.same_account:
            if self.rp_direct == T_TRUE:
                found.append(self.rp_direct_st)
            elif self.rp_role == T_TRUE and None not in limits:
                found.append(self.rp_role_st)
                found.extend(limits)
            else:
                if self.mandatory:
                    found.append(self.rp_account_st)
                found.append(self.identity_st)
                found.extend(limits)
        else:
            found.append(self.rp_direct_st or self.rp_role_st or self.rp_account_st)
            found.append(self.identity_st)
            found.extend(limits)
        # Distinct by reference, as the reference's dict.fromkeys over StatementRefs: references
        # are compared only when their hashes (kept by each statement) are equal.
        cdef list unique = []
        cdef FastStatement each, kept
        cdef bint seen
        for statement in found:
            if statement is None:
                continue
            each = <FastStatement> statement
            seen = False
            for kept in unique:
                if kept.ref_hash == each.ref_hash and (kept is each or kept.ref == each.ref):
                    seen = True
                    break
            if not seen:
                unique.append(each)
        return unique


cdef inline object _ref(object statement):
    return None if statement is None else (<FastStatement> statement).ref


def derived_value(request, caller, str action_lower, str resource_account, str key):
    """``context.derive(...).get(key)``, compiled (for the tests)."""
    if type(request) is not _request_type or type(caller) is not _caller_type:
        raise TypeError("a Request and its Caller")
    return _derived_value(request, caller, action_lower, resource_account, key)


cdef object _derived_value(object request, object caller, str action_lower, str resource_account, str key):
    """One key of the reference's ``context.derive`` (lower-cased; None when absent), computed
    alone: a decision asks for one or two derived keys, not for the dozen ``derive`` writes. The
    request is a ``Request`` and the caller a ``Caller`` (``_decide`` checks), read at their
    offsets; ``tests/engine/test_core.py`` holds every key equal to ``derive``'s."""
    if key.startswith(_principal_tag):
        found = _tag_value(_slot(request, _R_PRINCIPAL_TAGS), key, len(_principal_tag))
        # A principal key the case leaves open is read from its context (context.derive).
        return _context_value(_slot(request, _R_CONTEXT), key) if found is None else found
    if key.startswith(_resource_tag):
        return _tag_value(_slot(request, _R_RESOURCE_TAGS), key, len(_resource_tag))
    cdef bint user = _slot(caller, _C_KIND) is _user_kind
    if key == "aws:principalarn":
        arn = _slot(caller, _C_ARN)
        given = _context_value(_slot(request, _R_CONTEXT), key)
        if given is not None and given != arn and _same_principal_arn(given, caller, _slot(request, _R_PRINCIPAL)):
            return given  # the role's ARN with its path, for a session given by its session ARN
        return arn
    if key == "aws:principalaccount":
        return _slot(caller, _C_ACCOUNT)
    if key == "aws:principaltype":
        return "User" if user else "AssumedRole"
    if key == "aws:principalisawsservice":
        return "false"
    if key == "aws:principalorgid":
        return _slot(request, _R_ORG_ID) or _context_value(_slot(request, _R_CONTEXT), key)
    if key == "aws:principalorgpaths":
        return tuple(_slot(request, _R_ORG_PATHS)) or _context_value(_slot(request, _R_CONTEXT), key)
    if key == "aws:userid":
        userid = _slot(caller, _C_PRINCIPAL_ID)
        if userid is None or (not user and ":" not in str(userid)):
            given = _context_value(_slot(request, _R_CONTEXT), key)
            return _unknown_value if given is None else given
        return userid
    if key == "aws:username":
        return _slot(caller, _C_NAME) if user else None
    if key == "aws:resourceaccount":
        return resource_account
    if key == "kms:calleraccount":
        return _slot(caller, _C_ACCOUNT) if action_lower.startswith("kms:") else None
    return None  # aws:PrincipalServiceName(sList): the caller is never an AWS service


cdef object _tag_value(object tags, str key, Py_ssize_t prefix):
    """The value of the tag whose lower-cased name follows ``prefix`` in ``key`` (the last such
    tag, as ``derive`` writes them in order), or None."""
    cdef str name = key[prefix:]
    found = None
    for tag, value in tags.items():
        if tag.lower() == name:
            found = value
    return found


# Each context key's lower case, by the key object (a request's keys are usually the same few
# string objects, its literals): a direct-mapped table on the object's address. An entry holds its
# key, so no other object can take that address while the entry stands.
DEF LOWER_SLOTS = 1024
cdef PyObject* _lower_keys[LOWER_SLOTS]
cdef PyObject* _lower_texts[LOWER_SLOTS]


cdef inline str _lower(str key):
    cdef size_t slot = ((<size_t> <PyObject*> key) >> 4) & (LOWER_SLOTS - 1)
    if _lower_keys[slot] == <PyObject*> key:
        return <str> _lower_texts[slot]
    cdef str low = _intern(key.lower())
    Py_XDECREF(_lower_keys[slot])
    Py_XDECREF(_lower_texts[slot])
    Py_INCREF(key)
    Py_INCREF(low)
    _lower_keys[slot] = <PyObject*> key
    _lower_texts[slot] = <PyObject*> low
    return low


cdef inline bint _same_key(str low, str key):
    """Whether two lower-cased keys are equal (both are interned where the core makes them, so
    equal keys are usually the same object, and the text is compared only at equal lengths)."""
    return low is key or (PyUnicode_GET_LENGTH(low) == PyUnicode_GET_LENGTH(key) and low == key)


cdef object _context_value(object context, str key):
    """The value of a (lower-cased) key in the request's context, as ``EvalContext.lookup`` finds
    it in ``{k.lower(): v for k, v in context.items()}``: of the keys that lower-case to it, the
    last one's value; None when there is none. Read in place, without building that dict."""
    cdef Py_ssize_t position = 0
    cdef PyObject* name
    cdef PyObject* value
    cdef PyObject* found = NULL
    if type(context) is dict:
        while PyDict_Next(context, &position, &name, &value):
            if _type_of(name) == <PyTypeObject*> str:
                if _same_key(_lower(<str> name), key):
                    found = value
            elif (<object> name).lower() == key:
                found = value
        return None if found == NULL else <object> found
    result = None
    for name_object, value_object in context.items():
        if _same_key(_lower(name_object), key) if type(name_object) is str else name_object.lower() == key:
            result = value_object
    return result


cdef inline bint _truthy(object value) except -1:
    """``bool(value)``, without the generic call for the usual None, str and tuple."""
    if value is None:
        return False
    if type(value) is tuple:
        return PyTuple_GET_SIZE(value) > 0
    if type(value) is str:
        return PyUnicode_GET_LENGTH(value) > 0
    return bool(value)


cdef str _resource_account(object request, object caller):
    """As ``context.account_of_resource``: as given, else from the resource ARN, else the principal's."""
    given = _slot(request, _R_RESOURCE_ACCOUNT)
    if _truthy(given):
        return given
    cdef list parts = (<str> _slot(request, _R_RESOURCE)).split(":", 5)
    if len(parts) == 6 and parts[0] == "arn":
        account = <str> parts[4]
        if len(account) == 12 and account.isdigit():
            return account
    return _slot(caller, _C_ACCOUNT)


@cython.binding(False)  # a plain built-in function of one argument: the cheapest call Python has
def decide(request):
    """Answer the concrete question; the reference answers what this core hands over."""
    result = _decide(request)
    if result is None:
        return _reference(request)
    return result


def decide_core(request):
    """The compiled core alone: the Result, or None when it hands the request to the reference."""
    return _decide(request)


cdef object _decide(object request):
    if type(request) is not _request_type:
        return None
    principal = _slot(request, _R_PRINCIPAL)
    if type(principal) is not str:
        return None
    caller = _caller_of(principal, _slot(request, _R_PRINCIPAL_ID))
    if type(caller) is not _caller_type:
        return None  # a reason the principal is not supported: the reference explains it
    action = _slot(request, _R_ACTION)
    resource = _slot(request, _R_RESOURCE)
    if type(action) is not str or type(resource) is not str:
        return None
    global _spare
    cdef _Run run = _spare
    if run is None:  # in use (a decision within a decision, or another thread's): a run of its own
        run = _Run.__new__(_Run)
    else:
        _spare = None
    result = _decide_with(run, request, caller, action, resource)
    _give_back(run)
    return result


cdef _Run _spare = _Run.__new__(_Run)


# The parsed caller of each principal ARN seen (with the principal id it was parsed with): the
# reference's parse_caller, without its LRU bookkeeping on every decision.
cdef dict _callers = {}


cdef object _caller_of(object principal, object principal_id):
    found = _callers.get(principal)
    if found is not None:
        given = (<tuple> found)[0]
        if given is principal_id or (given is not None and principal_id is not None and given == principal_id):
            return (<tuple> found)[1]
    caller = _parse_caller(principal, principal_id)
    if len(_callers) > 65536:
        _callers.clear()
    _callers[principal] = (principal_id, caller)
    return caller


cdef void _give_back(_Run run):
    """Clear the run to the state of a new one (what it refers to, it lets go) and keep it."""
    global _spare
    run.request = run.caller = None
    run.action_lower = run.resource = run.resource_account = None
    run.actions = run.resources = None
    run.declined = False
    run.first = run.identity_st = run.boundary_st = run.session_st = None
    run.rp_direct_st = run.rp_role_st = run.rp_account_st = None
    run.scp_levels = run.scp_sts = run.rcp_levels = run.rcp_sts = run.deny_sts = None
    run.rcp_deny = T_FALSE
    _spare = run


cdef object _decide_with(_Run run, object request, object caller, str action, str resource):
    """The decision on a cleared run."""
    run.actions = _action_memo(action)
    run.resources = _resource_memo(resource)
    cdef str action_lower = run.actions.value
    run.request = request
    run.caller = caller
    run.action_lower = action_lower
    run.resource = resource
    run.resource_account = _resource_account(request, caller)
    run.deny_sts = run.scp_levels = run.scp_sts = run.rcp_levels = run.rcp_sts = _NONE
    run.boundary = run.session = run.rp_direct = run.rp_role = run.rp_account = ABSENT
    run.scan(_slot(request, _R_IDENTITY))
    if run.declined:
        return None
    run.identity = run.allow
    run.identity_st = run.first
    cdef int deny = run.deny
    run.same_account = _slot(caller, _C_ACCOUNT) == run.resource_account
    run.mandatory = run.actions.mandatory
    run.rcp_applies = run.actions.rcp_applies
    run.trust = run.actions.trust
    cdef int level_deny
    scps = _slot(request, _R_SCPS)
    rcps = _slot(request, _R_RCPS)
    # SCPs and RCPs do not restrict a service-linked role (as the reference: caller.is_service_linked).
    if (_truthy(scps) or _truthy(rcps)) and caller.is_service_linked:
        scps = rcps = None
    if _truthy(scps):
        run.scp_levels = []
        run.scp_sts = []
        level_deny = run.scan_levels(scps, run.scp_levels, run.scp_sts, True)
        if run.declined:
            return None
        deny = max(deny, level_deny)
    if _truthy(rcps):
        run.rcp_levels = []
        run.rcp_sts = []
        run.rcp_deny = run.scan_levels(rcps, run.rcp_levels, run.rcp_sts, False)
        if run.declined:
            return None
    boundary = _slot(request, _R_BOUNDARY)
    cdef bint has_boundary = boundary is not None
    if has_boundary:
        run.scan((boundary,))
        if run.declined:
            return None
        run.boundary = run.allow
        run.boundary_st = run.first
        deny = max(deny, run.deny)
    session_policy = _slot(request, _R_SESSION)
    if session_policy is not None:
        if _slot(caller, _C_KIND) is _user_kind:
            return None  # the reference explains why a user's session policy is unknown
        run.scan((session_policy,))
        if run.declined:
            return None
        run.session = run.allow
        run.session_st = run.first
        deny = max(deny, run.deny)
    cdef FastPolicy resource_policy
    given_policy = _slot(request, _R_RESOURCE_POLICY)
    if given_policy is not None:
        resource_policy = fast_policy(given_policy)
        if resource_policy is None or resource_policy.kind is not _kind_resource:
            return None
        level_deny = run.scan_resource_policy(resource_policy, has_boundary)
        if run.declined:
            return None
        deny = max(deny, level_deny)
    run.all_deny = deny
    final, allow_part = run.combine()
    return _explain_run(request, run, final, allow_part)


cdef object _explain_run(object request, _Run run, int final, int allow_part):
    """The result. ALLOW, EXPLICIT_DENY and IMPLICIT_DENY are explained when first read
    (``model.DeferredResult``, a ``_Writer`` over this run's layers) by the reference's own
    ``explain``: the words are written in one place. None for the rest (INDETERMINATE), which
    the reference answers."""
    cdef _Writer writer = _Writer.make(run, final, allow_part)
    if run.all_deny == T_TRUE or (run.rcp_deny == T_TRUE and run.rcp_applies):
        return _deferred(_explicit_deny, writer, (), writer.deny_refs)
    if final == T_TRUE:
        return _deferred(_allow, writer, _refs(run.allowed_by()), ())
    # An RCP deny on a service the engine does not know RCPs to cover is unknown, not absent (the
    # reference's _effective_deny): denied either way, but whether explicitly is not known.
    if final == T_FALSE and run.all_deny == T_FALSE and run.rcp_deny == T_FALSE:
        return _deferred(_implicit_deny, writer, (), ())
    return None  # INDETERMINATE: the reference answers and explains it (the core never does)


cdef tuple _refs(list statements):
    """The statements' references, as a tuple the collector does not track: references are made
    with their policy and never refer to anything made later, so no cycle can pass through it."""
    if not statements:
        return ()
    cdef tuple refs = tuple([(<FastStatement> s).ref for s in statements])
    PyObject_GC_UnTrack(<void*> refs)
    return refs


cdef object _deferred(object decision, _Writer writer, tuple allowed_by, tuple denied_by):
    """A ``model.DeferredResult``, its slots set directly; its explanation is ``writer()``."""
    # Allocated as ``object.__new__`` would (every slot unset), without the call through __new__.
    result = _alloc(<PyTypeObject*> _deferred_type, 0)
    _set_slot(result, _D_DECISION, decision)
    _set_slot(result, _D_ALLOWED_BY, allowed_by)
    _set_slot(result, _D_DENIED_BY, denied_by)
    _set_slot(result, _D_UNSUPPORTED, ())
    _set_slot(result, _D_WRITER, writer)
    # Nothing a result holds refers back to it (its writer is never traversed by the collector
    # either), so the collector has no cycle to find through it: results are left out of its
    # generations, as CPython leaves out tuples of atoms. A batch of many thousand results otherwise
    # costs the collector about a tenth of the batch's time.
    PyObject_GC_UnTrack(<void*> result)
    return result


@cython.no_gc
@cython.final
cdef class _Writer:
    """The sentences of one decision, written when first read: what the reference's ``explain``
    reads of the run's layers, copied (a batch keeps one of these a result, so it is kept small)."""

    cdef object request
    cdef bint same_account, mandatory, rcp_applies, trust
    cdef signed char identity, boundary, session, rp_direct, rp_role, rp_account, all_deny, rcp_deny
    cdef signed char final, allow_part
    cdef FastStatement identity_st, boundary_st, session_st, rp_direct_st, rp_role_st, rp_account_st
    cdef list scp_levels, scp_sts, rcp_levels, rcp_sts
    cdef tuple deny_refs

    @staticmethod
    cdef _Writer make(_Run run, int final, int allow_part):
        cdef _Writer writer = _Writer.__new__(_Writer)
        writer.request = run.request
        writer.same_account = run.same_account
        writer.mandatory = run.mandatory
        writer.rcp_applies = run.rcp_applies
        writer.trust = run.trust
        writer.identity = run.identity
        writer.boundary = run.boundary
        writer.session = run.session
        writer.rp_direct = run.rp_direct
        writer.rp_role = run.rp_role
        writer.rp_account = run.rp_account
        writer.all_deny = run.all_deny
        writer.rcp_deny = run.rcp_deny
        writer.final = final
        writer.allow_part = allow_part
        writer.identity_st = run.identity_st
        writer.boundary_st = run.boundary_st
        writer.session_st = run.session_st
        writer.rp_direct_st = run.rp_direct_st
        writer.rp_role_st = run.rp_role_st
        writer.rp_account_st = run.rp_account_st
        writer.deny_refs = _refs(run.deny_sts)
        # The organization's levels (truth values and FastStatements, which refer to nothing made
        # later) cannot close a cycle either.
        writer.scp_levels = run.scp_levels
        writer.scp_sts = run.scp_sts
        if run.scp_levels is not _NONE:
            PyObject_GC_UnTrack(<void*> run.scp_levels)
            PyObject_GC_UnTrack(<void*> run.scp_sts)
        writer.rcp_levels = run.rcp_levels
        writer.rcp_sts = run.rcp_sts
        if run.rcp_levels is not _NONE:
            PyObject_GC_UnTrack(<void*> run.rcp_levels)
            PyObject_GC_UnTrack(<void*> run.rcp_sts)
        return writer

    def __call__(self):
        return _explain(self.request, self.layers(), self.final, self.allow_part).explanation

    cdef object layers(self):
        """The reference's ``Layers`` object, for the reference's explanation."""
        layers = _layers_type(
            self.same_account,
            self.mandatory,
            self.rcp_applies,
            self.all_deny,
            self.rcp_deny,
            self.identity,
            _ref(self.identity_st),
            list(self.deny_refs),
        )
        layers.trust = self.trust
        if self.boundary != ABSENT:
            layers.boundary = self.boundary
            layers.boundary_ref = _ref(self.boundary_st)
        if self.session != ABSENT:
            layers.session = self.session
            layers.session_ref = _ref(self.session_st)
        if self.rp_direct != ABSENT:
            layers.rp_direct = self.rp_direct
            layers.rp_role = self.rp_role
            layers.rp_account = self.rp_account
            layers.rp_direct_ref = _ref(self.rp_direct_st)
            layers.rp_role_ref = _ref(self.rp_role_st)
            layers.rp_account_ref = _ref(self.rp_account_st)
        if self.scp_levels:
            layers.scp_levels = self.scp_levels
            layers.scp_refs = [_ref(s) for s in self.scp_sts]
        if self.rcp_levels:
            layers.rcp_levels = self.rcp_levels
            layers.rcp_refs = [_ref(s) for s in self.rcp_sts]
        return layers


def decide_many(requests):
    """``decide`` for each request, in order, visiting them grouped by principal.

    A principal's requests share its policies: deciding them one after another finds those policies
    in the processor's caches, where requests in arrival order (across thousands of policies) wait on
    memory. The results are the same as one ``decide`` per request, returned in the input's order.
    """
    cdef list items = list(requests)
    cdef Py_ssize_t n = len(items), i
    cdef dict groups = {}
    cdef list group
    for i in range(n):
        key = (<object> items[i]).principal
        found = groups.get(key)
        if found is None:
            groups[key] = [i]
        else:
            (<list> found).append(i)
    cdef list order = []
    for group in groups.values():
        order.extend(group)
    groups = None
    cdef list out = [None] * n
    # The batch's own lists are the largest young containers the collector would traverse at each
    # of its collections during the batch (the results themselves are not tracked): they refer to
    # nothing that refers back to them, so they are left out until the batch is done.
    PyObject_GC_UnTrack(<void*> items)
    PyObject_GC_UnTrack(<void*> order)
    PyObject_GC_UnTrack(<void*> out)
    cdef Py_ssize_t k
    for k in range(n):
        # Ask the memory ahead for what the next decisions read first: two requests on, the
        # request object; one on, the objects its slots name (context, identity policies, resource
        # and its policy). A principal's policies are already in the caches, its requests are not.
        if k + 2 < n:
            _prefetch_object(<PyObject*> items[<Py_ssize_t> order[k + 2]])
        if k + 1 < n:
            _prefetch_named(<PyObject*> items[<Py_ssize_t> order[k + 1]])
        i = order[k]
        request = items[i]
        result = _decide(request)
        out[i] = _reference(request) if result is None else result
    PyObject_GC_Track(<void*> out)  # the caller's list, tracked as any other
    return out


cdef inline void _prefetch_object(PyObject* instance):
    __builtin_prefetch(instance)
    __builtin_prefetch((<char*> instance) + 64)
    __builtin_prefetch((<char*> instance) + 128)


cdef inline void _prefetch_named(PyObject* request):
    if _type_of(request) != <PyTypeObject*> _request_type:
        return
    cdef PyObject* named
    cdef Py_ssize_t[4] offsets = [_R_CONTEXT, _R_IDENTITY, _R_RESOURCE_POLICY, _R_RESOURCE]
    cdef int j
    for j in range(4):
        named = (<PyObject**> ((<char*> request) + offsets[j]))[0]
        if named != NULL:
            __builtin_prefetch(named)
            __builtin_prefetch((<char*> named) + 64)


# ---------------------------------------------------------------------------------------------
# One request's policies (``enjoin decide``): which statements can apply, every statement checked.
#
# ``policy._compile`` with a scope checks every statement with ``_plain_parts`` and compiles only
# those that ``_names`` the action and ``_covers`` the resource. ``scoped_statements`` does the same
# reading of the plain statements here, where a statement costs a few C comparisons instead of a
# few hundred bytecodes; it gives up (None) on the first statement that is not plainly valid, and
# the Python path then reads the whole policy and reports exactly what is wrong. The tests hold it
# equal to ``_plain_parts``, ``_names`` and ``_covers`` on generated and mutated statements.

from enjoin.engine import policy as _policy_module

cdef frozenset _statement_keys = frozenset(_policy_module._STATEMENT_KEYS)
cdef object _scalar_text = _conditions_module.scalar_text
cdef object _covers_reference = _policy_module._covers


cdef bint _glob_text(str pattern, str value):
    """Whether ``value`` matches the whole of ``pattern`` (``*`` any run, ``?`` one character,
    everything else literally, case as given): ``wildcard.compile_glob(pattern)(value)``."""
    cdef Py_ssize_t np = PyUnicode_GET_LENGTH(pattern), nv = PyUnicode_GET_LENGTH(value)
    cdef int pk = PyUnicode_KIND(pattern), vk = PyUnicode_KIND(value)
    cdef void* pd = PyUnicode_DATA(pattern)
    cdef void* vd = PyUnicode_DATA(value)
    cdef Py_ssize_t p = 0, v = 0, star = -1, mark = 0
    cdef Py_UCS4 c
    while v < nv:
        if p < np:
            c = PyUnicode_READ(pk, pd, p)
            if c == u'*':
                star = p
                p += 1
                mark = v
                continue
            if c == u'?' or c == PyUnicode_READ(vk, vd, v):
                p += 1
                v += 1
                continue
        if star >= 0:
            # Backtrack: the last star takes one more character.
            p = star + 1
            mark += 1
            v = mark
            continue
        return False
    while p < np and PyUnicode_READ(pk, pd, p) == u'*':
        p += 1
    return p == np


cdef object _plain_list(object value):
    """``policy._plain_strings``: a plain string or non-empty list of strings, as a new list; None else."""
    if type(value) is str:
        return [value]
    if type(value) is list and len(<list> value) > 0:
        for item in <list> value:
            if type(item) is not str:
                return None
        return list(<list> value)
    return None


cdef bint _is_arn_or_star(str text):
    """``text == "*" or arn.split_arn(text) is not None``: "arn" before the first colon, at least
    five colons."""
    if text == u"*":
        return True
    if not text.startswith(u"arn:"):
        return False
    return text.count(u":") >= 5


cdef object _plain_conditions(object block, bint keep):
    """``_plain_parts``'s reading of a Condition block: its (operator, key, texts) triples (an
    empty list when not ``keep``), or None when the block is not plainly valid."""
    cdef list out = []
    cdef list items
    cdef list texts
    if type(block) is not dict or len(<dict> block) == 0:
        return None
    for operator_name, keys in (<dict> block).items():
        if type(keys) is not dict or len(<dict> keys) == 0:
            return None
        for key, raw_values in (<dict> keys).items():
            items = <list> raw_values if type(raw_values) is list else [raw_values]
            if len(items) == 0:
                return None
            texts = []
            for item in items:
                text = item if type(item) is str else _scalar_text(item)
                if text is None:
                    return None
                texts.append(text)
            if keep:
                out.append((operator_name, key, tuple(texts)))
    return out


def scoped_statements(object statements, str action_lower, str resource, bint variables):
    """The statements of a policy without principals that can apply to one request, each as
    ``(index, parts)`` with ``parts`` as ``policy._plain_parts`` gives them, in order; None when
    some statement is not plainly valid (the caller then reads the policy the full way).

    ``statements`` is the document's Statement list; ``action_lower`` the request's action,
    lower-cased; ``variables`` whether the policy's Version has policy variables."""
    cdef list found = []
    cdef dict raw
    cdef Py_ssize_t index = -1
    cdef bint negated, names, covered
    cdef object actions, resources, conditions, resource_key, action_key
    if type(statements) is not list:
        return None
    for item in <list> statements:
        index += 1
        if type(item) is not dict:
            return None
        raw = <dict> item
        for key in raw:
            if key not in _statement_keys:
                return None
        if u"Principal" in raw or u"NotPrincipal" in raw:
            return None
        sid = raw.get(u"Sid")
        if sid is not None and type(sid) is not str:
            return None
        effect = raw.get(u"Effect")
        if type(effect) is not str or (effect != u"Allow" and effect != u"Deny"):
            return None
        if u"Action" in raw:
            if u"NotAction" in raw:
                return None
            action_key = u"Action"
        elif u"NotAction" in raw:
            action_key = u"NotAction"
        else:
            return None
        actions = _plain_list(raw[action_key])
        if actions is None:
            return None
        for action in <list> actions:
            if action != u"*" and (
                u":" not in action or (<str> action).startswith(u":") or (<str> action).endswith(u":")
            ):
                return None
        if u"Resource" in raw:
            if u"NotResource" in raw:
                return None
            resource_key = u"Resource"
        elif u"NotResource" in raw:
            resource_key = u"NotResource"
        else:
            return None
        resources = _plain_list(raw[resource_key])
        if resources is None:
            return None
        for pattern in <list> resources:
            if not _is_arn_or_star(<str> pattern):
                return None
        negated = action_key == u"NotAction"
        names = negated
        for pattern in <list> actions:
            if _glob_text((<str> pattern).lower(), action_lower):
                names = not negated
                break
        # The Condition block is checked before the Resource is matched, as _statement_parts does.
        if u"Condition" in raw:
            conditions = _plain_conditions(raw[u"Condition"], names)
            if conditions is None:
                return None
        else:
            conditions = []
        covered = False
        if names:
            if variables and any(u"${" in <str> r for r in <list> resources):
                # A policy variable: the reference decides (and reports a malformed one) itself.
                covered = _covers_reference(resource_key, resources, variables, resource)
            else:
                for pattern in <list> resources:
                    if _glob_text(<str> pattern, resource):
                        covered = True
                        break
                covered = covered != (resource_key == u"NotResource")
        if names and covered:
            found.append(
                (index, (sid, effect, action_key, actions, resource_key, resources, None, False, conditions))
            )
    return found


def json_nesting(str text):
    """How deep the brackets of JSON ``text`` nest outside its strings, in one pass; -1 when a
    string is not plainly closed (a quote without its pair, a backslash before a line break), where
    ``textfile.too_deep``'s token reading is the one that counts. ``too_deep`` asks this first."""
    cdef Py_ssize_t n = PyUnicode_GET_LENGTH(text), i = 0
    cdef int kind = PyUnicode_KIND(text)
    cdef void* data = PyUnicode_DATA(text)
    cdef Py_ssize_t depth = 0, deepest = 0
    cdef Py_UCS4 c
    while i < n:
        c = PyUnicode_READ(kind, data, i)
        i += 1
        if c == u'"':
            while True:
                if i >= n:
                    return -1
                c = PyUnicode_READ(kind, data, i)
                i += 1
                if c == u'"':
                    break
                if c == u'\\':
                    if i >= n or PyUnicode_READ(kind, data, i) == u'\n':
                        return -1
                    i += 1
        elif c == u'[' or c == u'{':
            depth += 1
            if depth > deepest:
                deepest = depth
        elif c == u']' or c == u'}':
            depth -= 1
    return deepest
