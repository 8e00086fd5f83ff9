#!/bin/sh
# Old-style entrypoint: fixed path, touch-ed flags, one-second polling; copies infile.csv to outfile.csv.
VOL=/opt/sidecar/shared-volumes/shared
while [ ! -f "$VOL/start_flag" ]; do sleep 1; done
{
  echo "legacy image: copying infile.csv"
  dd if="$VOL/infile.csv" of="$VOL/outfile.csv"
} > "$VOL/logfile" 2>&1
touch "$VOL/done_flag"
while [ ! -f "$VOL/close_flag" ]; do sleep 1; done
exit 0
