"""Which property changes replace a resource, per type, as the real provider decides it.

pulumi-aws 7 is the Terraform AWS provider (v6) bridged: a property is "replace on change"
exactly when its Terraform schema says `ForceNew: true` (SDK resources) or has the
`RequiresReplace()` plan modifier (framework resources). Everything else updates in place.
The table below is copied by hand from those schemas, with the source file of each row beside
it (nothing reads the schemas at run time: re-check the rows when pulumi-aws moves a major
version); the local engine diffs with it so that an edit it applies in place is one
`pulumi up` applies in place too.

QuickSight users are not in the table: they are `infra.quicksight_user.QuickSightUser`, whose
own `diff` decides (identity replaces; role, email and profile update in place).

Every regional resource also replaces when its `region` changes (provider v6's per-resource
region: https://hashicorp.github.io/terraform-provider-aws/enhanced-region-support).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from policies.resources import (
    QS_CUSTOM_PERMISSIONS,
    QS_NAMESPACE,
    QS_USER,
    QS_USER_CUSTOM_PERMISSION,
    ROLE,
    ROLE_POLICY,
)

TF = "hashicorp/terraform-provider-aws"


@dataclass(frozen=True)
class ReplaceRule:
    """The wire (camelCase) properties whose change replaces the resource, and where from."""

    replaces: frozenset[str]
    source: str


def _rule(source: str, *replaces: str) -> ReplaceRule:
    return ReplaceRule(frozenset(replaces), source)


REPLACE_ON: Mapping[str, ReplaceRule] = {
    # name, name_prefix, path: ForceNew. assume_role_policy (UpdateAssumeRolePolicy),
    # description, max_session_duration (UpdateRole) update in place.
    ROLE: _rule(f"{TF} internal/service/iam/role.go", "name", "namePrefix", "path"),
    # name, name_prefix, role: ForceNew; policy updates in place (PutRolePolicy).
    ROLE_POLICY: _rule(f"{TF} internal/service/iam/role_policy.go", "name", "namePrefix", "role"),
    # aws_account_id, identity_store, namespace: RequiresReplace (no update but tags).
    QS_NAMESPACE: _rule(
        f"{TF} internal/service/quicksight/namespace.go",
        "awsAccountId",
        "identityStore",
        "namespace",
        "region",
    ),
    # aws_account_id, custom_permissions_name: RequiresReplace; capabilities in place.
    QS_CUSTOM_PERMISSIONS: _rule(
        f"{TF} internal/service/quicksight/custom_permissions.go",
        "awsAccountId",
        "customPermissionsName",
        "region",
    ),
    # aws_account_id (AWSAccountIDSchema), namespace (NamespaceSchema), identity_type, iam_arn,
    # session_name, user_role: ForceNew; only email updates in place
    # (hashicorp/terraform-provider-aws#43508).
    QS_USER: _rule(
        f"{TF} internal/service/quicksight/user.go",
        "awsAccountId",
        "namespace",
        "identityType",
        "iamArn",
        "sessionName",
        "userRole",
        "region",
    ),
    # aws_account_id, namespace, user_name: RequiresReplace; custom_permissions_name in place.
    QS_USER_CUSTOM_PERMISSION: _rule(
        f"{TF} internal/service/quicksight/user_custom_permission.go",
        "awsAccountId",
        "namespace",
        "userName",
        "region",
    ),
}


@dataclass(frozen=True)
class PropertyDiff:
    """How a resource of the state becomes the declared one: the one diff type of the engine."""

    changed: tuple[str, ...]
    """Every property whose value differs (sorted)."""
    replaces: tuple[str, ...]
    """Those of `changed` that force a replacement."""

    @property
    def replace(self) -> bool:
        return bool(self.replaces)


def diff_properties(
    type_token: str, olds: Mapping[str, Any], news: Mapping[str, Any]
) -> PropertyDiff:
    """How `olds` (the inputs in the state) become `news` (the program's), for `type_token`."""
    rule = REPLACE_ON.get(type_token)
    if rule is None:
        raise KeyError(f"no replacement rules for {type_token}")
    changed = tuple(sorted(k for k in set(olds) | set(news) if olds.get(k) != news.get(k)))
    return PropertyDiff(changed, tuple(k for k in changed if k in rule.replaces))
