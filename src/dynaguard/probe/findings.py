"""Finding kinds (OWASP API Top 10 2023 category, severity, fix) and the findings themselves."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dynaguard.probe.transport import Exchange


@dataclass(frozen=True)
class Kind:
    """A rule: stable id, what it means, where OWASP files it, and how to fix it on DynamoDB."""

    id: str
    title: str
    owasp: str
    severity: str
    description: str
    fix: str


_KEY_FIX = (
    "Build the DynamoDB key from the verified principal (pk = ORG#<org>#USER#<sub>), never "
    "from the URL: the client only names which of its own items it means. "
)
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
            _KEY_FIX + "GetItem on that key; a foreign id then simply is not found (404, same body "
            "as a missing object).",
        ),
        Kind(
            "bola-write",
            "Another identity can change an object",
            "API1:2023 Broken Object Level Authorization",
            "high",
            "After a foreign identity updated the object, re-reading it as the owner showed the "
            "attacker's canary.",
            _KEY_FIX + "Add a ConditionExpression restating ownership (attribute_exists(pk) AND "
            "owner = :sub) so the check and the write cannot drift; map "
            "ConditionalCheckFailedException to 404.",
        ),
        Kind(
            "bola-delete",
            "Another identity can delete an object",
            "API1:2023 Broken Object Level Authorization",
            "high",
            "After a foreign identity's DELETE, the owner could no longer read the object "
            "(whatever status the attacker was given).",
            _KEY_FIX + "DeleteItem with ConditionExpression attribute_exists(pk) on the "
            "principal's key; never delete first and check afterwards.",
        ),
        Kind(
            "data-leak",
            "A response exposes another identity's data",
            "API1:2023 Broken Object Level Authorization",
            "high",
            "A list, search or /me-style response to one identity contained another identity's "
            "canary.",
            "Serve lists with a Query on a partition the principal owns "
            "(pk = ORG#<org>#USER#<sub>) instead of a Scan with a filter; project only the "
            "caller's own attributes.",
        ),
        Kind(
            "cursor-replay",
            "A page cursor replays another identity's listing",
            "API1:2023 Broken Object Level Authorization",
            "high",
            "A pagination cursor obtained by one identity, replayed by another, returned the first "
            "identity's data.",
            "Seal cursors: encrypt/MAC the LastEvaluatedKey together with the principal and query, "
            "reject a cursor minted for someone else, and always Query the caller's own partition.",
        ),
        Kind(
            "bfla",
            "A role can call a function it must not",
            "API5:2023 Broken Function Level Authorization",
            "high",
            "A call the policy forbids for this identity's roles (e.g. an admin route as a member) "
            "succeeded.",
            "Declare the role in the route signature (AdminPrincipal = Annotated[Principal, "
            "Depends(require_admin)]) and keep admin queries on the admin's own org partition.",
        ),
        Kind(
            "unauthenticated",
            "A route that needs authentication answered without it",
            "API2:2023 Broken Authentication",
            "high",
            "An anonymous request (no Authorization header) got a 2xx on a route that needs "
            "authentication.",
            "Depend on the verified principal in every non-public route (CurrentPrincipal = "
            "Annotated[Principal, Depends(current_principal)]); derive keys only from it.",
        ),
        Kind(
            "mass-assignment",
            "Client-supplied owner/tenant/role fields are honoured",
            "API3:2023 Broken Object Property Level Authorization",
            "high",
            "Extra fields naming another identity or tenant (owner_id, org_id, role, is_admin...) "
            "changed who owns or sees the object.",
            "Accept a Pydantic model without owner/tenant/role fields (model_config "
            "extra='forbid'); set owner and org attributes from the principal when building the "
            "item and its key.",
        ),
        Kind(
            "unenforced-2xx",
            "A foreign write was answered 2xx without effect",
            "API1:2023 Broken Object Level Authorization",
            "low",
            "The service said yes to a write on another identity's object, but re-reading as the "
            "owner showed no change. Clients and monitoring cannot tell a denial from a success.",
            "Return 404 when the conditional write fails (ConditionalCheckFailedException), the "
            "same as for a missing object.",
        ),
    )
}
SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3}


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

    @property
    def rule(self) -> Kind:
        return KINDS[self.kind]

    @property
    def severity(self) -> str:
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
    def exit_code(self) -> int:
        """1 findings; 3 nothing found but coverage too low or an identity lost access; 0 clean."""
        if self.findings:
            return EXIT_FINDINGS
        return EXIT_INCOMPLETE if self.incomplete else EXIT_CLEAN

    def groups(self) -> list[tuple[str, str, list[Finding]]]:
        """Findings grouped by operation and root cause (kind), most severe first."""
        grouped: dict[tuple[str, str], list[Finding]] = {}
        for finding in self.findings:
            grouped.setdefault((finding.operation, finding.kind), []).append(finding)
        return [(op, kind, items) for (op, kind), items in grouped.items()]
