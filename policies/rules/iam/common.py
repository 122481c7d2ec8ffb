"""IAM rules' shared reading: the Allow statements of a resource's IAM documents, the
tenant a document belongs to, how a statement is named in messages, condition look-ups.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from pulumi_policy import ResourceValidationArgs

from policies.action_wildcards import expand, is_wildcard, resource_types, service_of
from policies.embed_role import ACCOUNT_PLACEHOLDER, STS_EXTERNAL_ID
from policies.policy_documents import DocumentError, Statement, statements
from policies.resources import IamDocument, iam_documents, role_name_of_arn
from policies.tenant_index import TenantIndex
from tenant_file.config import TenantConfig
from tenant_file.names import partition_for_region

USER_RESOURCE_TYPE = "user"
ACCOUNT_ID = re.compile(r"^[0-9]{12}$")

Checked = tuple[IamDocument, Statement]


def checked_statements(args: ResourceValidationArgs, kind: str | None = None) -> Iterator[Checked]:
    """Allow statements of the resource's readable IAM documents (of one kind, if given)."""
    for doc in iam_documents(args.resource_type, args.props, args.name):
        if doc.document is None or (kind is not None and doc.kind != kind):
            continue
        try:
            parsed = statements(doc.document)
        except DocumentError:
            continue  # iam-no-wildcard-actions reports unreadable documents
        for stmt in parsed:
            if stmt.allows:
                yield doc, stmt


def tenant_of(index: TenantIndex, doc: IamDocument) -> TenantConfig | None:
    """The tenant whose embed role the document belongs to (a RolePolicy may name the ARN)."""
    if doc.role_name is None:
        return None
    return index.by_role(role_name_of_arn(doc.role_name) or doc.role_name)


def tenant_statements(
    index: TenantIndex, args: ResourceValidationArgs, kind: str
) -> Iterator[tuple[IamDocument, Statement, TenantConfig]]:
    """`checked_statements` of the documents whose embed role a tenant file declares, with that
    tenant (an embed role without a file is stack-one-embed-role-per-tenant's to report)."""
    for doc, stmt in checked_statements(args, kind):
        tenant = tenant_of(index, doc)
        if tenant is not None:
            yield doc, stmt, tenant


def where(doc: IamDocument, stmt: Statement) -> str:
    return f"{doc.where} {stmt.label}"


def listed(actions: frozenset[str] | set[str], limit: int = 4) -> str:
    shown = sorted(actions)[:limit]
    more = len(actions) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def pinned(stmt: Statement, operators: tuple[str, ...], key: str) -> set[str] | None:
    """Values a positive operator pins `key` to (None: nothing pins it)."""
    found: set[str] | None = None
    for operator, block in stmt.conditions.items():
        if operator not in operators:
            continue
        for name, values in block.items():
            if name.lower() == key.lower():
                found = (found or set()) | set(values)
    return found


def user_actions_of(stmt: Statement) -> set[str]:
    return {u for a in stmt.actions for u in user_actions(a)}


def trusted(stmt: Statement) -> Iterator[tuple[str, str]]:
    for kind, values in stmt.principals.items():
        for value in values:
            yield kind, value


def quicksight_actions(action: str) -> frozenset[str] | set[str]:
    """The QuickSight actions an action or action pattern of a statement allows ('*' and
    '*:*' included); none for another service's (its `user` is no QuickSight user)."""
    if action in {"*", "*:*"}:
        action = "quicksight:*"
    if service_of(action) != "quicksight":
        return set()
    return expand(action) if is_wildcard(action) else {action}


def user_actions(action: str) -> set[str]:
    """The QuickSight actions on users that an action or action pattern allows."""
    names = quicksight_actions(action)
    return {name for name in names if USER_RESOURCE_TYPE in (resource_types(name) or ())}


def reaches(action: str, wanted: Iterable[str]) -> set[str]:
    """The actions of `wanted` that an action or action pattern of a statement allows."""
    lowered = {name.lower() for name in quicksight_actions(action)}
    return {w for w in wanted if w.lower() in lowered}


def scope_of(tenant: TenantConfig, resource: str) -> tuple[str, str]:
    """(partition, account) to build the tenant's resource ARNs in, as `policies.embed_role`
    does: the tenant file's account. A file without `account_id` leaves the account to the
    deploying caller: then the account `resource` names is taken if it is one (12 digits, or
    the offline plan's placeholder), never a wildcard."""
    parts = resource.split(":", 5)
    account = tenant.account_id or (parts[4] if len(parts) == 6 else "")
    if not (ACCOUNT_ID.fullmatch(account) or account == ACCOUNT_PLACEHOLDER):
        account = ACCOUNT_PLACEHOLDER
    return partition_for_region(tenant.region), account


def external_ids(stmt: Statement) -> set[str]:
    return {
        v
        for block in stmt.conditions.values()
        for key, values in block.items()
        if key.lower() == STS_EXTERNAL_ID.lower()
        for v in values
    }


def allows_assume_role(stmt: Statement) -> bool:
    return any(
        a.lower() == "sts:assumerole" or (is_wildcard(a) and "sts:AssumeRole" in expand(a))
        for a in stmt.actions
    )
