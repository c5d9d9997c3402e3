# SPDX-License-Identifier: GPL-2.0
#
# tests/host/rewriter/exec.sh - sb-exec tests; sourced by run.sh (uses its
# helpers and $tmp).

cache=$tmp/cache
mkdir -p "$tmp/lib" "$tmp/bad"
why=$(
	cc -shared -o "$tmp/lib/libdirty.so" "$T/t_lib.S" 2>&1 &&
	cc -shared -o "$tmp/bad/libdirty.so" "$T/t_libvmfunc.S" 2>&1 &&
	cc -O2 -o "$tmp/t_exec" "$T/t_exec.c" -L"$tmp/lib" -ldirty 2>&1
)
check "build t_exec against libdirty.so" test -x "$tmp/t_exec"

check "libdirty.so is dirty, t_exec itself is clean" \
	eval '! "$RW" --check -q "$tmp/lib/libdirty.so" && "$RW" --check -q "$tmp/t_exec"'

LD_LIBRARY_PATH=$tmp/lib "$tmp/t_exec" a 'b c' >"$tmp/direct" 2>"$tmp/direct.err"
echo "exit=$?" >>"$tmp/direct"
SKYBRIDGE_CACHE=$cache LD_LIBRARY_PATH=$tmp/lib "$SBEXEC" "$tmp/t_exec" a 'b c' \
	>"$tmp/via" 2>"$tmp/via.err"
echo "exit=$?" >>"$tmp/via"
why="direct: $(tr '\n' ' ' <"$tmp/direct") via: $(tr '\n' ' ' <"$tmp/via") $(head -c 200 "$tmp/via.err")"
check "sb-exec: same output, arguments and exit status as a direct run" cmp -s "$tmp/direct" "$tmp/via"
check "sb-exec: the loader mapped the rewritten libdirty.so from the cache" \
	grep -q "libdirty from cache: 1" "$tmp/via.err"
check "direct run: libdirty.so not from the cache (the check can fail)" \
	grep -q "libdirty from cache: 0" "$tmp/direct.err"

entry=$(find "$cache" -name libdirty.so -type f 2>/dev/null)
hash=$(sha256sum <"$tmp/lib/libdirty.so" | cut -d' ' -f1)
why="entry=$entry hash=$hash"
check "cache entry is named by the SHA-256 of the original" test "$entry" = "$cache/$hash/libdirty.so"
check "cache entry scans clean" "$RW" --check -q "$entry"
check "cache entry and its directory are not group/other writable" \
	eval '[ -z "$(find "$entry" "$cache/$hash" -perm /022)" ] && [ "$(stat -c %a "$cache/$hash")" = 755 ]'

before=$(stat -c %Y.%i "$entry")
sleep 1
SKYBRIDGE_CACHE=$cache LD_LIBRARY_PATH=$tmp/lib "$SBEXEC" "$tmp/t_exec" >/dev/null 2>&1
check "second run reuses the cache entry" test "$before" = "$(stat -c %Y.%i "$entry")"

chmod 0666 "$entry"
SKYBRIDGE_CACHE=$cache LD_LIBRARY_PATH=$tmp/lib "$SBEXEC" "$tmp/t_exec" >"$tmp/via2" 2>&1
check "a world-writable cache entry is not trusted but rebuilt" \
	eval '[ -z "$(find "$entry" -perm /022)" ] && grep -q "libdirty from cache: 1" "$tmp/via2"'

# A view directory that is there but not trusted cannot be replaced by
# rename (it is not empty): one clear line, 125, and the view sb-exec built
# to replace it is removed, not left in the cache.
view=$(ls -d "$cache"/view-* 2>/dev/null)
chmod 0775 "$view"
SKYBRIDGE_CACHE=$cache LD_LIBRARY_PATH=$tmp/lib "$SBEXEC" "$tmp/t_exec" >"$tmp/x.out" 2>"$tmp/err"
rc=$?
why="rc=$rc, view=$view: $(head -c 250 "$tmp/err"); left: $(cd "$cache" && ls -d .view-* 2>/dev/null)"
check "sb-exec: an untrusted view directory: exit 125, one line naming it, no temporary view left" \
	eval '[ "$rc" = 125 ] && [ ! -s "$tmp/x.out" ] && [ "$(wc -l <"$tmp/err")" = 1 ] &&
	      grep -q "^sb-exec: $view: view is not trusted .* cannot be replaced: Directory not empty\$" "$tmp/err" &&
	      [ -z "$(cd "$cache" && ls -d .view-* 2>/dev/null)" ]'
chmod 0755 "$view"

SKYBRIDGE_CACHE=$cache LD_LIBRARY_PATH=$tmp/bad "$SBEXEC" "$tmp/t_exec" >"$tmp/x.out" 2>"$tmp/err"
rc=$?
why="rc=$rc: $(cat "$tmp/err")"
check "sb-exec refuses a library with a real VMFUNC (exit 126, program not run)" \
	eval '[ "$rc" = 126 ] && [ ! -s "$tmp/x.out" ] && [ "$(wc -l <"$tmp/err")" = 1 ] &&
	      grep -q "libdirty.so: cannot be made VMFUNC-free: vmfunc" "$tmp/err"'

run_to "$tmp/t_imm" "$tmp/before"
SKYBRIDGE_CACHE=$cache "$SBEXEC" "$tmp/t_imm" >"$tmp/after" 2>/dev/null
echo "exit=$?" >>"$tmp/after"
check "sb-exec runs a dirty static program through its rewritten copy" cmp -s "$tmp/before" "$tmp/after"

SKYBRIDGE_CACHE=$cache "$SBEXEC" "$tmp/nonexistent" >/dev/null 2>"$tmp/err"
rc=$?
why="rc=$rc: $(cat "$tmp/err")"
check "sb-exec: missing program, exit 127 with one error line" \
	eval '[ "$rc" = 127 ] && [ "$(wc -l <"$tmp/err")" = 1 ]'
SKYBRIDGE_CACHE=$cache "$SBEXEC" true
check "sb-exec: a clean program from PATH runs with its status" test $? = 0
SKYBRIDGE_CACHE=$cache "$SBEXEC" false
check "sb-exec: ... and its failure status" test $? = 1

# A FIFO as PROG is refused without being opened (opening it would block).
[ -p "$tmp/fifo" ] || mkfifo "$tmp/fifo"
SKYBRIDGE_CACHE=$cache timeout 10 "$SBEXEC" "$tmp/fifo" >/dev/null 2>"$tmp/err" </dev/null
rc=$?
why="rc=$rc (124: hung): $(head -c 200 "$tmp/err")"
check "sb-exec: a FIFO as PROG, exit 125 at once: not a regular file" \
	eval '[ "$rc" = 125 ] && [ "$(cat "$tmp/err")" = "sb-exec: $tmp/fifo: not a regular file" ]'

# Exit statuses (docs/rewriter.md, --help): 127 only if PROG is not there;
# a PROG that is there but cannot be run is sb-exec's failure, 125.  The
# PATH search must not leave a stale "not found" behind: the script is
# found in the second PATH entry, after a failed look in the first.
mkdir -p "$tmp/pathbin" "$tmp/pathdir/t_imm"
printf '#!/bin/sh\necho a script\n' >"$tmp/pathbin/sb-script"
echo 'just some text, longer than an ELF identification' >"$tmp/pathbin/sb-text"
chmod 0755 "$tmp/pathbin/sb-script" "$tmp/pathbin/sb-text"
for p in sb-script sb-text; do
	PATH=$tmp/nowhere:$tmp/pathbin SKYBRIDGE_CACHE=$cache "$SBEXEC" "$p" >"$tmp/x.out" 2>"$tmp/err"
	rc=$?
	why="rc=$rc: $(head -c 200 "$tmp/err")"
	check "sb-exec: a non-ELF $p found through PATH: exit 125, not an ELF file" \
		eval '[ "$rc" = 125 ] && [ ! -s "$tmp/x.out" ] &&
		      [ "$(cat "$tmp/err")" = "sb-exec: $tmp/pathbin/$p: not an ELF file (bad magic)" ]'
done
SKYBRIDGE_CACHE=$cache "$SBEXEC" "$tmp/pathbin/sb-script" >"$tmp/x.out" 2>"$tmp/err"
rc=$?
why="rc=$rc: $(head -c 200 "$tmp/err")"
check "sb-exec: a non-ELF PROG given by path: exit 125" \
	eval '[ "$rc" = 125 ] && grep -q "not an ELF file" "$tmp/err"'
cp "$tmp/t_imm" "$tmp/pathbin/sb-noexec"
chmod 0644 "$tmp/pathbin/sb-noexec"
SKYBRIDGE_CACHE=$cache "$SBEXEC" "$tmp/pathbin/sb-noexec" >"$tmp/x.out" 2>"$tmp/err"
rc=$?
why="rc=$rc: $(head -c 200 "$tmp/err")"
check "sb-exec: a PROG without execute permission is not run (even through the loader): exit 125" \
	eval '[ "$rc" = 125 ] && [ ! -s "$tmp/x.out" ] &&
	      [ "$(cat "$tmp/err")" = "sb-exec: $tmp/pathbin/sb-noexec: cannot run it: Permission denied" ]'
PATH=$tmp/nowhere:$tmp/pathbin SKYBRIDGE_CACHE=$cache "$SBEXEC" sb-noexec >/dev/null 2>"$tmp/err"
rc=$?
why="rc=$rc: $(head -c 200 "$tmp/err")"
check "sb-exec: PATH holds PROG only without execute permission: exit 127, command not found" \
	eval '[ "$rc" = 127 ] && [ "$(cat "$tmp/err")" = "sb-exec: sb-noexec: command not found" ]'
# A directory of the same name earlier in PATH is skipped, as by the shell.
cp "$tmp/t_imm" "$tmp/pathbin/t_imm"
run_to "$tmp/t_imm" "$tmp/before"
PATH=$tmp/pathdir:$tmp/pathbin SKYBRIDGE_CACHE=$cache "$SBEXEC" t_imm >"$tmp/after" 2>"$tmp/err"
echo "exit=$?" >>"$tmp/after"
why="$(tr '\n' ' ' <"$tmp/after") $(head -c 200 "$tmp/err")"
check "sb-exec: a directory named PROG in PATH is skipped" cmp -s "$tmp/before" "$tmp/after"
# An empty PATH entry is the current directory, as for the shell and execvp.
(cd "$tmp/pathbin" && PATH=$tmp/nowhere: SKYBRIDGE_CACHE=$cache "$SBEXEC" t_imm) >"$tmp/after" 2>"$tmp/err"
echo "exit=$?" >>"$tmp/after"
why="$(tr '\n' ' ' <"$tmp/after") $(head -c 200 "$tmp/err")"
check "sb-exec: an empty PATH entry searches the current directory" cmp -s "$tmp/before" "$tmp/after"

# A PT_INTERP whose p_offset + p_filesz wraps around: a clear error, 125
# (the loader's name was read from p_offset and sb-exec crashed).
printf 'int main(void) { return 0; }\n' >"$tmp/m.c"
if cc -o "$tmp/badinterp" "$tmp/m.c" 2>"$tmp/cc.log" && interp=$(phdr_at "$tmp/badinterp" 3); then
	poke "$tmp/badinterp" $((interp + 8)) f0 ff ff ff ff ff ff ff	# p_offset = -16
	poke "$tmp/badinterp" $((interp + 32)) 20 00 00 00 00 00 00 00	# p_filesz = 32
	SKYBRIDGE_CACHE=$cache "$SBEXEC" "$tmp/badinterp" >/dev/null 2>"$tmp/err"
	rc=$?
	why="rc=$rc (139: crashed): $(head -c 200 "$tmp/err")"
	check "sb-exec: a PT_INTERP past the end of the file: exit 125, one clear line" \
		eval '[ "$rc" = 125 ] &&
		      [ "$(cat "$tmp/err")" = "sb-exec: $tmp/badinterp: bad PT_INTERP: empty or past the end of the file" ]'
else
	not_ok "building a dynamic program with a PT_INTERP: $(head -c 200 "$tmp/cc.log")"
fi

# A PT_INTERP naming a loader that is not there (a program for another libc):
# the error names the loader, not just "could not list its libraries".
if cc -o "$tmp/noloader" "$tmp/m.c" -Wl,--dynamic-linker="$tmp/no-such-ld.so" 2>"$tmp/cc.log"; then
	SKYBRIDGE_CACHE=$cache "$SBEXEC" "$tmp/noloader" >/dev/null 2>"$tmp/err"
	rc=$?
	why="rc=$rc: $(head -c 200 "$tmp/err")"
	check "sb-exec: a missing loader: exit 125, one line naming it" \
		eval '[ "$rc" = 125 ] &&
		      [ "$(cat "$tmp/err")" = "sb-exec: $tmp/noloader: cannot run its loader $tmp/no-such-ld.so: No such file or directory" ]'
else
	not_ok "building a program with a missing dynamic loader: $(head -c 200 "$tmp/cc.log")"
fi
