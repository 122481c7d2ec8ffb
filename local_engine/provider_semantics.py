"""What the providers accept and ignore, from their sources: the engine's refusals before a run.

- Inputs: every input the program gives a pulumi-aws resource must be an argument of that
  resource in the installed SDK (its `<Resource>Args` input type, nested types included); the
  engine refuses any other, as `pulumi up` would fail Check on it.
- `custom_timeouts`: honoured by no resource type the program declares, so refused:
  `aws:quicksight/namespace:Namespace` and `aws:quicksight/customPermissions:CustomPermissions`
  are Terraform Plugin Framework resources (terraform-provider-aws
  `internal/service/quicksight/namespace.go`, `custom_permissions.go`: @FrameworkResource), for
  which the bridge ignores the option (pulumi-terraform-bridge issue 827, open): the namespace
  takes its timeouts from its `timeouts` input (NamespaceTimeoutsArgs, default 2 minutes);
  `aws_iam_role` and `aws_iam_role_policy` declare no Timeouts (`internal/service/iam/role.go`,
  `role_policy.go`), where the bridge warns and ignores it (pulumi-terraform-bridge PR 2390);
  the Python dynamic provider host never reads a request's timeout
  (pulumi `sdk/python/lib/pulumi/dynamic/__main__.py`).
- Import ids: pulumi-aws 7 reads `<id>@<region>` and imports from that region, else from the
  provider's (terraform-provider-aws `internal/provider/framework/region.go`,
  resourceImportRegionInterceptor; pulumi-aws issues 5523, 5697); the id itself is the
  resource's (`namespace.go` namespaceParseResourceID: `ACCOUNT,NAMESPACE`;
  `custom_permissions.go` ImportState: `ACCOUNT,NAME`).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Mapping
from typing import Any

from pulumi import _types

from infra.offline import DYNAMIC_PROVIDER_KEY
from policies.project import QS_DYNAMIC_USER
from policies.resources import QS_CUSTOM_PERMISSIONS, QS_NAMESPACE, ROLE, ROLE_POLICY

IMPORT_REGION = re.compile(r"^(.+)@([a-z]{2}(?:-[a-z]+)+-\d{1,2})$")
"""framework/region.go: "Import ID optionally ends with "@<region>"."."""

TIMEOUTS_IGNORED = {
    QS_NAMESPACE: "a Terraform Plugin Framework resource, for which pulumi-terraform-bridge "
    "ignores custom_timeouts (issue 827): set its `timeouts` input (NamespaceTimeoutsArgs)",
    QS_CUSTOM_PERMISSIONS: "a Terraform Plugin Framework resource with no timeouts at all "
    "(custom_permissions.go), for which pulumi-terraform-bridge ignores custom_timeouts "
    "(issue 827)",
    ROLE: "aws_iam_role declares no timeouts (iam/role.go): the bridge ignores the option "
    "(pulumi-terraform-bridge PR 2390)",
    ROLE_POLICY: "aws_iam_role_policy declares no timeouts (iam/role_policy.go): the bridge "
    "ignores the option (pulumi-terraform-bridge PR 2390)",
    QS_DYNAMIC_USER: "the Python dynamic provider host never reads a timeout "
    "(pulumi/dynamic/__main__.py)",
}
IMPORT_ID_PARTS = {QS_NAMESPACE: "ACCOUNT,NAMESPACE", QS_CUSTOM_PERMISSIONS: "ACCOUNT,NAME"}


def split_import_id(import_id: str) -> tuple[str, str | None]:
    """(the resource's id, the region of its `@<region>` suffix or None)."""
    match = IMPORT_REGION.match(import_id)
    return (match[1], match[2]) if match else (import_id, None)


def option_problems(type_token: str, custom_timeouts: Mapping[str, str]) -> list[str]:
    if not custom_timeouts:
        return []
    reason = TIMEOUTS_IGNORED.get(type_token, "its provider is not known to honour it")
    return [f"custom_timeouts is ignored by its provider under `pulumi up` ({reason})"]


def import_problems(type_token: str, import_id: str) -> list[str]:
    if not import_id:
        return []
    form = IMPORT_ID_PARTS.get(type_token)
    if form is None:
        return [f"cannot be imported by this engine (import id {import_id})"]
    resource_id, _ = split_import_id(import_id)
    parts = resource_id.split(",")
    if len(parts) != len(form.split(",")) or not all(parts):
        return [f"import id {import_id!r} is not {form}[@REGION] as pulumi-aws reads it"]
    return []


def input_problems(type_token: str, inputs: Mapping[str, Any]) -> list[str]:
    """Inputs that are no argument of `type_token` in the installed pulumi-aws SDK."""
    if not type_token.startswith("aws:"):
        return []
    args = args_class(type_token)
    if args is None:
        return [f"{type_token} is not a resource of the installed pulumi_aws"]
    return [f"{type_token}: {p}" for p in _unknown_names(args, inputs, "")]


def args_class(type_token: str) -> type | None:
    """`aws:quicksight/namespace:Namespace` -> pulumi_aws.quicksight.NamespaceArgs."""
    _, module, name = type_token.split(":")
    package = module.split("/")[0]
    try:
        found = getattr(importlib.import_module(f"pulumi_aws.{package}"), f"{name}Args", None)
    except ImportError:
        return None
    return found if isinstance(found, type) else None


def _unknown_names(args: type, inputs: Mapping[str, Any], where: str) -> list[str]:
    names = {v: k for k, v in _types.input_type_py_to_pulumi_names(args).items()}
    types = _types.input_type_types(args)
    problems: list[str] = []
    for key, value in inputs.items():
        if key in (DYNAMIC_PROVIDER_KEY, "id"):
            continue
        if key not in names:
            allowed = ", ".join(sorted(names))
            problems.append(f"input {where}{key} is not an argument of {args.__name__} ({allowed})")
            continue
        nested = _input_type(types.get(names[key]))
        if nested is not None and isinstance(value, Mapping):
            problems += _unknown_names(nested, value, f"{where}{key}.")
    return problems


def _input_type(annotation: Any) -> type | None:
    if isinstance(annotation, type) and _types.is_input_type(annotation):
        return annotation
    for inner in getattr(annotation, "__args__", ()) or ():
        found = _input_type(inner)
        if found is not None:
            return found
    return None
