"""IPMI 2.0 over LAN (RMCP+), through ipmitool, as `fence_ipmilan` speaks to a BMC.

The password is read from its file at each call and handed over in the environment
(``ipmitool -E``), never on a command line other users can read. Cipher suite 3
(RAKP-HMAC-SHA1, AES-CBC-128) is asked for directly: it is the one IPMI 2.0 BMCs commonly
offer, and asking for the list first costs some BMCs about ten seconds.
"""

import os
import subprocess
import time

from service.errors import HypervisorError

STATES = {"Chassis Power is on": "on", "Chassis Power is off": "off"}


class IpmiAgent:
    def __init__(self, bmc, timeout=10.0):
        self.address = bmc["address"]
        self.port = int(bmc.get("port", 623))
        self.username = bmc["username"]
        self.password_file = bmc["password_file"]
        self.cipher_suite = str(bmc.get("cipher_suite", 3))
        self.timeout = timeout

    @property
    def label(self):
        return f"{self.address}:{self.port}"

    def _ipmitool(self, *command):
        try:
            with open(self.password_file) as fh:
                password = fh.read().strip()
        except OSError as exc:
            raise HypervisorError(f"BMC {self.label}: cannot read its password file "
                                  f"{self.password_file}: {exc.strerror}") from None
        argv = ["ipmitool", "-I", "lanplus", "-C", self.cipher_suite, "-N", "1", "-R", "2",
                "-H", self.address, "-p", str(self.port), "-U", self.username, "-E", *command]
        try:
            done = subprocess.run(argv, capture_output=True, text=True, timeout=self.timeout,
                                  env=dict(os.environ, IPMI_PASSWORD=password))
        except subprocess.TimeoutExpired:
            raise HypervisorError(f"BMC {self.label}: no answer within {self.timeout:g} s") \
                from None
        except FileNotFoundError:
            raise HypervisorError("ipmitool is not installed (Debian's ipmitool)") from None
        if done.returncode != 0:
            reason = (done.stderr or done.stdout).strip().splitlines()
            raise HypervisorError(f"BMC {self.label}: {' '.join(command)}: "
                                  f"{reason[-1] if reason else 'failed'}")
        return done.stdout

    def status(self):
        """"on" or "off", as the BMC reports the chassis power."""
        out = self._ipmitool("chassis", "power", "status").strip()
        if out not in STATES:
            raise HypervisorError(f"BMC {self.label}: an answer that is not a power state: "
                                  f"{out[:80]!r}")
        return STATES[out]

    def power_off(self):
        self._ipmitool("chassis", "power", "off")

    def power_on(self):
        self._ipmitool("chassis", "power", "on")

    def wait_for(self, state, within):
        """The power state once it is STATE, or the last one read after WITHIN seconds."""
        deadline = time.monotonic() + within
        seen = self.status()
        while seen != state and time.monotonic() < deadline:
            time.sleep(0.5)
            seen = self.status()
        return seen
