"""Views stay thin: they hold no SQL and take nothing from another view (static checks of tracker/)."""

import ast
from pathlib import Path

TRACKER = Path(__file__).resolve().parent.parent / "tracker"
SESSION_QUERIES = {"execute", "scalars", "scalar"}

# (view module, view it may import): none are wanted.
ALLOWED_VIEW_IMPORTS: set[tuple[str, str]] = set()


def _is_view(name: str) -> bool:
    return "views" in name.rsplit(".", 1)[-1].rsplit("/", 1)[-1]


def _view_modules() -> list[Path]:
    return sorted(path for path in TRACKER.rglob("*.py") if _is_view(path.stem))


def _relative(path: Path) -> str:
    return path.relative_to(TRACKER.parent).as_posix()


def _sql_calls(tree: ast.AST) -> list[str]:
    """The calls that build or run a query: select(...), .where(...), db.session.execute/scalars/scalar(...)."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id == "select":
            found.append(f"line {node.lineno}: select(")
        elif isinstance(func, ast.Attribute) and func.attr == "where":
            found.append(f"line {node.lineno}: .where(")
        elif (isinstance(func, ast.Attribute) and func.attr in SESSION_QUERIES
              and ast.unparse(func.value).endswith("db.session")):
            found.append(f"line {node.lineno}: db.session.{func.attr}(")
    return found


def _imported_views(tree: ast.AST) -> list[str]:
    """The view modules an ast imports, by dotted name."""
    imported = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported += [alias.name for alias in node.names if _is_view(alias.name)]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("tracker"):
            if _is_view(node.module):
                imported.append(node.module)
            else:
                imported += [f"{node.module}.{alias.name}" for alias in node.names if _is_view(alias.name)]
    return imported


def test_there_are_views_to_check():
    names = {_relative(path) for path in _view_modules()}
    assert {"tracker/enquiries/views_list.py", "tracker/auth/admin_views.py", "tracker/board/views.py"} <= names


def test_views_hold_no_sql():
    offending = {_relative(path): calls for path in _view_modules()
                 if (calls := _sql_calls(ast.parse(path.read_text(), filename=str(path))))}
    assert offending == {}, "move these queries into the feature's queries.py or services.py"


def test_no_view_imports_another_view():
    offending = {}
    for path in _view_modules():
        name = _relative(path)
        imported = [module for module in _imported_views(ast.parse(path.read_text(), filename=str(path)))
                    if (name, module) not in ALLOWED_VIEW_IMPORTS]
        if imported:
            offending[name] = imported
    assert offending == {}, "share it through a form, a loader or a service, not another view"


def test_the_checks_see_what_they_look_for():
    tree = ast.parse("from tracker.a.views_list import f\nfrom tracker.b import views\n"
                     "x = db.session.scalars(select(A).where(A.b))\n")
    assert _imported_views(tree) == ["tracker.a.views_list", "tracker.b.views"]
    assert sorted(_sql_calls(tree)) == ["line 3: .where(", "line 3: db.session.scalars(", "line 3: select("]
