"""Starting state of p4_w15_dns_failover: nothing in Route 53 yet.

The learner builds everything of this lab (services, hosted zone, health checks, records).
The seed only removes what a previous attempt on a reused emulator could leave behind that
the lab cannot clean itself: nothing, so it returns the derived names the notebook prints.
"""

from __future__ import annotations


def seed(lab) -> dict[str, str]:
    names = lab.names
    return {
        "zone_fqdn": names["zone"].rstrip(".") + ".",
        "record_fqdn": names["record"].rstrip(".") + ".",
    }
