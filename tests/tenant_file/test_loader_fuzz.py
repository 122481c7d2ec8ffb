"""Generated YAML, and the example tenants mangled at random: the loader gives a TenantConfig or
a ConfigError, and `qs-embed validate` exit 0 or 2 with one line per problem; never a traceback.

Each example is at most MAX_EXAMPLE_CHARS of text; no time is measured (the node limit is what
bounds the work per file, see test_loader_limits).
"""

from __future__ import annotations

import contextlib
import io
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tenant_file.config import TenantConfig
from tenant_file.errors import ConfigError
from tenant_file.loader import parse_tenant
from tests import ROOT
from tests.profiles import examples

EXAMPLES = {p.name: p.read_text() for p in sorted((ROOT / "tenants").glob("*.yaml"))}
MAX_EXAMPLE_CHARS = 8_000
# What YAML reads as syntax, and a few characters that trouble readers of it.
YAML_CHARS = ":-?,[]{}#&*!|>'\"%@`\t\n\r \\~0123456789.eE+xyz\x00\ufeff\u2028é"
SETTINGS = settings(
    max_examples=examples(150),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.large_base_example],
)


def validate(path: Path) -> tuple[int, str, str]:
    """`qs-embed validate PATH`: exit code, stdout, stderr. The CLI moves to `qs_embed.cli`:
    this import is the one line to change."""
    from qs_embed.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["validate", str(path)])
    return code, out.getvalue(), err.getvalue()


def judged(text: str) -> TenantConfig | ConfigError:
    """The loader's verdict on `text`; any other exception fails the test."""
    try:
        return parse_tenant(text, "acme.yaml")
    except ConfigError as e:
        return e


def check_cli(name: str, text: str) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / name
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        code, out, err = validate(path)
    assert code in (0, 2), err
    assert "Traceback" not in err + out
    assert "this is a bug" not in err
    if code == 2:
        lines = err.splitlines()
        assert lines[-1].endswith("nothing was done")
        assert all(line.startswith(f"error: {path}") for line in lines[:-1]), err


# --- Random structures -------------------------------------------------------------------------

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True)
    | st.text(max_size=40)
    | st.sampled_from(["acme", "us-east-1", "iam", "quicksight", "AUTHOR", "/start", "*"])
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=12), inner, max_size=5)
    ),
    max_leaves=40,
)
FIELDS = [
    "tenant",
    "account_id",
    "region",
    "namespace",
    "embedding",
    "users",
    "permission_profiles",
    "retain_users_on_delete",
    "identity",
    "app_principals",
    "external_id",
    "allowed_domains",
    "name",
    "email",
    "role",
    "profile",
    "deny",
]
tenant_like = st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=8), values, max_size=8)


def dumped(data: Any) -> str:
    return yaml.safe_dump(data, allow_unicode=True)


@SETTINGS
@given(data=values | tenant_like)
def test_random_structures_are_a_config_or_a_config_error(data: Any) -> None:
    text = dumped(data)
    verdict = judged(text[:MAX_EXAMPLE_CHARS])
    assert isinstance(verdict, TenantConfig | ConfigError)


# --- The example tenants, mangled --------------------------------------------------------------


@st.composite
def mangled(draw: st.DrawFn) -> tuple[str, str]:
    """An example tenant file with a few random edits: cuts, insertions of YAML syntax, lines
    repeated, swapped or re-indented, values replaced with generated YAML."""
    name = draw(st.sampled_from(sorted(EXAMPLES)))
    text = EXAMPLES[name]
    for _ in range(draw(st.integers(1, 4))):
        lines = text.split("\n")
        at = draw(st.integers(0, len(text)))
        line = draw(st.integers(0, len(lines) - 1))
        edit = draw(st.sampled_from(["cut", "insert", "repeat", "swap", "indent", "value"]))
        if edit == "cut":
            text = text[:at] + text[at + draw(st.integers(1, 40)) :]
        elif edit == "insert":
            text = text[:at] + draw(st.text(YAML_CHARS, min_size=1, max_size=12)) + text[at:]
        elif edit == "repeat":
            lines[line:line] = [lines[line]] * draw(st.integers(1, 3))
            text = "\n".join(lines)
        elif edit == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            lines[line], lines[other] = lines[other], lines[line]
            text = "\n".join(lines)
        elif edit == "indent":
            lines[line] = draw(st.sampled_from([" ", "  ", "\t", "- ", "? "])) + lines[line]
            text = "\n".join(lines)
        else:
            key, sep, _ = lines[line].partition(":")
            if sep:
                value = draw(values).__repr__() if draw(st.booleans()) else dumped(draw(values))
                lines[line] = f"{key}: {value.strip().splitlines()[0] if value.strip() else ''}"
            text = "\n".join(lines)
    return name, text[:MAX_EXAMPLE_CHARS]


@SETTINGS
@given(case=mangled())
@example(case=("acme.yaml", EXAMPLES["acme.yaml"]))
@example(case=("acme.yaml", EXAMPLES["acme.yaml"].replace("  ", "\t", 1)))
@example(case=("acme.yaml", EXAMPLES["acme.yaml"] + "? [a, b]\n: c\n"))
@example(case=("acme.yaml", "a: &a [x, x]\nb: [*a, *a]\nc: &c\n  d: *c\n"))
def test_mangled_example_tenants_are_a_config_or_a_config_error(case: tuple[str, str]) -> None:
    _, text = case
    verdict = judged(text)
    assert isinstance(verdict, TenantConfig | ConfigError)
    if isinstance(verdict, ConfigError):
        assert all(p.source == "acme.yaml" and p.message for p in verdict.problems)


@settings(SETTINGS, max_examples=examples(60))
@given(case=mangled() | st.tuples(st.just("acme.yaml"), (values | tenant_like).map(dumped)))
@example(case=("acme.yaml", EXAMPLES["acme.yaml"]))
@example(case=("acme.yaml", "\x00"))
@example(case=("acme.yaml", "\ud800"))  # a lone surrogate: not UTF-8 once written
def test_validate_exits_0_or_2_without_a_traceback(case: tuple[str, str]) -> None:
    check_cli(*case)
