"""Reading the AWS resources the pack judges: names, namespaces, the IAM documents they carry."""

from __future__ import annotations

import json

import pytest

from policies.resources import (
    MANAGED_POLICY,
    QS_USER,
    ROLE,
    ROLE_POLICY,
    IamDocument,
    iam_documents,
    namespace_of,
    role_display,
    role_name_of_arn,
    strings,
)

TRUST = {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole"}]}
POLICY = {"Statement": [{"Effect": "Allow", "Action": "quicksight:GetAuthCode"}]}


@pytest.mark.parametrize(
    ("arn", "name"),
    [
        ("arn:aws:iam::111122223333:role/qs-embed-acme", "qs-embed-acme"),
        ("arn:aws:iam::111122223333:role/path/to/qs-embed-acme", "qs-embed-acme"),
        ("arn:aws:iam::111122223333:user/qs-embed-acme", None),
        ("arn:aws:sts::111122223333:role/qs-embed-acme", None),
        ("qs-embed-acme", None),
    ],
)
def test_role_name_of_arn(arn: str, name: str | None) -> None:
    assert role_name_of_arn(arn) == name


def test_names_namespaces_and_strings() -> None:
    assert role_display({"name": "qs-embed-acme"}, "r") == "qs-embed-acme"
    assert role_display({}, "acme-role") == "<auto-named acme-role>"
    assert namespace_of({"namespace": "acme"}) == "acme"
    assert namespace_of({}) == "default"
    assert strings({"k": "a"}, "k") == ["a"]
    assert strings({"k": ["a", 3, "b"]}, "k") == ["a", "b"]
    assert strings({"k": 3}, "k") == []
    assert strings({}, "k") == []


def test_a_role_carries_its_trust_and_inline_policies() -> None:
    props = {
        "name": "qs-embed-acme",
        "assumeRolePolicy": json.dumps(TRUST),
        "inlinePolicies": [
            {"name": "embedding", "policy": json.dumps(POLICY)},
            {"policy": POLICY},
            {"name": "empty", "policy": ""},
        ],
    }
    assert iam_documents(ROLE, props, "r") == [
        IamDocument("role qs-embed-acme trust policy", "trust", "qs-embed-acme", TRUST),
        IamDocument(
            "role qs-embed-acme inline policy 'embedding'", "permissions", "qs-embed-acme", POLICY
        ),
        IamDocument(
            "role qs-embed-acme inline policy '#1'", "permissions", "qs-embed-acme", POLICY
        ),
    ]


def test_role_policies_and_managed_policies() -> None:
    [inline] = iam_documents(ROLE_POLICY, {"role": "x", "policy": POLICY}, "r")
    assert (inline.where, inline.kind, inline.role_name) == (
        "role x policy 'r'",
        "permissions",
        "x",
    )
    [managed] = iam_documents(MANAGED_POLICY, {"name": "p", "policy": POLICY}, "r")
    assert (managed.where, managed.role_name, managed.document) == (
        "managed policy p",
        None,
        POLICY,
    )
    assert iam_documents(QS_USER, {"policy": POLICY}, "r") == []
    assert iam_documents(ROLE_POLICY, {"role": "x"}, "r") == []


def test_an_unreadable_document_is_kept_with_why() -> None:
    [found] = iam_documents(ROLE, {"name": "x", "assumeRolePolicy": "{"}, "r")
    assert found.document is None
    assert found.error is not None
    assert found.error.startswith("is not valid JSON")
