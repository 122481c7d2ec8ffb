"""IAM rule on managed policies: no administrator or QuickSight full-access policy on an
embed role.
"""

from __future__ import annotations

from pulumi_policy import ReportViolation, ResourceValidationArgs

from policies.resources import (
    ROLE,
    ROLE_POLICY_ATTACHMENT,
    ROLE_POLICY_ATTACHMENTS_EXCLUSIVE,
    role_name_of_arn,
    strings,
    text,
)
from policies.rules.rule import resource_rule
from policies.tenant_index import TenantIndex, is_embed_role_name

ADMIN_POLICY_NAMES = frozenset({"AdministratorAccess", "PowerUserAccess", "IAMFullAccess"})


# -- managed policies ----------------------------------------------------------------------


def _is_admin_policy(arn: str) -> bool:
    name = arn.rsplit("/", 1)[-1]
    lowered = name.lower()
    return name in ADMIN_POLICY_NAMES or ("quicksight" in lowered and "fullaccess" in lowered)


def _attached(args: ResourceValidationArgs) -> tuple[str | None, list[str]]:
    """(role name, managed policy ARNs) a resource attaches."""
    props = args.props
    if args.resource_type == ROLE:
        return text(props, "name"), strings(props, "managedPolicyArns")
    if args.resource_type == ROLE_POLICY_ATTACHMENT:
        role = text(props, "role") or ""
        return role_name_of_arn(role) or role, strings(props, "policyArn")
    if args.resource_type == ROLE_POLICY_ATTACHMENTS_EXCLUSIVE:
        return text(props, "roleName"), strings(props, "policyArns")
    return None, []


@resource_rule(
    "iam-no-admin-managed-policies",
    "Embed roles carry no AdministratorAccess, PowerUserAccess, IAMFullAccess or "
    "QuickSight *FullAccess managed policy.",
)
def no_admin_managed_policies(
    index: TenantIndex, args: ResourceValidationArgs, report: ReportViolation
) -> None:
    role, arns = _attached(args)
    if not is_embed_role_name(role):
        return
    for arn in arns:
        if _is_admin_policy(arn):
            report(
                f"role {role}: managed policy {arn} grants far more than embedding; an embed "
                "role carries only its inline embedding policy",
                None,
            )
