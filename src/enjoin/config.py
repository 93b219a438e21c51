"""Load and validate a user's ``enjoin.yaml`` into a :class:`~enjoin.config_model.Config`.

The format is the contract of the README's config reference (issue "From the order to a verdict",
extended for tables and federated identities). Rules this module enforces:

- Paths are relative to the file that wrote them, and resolved to absolute paths.
- ``extends: PATH`` loads a base config; every top-level key the extending file gives replaces the
  base's whole (``holdings:`` replaces every holding). Chains of up to 32 files are allowed, cycles
  are an error.
- Defaults: ``as_of`` today, ``region`` us-east-1, a template's ``account`` the first account.
- Account ids are 12-digit strings; a YAML integer is accepted only when written with 12 digits.
  Wherever an account is named (template, SCP target, party) a short name or a 12-digit id will do.
- Vocabulary (fields, populations, programs) and open questions come from the case; states from the
  50 states, DC and the territories.

Every error is a :class:`~enjoin.errors.ConfigError` naming ``file:line: key.path``, what was
expected (listing the allowed values) and what was found. This module reads the config files, the
case file and the organization policy files (each must be a JSON document), and checks that every
template is a regular file it may read; it does not look at any deployment.

Which files a config may read (containment). A config read from somewhere (a pull request, a shared
folder) must not make enjoin open, or quote in an error, a file its author had no business naming.
The rule:

- The *chain* is the config file given to :func:`load` and every file it extends, directly or not.
- The *allowed roots* of the chain are the directory of each of its files and every directory
  listed under ``read_outside:`` by any of its files. ``read_outside:`` is a list of directories,
  each relative to the file that lists it (or absolute); it is the only top-level key that is not
  replaced by an extending file's: the chain's lists add up.
- Every file a config names, ``case:`` when it is a path (a shipped case name is package data),
  ``templates[].path``, ``organization.scps[].path`` and ``organization.rcps[].path``, must resolve
  inside an allowed root of the chain. ``extends:`` in a file must resolve inside an allowed root of
  that file or of the files that extend it (the base cannot widen the roots that admit it).
- "Resolve" is :func:`os.path.realpath` of the path as written, joined to the directory of the file
  that wrote it: ``..`` and symbolic links are followed before judging, so neither leads out of a
  root; an absolute path is judged the same way. Roots are resolved likewise.
- A path outside is an error naming the file, line and key, and the path as written; the file it
  names is neither opened nor looked at.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from enjoin.case import STATE_CODES, Case, load_case, shipped_cases
from enjoin.config_model import (
    AuditRole,
    Config,
    Holding,
    LiveConfig,
    Party,
    RecordedDecision,
    ScpAttachment,
    Template,
)
from enjoin.errors import ConfigError
from enjoin.iac.terraform.holdings import holding_resource, is_address
from enjoin.textfile import check_file, parse_json, read_text
from enjoin.yamlload import (
    KeyPath,
    Reader,
    YamlDocument,
    absolute_path,
    describe,
    load_yaml,
    outline,
    shown_path,
    suggest,
)

DEFAULT_REGION = "us-east-1"

TOP_KEYS = (
    "extends",
    "read_outside",
    "case",
    "as_of",
    "region",
    "decisions",
    "accounts",
    "templates",
    "organization",
    "parties",
    "holdings",
    "image",
    "live",
)
_LIVE_KEYS = ("accounts", "organization", "region")
_ROLE_KEYS = ("role_arn", "external_id")
_TEMPLATE_KEYS = ("path", "account", "parameters", "role_arn", "providers")
# A Terraform provider configuration's address with its alias (``aws.dhs``): the key of a template's providers:.
_TEMPLATE_FILE = "CloudFormation template file"  # or a Terraform plan in JSON: its kind is told by its content
_PROVIDER_ALIAS = re.compile(r"[a-z][a-z0-9-]*\.[A-Za-z_][A-Za-z0-9_-]*\Z")
# A stack's service role: a role of the account the template is deployed into.
_ROLE_ARN = re.compile(r"arn:aws(-[a-z]+)*:iam::(\d{12}):role/[\w+=,.@/-]+\Z")
_POLICY_FILE_KEYS = ("path", "targets")
_PARTY_KEYS = ("accounts", "principals", "identity_providers")
_HOLDING_KEYS = ("resource", "program", "states", "populations", "fields", "columns")
_DECISION_KEYS = ("share", "basis")

_ACCOUNT_ID = re.compile(r"\d{12}\Z")
_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d+\Z")
_PARAMETER_NAME = re.compile(r"[A-Za-z0-9]+\Z")
# arn:partition:service:region:account:resource, with * and ? allowed anywhere.
_ARN_PATTERN = re.compile(r"arn:[^:]*:[^:]*:[^:]*:[^:]*:.+\Z")
# arn:partition:iam::account:role/path/name (IAM's own limits on the characters of a path and a name).
_AUDIT_ROLE_ARN = re.compile(r"arn:aws(-[a-z]+)*:iam::(?P<account>\d{12}):role/([\x21-\x7e]+/)?[\w+=,.@-]{1,64}\Z")
# sts:AssumeRole's ExternalId: 2 to 1224 characters of [\w+=,.@:/-].
_EXTERNAL_ID = re.compile(r"[\w+=,.@:/-]{2,1224}\Z", re.ASCII)
_PROVIDER_PATTERN = re.compile(r"arn:[^:]*:iam::[^:]*:(saml-provider|oidc-provider)/.+\Z")
ALL = "all"


def load(path: Path | str) -> Config:
    """Load, merge (``extends``) and validate an ``enjoin.yaml``.

    Args:
        path: the config file; a relative path is taken from the working directory.

    Raises:
        ConfigError: for anything wrong in the config files, naming file, line and key.
        CaseError: for a case file that is itself invalid (naming the case file and line).
    """
    written = Path(path)
    absolute = Path(os.path.abspath(written))
    root, entries, roots = _collect(absolute, (), ())
    return _Builder(root, entries, roots).build()


# The top-level entries after `extends`: each value with the document that gave it, so errors and
# relative paths refer to the file that wrote the key.
_Entries = dict[str, tuple[YamlDocument, Any]]

# The keys that say how the chain of files is read, not what the config is.
_CHAIN_KEYS = ("extends", "read_outside")
# The longest chain of extends: a real one has two or three files; a longer one is generated, or a trap.
MAX_EXTENDS = 32


def _collect(
    path: Path, chain: tuple[Path, ...], roots: tuple[str, ...]
) -> tuple[YamlDocument, _Entries, tuple[str, ...]]:
    """Read ``path`` and what it extends; ``roots`` are the allowed roots of the files extending it.

    Returns the document, the merged top-level entries and the allowed roots of the whole chain.
    """
    doc = load_yaml(path, ConfigError)
    reader = Reader(doc, ConfigError)
    if doc.value is None:
        reader.fail(
            (), "a mapping of enjoin.yaml keys (case, accounts, parties, holdings...)", "an empty file"
        )
    if not isinstance(doc.value, dict):
        # Not a config at all (a text file named by mistake): say what it is, not what it says.
        reader.fail((), "a mapping of enjoin.yaml keys", outline(doc.value))
    top = reader.mapping((), doc.value, known=TOP_KEYS, what="a mapping of enjoin.yaml keys")
    roots = _add_roots(roots, (_real(doc.path.parent), *_read_outside(reader, top)))
    entries: _Entries = {}
    if "extends" in top:
        key: KeyPath = ("extends",)
        written = reader.string(key, top["extends"], what="the path of a config file to extend")
        base = Path(os.path.normpath(doc.path.parent / written))
        contain(reader, key, written, base, roots)
        here = Path(_real(doc.path))
        seen = (*chain, here)
        real_base = Path(_real(base))
        if real_base in seen:
            cycle = " -> ".join(shown_path(p) for p in (*seen[seen.index(real_base) :], real_base))
            reader.fail(key, "a chain of extends without a cycle", cycle)
        if len(seen) >= MAX_EXTENDS:
            found = f"{written!r}, file {len(seen) + 1} of the chain"
            reader.fail(key, f"a chain of extends of at most {MAX_EXTENDS} files", found)
        check_file(
            base,
            ConfigError,
            doc.where(key),
            "config file to extend",
            missing=f"{written!r}: no file at {base}",
            named=written,
        )
        _, entries, roots = _collect(base, seen, roots)
    for name, value in top.items():
        if name not in _CHAIN_KEYS:
            entries[name] = (doc, value)
    return doc, entries, roots


def _read_outside(reader: Reader, top: dict[str, Any]) -> tuple[str, ...]:
    """The directories a file's ``read_outside:`` lists, resolved (see the module docstring)."""
    if "read_outside" not in top:
        return ()
    what = "a list of directories this file and the files it extends may read from"
    listed = reader.items(("read_outside",), top["read_outside"], what=what)
    folders = []
    for index, entry in enumerate(listed):
        key: KeyPath = ("read_outside", index)
        written = reader.string(key, entry, what="the path of a directory")
        if "\0" in written:
            reader.fail(key, "the path of a directory", "a path with a NUL character")
        folder = _real(reader.doc.path.parent / written)
        if not os.path.isdir(folder):
            reader.fail(key, "an existing directory", f"{written!r}: no directory at {folder}")
        folders.append(folder)
    return tuple(folders)


def contain(reader: Reader, key: KeyPath, written: str, path: Path, roots: tuple[str, ...]) -> None:
    """Fail at ``key`` unless ``path`` (as ``written``) resolves inside one of ``roots``.

    Nothing about the file is looked at but where its path leads: the error shows the path as
    written, never what is there.
    """
    if "\0" in written:
        reader.fail(key, "a path", "a path with a NUL character")
    real = _real(path)
    if any(os.path.commonpath([real, root]) == root for root in roots):
        return
    here = _real(reader.doc.path.parent)
    expected = f"a path inside {_shown_folder(reader.doc.path.parent)} or a directory listed in read_outside:"
    others = [_shown_folder(Path(root)) for root in roots if root != here]
    if others:
        expected += f" (or inside {', '.join(others)}, allowed by the chain of extends)"
    reader.fail(key, expected, repr(written))


def _shown_folder(folder: Path) -> str:
    # The working directory itself is shown whole: "inside ." would say nothing.
    shown = shown_path(folder)
    return str(absolute_path(folder)) if shown == "." else shown


def _add_roots(roots: tuple[str, ...], more: tuple[str, ...]) -> tuple[str, ...]:
    return roots + tuple(root for root in dict.fromkeys(more) if root not in roots)


def _real(path: Path | str) -> str:
    # os.path.realpath, not Path.resolve: the latter raises on a loop of symbolic links.
    return os.path.realpath(path)


@dataclass(frozen=True, slots=True)
class _Section:
    """One top-level entry, with a reader on the file that wrote it."""

    doc: YamlDocument
    value: Any
    reader: Reader

    @property
    def folder(self) -> Path:
        return self.doc.path.parent


class _Builder:
    """Validates the merged top-level entries into a Config."""

    def __init__(self, root: YamlDocument, entries: _Entries, roots: tuple[str, ...]) -> None:
        self.root = root
        self.roots = roots  # the allowed roots of the chain: every file named must resolve inside one
        self.sections = {
            key: _Section(doc, value, Reader(doc, ConfigError)) for key, (doc, value) in entries.items()
        }
        self.accounts: dict[str, str] = {}

    def require(self, key: str, what: str) -> _Section:
        if key not in self.sections:
            Reader(self.root, ConfigError).fail((), f"the key {key!r} ({what})", f"no {key!r} key")
        return self.sections[key]

    def build(self) -> Config:
        case_name, case = self.case()
        self.accounts = self.read_accounts()
        templates = self.templates()
        scps, rcps = self.organization()
        return Config(
            path=self.root.path,
            case=case_name,
            as_of=self.as_of(),
            region=self.region(),
            accounts=dict(self.accounts),
            templates=templates,
            scps=scps,
            rcps=rcps,
            parties=self.parties(),
            holdings=self.holdings(case, templates),
            decisions=self.decisions(case),
            image=self.image(),
            live=self.live(),
        )

    # -- case, date, region -------------------------------------------------------------------------

    def case(self) -> tuple[str, Case]:
        section = self.require("case", "a case shipped with enjoin, or the path of a case file")
        r, key = section.reader, ("case",)
        written = r.string(key, section.value, what="a case name or the path of a case file")
        shipped = shipped_cases()
        if written in shipped:
            name = written
        else:
            candidate = Path(os.path.normpath(section.folder / written))
            contain(r, key, written, candidate, self.roots)
            if not os.path.lexists(candidate):
                r.fail(
                    key,
                    f"a case shipped with enjoin ({', '.join(shipped)}) or the path of a case file",
                    f"{written!r} (no such case, and no file at {candidate})",
                )
            check_file(candidate, ConfigError, section.doc.where(key), "case file", named=written)
            name = str(candidate)
        return name, load_case(name, where=section.doc.where(key))

    def as_of(self) -> _dt.date:
        section = self.sections.get("as_of")
        if section is None:
            return _dt.date.today()
        return section.reader.date(("as_of",), section.value)

    def region(self) -> str:
        section = self.sections.get("region")
        if section is None:
            return DEFAULT_REGION
        value = section.reader.string(("region",), section.value, what="an AWS region name (us-east-1)")
        if not _REGION.match(value):
            section.reader.fail(("region",), "an AWS region name such as us-east-1", repr(value))
        return value

    def image(self) -> str | None:
        section = self.sections.get("image")
        if section is None:
            return None
        return section.reader.string(("image",), section.value, what="a container image name")

    # -- the live backend's roles ---------------------------------------------------------------------

    def live(self) -> LiveConfig | None:
        """The ``live:`` section: an audit role for every account of ``accounts:``, optionally the organisation's."""
        section = self.sections.get("live")
        if section is None:
            return None
        r = section.reader
        what = "a mapping with accounts (an audit role per account), organization and region"
        table = r.mapping(("live",), section.value, known=_LIVE_KEYS, required=("accounts",), what=what)
        names = ", ".join(self.accounts)
        listed = r.mapping(
            ("live", "accounts"),
            table["accounts"],
            known=None,
            what=f"a mapping of account short names ({names}) to audit roles",
            nonempty=True,
        )
        roles: dict[str, AuditRole] = {}
        for name, entry in listed.items():
            key: KeyPath = ("live", "accounts", name)
            if name not in self.accounts:
                r.fail(key, f"an account short name of accounts: ({names})", f"{name!r}{suggest(name, self.accounts)}")
            roles[self.accounts[name]] = self.audit_role(section, key, entry, self.accounts[name])
        missing = [name for name, account in self.accounts.items() if account not in roles]
        if missing:
            r.fail(
                ("live", "accounts"),
                f"an audit role for every account of accounts: ({names}): the live backend reads them all",
                f"none for {', '.join(missing)}",
            )
        organization = None
        if "organization" in table:
            organization = self.audit_role(section, ("live", "organization"), table["organization"], None)
        region = self.region()
        if "region" in table:
            region = r.string(("live", "region"), table["region"], what="an AWS region name (us-east-1)")
            if not _REGION.match(region):
                r.fail(("live", "region"), "an AWS region name such as us-east-1", repr(region))
        return LiveConfig(roles, region, organization, where=section.doc.where(("live",)))

    def audit_role(self, section: _Section, key: KeyPath, value: Any, account: str | None) -> AuditRole:
        """``{role_arn, external_id}``; the role must be in ``account`` when one is given."""
        r = section.reader
        table = r.mapping(key, value, known=_ROLE_KEYS, required=("role_arn",), what="a role: role_arn, external_id")
        arn = r.string((*key, "role_arn"), table["role_arn"], what="a role ARN")
        shape = "a role ARN (arn:aws:iam::111111111111:role/enjoin-audit)"
        match = _AUDIT_ROLE_ARN.match(arn)
        if match is None:
            r.fail((*key, "role_arn"), shape, repr(arn))
        if account is not None and match["account"] != account:
            r.fail(
                (*key, "role_arn"),
                f"a role in account {account}, the account this entry names",
                f"{arn!r}, a role in account {match['account']}",
            )
        external_id = None
        if "external_id" in table:
            external_id = r.string((*key, "external_id"), table["external_id"], what="an external id (a string)")
            if not _EXTERNAL_ID.match(external_id):
                r.fail(
                    (*key, "external_id"),
                    "an external id of 2 to 1224 letters, digits and +=,.@:/-_",
                    f"{len(external_id)} characters" if len(external_id) > 40 else repr(external_id),
                )
        return AuditRole(arn, external_id, where=section.doc.where(key))

    # -- accounts -----------------------------------------------------------------------------------

    def read_accounts(self) -> dict[str, str]:
        section = self.require("accounts", "short names for 12-digit AWS account ids")
        r = section.reader
        what = "a mapping of short names to 12-digit account ids"
        table = r.mapping(("accounts",), section.value, known=None, what=what, nonempty=True)
        accounts: dict[str, str] = {}
        for name, value in table.items():
            key: KeyPath = ("accounts", name)
            if _ACCOUNT_ID.match(name):
                # A short name that looks like an id would make every reference to it ambiguous.
                r.fail(key, "a short name for the account (cms, dhs...)", f"the 12-digit name {name!r}")
            accounts[name] = self.account_id(section, key, value)
        return accounts

    def account_id(self, section: _Section, key: KeyPath, value: Any) -> str:
        """A 12-digit account id: a string, or an integer written with exactly 12 digits."""
        expected = 'a 12-digit account id, quoted ("111111111111")'
        if isinstance(value, bool):
            section.reader.fail(key, expected, describe(value))
        if isinstance(value, int):
            # The source text, not the number: 011111111111 would otherwise be read as octal.
            raw = section.doc.raw(key) or str(value)
            if _ACCOUNT_ID.match(raw):
                return raw
            section.reader.fail(key, expected, f"the number {raw} ({len(raw)} characters)")
        if not isinstance(value, str) or not _ACCOUNT_ID.match(value):
            section.reader.fail(key, expected, describe(value))
        return value

    def account_ref(self, section: _Section, key: KeyPath, value: Any) -> str:
        """An account named by its short name or its 12-digit id, as the 12-digit id."""
        if isinstance(value, str) and value in self.accounts:
            return self.accounts[value]
        if (isinstance(value, str) and _ACCOUNT_ID.match(value)) or (
            isinstance(value, int) and not isinstance(value, bool)
        ):
            return self.account_id(section, key, value)
        names = ", ".join(self.accounts)
        found = describe(value)
        if isinstance(value, str):
            found = f"{value!r}, which is neither an account name nor an id"
        section.reader.fail(key, f"an account short name ({names}) or a 12-digit account id", found)

    def account_refs(self, section: _Section, key: KeyPath, value: Any, *, what: str) -> tuple[str, ...]:
        listed = section.reader.items(key, value, what=what, nonempty=True)
        ids: list[str] = []
        for index, entry in enumerate(listed):
            ids.append(self.account_ref(section, (*key, index), entry))
            if ids[-1] in ids[:-1]:
                section.reader.fail((*key, index), f"{what} without repetitions", f"{ids[-1]} listed twice")
        return tuple(ids)

    # -- files: templates and organization policies -------------------------------------------------

    def file(self, section: _Section, key: KeyPath, value: Any, what: str) -> Path:
        """A path relative to the file that wrote it, inside the chain's roots, naming a readable file."""
        written = section.reader.string(key, value, what=f"the path of {what}")
        resolved = Path(os.path.normpath(section.folder / written))
        contain(section.reader, key, written, resolved, self.roots)
        missing = f"{written!r}: no file at {resolved}"
        check_file(resolved, ConfigError, section.doc.where(key), what, missing=missing, named=written)
        return resolved

    def policy_document(self, section: _Section, key: KeyPath, path: Path, written: str) -> None:
        """Check that a policy file is a JSON document, before anything deploys it."""
        shown = shown_path(path)
        text = read_text(path, ConfigError, section.doc.where(key), "policy file", named=written)
        try:
            parse_json(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{shown}:{exc.lineno}", "a policy document in JSON", exc.msg) from None

    def templates(self) -> tuple[Template, ...]:
        section = self.sections.get("templates")
        if section is None:
            return ()
        r = section.reader
        first = next(iter(self.accounts.values()))
        templates = []
        for index, entry in enumerate(r.items(("templates",), section.value, what="a list of templates")):
            key: KeyPath = ("templates", index)
            table = r.mapping(key, entry, known=_TEMPLATE_KEYS, required=("path",), what="a template entry")
            account = first
            if "account" in table:
                account = self.account_ref(section, (*key, "account"), table["account"])
            role_arn = None
            if "role_arn" in table:
                role_arn = table["role_arn"]
                found = _ROLE_ARN.match(role_arn) if isinstance(role_arn, str) else None
                if found is None or found.group(2) != account:
                    r.fail((*key, "role_arn"), f"the ARN of a role of account {account} (the stack's service role)",
                           repr(role_arn))
            templates.append(
                Template(
                    path=self.file(section, (*key, "path"), table["path"], _TEMPLATE_FILE),
                    account=account,
                    parameters=self.parameters(section, (*key, "parameters"), table.get("parameters", {})),
                    role_arn=role_arn,
                    providers=self.providers(section, (*key, "providers"), table.get("providers", {})),
                    line=section.doc.line(key),
                    where=section.doc.where(key),
                )
            )
        return tuple(templates)

    def providers(self, section: _Section, key: KeyPath, value: Any) -> dict[str, str]:
        """A Terraform plan's aliased provider configurations -> the accounts they deploy into (``aws.dhs: dhs``)."""
        r = section.reader
        table = r.mapping(key, value, known=None, what="a mapping of provider aliases (aws.dhs) to accounts")
        providers: dict[str, str] = {}
        for alias, account in table.items():
            if not isinstance(alias, str) or not _PROVIDER_ALIAS.match(alias):
                r.fail((*key, alias), "a provider configuration with its alias, as Terraform names it (aws.dhs)",
                       repr(alias))
            providers[alias] = self.account_ref(section, (*key, alias), account)
        return providers

    def parameters(self, section: _Section, key: KeyPath, value: Any) -> dict[str, str]:
        r = section.reader
        table = r.mapping(key, value, known=None, what="a mapping of template parameter names to values")
        parameters: dict[str, str] = {}
        expected = "a parameter value: a string, a number, true/false, or a list of them"
        for name, given in table.items():
            at: KeyPath = (*key, name)
            if not _PARAMETER_NAME.match(name):
                r.fail(at, "a parameter name of letters and digits", repr(name))
            if isinstance(given, list):
                # A CommaDelimitedList or List<...> parameter: CloudFormation takes it comma-joined.
                parts = []
                for index, item in enumerate(given):
                    if item is None or isinstance(item, dict | list):
                        r.fail((*at, index), expected, describe(item))
                    parts.append(section.doc.raw((*at, index)) or str(item))
                parameters[name] = ",".join(parts)
            elif given is None or isinstance(given, dict):
                r.fail(at, expected, describe(given))
            else:
                # CloudFormation parameters are strings: keep what the user wrote (true, not True).
                parameters[name] = given if isinstance(given, str) else section.doc.raw(at) or str(given)
        return parameters

    def organization(self) -> tuple[tuple[ScpAttachment, ...], tuple[ScpAttachment, ...]]:
        section = self.sections.get("organization")
        if section is None:
            return (), ()
        table = section.reader.mapping(
            ("organization",), section.value, known=("scps", "rcps"), what="a mapping with scps and rcps"
        )
        return (
            self.policy_files(section, "scps", table.get("scps", []), "service control policy"),
            self.policy_files(section, "rcps", table.get("rcps", []), "resource control policy"),
        )

    def policy_files(self, section: _Section, kind: str, value: Any, what: str) -> tuple[ScpAttachment, ...]:
        r = section.reader
        attachments = []
        base: KeyPath = ("organization", kind)
        for index, entry in enumerate(r.items(base, value, what=f"a list of {what} files and their targets")):
            key: KeyPath = (*base, index)
            table = r.mapping(
                key, entry, known=_POLICY_FILE_KEYS, required=_POLICY_FILE_KEYS, what=f"a {what}"
            )
            path = self.file(section, (*key, "path"), table["path"], f"{what} file")
            self.policy_document(section, (*key, "path"), path, table["path"])
            attachments.append(
                ScpAttachment(
                    path=path,
                    targets=self.account_refs(
                        section, (*key, "targets"), table["targets"], what="a list of target accounts"
                    ),
                    line=section.doc.line(key),
                    where=section.doc.where(key),
                )
            )
        return tuple(attachments)

    # -- parties, holdings, decisions ---------------------------------------------------------------

    def parties(self) -> tuple[Party, ...]:
        section = self.require("parties", "the recipients the order restricts, e.g. DHS")
        r = section.reader
        table = r.mapping(
            ("parties",), section.value, known=None, what="a mapping of party names", nonempty=True
        )
        parties = []
        for name, entry in table.items():
            key: KeyPath = ("parties", name)
            body = r.mapping(
                key, entry, known=_PARTY_KEYS, what="a party: accounts, principals, identity_providers"
            )
            accounts: tuple[str, ...] = ()
            if "accounts" in body:
                accounts = self.account_refs(
                    section, (*key, "accounts"), body["accounts"], what="a list of accounts"
                )
            principals = self.arn_patterns(
                section,
                (*key, "principals"),
                body.get("principals", []),
                _ARN_PATTERN,
                "a principal ARN pattern",
            )
            providers = self.arn_patterns(
                section,
                (*key, "identity_providers"),
                body.get("identity_providers", []),
                _PROVIDER_PATTERN,
                "a SAML or OIDC provider ARN pattern (arn:aws:iam::ACCOUNT:saml-provider/NAME)",
            )
            if not (accounts or principals or providers):
                # A party that matches nobody would make every clause trivially COMPLIANT.
                r.fail(key, "at least one of accounts, principals, identity_providers", describe(entry))
            parties.append(
                Party(
                    name,
                    accounts,
                    principals,
                    providers,
                    line=section.doc.line(key),
                    where=section.doc.where(key),
                )
            )
        return tuple(parties)

    def arn_patterns(
        self, section: _Section, key: KeyPath, value: Any, shape: re.Pattern[str], what: str
    ) -> tuple[str, ...]:
        patterns = section.reader.names(key, value, None, what=f"a list of {what}s", item=what)
        for index, pattern in enumerate(patterns):
            if not shape.match(pattern):
                section.reader.fail((*key, index), what, repr(pattern))
        return patterns

    def holdings(self, case: Case, templates: tuple[Template, ...] = ()) -> tuple[Holding, ...]:
        section = self.require("holdings", "what data each store holds")
        r = section.reader
        vocab = case.vocabulary
        holdings: list[Holding] = []
        entries = r.items(("holdings",), section.value, what="a list of holdings", nonempty=True)
        for index, entry in enumerate(entries):
            key: KeyPath = ("holdings", index)
            table = r.mapping(key, entry, known=_HOLDING_KEYS, required=_HOLDING_KEYS[:-1], what="a holding")
            resource = r.string((*key, "resource"), table["resource"], what="a resource ARN pattern")
            if is_address(resource):  # a Terraform plan's bucket, by address: its objects
                resource = holding_resource(resource, templates, section.doc.where((*key, "resource")))
            elif not _ARN_PATTERN.match(resource):
                r.fail((*key, "resource"), "a resource ARN pattern (arn:aws:s3:::bucket/*)", repr(resource))
            for position, earlier in enumerate(holdings):
                if earlier.resource == resource:
                    again = f"{resource!r} again (first in holdings[{position}])"
                    r.fail((*key, "resource"), "each resource in one holding", again)
            fields = r.names(
                (*key, "fields"),
                table["fields"],
                vocab.fields,
                what="a list of fields",
                item=f"a field of case {case.name}",
                nonempty=True,
            )
            holdings.append(
                Holding(
                    resource=resource,
                    program=r.choice(
                        (*key, "program"),
                        table["program"],
                        vocab.programs,
                        what=f"a program of case {case.name}",
                    ),
                    states=self.all_or(
                        section, (*key, "states"), table["states"], STATE_CODES, "a state code", "state codes"
                    ),
                    populations=self.all_or(
                        section,
                        (*key, "populations"),
                        table["populations"],
                        vocab.populations,
                        f"a population of case {case.name}",
                        "populations",
                    ),
                    fields=fields,
                    columns=self.columns(section, (*key, "columns"), table["columns"], fields, case)
                    if "columns" in table
                    else None,
                    line=section.doc.line(key),
                    where=section.doc.where(key),
                )
            )
        return tuple(holdings)

    def all_or(
        self, section: _Section, key: KeyPath, value: Any, allowed: tuple[str, ...], item: str, plural: str
    ) -> tuple[str, ...]:
        """``all`` (kept as ``("all",)``) or a non-empty list of distinct names from ``allowed``."""
        if value == ALL:
            return (ALL,)
        what = f"{ALL!r} or a list of {plural}"
        if not isinstance(value, list):
            section.reader.fail(key, what, describe(value))
        return section.reader.names(key, value, allowed, what=what, item=item, nonempty=True)

    def columns(
        self, section: _Section, key: KeyPath, value: Any, fields: tuple[str, ...], case: Case
    ) -> dict[str, tuple[str, ...]]:
        r = section.reader
        table = r.mapping(key, value, known=None, what="a mapping of column names to fields", nonempty=True)
        item = f"a field of case {case.name}"
        columns: dict[str, tuple[str, ...]] = {}
        for column, given in table.items():
            at: KeyPath = (*key, column)
            if isinstance(given, str):
                columns[column] = (r.choice(at, given, case.vocabulary.fields, what=item),)
            elif isinstance(given, list):
                columns[column] = r.names(
                    at, given, case.vocabulary.fields, what="a list of fields", item=item
                )
            else:
                r.fail(at, "a field, a list of fields, or [] for none", describe(given))
        mapped = {f for names in columns.values() for f in names}
        missing = [f for f in fields if f not in mapped]
        extra = sorted(mapped - set(fields))
        if missing or extra:
            found = "; ".join(
                part
                for part in (
                    f"fields no column holds: {', '.join(missing)}" if missing else "",
                    f"columns holding fields the holding does not declare: {', '.join(extra)}"
                    if extra
                    else "",
                )
                if part
            )
            r.fail(key, f"columns whose fields are exactly the holding's fields ({', '.join(fields)})", found)
        return columns

    def decisions(self, case: Case) -> tuple[RecordedDecision, ...]:
        section = self.sections.get("decisions")
        if section is None:
            return ()
        r = section.reader
        table = r.mapping(
            ("decisions",), section.value, known=None, what="a mapping of open questions to decisions"
        )
        known = [q.id for q in case.questions]
        decisions = []
        for qid, entry in table.items():
            key: KeyPath = ("decisions", qid)
            r.choice(key, qid, known, what=f"an open question of case {case.name}")
            question = case.question(qid)
            body = r.mapping(key, entry, known=_DECISION_KEYS, required=_DECISION_KEYS, what="a decision")
            share = r.choice(
                (*key, "share"), body["share"], question.options, what=f"an answer to the question {qid!r}"
            )
            basis = r.string(
                (*key, "basis"), body["basis"], what="the legal basis of the decision (a non-empty string)"
            )
            decisions.append(RecordedDecision(qid, share, basis))
        return tuple(decisions)
