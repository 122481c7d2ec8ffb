"""`platform.yaml`: what the platform team declares once, outside every tenant file.

One file beside the tenants directory (`tenants/` -> `./platform.yaml`, the repository root),
read by one reader, strict like the tenant files: an unknown key, a wrong type or a bad value
is refused with the file and the field. A missing file means AWS's defaults.

    quotas:                      # quotas AWS raised for an account (Service Quotas / Support)
      "111122223333": {namespaces: 400, roles: 5000}
      deploying_account: {namespaces: 200}   # tenants whose file names no account_id
    adoption: ...                # the adoption allow-list (its own reader types it)

Each top-level key is one concern: `quotas` is typed here (`policies.quotas` applies it);
`adoption` belongs to the adoption allow-list and is only tolerated here. The file's reading
(`_read`: the tenant files' guards, then YAML) and its checking (`platform_settings`, given the
parsed mapping) are apart, so one reader of the file can serve both sections.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tenant_file.errors import ConfigError, Problem
from tenant_file.loader import dotted, read_tenant_text

PLATFORM_FILE = "platform.yaml"
DEPLOYING_ACCOUNT = "deploying_account"
"""The `quotas` key for tenants whose file names no `account_id` (the deploying account)."""

_ACCOUNT_KEY = r"^([0-9]{12}|deploying_account)$"


class AccountQuotas(BaseModel):
    """Raised quotas of one account; an omitted one is AWS's default."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    namespaces: Annotated[int, Field(gt=0, strict=True)] | None = None
    """QuickSight namespaces per account (CreateNamespace: 100 by default)."""
    roles: Annotated[int, Field(gt=0, strict=True)] | None = None
    """IAM roles per account (IAM and STS quotas: 1,000 by default)."""


class PlatformSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    quotas: dict[Annotated[str, Field(pattern=_ACCOUNT_KEY)], AccountQuotas] = {}
    adoption: Any = None
    """The adoption allow-list: typed and checked by its own reader, tolerated here."""

    def account_quotas(self, account: str | None) -> AccountQuotas:
        """The raised quotas of `account` (None: the deploying account, unknown offline)."""
        key = account or DEPLOYING_ACCOUNT
        return self.quotas.get(key) or AccountQuotas()


NO_PLATFORM_FILE = PlatformSettings()


def platform_file(tenant_paths: Path | str) -> Path:
    """Where `platform.yaml` is for a tenants directory (or a tenant file): beside the
    directory, which for the default `tenants/` is the repository root."""
    path = Path(tenant_paths)
    directory = path if path.is_dir() or path.suffix not in {".yaml", ".yml"} else path.parent
    return directory.parent / PLATFORM_FILE


def load_platform(tenant_paths: Path | str) -> PlatformSettings:
    """The settings of the `platform.yaml` beside `tenant_paths`; AWS's defaults without one;
    ConfigError naming the file and the field for a bad one."""
    path = platform_file(tenant_paths)
    try:
        stat = path.stat()
    except FileNotFoundError:
        return NO_PLATFORM_FILE
    return _read(path, stat.st_mtime_ns, stat.st_size)


@cache
def _read(path: Path, _mtime: int, _size: int) -> PlatformSettings:
    """Parsed once per version of the file (check and shards call it per shard). Read with
    the tenant files' guards (a regular file of at most 1 MB of UTF-8)."""
    source = str(path)
    text = read_tenant_text(path)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        first = str(e).splitlines()[0]
        raise ConfigError([Problem(source, "", f"cannot be read as YAML: {first}")]) from None
    return platform_settings(data, source)


def platform_settings(data: Any, source: str) -> PlatformSettings:
    """The file's parsed content, checked: its sections known, `quotas` typed (the section
    this module owns; `adoption` is its own reader's)."""
    if data is None:
        return NO_PLATFORM_FILE
    if not isinstance(data, dict):
        raise ConfigError(
            [Problem(source, "", f"must be a mapping of settings, got {type(data).__name__}")]
        )
    try:
        return PlatformSettings.model_validate(data)
    except ValidationError as e:
        raise ConfigError(
            [Problem(source, dotted(err["loc"]), _message(err)) for err in e.errors()]
        ) from None


def _message(err: Any) -> str:
    loc = err["loc"]
    if err["type"] == "extra_forbidden":
        where = "quotas.<account>" if len(loc) > 1 else "platform.yaml"
        allowed = ", ".join((AccountQuotas if len(loc) > 1 else PlatformSettings).model_fields)
        return f"is not a setting of {where}; allowed: {allowed}"
    if err["type"] == "string_pattern_mismatch":
        return (
            "is not an account: give a 12-digit AWS account id (quoted) or "
            f"{DEPLOYING_ACCOUNT} (tenants whose file names no account_id)"
        )
    return f"{err['msg']} (got {err.get('input')!r})"
