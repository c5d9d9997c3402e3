#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# run-one: run one scenario, or one sub-test of it with the setup the
# scenario gives it (insmod, module parameters, the dmesg and leftover
# checks), without writing a script.
#
# Usage: run-one.sh [RUN-OPTIONS] SCENARIO [SUBTEST [ARGS...]]
#        run-one.sh [RUN-OPTIONS] SCENARIO -- [SCENARIO-ARGS...]
#        run-one.sh --list [SCENARIO]
#
# On the host it boots the lab itself: tests/vm/run with RUN-OPTIONS
# (--cpus, --cmdline, --timeout, ...; see tests/vm/run --help) and
# tests/vm/scenarios added at /lab/scenarios, logs in build/vm/one-*.  In
# the guest (tests/vm/run ... --add tests/vm/scenarios:/lab/scenarios
# tests/vm/scenarios/run-one.sh ...) it runs the scenario there.  E.g.:
#
#   run-one.sh calls.sh                   the whole scenario
#   run-one.sh calls.sh handoff           one sub-test: sb-calltest handoff
#   run-one.sh --cpus 2 calls.sh basic 1000
#                                         the same with the sub-test's own
#                                         ARGS (sb-calltest basic 1000)
#   run-one.sh fuzz.sh -- 20000           a whole scenario with its ARGS
#
# SCENARIO is a file of tests/vm/scenarios ("calls" means "calls.sh").  A
# scenario's sub-tests are the names on its "subtests" line (lib.sh); the
# scenario runs with LAB_SUBTEST=SUBTEST and LAB_SUBTEST_ARGS=ARGS and
# skips the others.  ARGS are words without spaces.  Output and exit
# status are run-all.sh's, then one line "run-one: N passed, N failed".
# Unknown names are refused with a usage error (exit 2), on the host
# before anything boots.
set -u

usage() {
	[ $# -gt 0 ] && echo "run-one.sh: $*" >&2
	sed -n '8,10p' "$SELF" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

# The scenarios: in the guest where --add put them, else beside this file.
SELF=$0
if [ -f /lab/lib.sh ]; then
	in_guest=1
	DIR=/lab/scenarios
	[ -d "$DIR" ] || { echo "run-one.sh: no $DIR in the guest: run me with --add tests/vm/scenarios:/lab/scenarios (or from the host, without tests/vm/run)" >&2; exit 2; }
	SELF=$DIR/run-one.sh
else
	in_guest=0
	DIR=$(cd "$(dirname "$0")" && pwd)
fi

# A scenario's sub-tests: its "subtests NAME..." line.
subtests_of() { sed -n 's/^subtests[[:space:]]\{1,\}//p' "$DIR/$1"; }

scenarios() {
	for f in "$DIR"/*.sh; do
		f=${f##*/}
		case $f in run-all.sh|run-one.sh) continue ;; esac
		echo "$f"
	done
}

list() {
	for s in "$@"; do
		subs=$(subtests_of "$s")
		echo "$s${subs:+: $subs}"
	done
}

# Host: how many leading arguments are options for tests/vm/run.
nopts=0 cpus=1 name='' kernel='' model=''
count_opts() {
	while [ $# -gt 0 ]; do
		case $1 in
		--kernel|--cpu-model|--cpus|--mem|--cmdline|--timeout|--add|--name)
			[ $# -ge 2 ] || usage "option $1 needs a value"
			[ "$1" = --cpus ] && cpus=$2
			[ "$1" = --kernel ] && [ "$2" != 6.1 ] && kernel=-$2
			[ "$1" = --cpu-model ] && model=-$2
			[ "$1" = --name ] && name=$2
			nopts=$((nopts + 2))
			shift 2 ;;
		-h|--help) sed -n '/^set -u$/q; 4,$p' "$SELF" | sed 's/^# \{0,1\}//'; exit 0 ;;
		--list) return ;;
		-*) usage "unknown option '$1' (tests/vm/run --help lists the lab's)" ;;
		*) return ;;
		esac
	done
}
[ $in_guest = 1 ] || count_opts "$@"

# What to run, from the arguments after those options: scen, sub, sargs.
pick() {
	shift $nopts
	[ $# -gt 0 ] || usage "no SCENARIO given; run-one.sh --list shows them"
	if [ "$1" = --list ]; then
		if [ $# -ge 2 ]; then
			s=${2%.sh}.sh
			[ -f "$DIR/$s" ] || usage "no scenario '$2'"
			list "$s"
		else
			# shellcheck disable=SC2046
			list $(scenarios)
		fi
		exit 0
	fi
	scen=${1%.sh}.sh
	shift
	case $scen in
	run-all.sh|run-one.sh|*/*|-*)
		usage "'$scen' is not a scenario; run-one.sh --list shows them" ;;
	esac
	[ -f "$DIR/$scen" ] ||
		usage "no scenario '${scen%.sh}'; there are: $(scenarios | tr '\n' ' ' | sed 's/ $//')"
	subs=$(subtests_of "$scen")
	sub='' sargs=''
	if [ $# -gt 0 ] && [ "$1" = -- ]; then
		shift
		sargs="$*"
	elif [ $# -gt 0 ]; then
		sub=$1
		shift
		[ -n "$subs" ] ||
			usage "$scen has no sub-tests: it runs whole (its own arguments go after --)"
		case " $subs " in
		*" $sub "*) ;;
		*) usage "$scen has no sub-test '$sub'; there are: $subs" ;;
		esac
		sargs="$*"
	fi
}
pick "$@"

if [ $in_guest = 0 ]; then
	# The same arguments, with this script as tests/vm/run's SCRIPT.
	i=0 n=$#
	for a in "$@"; do
		[ $i -eq $nopts ] && set -- "$@" "$DIR/run-one.sh"
		set -- "$@" "$a"
		i=$((i + 1))
	done
	shift "$n"
	[ -n "$name" ] || set -- --name "one-${scen%.sh}${sub:+-$sub}-cpus$cpus$kernel$model" "$@"
	exec "$DIR/../run" --add "$DIR:/lab/scenarios" "$@"
fi

if [ -n "$sub" ]; then
	echo "# run-one: $scen, sub-test $sub${sargs:+ ($sargs)}"
	LAB_SUBTEST=$sub LAB_SUBTEST_ARGS=$sargs
	export LAB_SUBTEST LAB_SUBTEST_ARGS
	what=$scen
else
	what="$scen${sargs:+ $sargs}"
fi
log=/tmp/run-one.$$.log
{ sh "$DIR/run-all.sh" "$what"; echo $? >"$log.rc"; } | tee "$log"
rc=$(cat "$log.rc")
echo "run-one: $(grep -c '^ok ' "$log") passed, $(grep '^not ok ' "$log" | grep -vc '# TODO') failed"
rm -f "$log" "$log.rc"
exit "$rc"
