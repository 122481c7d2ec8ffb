"""`infra.drift.documents`: IAM documents compared by what IAM decides, shown without secrets."""

from __future__ import annotations

from typing import Any

from infra.drift.documents import (
    EXTERNAL_ID_MARKER,
    OTHER_EXTERNAL_ID_MARKER,
    compare_documents,
    shown,
)

SECRET = "the-external-id-1234"


def document(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


GRANT = {
    "Sid": "Mint",
    "Effect": "Allow",
    "Action": ["quicksight:GetSessionEmbedUrl"],
    "Resource": "*",
}
TRUST = {
    "Effect": "Allow",
    "Principal": {"AWS": ["arn:aws:iam::111122223333:role/app"]},
    "Action": "sts:AssumeRole",
    "Condition": {"StringEquals": {"sts:ExternalId": SECRET}},
}


def test_the_same_grant_in_other_words_is_no_drift() -> None:
    other = {
        "Effect": "Allow",
        "Action": "QuickSight:getsessionembedurl",  # IAM reads action names in any case
        "Resource": ["*"],
    }  # and no Sid
    assert not compare_documents(document(GRANT, TRUST), document(TRUST, other))
    # A single statement may be an object instead of a list of one.
    assert not compare_documents(document(GRANT), {"Version": "2012-10-17", "Statement": GRANT})


def test_one_step_past_the_same_grant_is_drift() -> None:
    assert compare_documents(document(GRANT), document({**GRANT, "Effect": "Deny"}))
    assert compare_documents(document(GRANT), document({**GRANT, "Resource": "arn:aws:s3:::b"}))
    assert compare_documents(document(GRANT), document(GRANT, GRANT | {"Action": "s3:*"}))
    # Condition values are compared as written (case matters to StringEquals).
    upper = {**TRUST, "Condition": {"StringEquals": {"sts:ExternalId": SECRET.upper()}}}
    assert compare_documents(document(TRUST), document(upper))
    assert compare_documents(document(GRANT), {"Version": "2008-10-17", "Statement": [GRANT]})


def test_what_the_live_document_adds_and_lacks() -> None:
    wide = {"Effect": "Allow", "Action": "quicksight:*", "Resource": "*"}
    diff = compare_documents(document(GRANT), document(wide))
    assert diff.added == ({"Effect": "Allow", "Action": ["quicksight:*"], "Resource": ["*"]},)
    assert diff.removed == (
        {"Effect": "Allow", "Action": ["quicksight:getsessionembedurl"], "Resource": ["*"]},
    )


def test_the_external_id_is_shown_as_a_marker_saying_whether_it_changed() -> None:
    changed = {**TRUST, "Condition": {"StringEquals": {"sts:ExternalId": "guessed-value-99"}}}
    diff = compare_documents(document(TRUST), document(changed))
    [added] = [shown(s, external_id=SECRET) for s in diff.added]
    [removed] = [shown(s, external_id=SECRET) for s in diff.removed]
    assert added["Condition"]["StringEquals"]["sts:externalid"] == [OTHER_EXTERNAL_ID_MARKER]
    assert removed["Condition"]["StringEquals"]["sts:externalid"] == [EXTERNAL_ID_MARKER]
    assert SECRET not in repr((added, removed))
    assert "guessed-value-99" not in repr((added, removed))


def test_a_live_document_that_is_no_policy_lacks_every_statement() -> None:
    diff = compare_documents(document(GRANT), "not json")
    assert len(diff.removed) == 1
    assert diff.added == ()
