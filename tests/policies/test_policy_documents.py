"""IAM policy documents read from resource properties, normalised to one shape."""

from __future__ import annotations

import json

import pytest

from policies.pack import proxied
from policies.policy_documents import DocumentError, parse_document, statements


def test_a_document_is_read_from_json_text_or_a_map() -> None:
    doc = {"Version": "2012-10-17", "Statement": []}
    assert parse_document(json.dumps(doc)) == doc
    assert parse_document(doc) is doc


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('{"Statement": [', "is not valid JSON (Expecting value at line 1)"),
        ("[]", "is not a policy document (got list)"),
        (None, "is not a policy document (got NoneType)"),
    ],
)
def test_what_is_not_a_document_is_refused_naming_why(value: object, message: str) -> None:
    with pytest.raises(DocumentError) as refused:
        parse_document(value)
    assert str(refused.value) == message


def test_one_statement_or_a_list_and_strings_or_lists_become_tuples() -> None:
    [one] = statements({"Statement": {"Effect": "Allow", "Action": "s3:GetObject"}})
    assert (one.index, one.sid, one.allows, one.actions) == (0, None, True, ("s3:GetObject",))
    assert one.resources == one.not_actions == one.not_resources == ()
    assert one.principals == {}
    assert one.conditions == {}
    assert one.label == "statement 0"
    first, second = statements(
        {
            "Statement": [
                {"Effect": "Deny", "NotAction": ["iam:*", "sts:*"], "NotResource": "arn:x"},
                {"Sid": "Trust", "Effect": "Allow", "Principal": {"AWS": "arn:a"}},
            ]
        }
    )
    assert not first.allows
    assert (first.not_actions, first.not_resources) == (("iam:*", "sts:*"), ("arn:x",))
    assert second.label == "statement 1 ('Trust')"
    assert second.principals == {"AWS": ("arn:a",)}


@pytest.mark.parametrize(
    ("principal", "expected"),
    [
        ("*", {"*": ("*",)}),
        ("arn:aws:iam::111122223333:root", {"AWS": ("arn:aws:iam::111122223333:root",)}),
        ({"Service": ["a", "b"], "AWS": "c"}, {"Service": ("a", "b"), "AWS": ("c",)}),
    ],
)
def test_principals_take_one_shape(principal: object, expected: dict[str, object]) -> None:
    [stmt] = statements({"Statement": [{"Effect": "Allow", "NotPrincipal": principal}]})
    assert stmt.not_principals == expected


def test_conditions_keep_only_blocks_of_keys() -> None:
    condition = {"StringEquals": {"sts:ExternalId": "x", "aws:Tags": ["a", "b"]}, "Bad": "y"}
    [stmt] = statements({"Statement": [{"Effect": "Allow", "Condition": condition}]})
    assert stmt.conditions == {"StringEquals": {"sts:ExternalId": ("x",), "aws:Tags": ("a", "b")}}


def test_the_engines_read_only_proxies_are_read_like_plain_values() -> None:
    document = {"Statement": [{"Effect": "Allow", "Action": ["a:B"], "Principal": {"AWS": "p"}}]}
    [stmt] = statements(parse_document(proxied({"policy": document})["policy"]))
    assert (stmt.actions, stmt.principals) == (("a:B",), {"AWS": ("p",)})


@pytest.mark.parametrize(
    ("document", "message"),
    [({}, "has no Statement"), ({"Statement": ["Allow"]}, "statement 0 is not an object")],
)
def test_statements_refuse_what_is_not_one(document: dict[str, object], message: str) -> None:
    with pytest.raises(DocumentError, match=message):
        statements(document)
