"""`local_engine.outcome`: the engine's change lines, its one-line summary (what a preview
would do, what a refresh found) and the failure of a change, with AWS's error code."""

from __future__ import annotations

from botocore.exceptions import ClientError

from local_engine.outcome import (
    ApplyFailed,
    EngineResult,
    ResourceChange,
    as_failure,
    failure_reason,
)

ROLE = "aws:iam/role:Role"


def test_a_change_line_shows_its_symbol_op_name_type_and_detail() -> None:
    assert str(ResourceChange("create", ROLE, "acme.role")) == (
        "+  create  acme.role  aws:iam/role:Role"
    )
    assert str(ResourceChange("replace", ROLE, "acme.role", "name: a -> b")) == (
        "+- replace acme.role  aws:iam/role:Role  (name: a -> b)"
    )


def test_the_summary_counts_every_kind_of_change() -> None:
    changes = [
        ResourceChange("create", ROLE, "a"),
        ResourceChange("create", ROLE, "b"),
        ResourceChange("delete", ROLE, "c"),
        ResourceChange("forget", ROLE, "d"),
    ]
    assert EngineResult(changes, unchanged=3).summary() == (
        "2 created, 0 adopted, 0 updated, 0 replaced, 1 deleted, 1 forgotten (retained), "
        "3 unchanged"
    )


def test_a_preview_says_would_be_and_a_refresh_says_what_it_found() -> None:
    changes = [ResourceChange("gone", ROLE, "a"), ResourceChange("create", ROLE, "a")]
    summary = EngineResult(changes, unchanged=0, preview=True).summary()
    assert summary.startswith("refresh: 1 found gone, 0 found changed in AWS; would be: ")
    assert "1 created" in summary
    assert not EngineResult([], unchanged=1).summary().startswith("refresh")


def test_an_aws_refusal_is_its_code_and_message() -> None:
    error = ClientError({"Error": {"Code": "AccessDenied", "Message": "not allowed"}}, "CreateRole")
    assert failure_reason(error) == "AccessDenied: not allowed"
    assert failure_reason(RuntimeError()) == "RuntimeError"
    assert failure_reason(ValueError("bad")) == "bad"


def test_a_failure_names_the_resource_and_starts_with_nothing_applied() -> None:
    failed = ApplyFailed("acme.role", ROLE, "AccessDenied: no")
    assert str(failed) == "acme.role (aws:iam/role:Role): AccessDenied: no"
    assert failed.applied == []
    program = as_failure(KeyError("x"))
    assert (program.resource, program.type) == ("program", "pulumi")
