#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# bootchain's dracut hook (pre-pivot, bootchain-initramfs(7)): measures the chain of
# /etc/bootchain/initramfs.conf into the TPM, in trusted mode against the golden
# database, and on a halt does the configured ACTION.
#
# Why pre-pivot: the root file system is mounted on $NEWROOT by then (dm-crypt and
# dm-verity opened), so the layers the chain names there can be read, and nothing of the
# root has run: switch_root comes after. /run, where the event log goes
# (/run/bootchain/eventlog), is kept at the switch and the booted system reads it there.
#
# Fail closed: with a configuration in trusted mode, any error (a missing file, no TPM,
# a usage error, a mismatch) is a halt: only exit status 0 lets the boot go on.
# dracut sources its hooks: no exit here, and the names are bootchain_*.

type warn >/dev/null 2>&1 || . /lib/dracut-lib.sh

# On the console and in the kernel log (as an error, or with -n as a notice), even with
# quiet.
bootchain_say() { # [-n] message
    local level=3
    [ "$1" != -n ] || { level=5; shift; }
    echo "bootchain: $*" >&2
    [ -w /dev/kmsg ] && echo "<$level>bootchain: $*" > /dev/kmsg 2> /dev/null
    return 0
}

# ACTION on a halt: panic stops the boot (dracut's die: an emergency shell with rd.shell,
# then halt), shell gives an emergency shell and the boot goes on when it is left,
# record only says so.
bootchain_halt() { # message
    bootchain_say "$1"
    case "$ACTION" in
        record) bootchain_say "ACTION=record: the boot goes on; the PCRs and the log record what was found" ;;
        shell) emergency_shell -n bootchain "bootchain: $1 (ACTION=shell: leave the shell to boot on)" ;;
        *) die "bootchain: $1" ;;
    esac
}

bootchain_wait_device() {
    local dev n=0
    case "$TCTI" in
        device:*) dev=${TCTI#device:} ;;
        *) return 0 ;;
    esac
    while [ ! -e "$dev" ] && [ $n -lt 50 ]; do # udev may still be creating it
        sleep 0.1
        n=$((n + 1))
    done
}

bootchain_measure() {
    local conf=/etc/bootchain/initramfs.conf m rc why rootdir
    if [ ! -e "$conf" ]; then
        bootchain_say -n "no $conf in the initramfs: nothing measured"
        return 0
    fi
    ACTION=panic # until the configuration says otherwise: fail closed
    # shellcheck source=/dev/null
    if ! . "$conf"; then
        bootchain_halt "$conf cannot be read"
        return 0
    fi
    for m in $MODULES; do
        modprobe -q "$m" 2> /dev/null || : # built into the kernel, or not this machine's TPM
    done
    bootchain_wait_device
    # The chain's relative file names are files of the root file system: read where it
    # is mounted now, named as on the running system (where `golden create --chain` made
    # the database); absolute names are files of the initramfs (FILES=).
    rootdir=${NEWROOT:-/sysroot}
    if [ "$ACTION" = record ]; then
        info "bootchain: measuring $CHAIN (measured boot)"
        BOOTCHAIN_TCTI="$TCTI" /usr/bin/bootchain measure --chain "$CHAIN" --root "$rootdir"
    else
        info "bootchain: measuring $CHAIN (trusted boot against $GOLDEN)"
        BOOTCHAIN_TCTI="$TCTI" /usr/bin/bootchain measure --chain "$CHAIN" --root "$rootdir" \
            --trusted --golden "$GOLDEN" ${PUBKEY:+--pubkey "$PUBKEY"}
    fi
    rc=$?
    [ $rc = 0 ] && return 0
    case $rc in
        3) why="a layer of $CHAIN does not match $GOLDEN (or could not be checked)" ;;
        4) why="the TPM ($TCTI) did not answer" ;;
        *) why="bootchain measure failed" ;;
    esac
    bootchain_halt "boot chain check failed, exit status $rc: $why"
}

bootchain_measure
