"""Real git repositories in temporary directories, and a small base project."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

BASE = {
    "sources.osm": """\
source orders "Orders" {
  table shop.orders
  time ordered_at
  key order_id
  entity customer = customer_id
  dimension channel
  dimension country = upper(country_code)
}
""",
    "measures.osm": """\
measure revenue "Revenue" {
  formula sum(orders.amount where status = 'paid')
  kind lagging
  perspective customer
  grain month
  dimensions country
  direction up
  owner "finance@example.com"
}

measure return_rate "Return rate" {
  formula count(orders where returned) / count(orders)
  kind leading
  perspective customer
  grain week
  dimensions channel
  direction down
  target 8%
  owner "ops@example.com"
  drives revenue lag 4 weeks effect negative
}

measure revenue_per_return {
  formula revenue / return_rate
  kind lagging
  perspective customer
  grain month
  owner "finance@example.com"
}
""",
    "objectives.osm": """\
objective value "Customer value" {
  owner "ceo@example.com"
  north_star revenue
  target revenue >= 1000 by 2027-12-31

  strategy fewer_returns "Fewer returns" {
    hypothesis "Returned orders are lost customers"
    owner "ops@example.com"
    measures return_rate
  }
}
""",
}


class Repo:
    """A git repository in a temporary directory."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
                    "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
                    "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
        self.git("init", "-q", "-b", "main")

    def git(self, *args: str) -> str:
        return subprocess.run(["git", *args], cwd=self.root, env=self.env, check=True,
                              capture_output=True, text=True).stdout

    def write(self, files: dict[str, str], under: str = "") -> None:
        for name, text in files.items():
            path = self.root / under / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")

    def edit(self, name: str, old: str, new: str) -> None:
        path = self.root / name
        text = path.read_text("utf-8")
        assert old in text, f"{old!r} not in {name}"
        path.write_text(text.replace(old, new), encoding="utf-8")

    def commit(self, message: str) -> str:
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)
        return self.git("rev-parse", "HEAD").strip()


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    """A repository whose ``main`` holds the base project at its root."""
    (tmp_path / "repo").mkdir()
    r = Repo(tmp_path / "repo")
    r.write(BASE)
    r.commit("base project")
    return r
