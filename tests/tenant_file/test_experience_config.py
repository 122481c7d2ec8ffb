"""The tenant file's experiences, dashboards and anonymous section: limits, secrets, schema."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from embedder.errors import ConfigError
from qs_embed.cli import main
from tenant_file.experience_config import fixed_tag_values
from tenant_file.limits import service_limits
from tenant_file.loader import parse_tenant
from tenant_file.schema import tenant_json_schema
from tests.tenant_files import MINIMAL

SECRET = "acme-secret-tag-value"


def with_(embedding: dict[str, Any] | None = None, **top: Any) -> dict[str, Any]:
    return {**MINIMAL, "embedding": {**MINIMAL["embedding"], **(embedding or {})}, **top}


def test_defaults_are_the_console_and_no_anonymous_readers() -> None:
    t = parse_tenant(yaml.safe_dump(MINIMAL))
    assert t.embedding.experiences == ("console",)
    assert t.embedding.dashboards == ()
    assert t.anonymous is None


def test_a_full_file_loads_and_the_schema_agrees() -> None:
    data = with_(
        {"experiences": ["console", "dashboard", "visual", "q"], "dashboards": ["sales-1"]},
        anonymous={
            "dashboards": ["public_kpis"],
            "topics": ["topic-1"],
            "session_tags": {"keys": ["region", "tier"], "fixed": {"tenant_id": SECRET}},
        },
    )
    jsonschema.validate(data, tenant_json_schema())
    t = parse_tenant(yaml.safe_dump(data))
    assert t.anonymous is not None
    assert t.anonymous.session_tags.keys == ("region", "tier")
    assert fixed_tag_values(t.anonymous.session_tags) == [("tenant_id", SECRET)]
    assert SECRET not in repr(t)
    assert SECRET not in str(t)


def test_limits_are_botocores() -> None:
    limits = service_limits()
    assert (limits.resource_id.min_length, limits.resource_id.max_length) == (1, 512)
    assert (limits.topic_id.min_length, limits.topic_id.max_length) == (1, 2048)
    assert (limits.session_tag_key.min_length, limits.session_tag_key.max_length) == (1, 128)
    assert (limits.session_tag_value.min_length, limits.session_tag_value.max_length) == (1, 256)
    assert limits.session_tags_max == 50


@pytest.mark.parametrize(
    ("count", "ok"), [(50, True), (51, False)], ids=["50-tags", "51-tags-one-past"]
)
def test_at_most_50_tags_keys_and_fixed_together(count: int, ok: bool) -> None:
    keys = [f"k{i}" for i in range(count - 1)]
    data = with_(
        anonymous={"dashboards": ["d"], "session_tags": {"keys": keys, "fixed": {"t": "v"}}}
    )
    if ok:
        parse_tenant(yaml.safe_dump(data))
        return
    with pytest.raises(ConfigError, match="declares 51 tags"):
        parse_tenant(yaml.safe_dump(data))


@pytest.mark.parametrize(
    ("length", "ok"), [(256, True), (257, False), (0, False)], ids=["256", "257", "empty"]
)
def test_fixed_values_are_1_to_256_and_never_echoed(
    length: int, ok: bool, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    value = (SECRET * 20)[:length]
    data = with_(anonymous={"dashboards": ["d"], "session_tags": {"fixed": {"tenant_id": value}}})
    path = tmp_path / "acme.yaml"
    path.write_text(yaml.safe_dump(data))
    assert main(["validate", str(path)]) == (0 if ok else 2)
    out, err = capsys.readouterr()
    if not ok:
        assert "anonymous.session_tags.fixed.tenant_id" in err
    if value:
        assert value not in out + err
        assert SECRET not in out + err


def test_dashboard_ids_at_the_edge_of_their_length() -> None:
    ok = with_({"experiences": ["dashboard"], "dashboards": ["d" * 512]})
    parse_tenant(yaml.safe_dump(ok))
    too_long = with_({"experiences": ["dashboard"], "dashboards": ["d" * 513]})
    with pytest.raises(ConfigError, match="longer than 512"):
        parse_tenant(yaml.safe_dump(too_long))


@pytest.mark.parametrize(
    "bad",
    [
        with_({"experiences": ["reports"]}),
        with_({"experiences": ["console", "console"]}),
        with_({"experiences": ["dashboard"], "dashboards": ["a/b"]}),
        with_({"experiences": ["dashboard"], "dashboards": ["é"]}),
        with_(anonymous={"dashboards": ["d"], "session_tags": {"keys": ["k" * 129]}}),
        with_(anonymous={"dashboards": ["d"], "session_tags": {"fixed": {"t": "v" * 257}}}),
        with_(anonymous={"dashboards": ["d"], "session_tags": {"fixed": {"t": ""}}}),
        with_(anonymous={"dashboards": ["d"], "extra": 1}),
        with_(anonymous={"topics": ["t t"]}),
    ],
    ids=[
        "unknown-experience",
        "experience-twice",
        "dashboard-slash",
        "dashboard-unicode",
        "tag-key-129",
        "tag-value-257",
        "tag-value-empty",
        "anonymous-unknown-key",
        "topic-space",
    ],
)
def test_schema_refuses_what_the_loader_refuses(bad: dict[str, Any]) -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, tenant_json_schema())
    with pytest.raises(ConfigError):
        parse_tenant(yaml.safe_dump(bad))
