#!/bin/sh
# An entrypoint written for the older flag-file convention, as such images are written: fixed
# paths, `touch`ed flags, one-second polling. It is run unchanged by the legacy conformance test.
VOL=${LEGACY_VOLUME:-/opt/sidecar/shared}
while [ ! -f "$VOL/start_flag" ]; do sleep 1; done
{
  echo "legacy image: processing"
  tr 'a-z' 'A-Z' < "$VOL/infile.csv" > "$VOL/outfile.csv"
} > "$VOL/logfile" 2>&1
touch "$VOL/done_flag"
while [ ! -f "$VOL/close_flag" ]; do sleep 1; done
exit 0
