"""What a tenant file may adopt on its own say, and the platform's allow-list for the rest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tenant_file.adoption import NOTHING_ALLOWED, adoption_allow_list, adoption_problems
from tenant_file.config import TenantConfig
from tenant_file.errors import ConfigError
from tests.tenant_files import tenant_data

FILE = Path("tenants/acme.yaml")


def acme(namespace: str = "acme", role: str = "AUTHOR", **user: Any) -> TenantConfig:
    data = tenant_data("acme", namespace=namespace)
    data["users"][0].update(role=role, **user)
    return TenantConfig.model_validate(data)


@pytest.mark.parametrize(
    ("namespace", "role", "refused"),
    [
        ("acme", "AUTHOR", False),
        ("acme", "AUTHOR_PRO", False),
        ("acme", "ADMIN", True),
        ("acme", "ADMIN_PRO", True),
        ("default", "AUTHOR", True),
    ],
)
def test_adopting_a_user(namespace: str, role: str, refused: bool) -> None:
    adopting = acme(namespace, role, adopt=True)
    problems = adoption_problems([(FILE, adopting)], NOTHING_ALLOWED)
    assert [p.location for p in problems] == (["users[0].adopt"] if refused else [])
    # Not adopted, the same user is the stack's own creation: nothing to refuse.
    assert adoption_problems([(FILE, acme(namespace, role))], NOTHING_ALLOWED) == []


def test_the_allow_list_names_a_tenant_and_a_user_exactly() -> None:
    adopting = acme("default", "ADMIN", adopt=True)
    name = adopting.users[0].name

    def allowed(section: dict[str, Any]) -> bool:
        allow = adoption_allow_list({"adoption": section}, "platform.yaml")
        return adoption_problems([(FILE, adopting)], allow) == []

    assert allowed({"acme": {"users": [name], "reason": "INC-1"}})
    assert not allowed({"globex": {"users": [name], "reason": "INC-1"}})
    assert not allowed({"acme": {"users": [name.upper()], "reason": "INC-1"}})
    assert not allowed({"acme": {"profiles": [name], "reason": "INC-1"}})


@pytest.mark.parametrize(
    ("section", "where"),
    [
        ({"acme": {"users": ["alice"]}}, "adoption.acme.reason"),
        ({"acme": {"users": ["alice"], "reason": "  "}}, "adoption.acme.reason"),
        ({"acme": {"user": ["alice"], "reason": "x"}}, "adoption.acme.user"),
        ({"Acme": {"users": ["alice"], "reason": "x"}}, "adoption.Acme"),
        (["acme"], "adoption"),
    ],
)
def test_a_bad_allow_list_is_refused_naming_the_field(section: object, where: str) -> None:
    with pytest.raises(ConfigError) as refused:
        adoption_allow_list({"adoption": section}, "platform.yaml")
    assert where in [p.location for p in refused.value.problems]
    assert all(p.source == "platform.yaml" for p in refused.value.problems)
