"""The layers hold: no module cycle (imports inside functions included), every page module loaded by the factory,
the import-linter contracts kept, and every extension point answered by the features that should answer it."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import tracker.app
from tracker import ROOT
from tracker.audit import hooks as audit_hooks
from tracker.auth import hooks as account_hooks
from tracker.bookings import hooks as booking_hooks
from tracker.consultations import hooks as consultation_hooks
from tracker.enquiries import export
from tracker.enquiries import hooks as enquiry_hooks
from tracker.hooks import Hook
from tracker.patients import hooks as patient_hooks
from tracker.permissions import access_refused

PACKAGE = ROOT / "tracker"


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _imports(module: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """Every tracker module `module` imports, at any depth of its code (inside functions too)."""
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([node.module] if node.module else []))
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
        else:
            continue
        for target in targets:
            while target not in modules and "." in target:
                target = target.rsplit(".", 1)[0]
            if target in modules and target != module:
                found.add(target)
    return found


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm, iteratively)."""
    index, low, on_stack, stack, components, counter = {}, {}, set(), [], [], 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    components.append(sorted(component))
    return components


def test_no_module_imports_itself_back_even_from_inside_a_function():
    modules = _modules()
    graph = {module: _imports(module, path, modules) for module, path in modules.items()}
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_only_the_root_package_imports_inside_a_function():
    """The tracker's own modules are imported at the top; the root's lazy create_app is the one exception.

    (A third-party module loaded when first used, like openpyxl for an upload, is a start-up cost choice.)
    """
    inside = []
    for module, path in _modules().items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                inside += [f"{module}:{child.lineno}" for child in ast.walk(node)
                           if isinstance(child, ast.ImportFrom) and (child.module or "").startswith("tracker")]
    assert inside == ["tracker:14"]


def test_the_factory_loads_every_page_provider_and_tasks_module():
    """A views, provides or tasks module the factory forgot would leave routes, answers or queued work missing."""
    pages = {module for module in _modules()
             if module.rsplit(".", 1)[-1].startswith("views") or module.rsplit(".", 1)[-1] in ("provides", "tasks")}
    pages.add("tracker.main.favicon")
    assert pages - set(sys.modules) == set()
    assert {m for m in pages if m not in _imports("tracker.app", PACKAGE / "app.py", _modules())} == set()


def test_the_layer_contracts_hold():
    """The same check `make lint` runs (import-linter reads pyproject.toml)."""
    linter = Path(sys.executable).parent / "lint-imports"
    if not linter.exists():
        pytest.fail("import-linter is missing: it is pinned in requirements-dev.txt")
    done = subprocess.run([str(linter), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-3000:]


EXPECTED_PROVIDERS = {
    access_refused: ["tracker.audit.refusals.record_refusal"],
    audit_hooks.staff: ["tracker.auth.queries.names"],
    account_hooks.deactivated: ["tracker.followups.services.hand_to_team"],
    booking_hooks.session_moving: ["tracker.plans.sessions.check_moved_session"],
    booking_hooks.session_performing: ["tracker.plans.sessions.check_performer"],
    consultation_hooks.item_enquiry: ["tracker.plans.provides.item_enquiry"],
    enquiry_hooks.closing: ["tracker.bookings.services.cancel_future_for"],
    enquiry_hooks.consulted: ["tracker.bookings.services.was_consulted"],
    enquiry_hooks.page_parts: ["tracker.bookings.provides.appointments_panel",
                               "tracker.consultations.provides.assessments_panel",
                               "tracker.plans.provides.plans_panel", "tracker.followups.provides.follow_ups_panel"],
    enquiry_hooks.timeline_entries: ["tracker.bookings.provides.booking_entries",
                                     "tracker.consultations.provides.assessment_entries",
                                     "tracker.plans.provides.plan_entries",
                                     "tracker.consultations.provides.hint_entries",
                                     "tracker.followups.provides.follow_up_entries"],
    enquiry_hooks.drill_conditions: ["tracker.bookings.provides.consulted_by",
                                     "tracker.followups.provides.overdue_with", "tracker.plans.provides.plan_drill"],
    export.columns: ["tracker.followups.provides.next_follow_up_column",
                     "tracker.consultations.provides.assessment_columns"],
    patient_hooks.archiving: ["tracker.enquiries.services.archive_for_patient"],
    patient_hooks.restoring: ["tracker.enquiries.services.restore_for_patient"],
    patient_hooks.merging: ["tracker.enquiries.provides.move_enquiries"],
    patient_hooks.search_loads: ["tracker.enquiries.provides.live_enquiries"],
    patient_hooks.record_counts: ["tracker.enquiries.provides.live_enquiry_counts"],
    patient_hooks.records: ["tracker.enquiries.provides.open_enquiries"],
}


def test_every_extension_point_is_answered_by_its_features_in_rank_order():
    """A provider module the factory forgot, or a rank changed by mistake, shows here (docs/architecture.md lists
    the same table)."""
    assert tracker.app.BLUEPRINTS  # the factory module, and with it every feature's providers, is loaded
    declared = {value for name, module in list(sys.modules.items()) if name.startswith("tracker.")
                for value in vars(module).values() if isinstance(value, Hook)}
    assert declared == set(EXPECTED_PROVIDERS)
    assert {hook.name: hook.providers() for hook in EXPECTED_PROVIDERS} == {
        hook.name: providers for hook, providers in EXPECTED_PROVIDERS.items()}


def test_a_provider_registered_twice_answers_once_and_ranks_order_the_answers():
    hook: Hook[str] = Hook("example")

    def second() -> str:
        return "second"

    def first() -> str:
        return "first"

    hook.provider(rank=20)(second)
    hook.provider(rank=10)(first)
    hook.provider(rank=20)(second)
    assert hook.ask() == ["first", "second"]
