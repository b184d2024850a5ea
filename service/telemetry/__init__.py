"""Telemetry: what guests and hosts actually use, read from libvirt's counters every
``telemetry.interval`` seconds, turned into rates and kept in bounded tiers.

readings.py (libvirt's stats -> counters), rates.py (counters -> a sample), history.py
(tiers, downsampling, percentiles), collect.py (one pass over every host), loop.py (the
pass, once per installation, in the sync worker).
"""
