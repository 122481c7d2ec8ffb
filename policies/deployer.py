"""The deploying identity's policy as IAM can hold it: managed policies of at most 6,144
characters each, at most 10 of them on one role.

`policies.embed_role.deployer_policy` names every namespace, profile and user scope of the tenants
(the Service Authorization Reference gives QuickSight's `namespace` and `user` resource types
no condition key, so no tag condition can stand in for the names): about 190 characters per
ordinary tenant. One document of 100 tenants (18,709 characters) fits neither a managed
policy (6,144) nor a role's inline policies (10,240, all of them together). Here the same
statements, unwidened, are spread over as many managed policies as they need; past what one
role can attach, the answer is one deployer role per shard (`--shard K --shard-count N`),
each granted its own shard's tenants only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from policies.embed_role import (
    ACCOUNT_PLACEHOLDER,
    POLICY_VERSION,
    PolicyDocument,
    deployer_policy,
    policy_json,
    policy_size,
)
from policies.iam_limits import MANAGED_POLICY_MAX_CHARS
from tenant_file.config import TenantConfig

ATTACHED_POLICIES_PER_ROLE = 10
"""IAM and STS quotas, IAM object quotas: "Managed policies attached to an IAM role: 10"
(default; adjustable). https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html"""

QUOTAS_PAGE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html"
_EMPTY_DOCUMENT = policy_size({"Version": POLICY_VERSION, "Statement": []})


class DeployerPolicyTooLarge(ValueError):
    """The tenants need more managed policies than one role can attach."""


def deployer_policies(
    tenants: Sequence[TenantConfig], *, account_id: str = ACCOUNT_PLACEHOLDER
) -> list[PolicyDocument]:
    """`deployer_policy(tenants)` as managed policies of at most MANAGED_POLICY_MAX_CHARS
    each (minified, as IAM counts): a statement whose resources do not fit is continued, same
    Sid and actions, in the next document. Raises DeployerPolicyTooLarge past
    ATTACHED_POLICIES_PER_ROLE documents, naming the sizes and the quotas."""
    whole = deployer_policy(tenants, account_id=account_id)
    documents = split_policy(whole, MANAGED_POLICY_MAX_CHARS)
    many = f"{len(tenants)} tenant" + ("" if len(tenants) == 1 else "s")
    for index, document in enumerate(documents, 1):
        size = policy_size(document)
        if size > MANAGED_POLICY_MAX_CHARS:  # one statement alone too large: nothing to cut
            raise DeployerPolicyTooLarge(
                f"deployer policy {index} for {many} would be {size} characters; IAM allows "
                f"{MANAGED_POLICY_MAX_CHARS} in a managed policy ({QUOTAS_PAGE})"
            )
    if len(documents) > ATTACHED_POLICIES_PER_ROLE:
        raise DeployerPolicyTooLarge(
            f"the deployer policy for {many} is {policy_size(whole)} characters: "
            f"{len(documents)} managed policies of at most {MANAGED_POLICY_MAX_CHARS}, and IAM "
            f"attaches at most {ATTACHED_POLICIES_PER_ROLE} to a role ({QUOTAS_PAGE}). "
            "Give each shard its own deployer role: qs-embed plan --deployer-policy "
            "--shard K --shard-count N, with N large enough"
        )
    return documents


def split_policy(document: PolicyDocument, limit: int) -> list[PolicyDocument]:
    """The statements of `document` packed in order into documents of at most `limit`
    characters; a statement with a list of resources is cut between resources when needed
    (each part keeps the statement's Sid, effect and actions: one part per document)."""
    packer = _Packer(limit)
    for statement in document["Statement"]:
        resources = statement.get("Resource")
        if not isinstance(resources, list):
            packer.add(statement)
            continue
        chunk: list[Any] = []
        for resource in resources:
            if chunk and not packer.fits({**statement, "Resource": [*chunk, resource]}):
                packer.add({**statement, "Resource": chunk})
                packer.next_document()
                chunk = []
            chunk.append(resource)
        packer.add({**statement, "Resource": chunk})
    return [{"Version": document["Version"], "Statement": s} for s in packer.documents if s]


class _Packer:
    """Statements into documents, counting characters as IAM does (minified JSON)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.documents: list[list[dict[str, Any]]] = [[]]
        self.used = _EMPTY_DOCUMENT

    def _cost(self, statement: dict[str, Any]) -> int:
        return _size(statement) + (1 if self.documents[-1] else 0)  # the comma before it

    def fits(self, statement: dict[str, Any]) -> bool:
        return self.used + self._cost(statement) <= self.limit

    def next_document(self) -> None:
        if self.documents[-1]:
            self.documents.append([])
            self.used = _EMPTY_DOCUMENT

    def add(self, statement: dict[str, Any]) -> None:
        if not self.fits(statement):
            self.next_document()
        self.used += self._cost(statement)
        self.documents[-1].append(statement)


def _size(statement: dict[str, Any]) -> int:
    return len(policy_json(statement))
