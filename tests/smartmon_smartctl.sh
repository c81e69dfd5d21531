#!/bin/sh
# A smartctl for the smartmon textfile collectors (smartmon.sh, smartmon.py), answering from recorded reports.
#
# The machine is the directory $SMARTCTL_MACHINE (else its own): "scan" holds smartctl --scan-open's lines, and dev/<name> is the recorded
# `smartctl -a` report of /dev/<name>. smartctl prints each section the same whichever options asked for
# it, so -i/--info, -H/--health and -A/--attributes print the report's information section, its health
# line and its attribute table (ATA) or SMART/Health log (NVMe). The power-mode check alone
# (-n/--nocheck standby) finds the drive active; a log the report does not hold (-l xerror,1) prints
# nothing more. Every call is appended to calls.log.
machine=${SMARTCTL_MACHINE:-$(dirname "$0")}
for last; do :; done
echo "$*" >> "$machine/calls.log"
banner='smartctl 7.3 2022-02-28 r5338 [x86_64-linux] (local build)'
case " $* " in
*" -V "*) echo "$banner"; exit 0 ;;
*" --scan-open "* | *" --scan "*) cat "$machine/scan"; exit 0 ;;
esac
info=0 health=0 attributes=0
for arg; do
    case "$arg" in
    -i | --info) info=1 ;;
    -H | --health) health=1 ;;
    -A | --attributes) attributes=1 ;;
    esac
done
printf '%s\nCopyright (C) 2002-22, Bruce Allen, Christian Franke, www.smartmontools.org\n\n' "$banner"
[ $((info + health + attributes)) -eq 0 ] && exit 0
exec awk -v info="$info" -v health="$health" -v attributes="$attributes" '
    /^=== START OF INFORMATION SECTION ===/ { in_info = info }
    in_info { print; if ($0 ~ /^[[:space:]]*$/) in_info = 0; next }
    health && /(self-assessment test result|SMART Health Status):/ { verdict = verdict $0 "\n" }
    attributes && /^(SMART Attributes Data Structure revision number|SMART\/Health Information)/ { in_table = 1 }
    in_table { table = table $0 "\n"; if ($0 ~ /^[[:space:]]*$/) in_table = 0 }
    END {
        if (verdict != "" || table != "") print "=== START OF READ SMART DATA SECTION ==="
        if (verdict != "") printf "%s\n", verdict
        printf "%s", table
    }
' "$machine$last"
