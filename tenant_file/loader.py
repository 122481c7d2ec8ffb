"""Read tenant files (YAML) into `TenantConfig`, and check a set of tenants as a whole.

Every mistake becomes a `Problem` naming the file, the dotted field and what is allowed; the
loader reports all of a file's problems at once and never a traceback.
"""

from __future__ import annotations

import os
import reprlib
import stat
from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from tenant_file.config import CrossFieldError, TenantConfig, TenantNames
from tenant_file.errors import ConfigError, Problem
from tenant_file.trusted_accounts import apps_by_account, root_trust_problems

SECRET_FIELDS = frozenset({"external_id"})
TENANT_SUFFIXES = (".yaml", ".yml")
"""The file name endings of tenant files (`tenants/<tenant>.yaml` or `.yml`)."""
MAX_FILE_BYTES = 1_000_000
MAX_YAML_NODES = 50_000
"""The most YAML nodes (keys, values, lists, mappings) a tenant file may hold, an alias counted
as all it stands for: a user takes 9, so a tenant of about 5,000 users fits.

A 1 MB file written plainly can hold 500,000 nodes, which PyYAML builds in seconds, and a few
aliases make a 1 kB file stand for billions (an "alias bomb"). The nodes are counted from the
parser's events before anything is built, so any file of at most MAX_FILE_BYTES is judged in
well under a second (`bench` measures it).
"""
MAX_PROBLEMS_PER_FILE = 100
"""A file wrong everywhere (a list of 40,000 bad users) reports its first problems and a count."""
SHOWN_CHARS = 60
"""The longest rendering of a bad value in a message."""

_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class _UniqueKeyLoader(_BaseLoader):  # type: ignore[valid-type,misc]
    """safe_load, but a key given twice in one mapping is an error, not a silent overwrite;
    a key that is a list or mapping, and a scalar Python cannot hold (an integer of more than
    4300 digits, the 13th month), are errors with their line, not exceptions."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, OverflowError) as e:
            kind = str(node.tag).rsplit(":", 1)[-1]
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"cannot be read as a YAML {kind}; quote it if it is text",
                node.start_mark,
            ) from e

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, Hashable):
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    "a key must be plain text or a number, not a list or mapping",
                    key_node.start_mark,
                )
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {_shown(key)}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)  # type: ignore[no-any-return]


def parse_tenant(text: str, source: str = "<string>") -> TenantConfig:
    """Parse and validate one tenant document; raise `ConfigError` listing every problem.

    Errors are raised `from None`: the problems say everything, and YAML's and pydantic's own
    exceptions quote the file's text (an external id among it).
    """
    try:
        _check_size(text)
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as e:
        problem: Problem | None = _yaml_problem(e, source, text)
    except yaml.reader.ReaderError as e:
        problem = _reader_problem(e, source, text)
    except UnicodeEncodeError as e:  # a str with a lone surrogate cannot become UTF-8
        problem = Problem(source, "", f"is not valid Unicode text (at character {e.start + 1})")
    except yaml.YAMLError as e:
        problem = Problem(source, "", f"invalid YAML: {str(e).splitlines()[0]}")
    else:
        problem = None
    if problem is not None:
        raise ConfigError([problem])
    if not isinstance(data, dict):
        kind = "empty" if data is None else type(data).__name__
        raise ConfigError([Problem(source, "", f"must be a mapping of tenant fields, got {kind}")])
    try:
        return TenantConfig.model_validate(data)
    except ValidationError as e:
        problems = validation_problems(e, source)
    raise ConfigError(problems)


def _reader_problem(error: yaml.reader.ReaderError, source: str, text: str) -> Problem:
    """A character YAML does not allow (a control character, a lone surrogate), by line."""
    before = text[: error.position]
    where = f"line {before.count(chr(10)) + 1}, column {len(before) - before.rfind(chr(10))}"
    character = error.character
    code = character if isinstance(character, int) else ord(str(character)[:1] or "\0")
    return Problem(
        source, where, f"invalid YAML: the character U+{code:04X} is not allowed ({error.reason})"
    )


class _RefusedYaml(yaml.MarkedYAMLError):
    """Valid YAML this loader will not build (too many nodes, a self-containing alias)."""


def _yaml_problem(error: yaml.MarkedYAMLError, source: str, text: str) -> Problem:
    mark = error.problem_mark
    if mark is None:
        return Problem(source, "", f"invalid YAML: {error.problem}")
    where = f"line {mark.line + 1}, column {mark.column + 1}"
    if isinstance(error, _RefusedYaml):
        return Problem(source, where, str(error.problem))
    lines = text.splitlines()
    line = lines[mark.line] if mark.line < len(lines) else ""
    # libyaml says "found character that cannot start any token" for a tab, and other things
    # for a tab in the indentation: name the tab.
    if (
        line[mark.column : mark.column + 1] == "\t"
        or "\t" in line[: len(line) - len(line.lstrip())]
    ):
        column = line.index("\t") + 1
        return Problem(
            source,
            f"line {mark.line + 1}, column {column}",
            "a tab character: YAML indents with spaces only; replace the tab with spaces",
        )
    return Problem(source, where, f"invalid YAML: {error.problem}")


def _check_size(text: str) -> None:
    """Refuse a document of more than MAX_YAML_NODES nodes (aliases expanded) or with an alias
    to a node that contains it, by reading its events only: nothing is built before it passes."""
    loader = _BaseLoader(text)
    try:
        total = 0
        sizes: dict[str, int] = {}
        starts: list[tuple[str | None, int]] = []
        open_anchors: Counter[str] = Counter()
        aliased = False
        while loader.check_event():
            event: Any = loader.get_event()  # type: ignore[no-untyped-call]
            if isinstance(event, yaml.AliasEvent):
                if open_anchors[event.anchor or ""]:
                    raise _refused(
                        "an alias refers to a node that contains it (a structure without end)",
                        event,
                    )
                total += sizes.get(event.anchor or "", 1)
                aliased = True
            elif isinstance(event, yaml.ScalarEvent):
                total += 1
                if event.anchor is not None:
                    sizes[event.anchor] = 1
            elif isinstance(event, yaml.CollectionStartEvent):
                total += 1
                starts.append((event.anchor, total))
                if event.anchor is not None:
                    open_anchors[event.anchor] += 1
            elif isinstance(event, yaml.CollectionEndEvent):
                anchor, start = starts.pop()
                if anchor is not None:
                    sizes[anchor] = total - start + 1
                    open_anchors[anchor] -= 1
            if total > MAX_YAML_NODES:
                raise _refused(too_many_nodes(aliased=aliased), event)
    finally:
        loader.dispose()


def node_budget_problem(text: str, source: str) -> Problem | None:
    """The node budget alone (`_check_size`): a Problem when `text` holds more than
    MAX_YAML_NODES nodes, aliases expanded, or an alias to a node containing it; None
    otherwise (YAML that does not parse included: the caller's own parse says what)."""
    try:
        _check_size(text)
    except _RefusedYaml as e:
        return _yaml_problem(e, source, text)
    except yaml.YAMLError:
        return None
    return None


def too_many_nodes(*, aliased: bool) -> str:
    if aliased:
        return (
            f"holds more than {MAX_YAML_NODES} YAML nodes once its aliases are expanded (an "
            "alias counts as all it stands for): use fewer aliases"
        )
    return (
        f"holds more than {MAX_YAML_NODES} YAML nodes (keys, values, lists, mappings); a "
        "tenant file holds at most about 5,000 users"
    )


def _refused(message: str, event: Any) -> _RefusedYaml:
    return _RefusedYaml(None, None, message, event.start_mark)


def load_tenant(path: str | Path) -> TenantConfig:
    """Load `tenants/<tenant>.yaml`; the tenant name must equal the file name stem."""
    path = Path(path)
    source = str(path)
    tenant = parse_tenant(read_tenant_text(path), source)
    if tenant.tenant != path.stem:
        raise ConfigError(
            [
                Problem(
                    source,
                    "tenant",
                    f"{tenant.tenant!r} must equal the file name stem {path.stem!r}",
                )
            ]
        )
    return tenant


def read_tenant_text(path: Path) -> str:
    """The full mode of the guarded reader: the text of a tenant file (`read_tenant_bytes`),
    which must be UTF-8. The names-only mode is `tenant_file.names_only.read_tenant_names`."""
    data = read_tenant_bytes(path)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError([Problem(str(path), "", "is not UTF-8 text")]) from None


def read_tenant_bytes(path: Path) -> bytes:
    """The one guarded reader of tenant files: the bytes of a regular file (or a link to one)
    of at most MAX_FILE_BYTES. Anything else is refused before a byte is read: a FIFO would
    block the reader forever, a device (a link to /dev/zero) never ends. The type is checked on
    the path, then again on the opened descriptor (opened non-blocking, so a FIFO swapped in
    cannot block). Both modes (full and names-only) read through here."""
    source = str(path)
    problem: str | None = None
    data = b""
    try:
        problem = _not_regular(os.stat(path).st_mode)
        if problem is None:
            fd = os.open(path, _OPEN_FLAGS)
            try:
                info = os.fstat(fd)
                problem = _not_regular(info.st_mode)
                if problem is None and info.st_size <= MAX_FILE_BYTES:
                    data = _read_at_most(fd, MAX_FILE_BYTES + 1)
                if problem is None and max(info.st_size, len(data)) > MAX_FILE_BYTES:
                    problem = f"is larger than {MAX_FILE_BYTES} bytes; tenant files are smaller"
            finally:
                os.close(fd)
    except OSError as e:
        problem = f"cannot be read: {e.strerror}"
    if problem is not None:
        raise ConfigError([Problem(source, "", problem)])
    return data


_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)


def _read_at_most(fd: int, limit: int) -> bytes:
    """Up to `limit` bytes of an open file, read on the descriptor (no file object: the
    names-only reading of 10,000 files pays for every allocation)."""
    chunks: list[bytes] = []
    left = limit
    while left > 0:
        chunk = os.read(fd, left)
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _not_regular(mode: int) -> str | None:
    if stat.S_ISREG(mode):
        return None
    kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
    return f"is {kind}, not a regular file: a tenant file must be a plain file (or a link to one)"


def tenant_files(paths: Iterable[str | Path]) -> list[Path]:
    """Expand directories to their `*.yaml`/`*.yml` files (sorted); keep files as given."""
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            files.extend(sorted(f for f in p.iterdir() if f.suffix in TENANT_SUFFIXES))
        else:
            files.append(p)
    return files


def load_tenants(paths: Iterable[str | Path]) -> list[TenantConfig]:
    """Load files and directories of tenants and check them as a set; all problems at once."""
    return [tenant for _, tenant in load_tenant_files(paths)]


def load_tenant_files(paths: Iterable[str | Path]) -> list[tuple[Path, TenantConfig]]:
    """`load_tenants`, keeping the file each tenant came from (for messages naming it)."""
    paths = list(paths)
    files = tenant_files(paths)
    problems: list[Problem] = []
    loaded: list[tuple[Path, TenantConfig]] = []
    if not files:
        raise ConfigError([Problem(", ".join(map(str, paths)), "", "holds no tenant files")])
    for f in files:
        try:
            loaded.append((f, load_tenant(f)))
        except ConfigError as e:
            problems.extend(e.problems)
    problems.extend(tenant_set_problems(loaded))
    if problems:
        raise ConfigError(problems)
    return loaded


def tenant_set_problems(loaded: Sequence[tuple[Path, TenantNames]]) -> list[Problem]:
    """Names that must be unique across tenants: tenants, namespaces, roles, profile names;
    no tenant trusts a whole account where another tenant's app lives; one identity region per
    account.

    The fields read here are all that `tenant_file.names_only` reads of other shards' files (tenant,
    namespace, profile keys, region, account_id, embedding.app_principals): reading another
    field means teaching it there too (tests/tenant_file/test_names_only.py compares both)."""
    problems: list[Problem] = []
    owners: dict[tuple[str, str], str] = {}

    def claim(kind: str, name: str, source: Path, location: str) -> bool:
        other = owners.setdefault((kind, name), str(source))
        if other != str(source):
            problems.append(
                Problem(str(source), location, f"{kind} {name!r} is already used by {other}")
            )
        return other == str(source)

    for path, t in loaded:
        if not claim("tenant", t.tenant, path, "tenant"):
            continue  # its namespace, role and profiles clash for the same reason
        claim("namespace", t.namespace.lower(), path, "namespace")  # Acme and acme too
        claim("embed role", t.role_name, path, "tenant")
        for key in t.permission_profiles:
            claim(
                "custom permissions name", t.profile_name(key), path, f"permission_profiles.{key}"
            )
    apps = apps_by_account(t for _, t in loaded)
    for path, t in loaded:
        problems += [
            Problem(str(path), field, message) for field, message in root_trust_problems(t, apps)
        ]
    return problems + region_problems(loaded)


def validation_problems(error: ValidationError, source: str) -> list[Problem]:
    """Turn pydantic's errors into Problems with dotted locations and no secrets (at most
    MAX_PROBLEMS_PER_FILE, then one saying how many more)."""
    problems = _validation_problems(error, source)
    if len(problems) > MAX_PROBLEMS_PER_FILE:
        more = len(problems) - MAX_PROBLEMS_PER_FILE
        problems = problems[:MAX_PROBLEMS_PER_FILE]
        problems.append(Problem(source, "", f"and {more} more problems (fix these first)"))
    return problems


def _validation_problems(error: ValidationError, source: str) -> list[Problem]:
    problems: list[Problem] = []
    errors = error.errors(include_url=False)
    # A list whose items failed also "has too few items after validation": say it once.
    failed_items = {
        e["loc"][:i] for e in errors for i, part in enumerate(e["loc"]) if isinstance(part, int)
    }
    for err in errors:
        loc = err["loc"]
        if err["type"] == "too_short" and tuple(loc) in failed_items:
            continue
        cause = err.get("ctx", {}).get("error")
        if isinstance(cause, CrossFieldError):
            base = dotted(loc)
            problems.extend(
                Problem(source, f"{base}.{where}" if base else where, msg)
                for where, msg in cause.problems
            )
            continue
        problems.append(Problem(source, dotted(loc), _message(err, loc)))
    return problems


def dotted(loc: Sequence[int | str]) -> str:
    """('users', 2, 'role') -> 'users[2].role'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
            continue
        # A key of a file is shown as written unless it would break the one-line message.
        name = part if part.isprintable() and len(part) <= SHOWN_CHARS else _shown(part)
        out += f".{name}" if out else name
    return out


# Messages for a list of the wrong length, where pydantic's ("Tuple should have at least 1 item
# after validation") does not say what the list is for.
_LENGTH_MESSAGES: dict[tuple[str, tuple[int | str, ...]], str] = {
    ("too_short", ("users",)): (
        "a tenant needs at least one user: list its QuickSight users (name, email, role)"
    ),
    ("too_long", ("embedding", "allowed_domains")): (
        "lists {actual_length} origins; at most {max_length}: GenerateEmbedUrlForRegisteredUser "
        "takes up to three AllowedDomains per call"
    ),
}


def _message(err: Any, loc: Sequence[int | str]) -> str:
    kind = err["type"]
    length_message = _LENGTH_MESSAGES.get((kind, tuple(loc)))
    if length_message is not None:
        return length_message.format(**err.get("ctx", {}))
    if kind == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1])
        return f"unknown field; allowed: {', '.join(allowed)}" if allowed else "unknown field"
    if kind == "missing":
        return "is required"
    msg = str(err["msg"]).removeprefix("Value error, ")
    if any(part in SECRET_FIELDS for part in loc if isinstance(part, str)):
        return msg
    value = err.get("input")
    if kind == "string_type" and isinstance(value, int) and not isinstance(value, bool):
        msg += " (quote numbers that are names or ids in YAML)"
    return f"{msg}; got {_shown(value)}"


class _ShortRepr(reprlib.Repr):
    """reprlib cuts strings and containers before rendering them; bytes (`!!binary`) too."""

    def __init__(self) -> None:
        super().__init__()
        self.maxlevel = 2
        self.maxstring = self.maxother = self.maxlong = SHOWN_CHARS
        self.maxlist = self.maxtuple = self.maxdict = self.maxset = self.maxfrozenset = 4

    def repr_bytes(self, value: bytes, level: int) -> str:
        return repr(value[: self.maxstring])


_SHORT_REPR = _ShortRepr()


def _shown(value: object) -> str:
    """`value` rendered in at most SHOWN_CHARS characters, without rendering all of it."""
    shown = _SHORT_REPR.repr(value)
    return shown if len(shown) <= SHOWN_CHARS else shown[: SHOWN_CHARS - 3] + "..."


def _allowed_keys(loc: Sequence[int | str]) -> list[str]:
    """The fields of the model at `loc` (for 'unknown field' messages)."""
    model: Any = TenantConfig
    for part in loc:
        if isinstance(part, int):
            continue
        if isinstance(model, type) and issubclass(model, BaseModel):
            field = model.model_fields.get(part)
            if field is None:
                # A dict key (a profile name): its value is the model we already hold.
                continue
            model = _inner_model(field.annotation)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return list(model.model_fields)
    return []


def _inner_model(annotation: Any) -> Any:
    from typing import get_args

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


DEPLOYING = "the deploying account"


def region_problems(
    loaded: Sequence[tuple[Path, TenantNames]], deploying_account: str | None = None
) -> list[Problem]:
    """Tenants of one account that name different identity regions (each file, both named)."""
    by_account: dict[str, list[tuple[Path, TenantNames]]] = {}
    for path, tenant in loaded:
        account = tenant.account_id or deploying_account or DEPLOYING
        by_account.setdefault(account, []).append((path, tenant))
    problems: list[Problem] = []
    for account, tenants in by_account.items():
        if len({t.region for _, t in tenants}) < 2:
            continue
        for path, tenant in tenants:
            others = [
                f"{other_path} ({other.region})"
                for other_path, other in tenants
                if other.region != tenant.region
            ]
            problems.append(
                Problem(
                    str(path),
                    "region",
                    f"is {tenant.region}, but {', '.join(others)} of the same account "
                    f"({account}) name another: QuickSight keeps an account's users in one "
                    "identity region; every tenant of the account must use it",
                )
            )
    return problems
