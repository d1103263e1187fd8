#!/bin/bash
# readme-example.sh -- the README's example is examples/zc_example.c, from
# its #define on (tabs as 8 spaces, indented 4): so the one a user copies
# is the one make lint compiles and make check-dkms runs. Prints the
# difference and fails if they differ.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
diff -u <(sed -n '/^#define _GNU_SOURCE/,$p' "$top/examples/zc_example.c" | expand -t8 |
	  sed 's/^./    &/') \
	<(awk '/^    #define _GNU_SOURCE/ { on = 1 }
	       on && NF && !/^    / { exit }
	       on { print }' "$top/README.md" | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}')
