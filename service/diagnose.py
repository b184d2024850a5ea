"""Failures of SSH and libvirt as one line a person can act on.

OpenSSH and libvirt's ssh transport answer a changed host key with a 30-line
banner, and an unreachable host with a chain of wrapped errors. `explain`
reduces such text to its cause, names the host and, where there is one, the
command that fixes it.
"""

import re

# (pattern, sentence); the first that matches wins, so the specific come first
CAUSES = (
    (r"HOST IDENTIFICATION HAS CHANGED|Host key for .* has changed",
     "its SSH host key has changed and no longer matches the key vmfabric recorded "
     "(reinstalled, or someone in the way); check the host's new key, then accept it "
     "with `vmfabric pm rekey {pmid}`"),
    (r"Host key verification failed|No (?:ED25519|ECDSA|RSA)? ?host key is known",
     "no SSH host key is recorded for it (it was unreachable when it was added); once it "
     "answers, record its key with `vmfabric pm rekey {pmid}`"),
    (r"Permission denied \(publickey",
     "SSH login refused: vmfabric's key is not in the user's authorized_keys"),
    (r"libvirt-sock.*(?:No such file|Connection refused)|Failed to connect socket to '/var/run/libvirt",
     "libvirtd is not running on the host"),
    (r"connect to host .*Connection refused|Connection refused",
     "SSH connection refused (sshd not running, or a wrong port)"),
    (r"keepalive timeout",
     "the host stopped answering (libvirt keepalive timed out)"),
    (r"Connection timed out|Operation timed out|timed out during banner exchange",
     "unreachable: the connection timed out"),
    (r"No route to host|Network is unreachable",
     "unreachable: no route to the host"),
    (r"Could not resolve hostname|Name or service not known",
     "its address does not resolve"),
    (r"End of file while reading data|Connection reset by peer|Broken pipe|Cannot recv data",
     "the connection was lost (the host or its libvirtd went away)"),
)
MAX = 300


def explain(message, pmid="PMID"):
    """MESSAGE (SSH, libvirt or Ansible text) as one line naming its cause."""
    text = str(message or "")
    for pattern, sentence in CAUSES:
        if re.search(pattern, text, re.IGNORECASE):
            return sentence.format(pmid=pmid)
    return one_line(text)


def one_line(text):
    """The first meaningful line of TEXT, without banners, whitespace collapsed, bounded."""
    for line in str(text).splitlines():
        line = " ".join(line.split())
        if line and not set(line) <= set("@-=*# "):
            return line if len(line) <= MAX else line[:MAX - 3] + "..."
    return "no detail given"
