"""The names-only mode of the guarded reader (`tenant_file.names_only`): other shards' files."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.mark.parametrize(
    "text",
    [
        "tenant: acme\nnamespace: shared\npermission_profiles:\n  a: {deny: [X]}\n  b:\n"
        "    deny: [Y]\nusers: []\n",
        "tenant: acme\nusers: [{name: a, extra: {x: y}}]\nnamespace: late\n",
        "tenant: acme\npermission_profiles: &p {a: {deny: [X]}}\nother: *p\n",
        "base: &b {namespace: merged}\ntenant: acme\n<<: *b\n",
        "tenant: acme\npermission_profiles:\n",
        '"tenant": "acme"\n\'namespace\': "quoted"\n',
        "tenant: acme\nregion: eu-west-1\naccount_id: '111122223333'\nembedding:\n"
        "  identity: iam\n  allowed_domains: [https://a.example]\n"
        "  app_principals: [arn:aws:iam::111122223333:root, 'arn:aws:iam::1:role/x']\n",
        "tenant: acme\nembedding: {app_principals: [a, b], identity: quicksight}\n",
    ],
)
def test_other_shards_names_are_read_as_the_loader_reads_them(tmp_path: Path, text: str) -> None:
    import yaml

    from tenant_file.names_only import read_tenant_names

    path = tmp_path / "acme.yaml"
    path.write_text(text)
    data = yaml.safe_load(text)
    names = read_tenant_names(path)
    assert names is not None
    assert names.tenant == "acme"
    assert names.namespace == data.get("namespace", "acme")
    assert list(names.permission_profiles) == list(data.get("permission_profiles") or {})
    assert names.region == data.get("region", "us-east-1")
    assert names.account_id == data.get("account_id")
    embedding = data.get("embedding") or {}
    assert list(names.embedding.app_principals) == embedding.get("app_principals", [])


def test_the_set_checks_judge_a_names_only_reading_as_the_full_file(tmp_path: Path) -> None:
    """Every problem `tenant_set_problems` finds over full configs it finds over the
    names-only reading of other shards' files too: a set check that starts reading a field the
    reading does not keep fails here (AttributeError), not in a sharded stack."""
    from tenant_file.loader import load_tenant, tenant_set_problems
    from tenant_file.names_only import read_tenant_names
    from tests.tenant_files import EXAMPLES

    for name in ("acme", "globex"):
        text = (EXAMPLES / f"{name}.yaml").read_text()
        (tmp_path / f"{name}.yaml").write_text(text)
    # A neighbour in globex's app account trusting that account's root, in another region,
    # sharing acme's namespace: every kind of set problem at once.
    neighbour = (tmp_path / "acme.yaml").read_text().replace("tenant: acme", "tenant: zeta")
    neighbour = neighbour.replace("region: us-east-1", "region: eu-west-1")
    (tmp_path / "zeta.yaml").write_text(neighbour)
    files = sorted(tmp_path.glob("*.yaml"))
    full = [(f, load_tenant(f)) for f in files]
    lean = [(f, names) for f in files if (names := read_tenant_names(f)) is not None]
    assert len(lean) == len(files)
    expected = tenant_set_problems(full)
    assert expected, "the fixture has set problems to find"
    assert tenant_set_problems(lean) == expected


@pytest.mark.parametrize("text", ["- acme\n", "tenant: other\n", "tenant: [\n", "users: []\n"])
def test_a_file_whose_names_cannot_be_read_is_left_to_its_own_shard(
    tmp_path: Path, text: str
) -> None:
    from tenant_file.names_only import read_tenant_names

    path = tmp_path / "acme.yaml"
    path.write_text(text)
    assert read_tenant_names(path) is None
