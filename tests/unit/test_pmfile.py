"""pm_file parsing: good and bad lines, duplicates, empty files."""

import pytest

from service.errors import InventoryError
from service.inventory.pmfile import parse_file, parse_line, parse_text


@pytest.mark.parametrize("line, address, user, port", [
    ("10.0.0.1", "10.0.0.1", "root", 22),
    ("admin@10.0.0.1", "10.0.0.1", "admin", 22),
    ("10.0.0.1:2222", "10.0.0.1", "root", 2222),
    ("ops@host-1.example.org:2200", "host-1.example.org", "ops", 2200),
    ("2001:db8::1", "2001:db8::1", "root", 22),
    ("[2001:db8::1]:2022", "2001:db8::1", "root", 2022),
    ("u@[fe80::1]", "fe80::1", "u", 22),
    ("pm7", "pm7", "root", 22),
])
def test_good_lines(line, address, user, port):
    entry = parse_line(line)
    assert (entry.address, entry.user, entry.port) == (address, user, port)


@pytest.mark.parametrize("line, reason", [
    ("10.0.0.300", "not an IPv4 address"),
    ("10.0.0.1:0", "bad port"),
    ("10.0.0.1:70000", "bad port"),
    ("10.0.0.1:ssh", "bad port"),
    ("[2001:db8::1", "bad bracketed address"),
    ("[10.0.0.1]:22", "not an IPv6 address"),
    ("2001:db8::zz", "not an IPv6 address"),
    ("Bad User@10.0.0.1", "bad user name"),
    ("host_with_underscore", "neither an IP address nor a host name"),
    ("-leading.example", "neither an IP address nor a host name"),
    ("@10.0.0.1", "bad user name"),
])
def test_bad_lines(line, reason):
    with pytest.raises(ValueError, match=reason):
        parse_line(line)


def test_comments_and_blank_lines_are_ignored():
    text = "# fleet\n\n10.0.0.1  # rack 1\n   \n10.0.0.2\n"
    entries = parse_text(text)
    assert [(e.address, e.line) for e in entries] == [("10.0.0.1", 3), ("10.0.0.2", 5)]


def test_every_error_names_file_and_line(tmp_path):
    path = tmp_path / "pms"
    path.write_text("10.0.0.1\n10.0.0.999\n10.0.0.1\nfoo bar\n")
    with pytest.raises(InventoryError) as info:
        parse_file(str(path))
    message = str(info.value)
    assert f"{path}:2:" in message and "not an IPv4 address" in message
    assert f"{path}:3: duplicate host '10.0.0.1' (first on line 1)" in message
    assert f"{path}:4:" in message


def test_same_address_other_port_is_another_host():
    entries = parse_text("10.0.0.1\n10.0.0.1:2222\n")
    assert len(entries) == 2


def test_duplicate_ignores_user_and_case():
    with pytest.raises(InventoryError, match="duplicate"):
        parse_text("Host1.example\nroot@host1.EXAMPLE\n")


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n"])
def test_empty_file_is_an_error(text, tmp_path):
    path = tmp_path / "pms"
    path.write_text(text)
    with pytest.raises(InventoryError, match=f"{path}: no hosts"):
        parse_file(str(path))


def test_missing_file_is_named(tmp_path):
    with pytest.raises(InventoryError, match="cannot read pm_file"):
        parse_file(str(tmp_path / "absent"))
