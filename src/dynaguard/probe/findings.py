"""Finding kinds (OWASP API Top 10 2023 category, severity, fix) and the findings themselves."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dynaguard.probe.engine.transport import Exchange


@dataclass(frozen=True)
class Kind:
    """A rule: stable id, what it means, where OWASP files it, and how to fix it (any backend)."""

    id: str
    title: str
    owasp: str
    severity: str
    description: str
    fix: str


_KEY_FIX = (
    "Derive ownership from the verified caller, never from the URL or body: look the object up "
    "by (owner, id) so a foreign id is simply not found. "
)
_LIBRARY = " On DynamoDB, the dynaguard library's owned views build the key from the principal."
KINDS: dict[str, Kind] = {
    kind.id: kind
    for kind in (
        Kind(
            "bola-read",
            "Another identity can read an object",
            "API1:2023 Broken Object Level Authorization",
            "high",
            "A response to one identity contained the canary planted by another identity "
            "when it fetched that identity's object by id.",
            _KEY_FIX + "Answer 404, the same body as for a missing object." + _LIBRARY,
        ),
        Kind(
            "bola-write",
            "Another identity can change an object",
            "API1:2023 Broken Object Level Authorization",
            "high",
            "After a foreign identity updated the object, re-reading it as the owner showed the "
            "attacker's canary.",
            _KEY_FIX
            + "Make the ownership check part of the write itself (update ... where id = :id "
            + "and owner = :caller), so the check and the write cannot drift."
            + _LIBRARY,
        ),
        Kind(
            "bola-delete",
            "Another identity can delete an object",
            "API1:2023 Broken Object Level Authorization",
            "high",
            "After a foreign identity's DELETE, the owner could no longer read the object "
            "(whatever status the attacker was given).",
            _KEY_FIX
            + "Delete with the owner in the condition (delete ... where id = :id and owner = "
            + ":caller); never delete first and check afterwards."
            + _LIBRARY,
        ),
        Kind(
            "data-leak",
            "A response exposes another identity's data",
            "API1:2023 Broken Object Level Authorization",
            "high",
            "A list, search or /me-style response to one identity contained another identity's "
            "canary.",
            "Scope every list and search by the verified caller (where owner = :caller) instead of "
            "filtering everything afterwards; return only the caller's own fields." + _LIBRARY,
        ),
        Kind(
            "cursor-replay",
            "A page cursor replays another identity's listing",
            "API1:2023 Broken Object Level Authorization",
            "high",
            "A pagination cursor obtained by one identity, replayed by another, returned the first "
            "identity's data.",
            "Seal cursors: encrypt or MAC the position together with the caller and the query, "
            + "reject a cursor minted for someone else, and always scope the page by the caller."
            + _LIBRARY,
        ),
        Kind(
            "bfla",
            "A role can call a function it must not",
            "API5:2023 Broken Function Level Authorization",
            "high",
            "A call the policy forbids for this identity's roles (e.g. an admin route as a member) "
            "succeeded.",
            "Check the role on the route itself (a dependency or decorator that refuses callers "
            "without it), and keep privileged queries inside the caller's own tenant." + _LIBRARY,
        ),
        Kind(
            "unauthenticated",
            "A route that needs authentication answered without it",
            "API2:2023 Broken Authentication",
            "high",
            "An anonymous request (no Authorization header) got a 2xx on a route that needs "
            "authentication.",
            "Require the verified caller on every non-public route (a dependency or decorator that "
            "answers 401 without credentials), and derive ownership only from it." + _LIBRARY,
        ),
        Kind(
            "mass-assignment",
            "Client-supplied owner/tenant/role fields are honoured",
            "API3:2023 Broken Object Property Level Authorization",
            "high",
            "Extra fields naming another identity or tenant (owner_id, org_id, role, is_admin...) "
            "changed who owns or sees the object.",
            "Accept an input model without owner, tenant or role fields (refuse unknown fields), "
            + "and set owner and tenant from the verified caller when storing the object."
            + _LIBRARY,
        ),
        Kind(
            "sensitive-data",
            "A response exposes someone else's secrets",
            "API3:2023 Broken Object Property Level Authorization",
            "high",
            "A response to another identity or to an anonymous caller carried a secret of someone "
            "else: a password or its hash, a card number or CVV, an API key, a bearer token or "
            "JWT, a reset token or a national id. A public route is no excuse.",
            "Return explicit response models that list the fields a caller may see; never "
            "serialise stored user or payment records as they are, and remove debug routes.",
        ),
        Kind(
            "unenforced-2xx",
            "A foreign write was answered 2xx without effect",
            "API1:2023 Broken Object Level Authorization",
            "low",
            "The service said yes to a write on another identity's object, but re-reading as the "
            "owner showed no change. Clients and monitoring cannot tell a denial from a success.",
            "Answer 404 when the ownership-scoped write matched nothing, the same as for a missing "
            "object.",
        ),
    )
}
SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}
FAIL_ON = ("info", "low", "medium", "high")
STATE = "state"
STATUS_ONLY = "status only"


@dataclass
class Finding:
    """One issue: the rule, the operation, who attacked whom, and the redacted exchanges."""

    kind: str
    operation: str
    attacker: str
    victim: str | None
    message: str
    evidence: list[Exchange] = field(default_factory=list)
    cross_tenant: bool = False
    proof: str = STATE

    @property
    def rule(self) -> Kind:
        return KINDS[self.kind]

    @property
    def severity(self) -> str:
        """A status-only result (a 2xx whose effect nobody could observe) is never above low."""
        if self.proof != STATE:
            return "low"
        if self.cross_tenant and self.rule.severity == "high":
            return "critical"
        return self.rule.severity

    @property
    def dedupe_key(self) -> tuple[str, str, str, str | None]:
        return (self.kind, self.operation, self.attacker, self.victim)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "title": self.rule.title,
            "severity": self.severity,
            "owasp": self.rule.owasp,
            "operation": self.operation,
            "attacker": self.attacker,
            "victim": self.victim,
            "cross_tenant": self.cross_tenant,
            "proof": self.proof,
            "message": self.message,
            "fix": self.rule.fix,
            "evidence": [exchange.evidence() for exchange in self.evidence],
        }


EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INCOMPLETE = 3


@dataclass
class ProbeResult:
    """Everything a reporter needs; `findings` are sorted most severe first."""

    target: str
    findings: list[Finding]
    requests: int
    seconds: float
    operations: int
    identities: list[str]
    notes: list[str]
    spec_location: str = "openapi.json"
    coverage: list[dict[str, Any]] = field(default_factory=list)
    coverage_share: float = 1.0
    min_coverage: float = 0.0
    untested: list[str] = field(default_factory=list)
    stopped: str | None = None
    public: dict[str, str] = field(default_factory=dict)
    left_behind: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    started: str = ""
    version: str = ""
    people: list[dict[str, Any]] = field(default_factory=list)
    policy: str = "defaults"
    fail_on: str = "medium"
    privileged: dict[str, str] = field(default_factory=dict)
    per_caller: dict[str, str] = field(default_factory=dict)
    damage: str | None = None

    @property
    def incomplete(self) -> str | None:
        """One line saying why a clean report would not mean much, or None."""
        if self.stopped:
            return self.stopped
        if self.coverage_share < self.min_coverage:
            return (
                f"only {self.coverage_share:.0%} of the operations that take an object id were "
                f"exercised (threshold {self.min_coverage:.0%}); not tested: "
                + ", ".join(self.untested)
            )
        return None

    @property
    def failing(self) -> list[Finding]:
        """Findings at or above `--fail-on` (`info` counts every finding)."""
        limit = SEVERITY_ORDER[self.fail_on]
        return [f for f in self.findings if SEVERITY_ORDER[f.severity] <= limit]

    @property
    def exit_code(self) -> int:
        """3 when the probe damaged an identity (the run stopped); 1 findings at or above
        `--fail-on`; 3 when coverage is too low or an identity lost access; 0 otherwise."""
        if self.damage:
            return EXIT_INCOMPLETE
        if self.failing:
            return EXIT_FINDINGS
        return EXIT_INCOMPLETE if self.incomplete else EXIT_CLEAN

    def groups(self) -> list[tuple[str, str, list[Finding]]]:
        """Findings grouped by operation and root cause (kind), most severe first."""
        grouped: dict[tuple[str, str], list[Finding]] = {}
        for finding in self.findings:
            grouped.setdefault((finding.operation, finding.kind), []).append(finding)
        return [(op, kind, items) for (op, kind), items in grouped.items()]
