"""Bad tenant files fail fast and clearly: bounded YAML, plain files only, names IAM reads
literally, regions and partitions AWS has, and errors that quote no secret."""

from __future__ import annotations

import os
import traceback
from pathlib import Path
from typing import Any

import pytest
import yaml

from tenant_file import loader
from tenant_file.config import TenantConfig
from tenant_file.errors import ConfigError
from tenant_file.loader import MAX_PROBLEMS_PER_FILE, load_tenant, parse_tenant
from tenant_file.schema import tenant_json_schema
from tests import ROOT

PRINCIPAL = "arn:aws:iam::111122223333:role/acme-portal"


def tenant_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "tenant": "acme",
        "embedding": {"identity": "quicksight", "app_principals": [PRINCIPAL]},
        "users": [{"name": "alice", "email": "alice@acme.example", "role": "AUTHOR"}],
    }
    data.update(overrides)
    return data


def problems(text: str) -> list[tuple[str, str]]:
    with pytest.raises(ConfigError) as caught:
        parse_tenant(text, "acme.yaml")
    return [(p.location, p.message) for p in caught.value.problems]


# --- Size: nodes counted from the parser's events, aliases expanded -----------------------------


@pytest.fixture
def limit_50(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loader, "MAX_YAML_NODES", 50)


@pytest.mark.usefixtures("limit_50")
def test_aliases_count_as_all_they_stand_for() -> None:
    # root mapping 1, key a 1, list 1 + 9 items: 12 nodes; each *a adds the 10 of the list.
    anchor = "a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9]\n"
    three = anchor + "b: [*a, *a, *a]\n"  # 12 + key 1 + list 1 + 30 = 44
    four = anchor + "b: [*a, *a, *a, *a]\n"  # 54
    assert all("YAML nodes" not in msg for _, msg in problems(three))  # judged on its fields
    [(where, msg)] = problems(four)
    assert where == "line 2, column 17"  # the alias that crosses the limit
    assert msg.startswith("holds more than 50 YAML nodes once its aliases are expanded")


@pytest.mark.usefixtures("limit_50")
def test_plain_nodes_are_bounded_too() -> None:
    at_limit = "x: [" + ", ".join(["1"] * 47) + "]\n"  # 1 + 1 + 1 + 47 = 50
    assert all("YAML nodes" not in msg for _, msg in problems(at_limit))
    [(_, msg)] = problems("x: [" + ", ".join(["1"] * 48) + "]\n")
    assert msg.startswith("holds more than 50 YAML nodes (keys, values, lists, mappings)")


def test_the_alias_bomb_of_the_review_is_refused_before_anything_is_built(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_construction(*_: object, **__: object) -> None:
        raise AssertionError("a bomb must be refused before it is constructed")

    monkeypatch.setattr(loader._UniqueKeyLoader, "construct_document", no_construction)
    laughs = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    laughs += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 9)]
    [(_, msg)] = problems("\n".join(laughs))
    assert "once its aliases are expanded" in msg


def test_an_alias_inside_its_own_anchor_is_refused() -> None:
    [(where, msg)] = problems("a: &x\n  b: *x\n")
    assert where == "line 2, column 6"
    assert "an alias refers to a node that contains it" in msg


# --- What a value may be, and how much of it a message shows ----------------------------------


def test_a_list_or_mapping_as_a_key_is_refused_with_its_line() -> None:
    [(where, msg)] = problems("tenant: acme\n? [a, b]\n: both\n")
    assert where == "line 2, column 3"
    assert msg == "invalid YAML: a key must be plain text or a number, not a list or mapping"


@pytest.mark.parametrize(
    ("text", "kind"),
    [("x: " + "9" * 5000, "int"), ("x: 2030-13-45", "timestamp")],
    ids=["int-over-4300-digits", "month-13"],
)
def test_a_scalar_python_cannot_hold_is_refused_with_its_line(text: str, kind: str) -> None:
    [(where, msg)] = problems(text)
    assert where == "line 1, column 4"
    assert msg.startswith(f"invalid YAML: cannot be read as a YAML {kind}")


def test_a_tab_is_named_as_a_tab() -> None:
    [(where, msg)] = problems("tenant: acme\nembedding:\n\tidentity: iam\n")
    assert where == "line 3, column 1"
    assert msg.startswith("a tab character: YAML indents with spaces only")


def test_a_huge_value_is_shown_cut_short() -> None:
    huge = {"tenant": ["x" * 100_000] * 5, "users": {"k" * 10_000: list(range(10_000))}}
    found = problems(yaml.safe_dump(tenant_data(**huge)))
    by_field = dict(found)
    assert by_field["tenant"].endswith("...")
    assert all(len(msg) < 200 for _, msg in found), found


def test_a_file_wrong_everywhere_lists_its_first_problems_and_a_count() -> None:
    bad_users = [{"name": f"u{i}"} for i in range(400)]  # each misses email and role
    found = problems(yaml.safe_dump(tenant_data(users=bad_users)))
    assert len(found) == MAX_PROBLEMS_PER_FILE + 1
    assert found[-1] == ("", "and 700 more problems (fix these first)")


# --- Names IAM reads literally -----------------------------------------------------------------


def _with_user(identity: str, name: str) -> dict[str, Any]:
    return tenant_data(
        embedding={"identity": identity, "app_principals": [PRINCIPAL]},
        users=[{"name": name, "email": "a@acme.example", "role": "AUTHOR"}],
    )


@pytest.mark.parametrize("char", list("${}*?"))
@pytest.mark.parametrize(
    ("field", "build"),
    [
        ("users[0].name", lambda v: _with_user("quicksight", f"ali{v}ce")),
        ("users[0].name", lambda v: _with_user("iam", f"ali{v}ce")),
        ("tenant", lambda v: tenant_data(tenant=f"ac{v}me")),
        ("namespace", lambda v: tenant_data(namespace=f"ac{v}me")),
        (
            "permission_profiles",
            lambda v: tenant_data(permission_profiles={f"p{v}x": {"deny": ["ExportToCsv"]}}),
        ),
    ],
    ids=["quicksight-user", "iam-user", "tenant", "namespace", "profile-key"],
)
def test_policy_variable_and_wildcard_characters_are_refused_in_every_name_of_an_arn(
    char: str, field: str, build: Any
) -> None:
    found = problems(yaml.safe_dump(build(char)))
    assert any(where.startswith(field) for where, _ in found), found


def test_the_review_s_policy_variable_user_name_is_refused() -> None:
    [(where, msg)] = problems(yaml.safe_dump(_with_user("quicksight", "${aws:SourceIdentity}")))
    assert where == "users[0].name"
    assert "policy variable" in msg


# --- Regions and partitions -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("region", "partition"),
    [("us-east-1", "aws"), ("cn-north-1", "aws-cn"), ("us-gov-west-1", "aws-us-gov")],
)
def test_a_region_of_botocore_s_endpoints_with_a_principal_of_its_partition_is_accepted(
    region: str, partition: str
) -> None:
    principal = f"arn:{partition}:iam::111122223333:role/app"
    embedding = {"identity": "iam", "app_principals": [principal]}
    assert parse_tenant(yaml.safe_dump(tenant_data(region=region, embedding=embedding))).region


def test_a_region_botocore_does_not_know_is_refused() -> None:
    [(where, msg)] = problems(yaml.safe_dump(tenant_data(region="eu-west-9")))
    assert where == "region"
    assert "is not a region in botocore's endpoint data" in msg
    assert "eu-west-1" in msg  # the close ones are offered


def test_allowed_domains_take_at_most_three_as_the_schema_says() -> None:
    origins = [f"https://p{i}.acme.example" for i in range(4)]
    embedding = {"identity": "iam", "app_principals": [PRINCIPAL]}
    three = tenant_data(embedding={**embedding, "allowed_domains": origins[:3]})
    assert len(TenantConfig.model_validate(three).embedding.allowed_domains) == 3
    [(where, msg)] = problems(
        yaml.safe_dump(tenant_data(embedding={**embedding, "allowed_domains": origins}))
    )
    assert (where, msg.split(";")[0]) == ("embedding.allowed_domains", "lists 4 origins")
    schema = tenant_json_schema()["$defs"]["Embedding"]["properties"]["allowed_domains"]
    assert schema["maxItems"] == 3


# --- Files -------------------------------------------------------------------------------------


def test_a_symlink_to_a_tenant_file_is_read(tmp_path: Path) -> None:
    link = tmp_path / "acme.yaml"
    link.symlink_to(ROOT / "tenants" / "acme.yaml")
    assert load_tenant(link).tenant == "acme"


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "directory"])
def test_a_file_that_is_not_regular_is_refused_unread(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "acme.yaml"
    if kind == "fifo":
        os.mkfifo(path)  # no writer: reading it would block for ever
    elif kind == "dev-zero":
        path.symlink_to("/dev/zero")  # st_size 0, endless
    else:
        path.mkdir()
    with pytest.raises(ConfigError) as caught:
        load_tenant(path)
    [problem] = caught.value.problems
    assert (problem.source, problem.location) == (str(path), "")
    assert "not a regular file" in problem.message


def test_a_file_over_the_size_limit_is_refused_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "acme.yaml"
    with path.open("wb") as f:
        f.truncate(loader.MAX_FILE_BYTES + 1)  # sparse: nothing to read if it were read
    with pytest.raises(ConfigError, match="is larger than 1000000 bytes"):
        load_tenant(path)


# --- Secrets -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "tail",
    [
        "  external_id: 's3cr3t value with spaces!'\n",
        "  external_id: 'long-enough-secret-42'\n  bad: [\n",
    ],
    ids=["not-its-pattern", "yaml-error-after-it"],
)
def test_a_config_error_chains_nothing_that_quotes_the_file(tail: str) -> None:
    text = (
        "tenant: acme\nembedding:\n  identity: iam\n"
        f"  app_principals: [{PRINCIPAL}]\n{tail}"
        "users: [{name: alice, email: a@acme.example, role: AUTHOR}]\n"
    )
    with pytest.raises(ConfigError) as caught:
        parse_tenant(text)
    error = caught.value
    logged = "".join(traceback.format_exception(error))
    secret = tail.split("'")[1]
    assert secret not in logged
    assert error.__cause__ is None
    assert error.__context__ is None
