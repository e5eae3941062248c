"""Rules over IAM users, roles, policies and the account (AWS Config managed rule names)."""

from __future__ import annotations

from typing import Any

from grader.rubric.rules.base import (
    BEST,
    COMPLIANCE,
    SECURITY,
    as_list,
    resources,
    rule,
    statements,
)


def _admin_statements(document: Any) -> list[str]:
    """Allow statements granting Action '*' on Resource '*'."""
    out = []
    for s in statements(document):
        if s.get("Effect") != "Allow" or "NotAction" in s:
            continue
        if "*" in as_list(s.get("Action")) and "*" in as_list(s.get("Resource")):
            out.append(s.get("Sid") or "Allow */*")
    return out


@rule("iam-policy-no-statements-with-admin-access", [SECURITY, COMPLIANCE, BEST], ["iam_policies"])
def policy_no_admin(state):
    """Customer managed policies do not allow '*' actions on '*' resources."""
    out = []
    for p in resources(state, "iam_policies"):
        bad = _admin_statements(p.get("document"))
        out.append(
            (
                f"iam:policy/{p['name']}",
                not bad,
                f"admin statements: {', '.join(bad)}" if bad else "least privilege",
            )
        )
    return out


@rule("iam-no-inline-policy-check", [BEST, SECURITY], ["iam_users", "iam_roles"])
def no_inline_policies(state):
    """Users and roles carry no inline policies (managed policies are reviewable and reusable)."""
    out = []
    for kind in ("user", "role"):
        for p in resources(state, f"iam_{kind}s"):
            inline = sorted(p.get("inline_policies") or {})
            reason = f"inline: {', '.join(inline)}" if inline else "no inline policies"
            out.append((f"iam:{kind}/{p['name']}", not inline, reason))
    return out


@rule("iam-user-no-policies-check", [SECURITY, BEST], ["iam_users"])
def user_no_policies(state):
    """Users get permissions from groups or roles, not policies attached to the user."""
    out = []
    for u in resources(state, "iam_users"):
        n = len(u.get("attached_policies") or []) + len(u.get("inline_policies") or {})
        out.append((f"iam:user/{u['name']}", n == 0, f"{n} policies on the user"))
    return out


@rule("iam-user-mfa-enabled", [SECURITY, COMPLIANCE], ["iam_users"])
def user_mfa(state):
    """Every IAM user has an MFA device."""
    return [
        (
            f"iam:user/{u['name']}",
            bool(u.get("mfa_devices")),
            f"{len(u.get('mfa_devices') or [])} MFA devices",
        )
        for u in resources(state, "iam_users")
    ]


@rule("iam-root-access-key-check", [SECURITY, COMPLIANCE], ["iam_account"])
def root_access_key(state):
    """The root user has no access keys."""
    out = []
    for a in resources(state, "iam_account"):
        present = a.get("root_access_keys_present")
        if present is None:
            out.append(("account", None, "not reported by the account summary"))
        else:
            out.append(("account", not present, "root access keys present" if present else "none"))
    return out
