"""An example for each command's --help, where its docstring does not give one: one table,
attached once every command is registered (service/cli/main.py)."""

import click

EXAMPLES = {
    "vm shutdown": "vmfabric vm shutdown web --wait",
    "vm console": "vmfabric vm console web --lines 100",
    "vm migrate": "vmfabric vm migrate web --to 2",
    "vm resize": "vmfabric vm resize web --type 2",
    "vm snapshot create": "vmfabric vm snapshot create web before-upgrade",
    "vm snapshot list": "vmfabric vm snapshot list web",
    "vm snapshot revert": "vmfabric vm snapshot revert web before-upgrade",
    "vm snapshot delete": "vmfabric vm snapshot delete web before-upgrade",
    "vm top": "vmfabric vm top --sort cpu --once",
    "vm show": "vmfabric vm show web --json",
    "pm list": "vmfabric pm list",
    "pm add": "vmfabric pm add root@10.0.0.7:22",
    "pm discover": "vmfabric pm discover 1 2",
    "pm rekey": "vmfabric pm rekey 2",
    "pm drain": "vmfabric pm drain 2 --dry-run",
    "pm enable": "vmfabric pm enable 2",
    "pm remove": "vmfabric pm remove 2",
    "pm evacuate": "vmfabric pm evacuate 2 --rebuild",
    "pm fence": "vmfabric pm fence 2 --yes",
    "pm top": "vmfabric pm top --once",
    "pm show": "vmfabric pm show 1",
    "image list": "vmfabric image list --json",
    "image show": "vmfabric image show debian-12",
    "image delete": "vmfabric image delete debian-12",
    "type list": "vmfabric type list",
    "type retire": "vmfabric type retire 4",
    "type ha": "vmfabric type ha 2",
    "type delete": "vmfabric type delete 4",
    "policy show": "vmfabric policy show",
    "policy set": "vmfabric policy set worst_fit",
    "cluster list": "vmfabric cluster list",
    "cluster show": "vmfabric cluster show mpi",
    "cluster add": "vmfabric cluster add mpi --count 2",
    "cluster destroy": "vmfabric cluster destroy mpi",
    "cluster inventory": "vmfabric cluster inventory mpi > mpi.json",
    "cluster run": "vmfabric cluster run mpi -- hostname",
    "volume create": "vmfabric volume create data --size 10",
    "volume list": "vmfabric volume list",
    "volume show": "vmfabric volume show data",
    "volume attach": "vmfabric volume attach data web",
    "volume detach": "vmfabric volume detach data",
    "volume destroy": "vmfabric volume destroy data",
    "job list": "vmfabric job list --json",
    "job show": "vmfabric job show 12",
    "user list": "vmfabric user list",
    "user create": "vmfabric user create mia --password 'a long password'",
    "user delete": "vmfabric user delete mia",
    "user quota": "vmfabric user quota mia --cpu 8 --vms 4",
    "token create": "vmfabric token create --name ci --ttl 86400",
    "token list": "vmfabric token list",
    "token revoke": "vmfabric token revoke 3",
    "login": "vmfabric login --username mia",
    "logout": "vmfabric logout",
    "whoami": "vmfabric whoami --json",
    "events": "vmfabric events --action vm.create --limit 20",
}


def attach(group, path=()):
    """Add its example to every command of GROUP whose help has none."""
    for name, command in group.commands.items():
        here = path + (name,)
        if isinstance(command, click.Group):
            attach(command, here)
            continue
        example = EXAMPLES.get(" ".join(here))
        if example and "Example" not in (command.help or ""):
            command.help = (command.help or "").rstrip() + f"\n\n\b\nExample: {example}"
