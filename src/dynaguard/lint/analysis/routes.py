"""Run the data-flow pass from every route: parameters become sources, dependencies are followed."""

from __future__ import annotations

from dataclasses import replace

from dynaguard.lint.analysis.flow import FunctionFlow
from dynaguard.lint.core.model import Location
from dynaguard.lint.core.project import FunctionRef, Project
from dynaguard.lint.core.taint import CLEAN, Taint
from dynaguard.lint.models.dynamodb.tables import TableRef
from dynaguard.lint.models.facts import Facts, RouteFact, RouteLabel
from dynaguard.lint.models.fastapi.auth import auth_flow
from dynaguard.lint.models.fastapi.params import Kind, parameters
from dynaguard.lint.models.fastapi.routes import find_routes
from dynaguard.lint.models.route_state import RouteContext

_MAX_DEPENDENCY_DEPTH = 4


def analyse(project: Project, public: tuple[str, ...] = ()) -> Facts:
    """Facts for the whole tree. Functions no route reaches are never treated as handlers."""
    facts = Facts()
    accesses: list[list[tuple[TableRef, str]]] = []
    for index, route in enumerate(find_routes(project, public)):
        ctx = RouteContext(project, RouteLabel(route.label, index), facts, _evaluate)
        env, authenticated = _sources(ctx, route.ref, 0, {})
        returned = FunctionFlow(ctx, route.ref, env).run()
        ctx.use(returned)
        facts.reads.extend(ctx.reads.values())
        node = route.ref.node
        path = route.label.partition(" ")[2]
        facts.routes.append(
            RouteFact(
                where=ctx.where(route.ref.module, node),
                route=ctx.route,
                authenticated=authenticated or route.outer_authenticated or ctx.principal_seen,
                reaches_dynamodb=ctx.touched_dynamodb,
                public=route.public,
                auth_flow=auth_flow(project, route.ref, path),
                admin=route.admin or ctx.admin_seen,
                deployed=route.deployed,
                writes=ctx.wrote,
            )
        )
        accesses.append(ctx.accesses)
    _judge_ownership(facts, accesses)
    return facts


def _evaluate(ctx: RouteContext, ref: FunctionRef, env: dict[str, Taint]) -> Taint:
    return FunctionFlow(ctx, ref, env).run()


def _judge_ownership(facts: Facts, accesses: list[list[tuple[TableRef, str]]]) -> None:
    """Once every route is seen: which reads touch ownerless tables, and which routes do
    nothing but read ownerless data or create ownerless records under server-chosen keys."""
    ownership = facts.ownership
    sites: list[tuple[Location, TableRef | None]] = [
        *((read.where, read.table) for read in facts.reads),
        *((scan.where, scan.table) for scan in facts.scans),
    ]
    for where, table in sites:
        if table is not None and ownership.ownerless(table):
            facts.ownerless_sites[(where.path, where.line)] = table.name or "its tables"
    for index, calls in enumerate(accesses):
        if calls and all(
            kind in ("read", "create") and ownership.ownerless(table) for table, kind in calls
        ):
            names = sorted({table.name or "its tables" for table, _ in calls})
            facts.routes[index] = replace(facts.routes[index], ownerless=", ".join(names))


def _sources(
    ctx: RouteContext, ref: FunctionRef, depth: int, resolved: dict[object, Taint]
) -> tuple[dict[str, Taint], bool]:
    """Initial taint of a handler's (or dependency's) parameters, and whether one authenticates."""
    env: dict[str, Taint] = {}
    authenticated = False
    for param in parameters(ctx.project, ref):
        if param.kind is Kind.REQUEST:
            env[param.name] = Taint(
                origins=frozenset({param.name}),
                delim_safe=param.delim_safe,
                model=param.model,
                cls=param.cls,
            )
        elif param.kind is Kind.REQUEST_OBJECT:
            env[param.name] = Taint(origins=frozenset({param.name}), request_object=True)
        elif param.kind is Kind.PRINCIPAL:
            env[param.name] = Taint(principal=True)
            if param.dependency is not None and param.cls is not None:
                _dependency(ctx, param.dependency, depth, resolved)
                env[param.name] = Taint(principal=True, cls=param.cls)
            authenticated = True
        elif param.kind is Kind.DEPENDENCY and param.dependency is not None:
            value = _dependency(ctx, param.dependency, depth, resolved)
            env[param.name] = (
                value if value.cls or not param.cls else value.join(Taint(cls=param.cls))
            )
        else:
            env[param.name] = Taint(cls=param.cls) if param.cls else CLEAN
    return env, authenticated


def _dependency(
    ctx: RouteContext, ref: FunctionRef, depth: int, resolved: dict[object, Taint]
) -> Taint:
    """A dependency runs per request with its own request parameters: analyse it as a handler."""
    if ref.key in resolved:
        return resolved[ref.key]
    if depth >= _MAX_DEPENDENCY_DEPTH:
        return CLEAN
    resolved[ref.key] = CLEAN
    env, _ = _sources(ctx, ref, depth + 1, resolved)
    result = FunctionFlow(ctx, ref, env).run()
    resolved[ref.key] = result
    return result
