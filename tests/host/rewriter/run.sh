#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/host/rewriter/run.sh - host tests for sb-rewrite and sb-exec.
#
# Builds small freestanding assembly programs that each put 0F 01 D4 in one
# place (mov immediate, displacement, SIB+displacement, rel32 branch offset,
# RIP-relative displacement, across two instructions, data in .text, a real
# VMFUNC), checks that --check classifies them, that rewriting either
# refuses or produces a program that scans clean and behaves identically
# (stdout and exit status), and that bad input gets one clear error line,
# a non-zero status, no output file, and stays byte-identical.
#
# The Makefile installs this as build/host-tests/rewriter with the paths
# below filled in; run from the source tree it finds them itself.
set -u
SRC=@SRC@
BIN=@BIN@
case $SRC in @*) SRC=$(cd "$(dirname "$0")/../../.." && pwd) BIN=$SRC/build/bin ;; esac
RW=$BIN/sb-rewrite
SBEXEC=$BIN/sb-exec
T=$SRC/tests/host/rewriter
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0

ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; failed=1; }
# check NAME CONDITION-COMMAND...: ok if the command succeeds.
check() {
	local _check=$1
	shift
	if "$@"; then ok "$_check"; else not_ok "$_check${why:+: $why}"; fi
	why=
}
why=

build() {	# build NAME [ld options...]
	local name=$1 src=${2:-$1}
	shift 2
	cc -c -o "$tmp/$src.o" "$T/$src.S" 2>"$tmp/cc.log" &&
		ld -o "$tmp/$name" "$tmp/$src.o" "$@" 2>>"$tmp/cc.log"
}

# run_to PROG OUT: stdout then "exit=N" into OUT.
run_to() {
	"$1" >"$2" 2>/dev/null
	echo "exit=$?" >>"$2"
}

# poke FILE OFFSET BYTE...: overwrite bytes (two hex digits each) at OFFSET.
poke() {
	local f=$1 off=$2 b esc=
	shift 2
	for b; do esc="$esc\\x$b"; done
	printf "$esc" | dd of="$f" bs=1 seek="$off" conv=notrunc status=none
}

# phdr_at FILE TYPE: file offset of FILE's first program header with
# p_type TYPE (decimal), if any.
phdr_at() {
	local f=$1 type=$2 phoff phnum i
	phoff=$(od -An -tu8 -j32 -N8 "$f" | tr -d ' ')
	phnum=$(od -An -tu2 -j56 -N2 "$f" | tr -d ' ')
	for ((i = 0; i < phnum; i++)); do
		if [ "$(od -An -tu4 -j$((phoff + 56 * i)) -N4 "$f" | tr -d ' ')" = "$type" ]; then
			echo $((phoff + 56 * i))
			return 0
		fi
	done
	return 1
}

# expect_hits NAME COUNT PATTERN: --check on NAME exits 1 and prints COUNT
# lines matching PATTERN, and no other hit lines.
expect_hits() {
	local f=$tmp/$1 n=$2 pat=$3 rc got all
	"$RW" --check "$f" >"$tmp/check.out" 2>&1
	rc=$?
	got=$(grep -cE -- "$pat" "$tmp/check.out")
	all=$(grep -c ' off=' "$tmp/check.out")
	why="rc=$rc, $got/$all lines match '$pat': $(head -c 300 "$tmp/check.out")"
	[ "$rc" = 1 ] && [ "$got" = "$n" ] && [ "$all" = "$n" ]
}

# rewrite_ok NAME: rewriting succeeds, the copy behaves identically and
# scans clean, and the input is untouched.
rewrite_ok() {
	local name=$1 f=$tmp/$1 out=$tmp/$1.rw rc
	cp "$f" "$tmp/$name.orig"
	"$RW" "$f" "$out" >"$tmp/rw.out" 2>&1
	rc=$?
	why="rc=$rc: $(head -c 300 "$tmp/rw.out")"
	check "$name: rewrite succeeds" test "$rc" = 0 -a -x "$out"
	run_to "$f" "$tmp/before"
	run_to "$out" "$tmp/after" 2>/dev/null
	why="before: $(tr '\n' ' ' <"$tmp/before") after: $(tr '\n' ' ' <"$tmp/after")"
	check "$name: rewritten copy prints the same and exits the same" cmp -s "$tmp/before" "$tmp/after"
	"$RW" --check "$out" >"$tmp/check.out" 2>&1
	rc=$?
	why="rc=$rc: $(head -c 300 "$tmp/check.out")"
	check "$name: rewritten copy scans clean" test "$rc" = 0 -a ! -s "$tmp/check.out"
	check "$name: input unchanged" cmp -s "$f" "$tmp/$name.orig"
}

# refused NAME PATTERN: rewriting exits 1, writes nothing, last stderr line
# names the file.
refused() {
	local name=$1 pat=$2 f=$tmp/$1 rc
	cp "$f" "$tmp/$name.orig"
	"$RW" "$f" "$tmp/$name.rw" >/dev/null 2>"$tmp/err"
	rc=$?
	why="rc=$rc: $(head -c 300 "$tmp/err")"
	check "$name: rewrite refused ($2)" eval '[ "$rc" = 1 ] && [ ! -e "$tmp/$name.rw" ] &&
		tail -n 1 "$tmp/err" | grep -q "^sb-rewrite: $f: .*cannot be rewritten" &&
		grep -q "$pat" "$tmp/err" && cmp -s "$f" "$tmp/$name.orig" &&
		[ -z "$(ls -A "$tmp" | grep "^\.sb-rewrite")" ]'
}

[ -x "$RW" ] || { not_ok "sb-rewrite not built at $RW"; exit 1; }

# --- the programs -----------------------------------------------------------
for t in t_vmfunc t_imm t_disp t_sib t_span t_data; do
	why=$(cat "$tmp/cc.log" 2>/dev/null)
	check "build $t" build "$t" "$t"
done
why=; check "build t_imm_pie (PIE)" build t_imm_pie t_imm -pie --no-dynamic-linker
# The far targets make the call rel32 and the RIP-relative disp32 0x00D4010F
# and 0x01D4010F: see t_rel.S.
why=; check "build t_rel" build t_rel t_rel -Ttext=0x401000 \
	--section-start=.fartext=0x1141114 --section-start=.fardata=0x214111b

check "t_imm: 3 hits in mov immediates" \
	expect_hits t_imm 3 'class=in-insn fields=imm verdict=rewrite .*in imm of mov'
rewrite_ok t_imm
check "t_imm_pie: 3 hits in mov immediates" \
	expect_hits t_imm_pie 3 'class=in-insn fields=imm verdict=rewrite'
rewrite_ok t_imm_pie
check "t_disp: 2 hits in lea displacements" \
	expect_hits t_disp 2 'class=in-insn fields=disp verdict=rewrite method=relocate'
rewrite_ok t_disp
check "t_sib: 2 hits in SIB+displacement, fixed by base/index swap in place" \
	expect_hits t_sib 2 'class=in-insn fields=sib\+disp verdict=rewrite method=substitute'
rewrite_ok t_sib
check "t_sib: in-place fix adds no segment" test "$(stat -c %s "$tmp/t_sib")" = "$(stat -c %s "$tmp/t_sib.rw")"
check "t_rel: call rel32 thunked, RIP-relative disp relocated" \
	expect_hits t_rel 2 'fields=rel verdict=rewrite method=thunk.*of call|fields=disp verdict=rewrite method=relocate.*of mov'
rewrite_ok t_rel
check "t_span: 1 hit across two instructions" \
	expect_hits t_span 1 'class=span .*verdict=rewrite method=relocate.*across mov / add'
rewrite_ok t_span

check "t_data: data object in .text classified as data" \
	expect_hits t_data 1 'class=data .*verdict=refuse func=blob'
refused t_data "not code"
# A symbol whose name lies outside the string table is named "?" (its NULL
# name was printed with %s).
symtab=$(readelf -SW "$tmp/t_data" 2>/dev/null | sed -n 's/.* \.symtab  *SYMTAB  *[0-9a-f]*  *\([0-9a-f]*\) .*/\1/p')
blob=$(readelf -sW "$tmp/t_data" 2>/dev/null | sed -n 's/^ *\([0-9]*\): .* blob$/\1/p')
if [ -n "$symtab" ] && [ -n "$blob" ]; then
	cp "$tmp/t_data" "$tmp/t_noname"
	poke "$tmp/t_noname" $((0x$symtab + 24 * blob)) ff ff ff 7f	# st_name
	"$RW" --check "$tmp/t_noname" >"$tmp/check.out" 2>&1; rc=$?
	why="rc=$rc: $(head -c 300 "$tmp/check.out")"
	check "t_data with blob's st_name past the string table: data object '?', no (null)" \
		eval '[ "$rc" = 1 ] && grep -q "class=data .*func=?: inside data object ? in .text" "$tmp/check.out" &&
		      ! grep -q "(null)" "$tmp/check.out"'
else
	not_ok "finding .symtab and blob in t_data with readelf"
fi
check "t_vmfunc: real VMFUNC found" expect_hits t_vmfunc 1 'class=vmfunc .*verdict=refuse func=never_called'
refused t_vmfunc "real VMFUNC"
off=$("$RW" --check "$tmp/t_vmfunc" | sed -n 's/.* off=\([^ ]*\) .*/\1/p')
"$RW" --allow-vmfunc-at "$off" "$tmp/t_vmfunc" "$tmp/t_vmfunc.allowed" >/dev/null 2>&1
why="off=$off"
check "t_vmfunc: --allow-vmfunc-at keeps the whitelisted VMFUNC" \
	eval '[ -x "$tmp/t_vmfunc.allowed" ] && "$RW" --check -a "$off" "$tmp/t_vmfunc.allowed" >/dev/null &&
	      ! "$RW" --check -q "$tmp/t_vmfunc.allowed"'
run_to "$tmp/t_vmfunc" "$tmp/before"; run_to "$tmp/t_vmfunc.allowed" "$tmp/after"
check "t_vmfunc: whitelisted copy runs the same" cmp -s "$tmp/before" "$tmp/after"

# --- bad input ----------------------------------------------------------------
# bad NAME PATTERN FILE: rewrite and --check both exit 2 with one stderr
# line naming FILE and matching PATTERN; FILE unchanged; nothing written.
bad() {
	local name=$1 pat=$2 f=$3 sum rc1 rc2 l1 l2
	sum=$( (sha256sum <"$f") 2>/dev/null)
	mkdir -p "$tmp/out"
	"$RW" "$f" "$tmp/out/x" >/dev/null 2>"$tmp/err1"; rc1=$?
	"$RW" --check "$f" >/dev/null 2>"$tmp/err2"; rc2=$?
	l1=$(wc -l <"$tmp/err1") l2=$(wc -l <"$tmp/err2")
	why="rc=$rc1/$rc2 lines=$l1/$l2: $(head -c 200 "$tmp/err1")"
	check "bad input, $name: clear error, exit 2, input untouched, no output" \
		eval '[ "$rc1" = 2 ] && [ "$rc2" = 2 ] && [ "$l1" = 1 ] && [ "$l2" = 1 ] &&
		      grep -q "^sb-rewrite: $f: .*$pat" "$tmp/err1" &&
		      grep -q "^sb-rewrite: $f: .*$pat" "$tmp/err2" &&
		      [ "$sum" = "$( (sha256sum <"$f") 2>/dev/null)" ] && [ -z "$(ls -A "$tmp/out")" ]'
}
head -c 100 "$tmp/t_imm" >"$tmp/trunc-hdr"
bad "ELF cut inside the program headers" "truncated" "$tmp/trunc-hdr"
head -c 4200 "$tmp/t_imm" >"$tmp/trunc-seg"
bad "ELF cut inside a segment" "truncated" "$tmp/trunc-seg"
printf '\177ELF' >"$tmp/trunc-magic"
bad "ELF magic only" "truncated" "$tmp/trunc-magic"
echo 'just some text, long enough to be mistaken for a header if not careful' >"$tmp/text"
bad "a text file" "not an ELF file" "$tmp/text"
: >"$tmp/empty"
bad "an empty file" "not an ELF file" "$tmp/empty"
if as --32 -o "$tmp/x32.o" "$T/t32.S" 2>/dev/null && ld -m elf_i386 -o "$tmp/x32" "$tmp/x32.o" 2>/dev/null; then
	bad "a 32-bit ELF" "32-bit ELF is not supported" "$tmp/x32"
else
	not_ok "building a 32-bit ELF with as --32 / ld -m elf_i386"
fi
cp "$tmp/t_imm" "$tmp/arm"
printf '\267\000' | dd of="$tmp/arm" bs=1 seek=18 conv=notrunc status=none	# e_machine = 183
bad "a non-x86-64 ELF" "not x86-64" "$tmp/arm"
cp "$tmp/t_imm.o" "$tmp/reloc.o"
bad "an object file" "relocatable object" "$tmp/reloc.o"
mkdir -p "$tmp/adir"
bad "a directory" "is a directory" "$tmp/adir"
bad "a missing file" "No such file or directory" "$tmp/missing"

# Files that are not regular are refused without being opened: opening a FIFO
# nobody writes would block forever.  timeout turns such a hang into a
# failure (status 124).  bad() cannot be used: its checksum would block.
# not_regular NAME FILE: rewrite and --check both exit 2 at once with one
# line "sb-rewrite: FILE: not a regular file"; nothing written.
not_regular() {
	local name=$1 f=$2 rc1 rc2
	mkdir -p "$tmp/out"
	timeout 10 "$RW" "$f" "$tmp/out/x" >/dev/null 2>"$tmp/err1" </dev/null; rc1=$?
	timeout 10 "$RW" --check "$f" >/dev/null 2>"$tmp/err2" </dev/null; rc2=$?
	why="rc=$rc1/$rc2 (124: hung): $(head -c 200 "$tmp/err1") / $(head -c 200 "$tmp/err2")"
	check "bad input, $name: 'not a regular file', exit 2, no hang, no output" \
		eval '[ "$rc1" = 2 ] && [ "$rc2" = 2 ] &&
		      [ "$(cat "$tmp/err1")" = "sb-rewrite: $f: not a regular file" ] &&
		      [ "$(cat "$tmp/err2")" = "sb-rewrite: $f: not a regular file" ] &&
		      [ -z "$(ls -A "$tmp/out")" ]'
}
mkfifo "$tmp/fifo"
not_regular "a FIFO nobody writes" "$tmp/fifo"
ln -s fifo "$tmp/fifo-link"
not_regular "a symlink to a FIFO" "$tmp/fifo-link"
not_regular "a character device" /dev/null

"$RW" "$tmp/t_imm" "$tmp/nonexistent-dir/out" >/dev/null 2>"$tmp/err"; rc=$?
why="rc=$rc: $(cat "$tmp/err")"
check "unwritable destination: one error line, exit 2" \
	eval '[ "$rc" = 2 ] && [ "$(wc -l <"$tmp/err")" = 1 ] && grep -q "cannot create a temporary file" "$tmp/err"'
# The output's directory is computed once (dirname() modifies its argument;
# calling it again on the result named the parent): the error names the
# directory that is missing, and the fsync after the rename goes to the
# directory that holds OUTPUT.
"$RW" "$tmp/t_imm" "$tmp/deep/a/b/out" >/dev/null 2>"$tmp/err"; rc=$?
why="rc=$rc: $(cat "$tmp/err")"
check "missing output directory several levels deep: the error names it" \
	eval '[ "$rc" = 2 ] && [ "$(cat "$tmp/err")" = "sb-rewrite: $tmp/deep/a/b/out: cannot create a temporary file in $tmp/deep/a/b: No such file or directory" ]'
why=$(cc -shared -fPIC -Wall -Wextra -Werror -o "$tmp/io_shim.so" "$T/io_shim.c" -ldl 2>&1)
check "build the I/O shim (tests/host/rewriter/io_shim.c)" test -f "$tmp/io_shim.so"
mkdir -p "$tmp/deep/a/b/c"
rm -f "$tmp/fsync.log"
SB_FSYNC_LOG=$tmp/fsync.log LD_PRELOAD=$tmp/io_shim.so "$RW" "$tmp/t_imm" "$tmp/deep/a/b/c/out" \
	>/dev/null 2>"$tmp/err"; rc=$?
dir=$(cd "$tmp/deep/a/b/c" && pwd -P)
why="rc=$rc, fsync'ed: $(tr '\n' ' ' <"$tmp/fsync.log" 2>/dev/null) $(head -c 200 "$tmp/err")"
check "after the rename, the output's own directory is fsync'ed" \
	eval '[ "$rc" = 0 ] && [ -x "$tmp/deep/a/b/c/out" ] &&
	      grep -q "^$dir/\.sb-rewrite\." "$tmp/fsync.log" && [ "$(tail -n 1 "$tmp/fsync.log")" = "$dir" ]'
# A temporary file whose close() fails (write-back error) is reported as a
# write error naming it, and removed; nothing is renamed into place.
mkdir -p "$tmp/cf"
SB_FAIL_CLOSE=/.sb-rewrite. LD_PRELOAD=$tmp/io_shim.so "$RW" "$tmp/t_imm" "$tmp/cf/out" \
	>/dev/null 2>"$tmp/err"; rc=$?
why="rc=$rc: $(cat "$tmp/err"); left: $(ls -A "$tmp/cf")"
check "close() of the temporary file fails: 'cannot write TMP', exit 2, nothing left" \
	eval '[ "$rc" = 2 ] && [ "$(wc -l <"$tmp/err")" = 1 ] &&
	      grep -q "^sb-rewrite: $tmp/cf/out: cannot write $tmp/cf/\.sb-rewrite\.[^ ]*: Input/output error\$" "$tmp/err" &&
	      [ -z "$(ls -A "$tmp/cf")" ]'
# A file with hits whose section header table lies past its end: loading the
# sections fails after the patcher has copied the file; that copy must be
# freed on the error path too (it leaked in --check).
cp "$tmp/t_imm" "$tmp/big-shoff"
printf '\000\000\000\000\000\000\000\177' |
	dd of="$tmp/big-shoff" bs=1 seek=40 conv=notrunc status=none	# e_shoff
if command -v valgrind >/dev/null; then
	vg() { valgrind -q --leak-check=full --errors-for-leak-kinds=definite,possible \
		--error-exitcode=99 "$@"; }
	vg "$RW" --check "$tmp/big-shoff" >/dev/null 2>"$tmp/vg1"; rc1=$?
	vg "$RW" "$tmp/big-shoff" "$tmp/big-shoff.rw" >/dev/null 2>"$tmp/vg2"; rc2=$?
	why="rc=$rc1/$rc2 (99: valgrind found errors): $(grep -m 3 -E 'lost|Invalid|sb-rewrite:' "$tmp/vg1" "$tmp/vg2" | tr '\n' ' ')"
	check "a huge e_shoff: exit 2 'truncated', nothing leaked (valgrind, --check and rewrite)" \
		eval '[ "$rc1" = 2 ] && [ "$rc2" = 2 ] &&
		      grep -q "^sb-rewrite: $tmp/big-shoff: truncated: section header table past end of file" "$tmp/vg1" &&
		      grep -q "^sb-rewrite: $tmp/big-shoff: truncated: section header table past end of file" "$tmp/vg2"'
else
	echo "ok - a huge e_shoff: nothing leaked # SKIP valgrind not installed"
fi
# Header fields are checked without overflow: a PT_NOTE (the entry recycled
# for the patch segment) whose p_offset + size wraps around is not read.
# Rewriting used to crash.
if cc -shared -o "$tmp/libnote.so" "$T/t_lib.S" 2>"$tmp/cc.log" && note=$(phdr_at "$tmp/libnote.so" 4); then
	poke "$tmp/libnote.so" $((note + 8)) f8 ff ff ff ff ff ff ff	# p_offset = -8
	"$RW" "$tmp/libnote.so" "$tmp/libnote.rw.so" >/dev/null 2>"$tmp/err"; rc=$?
	why="rc=$rc (139: crashed): $(head -c 200 "$tmp/err")"
	check "a PT_NOTE at offset 2^64-8: no crash, the note is recycled, the copy scans clean" \
		eval '[ "$rc" = 0 ] && "$RW" --check -q "$tmp/libnote.rw.so"'
else
	echo "ok - a PT_NOTE at offset 2^64-8: no crash # SKIP the toolchain's shared object has no PT_NOTE"
fi
cp "$tmp/t_imm" "$tmp/same"; cp "$tmp/t_imm" "$tmp/same.orig"
"$RW" "$tmp/same" "$tmp/same" >/dev/null 2>"$tmp/err"; rc=$?
why="rc=$rc: $(cat "$tmp/err")"
check "output naming the input is refused" \
	eval '[ "$rc" = 2 ] && grep -q "output is the input" "$tmp/err" && cmp -s "$tmp/same" "$tmp/same.orig"'
"$RW" >/dev/null 2>"$tmp/err"; rc=$?
why="rc=$rc"
check "no arguments: usage error, exit 2" eval '[ "$rc" = 2 ] && grep -q "expected INPUT and OUTPUT" "$tmp/err"'
"$RW" --frob >/dev/null 2>"$tmp/err"; rc=$?
check "unknown option: exit 2" eval '[ "$rc" = 2 ] && grep -q "unknown option .--frob." "$tmp/err"'
"$RW" --allow-vmfunc-at zz a b >/dev/null 2>"$tmp/err"; rc=$?
check "bad --allow-vmfunc-at value: exit 2" eval '[ "$rc" = 2 ] && grep -q "wants a file offset" "$tmp/err"'
if [ -c /dev/full ]; then
	"$RW" --check "$tmp/t_imm" >/dev/full 2>"$tmp/err"; rc=$?
	why="rc=$rc: $(head -c 200 "$tmp/err")"
	check "--check whose report cannot be written (stdout is /dev/full): exit 2, one line" \
		eval '[ "$rc" = 2 ] && [ "$(cat "$tmp/err")" = "sb-rewrite: cannot write to stdout: No space left on device" ]'
	"$RW" --help >/dev/full 2>/dev/null; rc=$?
	why="rc=$rc"
	check "--help to a full stdout: exit 2" test "$rc" = 2
fi
check "--help prints the usage" eval '"$RW" --help | grep -q "^Usage: sb-rewrite \[OPTIONS\] INPUT OUTPUT"'
check "a clean file: --check exits 0 silently" eval '"$RW" --check "$tmp/t_imm.rw" >"$tmp/o" && [ ! -s "$tmp/o" ]'

# --- the makefile ----------------------------------------------------------------
# The binaries and this test can be named relative to the source tree
# ("make build/bin/sb-rewrite"), not only by the absolute paths of the rules.
# Without a rule for the relative name make says "No rule" if the file is
# missing and "Nothing to be done" if it exists, however stale: -W (a source
# just changed) makes it show whether it would rebuild.
# make_rebuilds GOAL SOURCE WANT: make -n -W SOURCE GOAL prints WANT.
make_rebuilds() {
	local want=$3 rc
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -n -C "$SRC" -W "$2" "$1" >"$tmp/make.out" 2>&1
	rc=$?
	why="rc=$rc: $(grep -v 'directory' "$tmp/make.out" | head -c 200)"
	check "make $1: rebuilt after $2 changes (a rule for the relative name)" \
		eval '[ "$rc" = 0 ] && grep -qF -- "$want" "$tmp/make.out"'
}
if command -v make >/dev/null; then
	make_rebuilds build/bin/sb-rewrite rewriter/main.c "-o $BIN/sb-rewrite "
	make_rebuilds build/bin/sb-exec rewriter/exec.c "-o $BIN/sb-exec "
	make_rebuilds build/host-tests/rewriter tests/host/rewriter/run.sh "tests/host/rewriter/run.sh >"
else
	echo "ok - make build/bin/sb-rewrite: a rule for the relative name # SKIP no make"
fi

# --- sb-exec -------------------------------------------------------------------
if [ -f "$T/exec.sh" ]; then
	. "$T/exec.sh"
fi

exit $failed
