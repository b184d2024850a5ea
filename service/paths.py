"""Where the project's non-Python parts live (playbooks, templates, filter plugins)."""

import os

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PLAYBOOKS = os.path.join(REPO_ROOT, "playbooks")
TEMPLATES = os.path.join(REPO_ROOT, "templates")
FILTER_PLUGINS = os.path.join(REPO_ROOT, "filter_plugins")
INVENTORY_DIR = os.path.join(REPO_ROOT, "inventory")
ANSIBLE_CFG = os.path.join(REPO_ROOT, "ansible.cfg")
