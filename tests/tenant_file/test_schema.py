"""The published tenant JSON schema: printed by `qs-embed schema`, agreeing with the loader."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qs_embed.cli import main
from tenant_file.config import console_user_roles
from tenant_file.errors import ConfigError
from tenant_file.limits import service_limits
from tenant_file.loader import parse_tenant
from tenant_file.schema import tenant_json_schema
from tests import ROOT
from tests.profiles import examples
from tests.tenant_files import MINIMAL


def test_schema_command_prints_the_published_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema == json.loads(json.dumps(tenant_json_schema()))
    jsonschema.Draft202012Validator.check_schema(schema)
    for f in sorted((ROOT / "tenants").glob("*.yaml")):
        jsonschema.validate(yaml.safe_load(f.read_text()), schema)


def test_schema_refuses_what_the_loader_refuses() -> None:
    schema = tenant_json_schema()
    for bad in (
        {**MINIMAL, "embedding": {**MINIMAL["embedding"], "session_lifetime_minutes": 601}},
        {**MINIMAL, "users": [{**MINIMAL["users"][0], "role": "READER"}]},
        {**MINIMAL, "permission_profiles": {"p": {"deny": ["NotACapability"]}}},
        {**MINIMAL, "surprise": 1},
    ):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, schema)
        with pytest.raises(ConfigError):
            parse_tenant(yaml.safe_dump(bad))


# Generated valid tenants: the loader and the published schema must agree, and survive a dump.
names = st.from_regex(r"[a-z][a-z0-9]{2,12}", fullmatch=True)
capabilities = st.sampled_from(sorted(service_limits().capability_names))


@st.composite
def tenants(draw: st.DrawFn) -> dict[str, Any]:
    tenant = draw(names)
    identity = draw(st.sampled_from(["quicksight", "iam"]))
    profiles = draw(
        st.dictionaries(
            names,
            st.builds(
                lambda d: {"deny": sorted(set(d))}, st.lists(capabilities, min_size=1, max_size=5)
            ),
            max_size=3,
        )
    )
    user_names = draw(st.lists(names, min_size=1, max_size=6, unique=True))
    users = [
        {
            "name": u,
            "email": f"{u}@{tenant}.example",
            "role": draw(st.sampled_from(console_user_roles())),
            **({"profile": draw(st.sampled_from(sorted(profiles)))} if profiles else {}),
            "adopt": draw(st.booleans()),
        }
        for u in user_names
    ]
    return {
        "tenant": tenant,
        "account_id": draw(st.from_regex(r"[0-9]{12}", fullmatch=True)),
        "region": draw(st.sampled_from(["us-east-1", "eu-west-1", "ap-southeast-2"])),
        "embedding": {
            "identity": identity,
            "app_principals": [f"arn:aws:iam::111122223333:role/{tenant}-app"],
            "session_lifetime_minutes": draw(st.integers(15, 600)),
            "default_entry_point": draw(
                st.sampled_from(["/start", "/start/dashboards", "/dashboards/abc-123"])
            ),
        },
        "permission_profiles": profiles,
        "users": users,
    }


@pytest.fixture(scope="module")
def schema_validator() -> jsonschema.protocols.Validator:
    """One validator of the published schema for every drawn tenant (`jsonschema.validate`
    would check the schema itself again on each call; the schema test above checks it)."""
    return jsonschema.Draft202012Validator(tenant_json_schema())


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=tenants())
def test_generated_tenants_round_trip_through_schema_and_yaml(
    schema_validator: jsonschema.protocols.Validator, data: dict[str, Any]
) -> None:
    schema_validator.validate(data)
    loaded = parse_tenant(yaml.safe_dump(data))
    dumped = loaded.model_dump(mode="json", exclude_none=True)
    again = parse_tenant(yaml.safe_dump(dumped))
    assert again == loaded
    assert dumped["users"] == data["users"]
