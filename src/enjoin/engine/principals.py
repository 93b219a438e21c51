"""The Principal and NotPrincipal elements of resource-based policies, and how a caller matches them.

Forms (IAM User Guide, "AWS JSON policy elements: Principal" and "NotPrincipal"): ``"*"`` and
``{"AWS": "*"}`` (everyone); an account (``"111122223333"`` or ``arn:aws:iam::111122223333:root``);
an IAM user ARN; an IAM role ARN, which also covers every session of the role; an assumed-role
session ARN; unique ids (``AIDA...``/``AROA...``, what IAM shows once the named entity is deleted);
``Service``, ``Federated`` and ``CanonicalUser`` principals.

A match has a strength, because within one account AWS treats them differently: a grant to the user
or to the exact role session is DIRECT (it stands on its own), a grant to the role ARN is ROLE (still
limited by the boundary and session policy), a grant to the account is ACCOUNT (it delegates to the
account's IAM policies and grants nothing by itself). ``"*"`` is read as naming the caller itself:
it covers the exact session ARN.

``NotPrincipal`` exempts the principals it lists. A caller (the user, or the exact role session) that
is not listed is not exempt. AWS may also check a role session's account and role ("AWS might validate
the account first, then the role, and then the assumed-role user"), so a caller listed without its
account (and, for a session, its role) is only possibly exempt: UNKNOWN. A ``Deny`` with
``NotPrincipal`` always applies to a principal that has a permissions boundary (IAM User Guide,
"Permissions boundaries for IAM entities").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from enjoin.engine.arn import Caller, CallerKind, is_account_id, split_arn
from enjoin.engine.truth import FALSE, TRUE, UNKNOWN, Truth

_UNIQUE_ID = re.compile(r"A[A-Z0-9]{3}[A-Z0-9]{12,}")
PRINCIPAL_TYPES = ("AWS", "Service", "Federated", "CanonicalUser")


class PrincipalFormError(ValueError):
    """A Principal element that is not valid grammar; the message says what was found."""


@dataclass(frozen=True, slots=True)
class PrincipalMatch:
    """How a caller matches a Principal element, by strength (each three-valued)."""

    direct: Truth
    role: Truth
    account: Truth

    @property
    def any(self) -> Truth:
        """Whether the element names the caller at all."""
        return max(self.direct, self.role, self.account)


NO_MATCH = PrincipalMatch(FALSE, FALSE, FALSE)


class PrincipalSpec:
    """A compiled Principal/NotPrincipal element."""

    __slots__ = ("_matches", "accounts", "canonical", "roles", "sessions", "unique_ids", "users", "wildcard")

    def __init__(self, element: object) -> None:
        self.wildcard = False
        self._matches: dict[Caller, PrincipalMatch] = {}
        accounts: set[str] = set()
        users: set[str] = set()
        roles: set[tuple[str, str]] = set()
        sessions: set[str] = set()
        unique_ids: set[str] = set()
        self.canonical = False
        if element == "*":
            self.wildcard = True
        elif isinstance(element, Mapping):
            for kind, raw in element.items():
                if kind not in PRINCIPAL_TYPES:
                    raise PrincipalFormError(
                        f"principal type {kind!r} (expected one of {', '.join(PRINCIPAL_TYPES)})"
                    )
                items = [raw] if isinstance(raw, str) else raw
                if not isinstance(items, list) or not items or not all(isinstance(i, str) for i in items):
                    raise PrincipalFormError(f"{kind}: {raw!r} (expected a string or a list of strings)")
                if kind == "CanonicalUser":
                    self.canonical = True
                    continue
                if kind != "AWS":
                    continue  # service and federated principals are never an IAM user or role
                for item in items:
                    self._add_aws(item, accounts, users, roles, sessions, unique_ids)
        else:
            raise PrincipalFormError(f'{element!r} (expected "*" or an object such as {{"AWS": ...}})')
        self.accounts = frozenset(accounts)
        self.users = frozenset(users)
        self.roles = frozenset(roles)
        self.sessions = frozenset(sessions)
        self.unique_ids = frozenset(unique_ids)

    def _add_aws(
        self,
        item: str,
        accounts: set[str],
        users: set[str],
        roles: set[tuple[str, str]],
        sessions: set[str],
        unique_ids: set[str],
    ) -> None:
        if item == "*":
            self.wildcard = True
            return
        if is_account_id(item):
            accounts.add(item)
            return
        if _UNIQUE_ID.fullmatch(item):
            unique_ids.add(item)
            return
        parts = split_arn(item)
        if parts is None or not is_account_id(parts[4]):
            raise PrincipalFormError(
                f'AWS principal {item!r} (expected an account id, an IAM or STS ARN, or "*")'
            )
        if "*" in item or "?" in item:
            raise PrincipalFormError(f"AWS principal {item!r} (wildcards are not allowed in a principal ARN)")
        service, account, resource = parts[2], parts[4], parts[5]
        if service == "iam" and resource == "root":
            accounts.add(account)
        elif service == "iam" and resource.startswith("user/"):
            users.add(item)
        elif service == "iam" and resource.startswith("role/"):
            roles.add((account, resource.rsplit("/", 1)[1]))
        elif service == "sts" and resource.startswith("assumed-role/") and resource.count("/") == 2:
            sessions.add(item)
        elif service == "sts" and resource.startswith("federated-user/"):
            pass  # a federated user session is never one of the callers the engine handles
        else:
            raise PrincipalFormError(f"AWS principal {item!r} (not an account, user, role or session ARN)")

    def match(self, caller: Caller) -> PrincipalMatch:
        """How the caller matches this element (as a Principal); memoised per caller."""
        found = self._matches.get(caller)
        if found is None:
            if len(self._matches) > 4096:
                self._matches.clear()
            found = self._matches[caller] = self._match(caller)
        return found

    def _match(self, caller: Caller) -> PrincipalMatch:
        if self.wildcard:
            return PrincipalMatch(TRUE, FALSE, FALSE)
        direct = FALSE
        role = FALSE
        account = TRUE if caller.account in self.accounts else (UNKNOWN if self.canonical else FALSE)
        if caller.kind is CallerKind.USER:
            if caller.arn in self.users:
                direct = TRUE
        else:
            if (caller.account, caller.name) in self.roles:
                role = TRUE
            direct = self._session_listed(caller)
        if self.unique_ids:
            listed = self._unique_id_listed(caller)
            if caller.kind is CallerKind.USER:
                direct = max(direct, listed)
            else:
                role = max(role, listed)
        return PrincipalMatch(direct, role, account)

    def _session_listed(self, caller: Caller) -> Truth:
        if caller.session_arn is not None:
            return TRUE if caller.session_arn in self.sessions else FALSE
        prefix = f":{caller.account}:assumed-role/{caller.name}/"
        return UNKNOWN if any(prefix in s for s in self.sessions) else FALSE

    def _unique_id_listed(self, caller: Caller) -> Truth:
        if caller.principal_id is None:
            return UNKNOWN
        own = caller.principal_id.split(":", 1)[0]
        return TRUE if own in self.unique_ids else FALSE

    def exempts(self, caller: Caller) -> Truth:
        """As a NotPrincipal: is the caller exempt?

        The caller itself (the user, or the exact role session) must be listed; AWS may also check
        its parents (the account; for a session, the role too), so a caller listed without them is
        only possibly exempt (UNKNOWN).
        """
        if self.wildcard:
            return TRUE
        account = TRUE if caller.account in self.accounts else (UNKNOWN if self.canonical else FALSE)
        parents = [account]
        if caller.kind is CallerKind.USER:
            itself = TRUE if caller.arn in self.users else FALSE
            if self.unique_ids:
                itself = max(itself, self._unique_id_listed(caller))
        else:
            role = TRUE if (caller.account, caller.name) in self.roles else FALSE
            if self.unique_ids:
                role = max(role, self._unique_id_listed(caller))
            parents.append(role)
            itself = self._session_listed(caller)
        if itself == FALSE:
            return FALSE
        if itself == TRUE and all(parent == TRUE for parent in parents):
            return TRUE
        return UNKNOWN
