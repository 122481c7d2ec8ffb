"""`tenant_file.errors`: a Problem reads `source: location: message`; a ConfigError holds one
or more, each on its own line of its text, and is an EmbedderError."""

from __future__ import annotations

import pytest

from tenant_file.errors import ConfigError, EmbedderError, Problem


def test_a_problem_says_where_and_what() -> None:
    assert str(Problem("tenants/acme.yaml", "users[2].role", "is READER")) == (
        "tenants/acme.yaml: users[2].role: is READER"
    )


def test_a_problem_of_the_whole_source_has_no_location() -> None:
    assert str(Problem("--base HEAD~1", "", "is not a commit")) == "--base HEAD~1: is not a commit"


def test_a_config_error_lists_each_problem_on_its_own_line() -> None:
    problems = [Problem("a.yaml", "tenant", "is empty"), Problem("b.yaml", "", "is a FIFO")]
    error = ConfigError(problems)
    assert error.problems == tuple(problems)
    assert str(error) == "a.yaml: tenant: is empty\nb.yaml: is a FIFO"
    assert isinstance(error, EmbedderError)


def test_a_config_error_without_a_problem_is_a_bug_said_at_once() -> None:
    with pytest.raises(ValueError, match="at least one problem"):
        ConfigError([])
