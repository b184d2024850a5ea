"""The lab guest's /init: a few lines of busybox shell doing what cloud-init does for vmfabric.

From the NoCloud disk labelled ``cidata`` it takes the hostname (meta-data),
the static address and gateway (network-config), the authorized keys and the
SSH host key vmfabric generated (user-data), then starts dropbear. Everything
it does is printed on the serial console, where tests and people read it:

    VMFABRIC-GUEST-READY                       the kernel reached userspace (once per boot)
    vmfabric-guest: hostname NAME
    vmfabric-guest: eth0 10.213.7.100/24 via 10.213.7.1
    vmfabric-guest: ssh ready
    vmfabric-guest: disk vdb 1073741824 bytes  each disk: at boot, hot-plugged, or grown
    vmfabric-guest: cpus 2 memory 1013452 kB  what it has, at boot and whenever that changes
    vmfabric-guest: tick N                     every second, N counting from boot
    vmfabric-guest: power button: powering off  the ACPI power button (a shutdown) was pressed

and a root shell reads the same console, for whoever types into it.

The parsing relies on the layout vmfabric writes (service/network/cidata.py);
a real cloud image runs cloud-init on the same three files instead.
"""

GUEST_MARKER = "VMFABRIC-GUEST-READY"

INIT = r"""#!/bin/busybox sh
/bin/busybox --install -s /bin
mkdir -p /sbin /dev /proc /sys /tmp /run /cidata /etc/dropbear /root/.ssh
ln -sf /bin/busybox /sbin/modprobe
mount -t devtmpfs devtmpfs /dev
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mkdir -p /dev/pts && mount -t devpts devpts /dev/pts
echo "@MARKER@" > /dev/ttyS0
say() { echo "vmfabric-guest: $*" > /dev/ttyS0; }
for m in virtio_pci virtio_net virtio_blk virtio_balloon ata_piix sr_mod isofs button evdev; do
  modprobe "$m" 2>/dev/null
done
# the ACPI power button (a shutdown asked through libvirt) powers the guest off
mkdir -p /etc/acpi/PWRF /var/log
printf '#!/bin/sh\necho "vmfabric-guest: power button: powering off" > /dev/ttyS0\nsync\npoweroff -f\n' \
  > /etc/acpi/PWRF/00000080
chmod 755 /etc/acpi/PWRF/00000080
acpid -c /etc/acpi -l /dev/null

dev=""
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
  dev=$(findfs LABEL=cidata 2>/dev/null) && break
  sleep 0.1
done
if [ -n "$dev" ] && mount -t iso9660 -o ro "$dev" /cidata; then
  name=$(sed -n 's/^local-hostname: *//p' /cidata/meta-data | head -n 1)
  [ -n "$name" ] && hostname "$name" && say "hostname $name"
  addr=$(sed -n 's/^ *address: *\([0-9.]*\/[0-9]*\)$/\1/p' /cidata/network-config | head -n 1)
  gw=$(sed -n 's/^ *gateway: *\([0-9.]*\)$/\1/p' /cidata/network-config | head -n 1)
  ip link set lo up
  if [ -n "$addr" ]; then
    ip link set eth0 up
    ip addr add "$addr" dev eth0
    [ -n "$gw" ] && ip route add default via "$gw" 2>/dev/null
    say "eth0 $addr via ${gw:-none}"
  fi
  awk '/^ssh_authorized_keys:/ {k = 1; next} k && /^  - / {sub(/^  - /, ""); print; next} {k = 0}' \
    /cidata/user-data > /root/.ssh/authorized_keys
  awk '/^  ed25519_private: *\|/ {k = 1; next} k && /^    / {sub(/^    /, ""); print; next} {k = 0}' \
    /cidata/user-data > /etc/dropbear/host_key.openssh
  chmod 700 /root /root/.ssh
  chmod 600 /root/.ssh/authorized_keys /etc/dropbear/host_key.openssh
  if dropbearconvert openssh dropbear /etc/dropbear/host_key.openssh \
       /etc/dropbear/dropbear_ed25519_host_key > /dev/null 2>&1; then
    dropbear -s -p 22 -r /etc/dropbear/dropbear_ed25519_host_key && say "ssh ready"
  else
    say "no usable ssh host key on the cidata disk"
  fi
else
  say "no cidata disk"
fi

# a shell on the serial console for whoever opens it (the dashboard's console, virsh console);
# its own session, so the console is its controlling terminal
setsid sh -c 'exec sh -i < /dev/ttyS0 > /dev/ttyS0 2>&1' &

# init must never exit (that would panic the kernel): report every disk (those there at boot,
# each that appears, each that changes size), bring hot-plugged vCPUs online, report the
# vCPUs and memory the guest has whenever that changes, count seconds
before=" "
shape=""
n=0
while true; do
  now=" "
  for d in $(ls /sys/block); do now="$now$d:$(( $(cat /sys/block/$d/size) * 512 )) "; done
  for entry in $now; do
    case "$before" in *" $entry "*) ;; *) say "disk ${entry%%:*} ${entry#*:} bytes" ;; esac
  done
  before="$now"
  for cpu in /sys/devices/system/cpu/cpu[0-9]*/online; do
    [ "$(cat "$cpu" 2>/dev/null)" = 0 ] && echo 1 > "$cpu"
  done
  seen="cpus $(grep -c ^processor /proc/cpuinfo) memory $(sed -n 's/^MemTotal: *//p' /proc/meminfo)"
  [ "$seen" != "$shape" ] && say "$seen" && shape="$seen"
  n=$((n + 1))
  say "tick $n"
  sleep 1
done
""".replace("@MARKER@", GUEST_MARKER)
