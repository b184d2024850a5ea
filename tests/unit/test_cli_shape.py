"""Every command of the CLI that talks to the server takes --json, says what it does and
shows an example in its --help (no server needed: the command tree itself)."""

import click

from service.cli.main import cli

# commands that are not clients of the server's answers: the server itself, the store's
# upgrade, the test lab, and `vm ssh` (its output is the guest's)
NOT_CLIENTS = {("serve",), ("db",), ("lab",), ("simulate",), ("vm", "ssh")}


def commands(group=cli, path=()):
    for name, command in group.commands.items():
        here = path + (name,)
        if any(here[:len(skip)] == skip for skip in NOT_CLIENTS):
            continue
        if isinstance(command, click.Group):
            yield from commands(command, here)
        else:
            yield here, command


def test_every_client_command_takes_json_and_says_what_it_does():
    found = list(commands())
    assert len(found) > 50
    without = [" ".join(p) for p, c in found
               if not any("--json" in o.opts for o in c.params if isinstance(o, click.Option))]
    assert without == []
    silent = [" ".join(p) for p, c in found if not (c.help or "").strip()]
    assert silent == []
    without_example = [" ".join(p) for p, c in found if "Example" not in (c.help or "")]
    assert without_example == []


def test_each_examples_options_are_the_commands_own():
    """An example names only options its command takes (a renamed option fails here)."""
    import shlex

    from service.cli.examples import EXAMPLES

    found = dict((" ".join(p), c) for p, c in commands())
    wrong = []
    for path, example in EXAMPLES.items():
        command = found[path]
        known = {opt for param in command.params for opt in param.opts + param.secondary_opts}
        words = shlex.split(example)
        assert words[:1 + len(path.split())] == ["vmfabric", *path.split()], example
        wrong += [(path, w) for w in words if w.startswith("--") and w != "--" and w not in known]
    assert wrong == []
