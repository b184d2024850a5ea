"""Start-up reconciliation: make the store and the hypervisors agree again.

After a crash (even SIGKILL in the middle of creates): a VM still 'creating'
is finished if its domain runs, otherwise cleaned up and marked failed; a VM
whose domain was removed by hand is marked 'missing'; domains and volumes
named like ours that the store does not know are removed; a job still
'running' (its thread died with the server) is marked failed.
"""

import logging
import re

from service.errors import VmfabricError

log = logging.getLogger("vmfabric.reconcile")
OURS = re.compile(r"^vmf-(\d+)(\.qcow2|\.console\.log)?$")


def reconcile(ctx):
    """Returns a summary dict of what was done."""
    done = {"finished": [], "failed": [], "missing": [], "orphans_removed": [], "unreachable": [],
            "jobs_interrupted": ctx.store.jobs.interrupt_running(
                "interrupted: the server stopped while the job ran; start it again")}
    vms = {vm["id"]: vm for vm in ctx.store.vms.list()}
    for pm in ctx.store.pms.list():
        if pm["state"] != "up":
            continue
        try:
            domains = ctx.hypervisors.domain_names(pm)
            volumes = ctx.hypervisors.volume_names(pm)
        except VmfabricError as exc:
            log.warning("reconcile: pm %s unreachable: %s", pm["id"], exc)
            done["unreachable"].append(pm["id"])
            continue
        here = {vmid: vm for vmid, vm in vms.items() if vm["pmid"] == pm["id"]}
        for vmid, vm in here.items():
            domain = f"vmf-{vmid}"
            if vm["state"] == "creating":
                if domain in domains and ctx.hypervisors.domain_state(pm, domain) == "running":
                    ctx.store.vms.set_state(vmid, "running")
                    done["finished"].append(vmid)
                else:
                    ctx.compute.cleanup(pm, vmid)
                    ctx.store.vms.fail(vmid, "interrupted while being created")
                    done["failed"].append(vmid)
            elif domain not in domains and vm["state"] != "missing":
                ctx.store.vms.set_state(vmid, "missing", f"domain {domain} is gone from pm {pm['id']}")
                done["missing"].append(vmid)
        for name in sorted(domains | volumes):
            match = OURS.match(name)
            if not match:
                continue
            vmid = int(match.group(1))
            owner = vms.get(vmid)
            if owner is None or owner["pmid"] != pm["id"]:
                _remove_orphan(ctx, pm, name, is_domain=name in domains)
                done["orphans_removed"].append(f"pm{pm['id']}:{name}")
    for key, items in done.items():
        if items:
            log.info("reconcile: %s: %s", key, items)
    return done


def _remove_orphan(ctx, pm, name, is_domain):
    try:
        if is_domain:
            ctx.hypervisors.remove_domain(pm, name)
        else:
            ctx.hypervisors.delete_volume(pm, name)
    except VmfabricError as exc:
        log.warning("reconcile: could not remove %s on pm %s: %s", name, pm["id"], exc)
