"""`infra.preflight.account_problems`: a tenant file of another account than the deploying
credentials' is refused before any change, naming both accounts; a file without an account_id
means the deploying account."""

from __future__ import annotations

from pathlib import Path

import yaml

from infra.preflight import account_problems
from tenant_file.loader import parse_tenant
from tests.tenant_files import tenant_data


def test_a_file_of_another_account_names_both_accounts() -> None:
    tenant = parse_tenant(yaml.safe_dump(tenant_data("acme")))
    (problem,) = account_problems([(Path("tenants/acme.yaml"), tenant)], "444455556666")
    assert (problem.source, problem.location) == ("tenants/acme.yaml", "account_id")
    assert "is 111122223333" in problem.message
    assert "credentials are of account 444455556666" in problem.message
    assert account_problems([(Path("a.yaml"), tenant)], "111122223333") == []


def test_a_file_without_an_account_id_is_the_deploying_accounts() -> None:
    data = tenant_data("acme")
    del data["account_id"]
    tenant = parse_tenant(yaml.safe_dump(data))
    assert account_problems([(Path("acme.yaml"), tenant)], "444455556666") == []


def test_every_file_of_another_account_is_named() -> None:
    acme = parse_tenant(yaml.safe_dump(tenant_data("acme")))
    globex = parse_tenant(yaml.safe_dump({**tenant_data("globex"), "account_id": "999988887777"}))
    loaded = [(Path("acme.yaml"), acme), (Path("globex.yaml"), globex)]
    assert [p.source for p in account_problems(loaded, "111122223333")] == ["globex.yaml"]
    assert [p.source for p in account_problems(loaded, "444455556666")] == [
        "acme.yaml",
        "globex.yaml",
    ]
