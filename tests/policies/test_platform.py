"""platform.yaml: one strict reader; a missing file is AWS's defaults; another key tolerated."""

from __future__ import annotations

from pathlib import Path

import pytest

from policies.platform import PLATFORM_FILE, load_platform, platform_file
from tenant_file.errors import ConfigError


def _write(root: Path, text: str) -> Path:
    (root / "tenants").mkdir(exist_ok=True)
    (root / PLATFORM_FILE).write_text(text)
    return root / "tenants"


def _problems(tenants: Path) -> list[tuple[str, str]]:
    with pytest.raises(ConfigError) as caught:
        load_platform(tenants)
    return [(p.location, p.message) for p in caught.value.problems]


def test_the_file_is_found_beside_the_tenants_directory(tmp_path: Path) -> None:
    tenants = _write(tmp_path, "")
    assert platform_file(tenants) == tmp_path / PLATFORM_FILE
    assert platform_file(tenants / "acme.yaml") == tmp_path / PLATFORM_FILE


def test_no_file_means_no_raised_quota(tmp_path: Path) -> None:
    settings = load_platform(tmp_path / "tenants")
    assert settings.quotas == {}
    assert settings.account_quotas("111122223333").namespaces is None


def test_raised_quotas_are_read_per_account(tmp_path: Path) -> None:
    tenants = _write(
        tmp_path,
        'quotas:\n  "111122223333": {namespaces: 400, roles: 5000}\n'
        "  deploying_account: {namespaces: 150}\n",
    )
    settings = load_platform(tenants)
    assert settings.account_quotas("111122223333").namespaces == 400
    assert settings.account_quotas("111122223333").roles == 5000
    assert settings.account_quotas(None).namespaces == 150
    assert settings.account_quotas("444455556666").namespaces is None


def test_the_adoption_key_of_the_other_reader_is_tolerated(tmp_path: Path) -> None:
    tenants = _write(
        tmp_path, 'adoption:\n  users: ["arn:aws:quicksight:x"]\nquotas: {"111122223333": {}}\n'
    )
    assert load_platform(tenants).account_quotas("111122223333").roles is None


def test_an_unknown_top_level_key_is_refused_with_what_is_allowed(tmp_path: Path) -> None:
    [(location, message)] = _problems(_write(tmp_path, "quota: {}\n"))
    assert location == "quota"
    assert "allowed: quotas, adoption" in message


def test_an_unknown_quota_is_refused(tmp_path: Path) -> None:
    [(location, message)] = _problems(
        _write(tmp_path, 'quotas: {"111122223333": {namespace: 400}}\n')
    )
    assert location == "quotas.111122223333.namespace"
    assert "allowed: namespaces, roles" in message


def test_an_account_that_is_not_an_account_is_refused(tmp_path: Path) -> None:
    # Unquoted, YAML reads 111122223333 as an int; a 10-digit id is a typo.
    problems = _problems(_write(tmp_path, 'quotas: {"1111222233": {roles: 2000}}\n'))
    assert any("12-digit AWS account id" in message for _, message in problems)


@pytest.mark.parametrize("value", ["0", "-5", "'400'", "4.5", "true"])
def test_a_quota_must_be_a_positive_whole_number(tmp_path: Path, value: str) -> None:
    [(location, _)] = _problems(
        _write(tmp_path, f'quotas: {{"111122223333": {{namespaces: {value}}}}}\n')
    )
    assert location == "quotas.111122223333.namespaces"


def test_a_file_that_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    [(location, message)] = _problems(_write(tmp_path, "- quotas\n"))
    assert (location, "must be a mapping") == ("", message[:17])


def test_broken_yaml_is_refused_naming_the_file(tmp_path: Path) -> None:
    tenants = _write(tmp_path, "quotas: {\n")
    with pytest.raises(ConfigError) as caught:
        load_platform(tenants)
    assert caught.value.problems[0].source == str(tmp_path / PLATFORM_FILE)
