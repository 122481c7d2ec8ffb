"""The tenant model: defaults, derived names, frozen, secrets hidden, every problem reported."""

from __future__ import annotations

import jsonschema
import pytest
import yaml

from qs_embed.cli import main
from tenant_file.config import TenantConfig
from tenant_file.errors import ConfigError
from tenant_file.loader import load_tenants, parse_tenant
from tenant_file.schema import tenant_json_schema
from tests import ROOT
from tests.tenant_files import MINIMAL


def test_defaults_and_derived_names() -> None:
    t = TenantConfig.model_validate(MINIMAL)
    assert t.namespace == "acme"
    assert t.region == "us-east-1"
    assert t.account_id is None
    assert t.retain_users_on_delete is True
    assert t.embedding.default_entry_point == "/start"
    assert t.embedding.session_lifetime_minutes == 600
    assert t.role_name == "qs-embed-acme"
    assert t.profile_name("analyst") == "acme-analyst"
    assert t.user("alice") is not None
    assert t.user("mallory") is None


def test_model_is_frozen() -> None:
    t = TenantConfig.model_validate(MINIMAL)
    with pytest.raises(ValueError, match="frozen"):
        t.tenant = "other"  # type: ignore[misc]


def test_external_id_is_hidden_in_repr() -> None:
    data = {**MINIMAL, "embedding": {**MINIMAL["embedding"], "external_id": "very-secret-id"}}
    t = TenantConfig.model_validate(data)
    assert "very-secret-id" not in repr(t)
    assert "very-secret-id" not in str(t)
    assert t.embedding.external_id is not None
    assert t.embedding.external_id.get_secret_value() == "very-secret-id"


def test_example_tenants_are_valid_and_cover_both_identities() -> None:
    tenants = load_tenants([ROOT / "tenants"])
    assert len(tenants) >= 2
    assert {t.embedding.identity for t in tenants} == {"quicksight", "iam"}
    assert all(t.permission_profiles and len(t.users) >= 2 for t in tenants)


def test_validate_summarises_each_tenant(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(ROOT / "tenants")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[1].rstrip(":") for line in lines] == ["acme", "globex"]


def test_parse_reports_every_problem_of_a_file() -> None:
    bad = {
        **MINIMAL,
        "region": "nowhere",
        "users": [{"name": "a*", "email": "x", "role": "READER"}],
    }
    with pytest.raises(ConfigError) as e:
        parse_tenant(yaml.safe_dump(bad), "t.yaml")
    locations = {p.location for p in e.value.problems}
    assert {"region", "users[0].email", "users[0].role"} <= locations


@pytest.mark.parametrize("typo", ["us_east_1", "useast-1", "us-esat-1", "US-EAST-1"])
def test_a_region_typo_gets_the_close_regions_not_the_pattern(typo: str) -> None:
    with pytest.raises(ConfigError) as e:
        parse_tenant(yaml.safe_dump({**MINIMAL, "region": typo}), "t.yaml")
    (problem,) = e.value.problems
    assert problem.location == "region"
    assert "us-east-1" in str(problem)
    assert "pattern" not in str(problem)


def test_register_on_first_use_is_off_by_default_and_for_iam_identity_only() -> None:
    """One owner per user: the stack, unless an iam tenant opts in to just-in-time registration."""
    assert parse_tenant(yaml.safe_dump(MINIMAL)).embedding.register_on_first_use is False
    on = {**MINIMAL["embedding"], "register_on_first_use": True}
    quicksight = {**MINIMAL, "embedding": on}
    with pytest.raises(ConfigError) as refused:
        parse_tenant(yaml.safe_dump(quicksight), "tenants/acme.yaml")
    [problem] = refused.value.problems
    assert (problem.source, problem.location) == (
        "tenants/acme.yaml",
        "embedding.register_on_first_use",
    )
    assert "iam identity only" in problem.message
    assert "remove it or set it to false" in problem.message
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(quicksight, tenant_json_schema())
    iam = {**MINIMAL, "embedding": {**on, "identity": "iam"}}
    assert parse_tenant(yaml.safe_dump(iam)).embedding.register_on_first_use is True
    jsonschema.validate(iam, tenant_json_schema())
    with pytest.raises(ConfigError, match="register_on_first_use"):
        parse_tenant(
            yaml.safe_dump(
                {**iam, "embedding": {**on, "identity": "iam", "register_on_first_use": "yes"}}
            )
        )


def test_just_in_time_registration_is_decided_in_one_place() -> None:
    from tests.fakes import registering, tenant

    assert tenant("iam").registers_on_first_use is False
    assert registering(tenant("iam")).registers_on_first_use is True
    # One step past the edge: the flag on a quicksight-identity tenant never turns it on
    # (the model refuses such a file; a config built around validation still says no).
    assert registering(tenant("quicksight")).registers_on_first_use is False
