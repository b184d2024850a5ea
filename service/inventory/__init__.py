"""pm_file parsing, SSH host keys and the generated Ansible inventory."""
