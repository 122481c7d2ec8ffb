"""Read tenant files (YAML) into `TenantConfig`, and check a set of tenants as a whole.

Every mistake becomes a `Problem` naming the file, the dotted field and what is allowed; the
loader reports all of a file's problems at once and never a traceback.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from embedder.config import CrossFieldError, TenantConfig
from embedder.errors import ConfigError, Problem
from embedder.trusted_accounts import apps_by_account, root_trust_problems

SECRET_FIELDS = frozenset({"external_id"})
MAX_FILE_BYTES = 1_000_000

_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _UniqueKeyLoader(_BaseLoader):  # type: ignore[valid-type,misc]
    """safe_load, but a key given twice in one mapping is an error, not a silent overwrite."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)  # type: ignore[no-any-return]


def parse_tenant(text: str, source: str = "<string>") -> TenantConfig:
    """Parse and validate one tenant document; raise `ConfigError` listing every problem."""
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError([Problem(source, where, f"invalid YAML: {e.problem}")]) from e
    except yaml.YAMLError as e:
        raise ConfigError([Problem(source, "", f"invalid YAML: {e}")]) from e
    if not isinstance(data, dict):
        kind = "empty" if data is None else type(data).__name__
        raise ConfigError([Problem(source, "", f"must be a mapping of tenant fields, got {kind}")])
    try:
        return TenantConfig.model_validate(data)
    except ValidationError as e:
        raise ConfigError(validation_problems(e, source)) from e


def load_tenant(path: str | Path) -> TenantConfig:
    """Load `tenants/<tenant>.yaml`; the tenant name must equal the file name stem."""
    path = Path(path)
    source = str(path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ConfigError([Problem(source, "", f"is larger than {MAX_FILE_BYTES} bytes")])
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise ConfigError([Problem(source, "", "is not UTF-8 text")]) from e
    except OSError as e:
        raise ConfigError([Problem(source, "", f"cannot be read: {e.strerror}")]) from e
    tenant = parse_tenant(text, source)
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


def tenant_files(paths: Iterable[str | Path]) -> list[Path]:
    """Expand directories to their `*.yaml`/`*.yml` files (sorted); keep files as given."""
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            files.extend(sorted(f for f in p.iterdir() if f.suffix in {".yaml", ".yml"}))
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


def tenant_set_problems(loaded: Sequence[tuple[Path, TenantConfig]]) -> list[Problem]:
    """Names that must be unique across tenants: tenants, namespaces, roles, profile names;
    and no tenant trusts a whole account where another tenant's app lives."""
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
        claim("namespace", t.namespace, path, "namespace")
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
    return problems


def validation_problems(error: ValidationError, source: str) -> list[Problem]:
    """Turn pydantic's errors into Problems with dotted locations and no secrets."""
    problems: list[Problem] = []
    errors = error.errors(include_url=False)
    # A list whose items failed also "has too few items after validation": say it once.
    failed_items = {e["loc"][:-1] for e in errors if e["loc"] and isinstance(e["loc"][-1], int)}
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
        else:
            out += f".{part}" if out else str(part)
    return out


def _message(err: Any, loc: Sequence[int | str]) -> str:
    kind = err["type"]
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
    shown = repr(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return f"{msg}; got {shown}"


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
