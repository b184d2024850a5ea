"""The fleet of PMs: registration from a pm_file, the inventory, discovery.

Ties the pm_file parser, the store (stable pmids), SSH host keys, the
generated inventory and the discovery playbook together.
"""

import os

import yaml

from service import ansible_runs, diagnose, sshconfig
from service.network import ipam
from service.network.pools import pools_from_config
from service.errors import ConfigError, Conflict, InventoryError, ValidationError
from service.inventory import generate, hostkeys, pmfile, resolve

DISCOVER_PLAYBOOK = "discover.yml"
# hosts discovered by one ansible-playbook run, all at once (its forks): a large fleet is
# discovered batch after batch, each under discovery.timeout, each recorded as it goes
BATCH = 50


class Fleet:
    def __init__(self, config, store):
        self.config = config
        self.store = store
        self._settings = None

    # ---- settings and SSH --------------------------------------------------
    def host_settings(self):
        """Per-host settings keyed by address, from inventory.host_settings (read once)."""
        if self._settings is None:
            path = self.config["inventory"]["host_settings"]
            self._settings = {}
            if path:
                try:
                    with open(path) as fh:
                        data = yaml.safe_load(fh) or {}
                except (OSError, yaml.YAMLError) as exc:
                    raise ConfigError(f"{path}: cannot read host settings: {exc}") from exc
                if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
                    raise ConfigError(f"{path}: expected a mapping of address -> settings")
                self._settings = {str(k): v for k, v in data.items()}
        return self._settings

    def ssh_files(self):
        """(ssh_config, ssh wrapper) written from the ssh settings."""
        ssh = self.config["ssh"]
        return sshconfig.write(self.config.ssh_dir, ssh["private_key"], ssh["known_hosts"])

    def _row(self, entry, resolved, extra=None):
        settings = dict(self.host_settings().get(entry.address, {}), **(extra or {}))
        try:
            ipam.attachment(settings, pools_from_config(self.config["networks"]))
        except ConfigError as exc:
            raise ValidationError(f"settings.{exc}", field="settings") from None
        group = settings.get("vmfabric_storage")
        if group is not None and group not in self.config["storage"]:
            raise ValidationError(
                f"settings.vmfabric_storage: {entry.address}: {group!r} is not a storage backend "
                f"of the configuration (known: {', '.join(sorted(self.config['storage'])) or 'none'})",
                field="settings")
        uri = settings.get("vmfabric_libvirt_uri") or generate.default_libvirt_uri(entry)
        domain_type = settings.get("vmfabric_domain_type", "auto")
        return {"address": entry.address, "port": entry.port, "user": entry.user,
                "resolved": resolved, "libvirt_uri": uri, "settings": settings, "state": "new",
                "reason": "", "domain_type": domain_type if domain_type != "auto" else "qemu"}

    # ---- registration -----------------------------------------------------
    def register_pm_file(self, path):
        """Register every host of PATH (old pmids kept); returns (pms, new pmids).

        Two lines naming one host (say ``localhost`` and ``127.0.0.1`` with one
        port) are refused, naming both lines.
        """
        entries = pmfile.parse_file(path, default_user=self.config["ssh"]["user"])
        resolved = dict(zip(entries, resolve.each([entry.address for entry in entries])))
        errors = []
        for i, later in enumerate(entries):
            for earlier in entries[:i]:
                if resolve.same_host((earlier.address, earlier.port, resolved[earlier]),
                                     (later.address, later.port, resolved[later])):
                    errors.append(f"{path}:{later.line}: {later.address}:{later.port} is the host "
                                  f"of line {earlier.line} ({earlier.address}:{earlier.port})")
                    break
        if errors:
            raise InventoryError("\n".join(errors))
        pms, added = self.store.pms.sync(entries, lambda entry: self._row(entry, resolved[entry]))
        self._record_keys(entries, pms)
        self.write_inventory()
        return pms, added

    def add_host(self, spec, settings=None):
        """Add one host at runtime (``[user@]address[:port]``); returns its pm row."""
        try:
            entry = pmfile.parse_line(spec, default_user=self.config["ssh"]["user"])
        except ValueError as exc:
            raise ValidationError(f"address: {spec!r}: {exc}", field="address") from None
        row = self._row(entry, resolve.addresses(entry.address), settings)
        pmid = self.store.pms.add(row)
        self._record_keys([entry], self.store.pms.list())
        self.write_inventory()
        return self.store.pms.get(pmid)

    def _record_keys(self, entries, pms):
        local = {(pm.address, pm.port) for pm in pms if not pm.libvirt_uri.startswith("qemu+ssh")}
        for entry in entries:
            if (entry.address, entry.port) not in local:
                hostkeys.record(self.config["ssh"]["known_hosts"], entry)

    # ---- host keys ---------------------------------------------------------
    def host_keys(self, pmid):
        """{'recorded': [fingerprint ...], 'offered': [...]} for PMID: what vmfabric trusts, what
        the host presents now. An operator compares 'offered' with the host's own keys."""
        entry = _entry(self.store.pms.get(pmid))
        known_hosts = self.config["ssh"]["known_hosts"]
        return {"recorded": hostkeys.fingerprints(hostkeys.recorded(known_hosts, entry.ssh_target)),
                "offered": hostkeys.fingerprints(hostkeys.scan(entry))}

    def rekey(self, pmid, fingerprint):
        """Trust the keys PMID presents now, if one of them has FINGERPRINT (the operator checked it)."""
        pm = self.store.pms.get(pmid)
        entry = _entry(pm)
        lines = hostkeys.scan(entry)
        if not lines:
            raise Conflict(f"{pm.label}: its sshd does not answer; nothing to accept")
        if fingerprint not in hostkeys.fingerprints(lines):
            raise Conflict(f"{pm.label}: the host does not present a key with fingerprint "
                           f"{fingerprint}; nothing changed")
        hostkeys.replace(self.config["ssh"]["known_hosts"], entry, lines)
        return pm

    def write_inventory(self):
        config_file, _ = self.ssh_files()
        return generate.write(self.config["inventory"]["path"], self.store.pms.list(),
                              self.config, config_file)

    # ---- discovery ----------------------------------------------------------
    def discover(self, pmids=None):
        """Run the discovery playbook and record each host up (with capacity) or down.

        Hosts are discovered in batches of BATCH, each one ansible-playbook run under
        discovery.timeout; every step of a host has its own limit (the SSH connection,
        fact gathering, the libvirt check: playbooks/discover.yml). A host is recorded
        the moment its report or its failure arrives, so a slow or dead host costs the
        others nothing, and a run past its limit loses only the hosts it had not finished.
        """
        pms = self.store.pms.list()
        if pmids is not None:
            pms = [pm for pm in pms if pm.id in set(pmids)]
        if not pms:
            return []
        # a host unreachable when it was added gets its key scanned now
        self._record_keys([_entry(pm) for pm in pms], pms)
        inventory = self.write_inventory()
        for start in range(0, len(pms), BATCH):
            self._discover_batch(pms[start:start + BATCH], inventory)
        return self.store.pms.list()

    def _discover_batch(self, pms, inventory):
        by_host = {f"pm{pm.id}": pm for pm in pms}
        recorded = set()

        def arrived(result):
            if result.host in by_host and result.host not in recorded and (
                    not result.ok or "capacity" in result.reported):
                recorded.add(result.host)
                self._record(by_host[result.host], result)
        limit = self.config["discovery"]["timeout"]
        run = ansible_runs.run_playbook(
            DISCOVER_PLAYBOOK, inventory,
            work_dir=os.path.join(self.config["state_dir"], "ansible"),
            fact_cache=self.config.fact_cache, forks=min(len(pms), BATCH),
            limit=sorted(by_host), timeout=limit, on_host=arrived)
        for host, pm in by_host.items():
            if host in recorded:
                continue
            if run.status == "timeout":
                self.store.pms.record_discovery(pm.id, state="down", reason=(
                    f"discovery did not finish within {limit:g} s (discovery.timeout)"))
            else:
                self._record(pm, run.hosts.get(host))

    def _record(self, pm, result):
        if result is None:
            self.store.pms.record_discovery(pm.id, state="down", reason="no result from discovery")
        elif not result.ok:
            self.store.pms.record_discovery(pm.id, state="down",
                                            reason=diagnose.explain(result.reason, pm.id))
        else:
            capacity = result.reported.get("capacity")
            if not capacity:
                self.store.pms.record_discovery(pm.id, state="down",
                                                reason="discovery reported no capacity")
                return
            self.store.pms.record_discovery(
                pm.id, state="up", capacity=capacity,
                domain_type=result.reported.get("domain_type"),
                facts={"raw": capacity.get("raw", {})})


def _entry(pm):
    return pmfile.PmEntry(address=pm.address, port=pm.port, user=pm.user)
