"""Migration files list in chain order: `ls migrations/versions` reads from the first migration to the head."""

import ast
import os
import re

from tracker import ROOT

VERSIONS = ROOT / "migrations" / "versions"
# 0001_ to 0014_ for the first migrations, then the file template's UTC date-time (YYYYMMDD_HHMM_).
NAME = re.compile(r"^(?:\d{4}|\d{8}_\d{4})_(?P<rev>[0-9a-f]+)_(?P<slug>[a-z0-9_]+)\.py$")


def _revisions(filename: str) -> tuple[str, str | None]:
    """The file's `revision` and `down_revision`, read without running it."""
    tree = ast.parse((VERSIONS / filename).read_text())
    values = {target.id: ast.literal_eval(node.value)
              for node in tree.body if isinstance(node, ast.Assign)
              for target in node.targets
              if isinstance(target, ast.Name) and target.id in ("revision", "down_revision")}
    return values["revision"], values["down_revision"]


def _migration_files() -> list[str]:
    return sorted(name for name in os.listdir(VERSIONS) if name.endswith(".py"))


def _chain(files: list[str]) -> list[str]:
    """The files from the base to the head, following each one's down_revision."""
    by_parent = {}
    for name in files:
        down = _revisions(name)[1]
        assert down not in by_parent, f"{name} and {by_parent[down]} follow the same revision: merge the heads"
        by_parent[down] = name
    chain, parent = [], None
    while parent in by_parent:
        chain.append(by_parent[parent])
        parent = _revisions(chain[-1])[0]
    return chain


def test_sorted_file_names_are_the_chain_from_base_to_head():
    files = _migration_files()
    assert _chain(files) == files


def test_each_name_has_a_sortable_prefix_its_own_revision_and_a_whole_slug():
    for name in _migration_files():
        match = NAME.match(name)
        assert match, f"{name}: expected NNNN_<rev>_<slug>.py or YYYYMMDD_HHMM_<rev>_<slug>.py"
        assert match["rev"] == _revisions(name)[0], f"{name}: the name's revision is not the file's"
        assert not match["slug"].endswith("_"), f"{name}: the slug is cut off; give it a short, whole one"
