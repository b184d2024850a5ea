"""SSH and libvirt failures as one line a person can act on."""

import pytest

from service import diagnose

CHANGED = """@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@
@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @
@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@
IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!
Someone could be eavesdropping on you right now (man-in-the-middle attack)!
It is also possible that a host key has just been changed.
The fingerprint for the ED25519 key sent by the remote host is
SHA256:4gG1kBCCnGqLzH0xAHh2YEGPu7UkUqbF1N0yL6pMDvQ.
Please contact your system administrator.
Add correct host key in /var/lib/vmfabric/ssh/known_hosts to get rid of this message.
Offending ED25519 key in /var/lib/vmfabric/ssh/known_hosts:3
Host key for 10.213.7.12 has changed and you have requested strict checking.
Host key verification failed."""


def test_a_changed_host_key_is_one_line_with_the_command_that_accepts_it():
    line = diagnose.explain(CHANGED, pmid=2)
    assert "\n" not in line and "@" not in line
    assert "host key has changed" in line
    assert "vmfabric pm rekey 2" in line


def test_the_host_is_named_by_the_layer_that_knows_it():
    from service.errors import HypervisorError
    from service.hypervisor.errors import failure
    from tests.helpers.records import pm_record

    import libvirt

    class Err(libvirt.libvirtError):
        def __init__(self, text):
            Exception.__init__(self, text)
            self.err = (libvirt.VIR_ERR_SYSTEM_ERROR, 0, text, 0, "", None, None, 0, 0)

    exc = failure(pm_record(2, "10.213.7.12"), "connect", Err("Cannot recv data: " + CHANGED))
    assert isinstance(exc, HypervisorError)
    assert str(exc).startswith("pm 2 (10.213.7.12): connect: its SSH host key has changed")
    assert "\n" not in str(exc)


@pytest.mark.parametrize("text, cause", [
    ("Failed to connect socket to '/var/run/libvirt/libvirt-sock': No such file or directory",
     "libvirtd is not running"),
    ("End of file while reading data: ssh: connect to host 10.0.0.5 port 22: Connection refused: "
     "Input/output error", "SSH connection refused"),
    ("ssh: connect to host 10.0.0.5 port 22: Connection timed out", "unreachable"),
    ("ssh: connect to host 10.0.0.5 port 22: No route to host", "unreachable"),
    ("root@10.0.0.5: Permission denied (publickey).", "not in the user's authorized_keys"),
    ("Host key verification failed.", "no SSH host key is recorded"),
    ("internal error: something new\nsecond line", "internal error: something new"),
])
def test_common_causes(text, cause):
    line = diagnose.explain(text, pmid=5)
    assert cause in line and "\n" not in line
