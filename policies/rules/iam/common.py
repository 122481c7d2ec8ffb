"""IAM rules' shared reading: the Allow statements of a resource's IAM documents, the
tenant a document belongs to, how a statement is named in messages, condition look-ups.
"""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_policy import EnforcementLevel, ResourceValidationArgs

from policies.action_wildcards import expand, is_wildcard, resource_types, service_of
from policies.embed_role import STS_EXTERNAL_ID
from policies.policy_documents import DocumentError, Statement, statements
from policies.resources import IamDocument, iam_documents, role_name_of_arn
from policies.tenant_index import TenantIndex
from tenant_file.config import TenantConfig

MANDATORY, ADVISORY = EnforcementLevel.MANDATORY, EnforcementLevel.ADVISORY
USER_RESOURCE_TYPE = "user"

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


def user_actions(action: str) -> set[str]:
    """The QuickSight actions on users that an action or action pattern allows."""
    if action in {"*", "*:*"}:
        action = "quicksight:*"
    if service_of(action) != "quicksight":
        return set()  # other services' `user` resource types are not QuickSight users
    names = expand(action) if is_wildcard(action) else {action}
    return {name for name in names if USER_RESOURCE_TYPE in (resource_types(name) or ())}


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
