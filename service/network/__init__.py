"""Guests on the network: address pools and their allocation, first-boot (cidata) disks,
guest SSH host keys."""
