#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/host/install/run.sh - "make install"/"make uninstall" into a DESTDIR,
# and "make dkms-install"/"make dkms-uninstall" against both kernel header
# trees (6.1 installed on the host, 6.12 unpacked under build/guest-6.12/)
# in private DKMS trees.  Nothing is installed into the system and nothing
# is loaded: the DKMS trees, the source tree, the install tree and the
# module-signing key are all under a temporary directory, and the test
# checks afterwards that the system's DKMS tree, /usr/src, /lib/modules,
# /var/lib/dkms/mok.* and the loaded modules are as they were.
#
# Generated into build/host-tests/install by install.mk, which fills in SRC.
# Prints "ok"/"not ok" lines; "not ok ... # TODO" is a known gap.
set -u
SRC=@SRC@
cd "$SRC" || exit 2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0

ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; failed=1; }
skip() { echo "ok - $1 # SKIP $2"; }
todo() { echo "not ok - $1 # TODO $2"; }
check() {	# check NAME COND-RESULT(0/1) [WHY]
	if [ "$2" = 0 ]; then ok "$1"; else not_ok "$1${3:+: $3}"; fi
}
oneline() { tr '\n' ' ' | cut -c1-300; }

version=$(make -s -C "$SRC" --no-print-directory print-version 2>/dev/null)
hv_major=$(sed -n 's/^#define HV_VERSION_MAJOR[[:space:]]*\([0-9]*\).*/\1/p' uapi/skybridge_hv.h)
hv_minor=$(sed -n 's/^#define HV_VERSION_MINOR[[:space:]]*\([0-9]*\).*/\1/p' uapi/skybridge_hv.h)
case $version in
"$hv_major.$hv_minor".*|"$hv_major.$hv_minor")
	ok "version $version (dkms.conf) agrees with the RootKernel's $hv_major.$hv_minor (uapi/skybridge_hv.h)" ;;
*)	not_ok "version '$version' (dkms.conf) is not the RootKernel's $hv_major.$hv_minor.x" ;;
esac

# --- make install / uninstall --------------------------------------------

# install_into ID NAME DESTDIR [MAKE VARS...]: install, and compare the
# files and links under DESTDIR with the list the makefile gives; the list
# is left in $tmp/installed.ID.
install_into() {
	local id=$1 name=$2 dest=$3 want got
	shift 3
	if ! make -s install DESTDIR="$dest" KDIR=/nonexistent "$@" >"$tmp/install.log" 2>&1; then
		not_ok "make install $name: $(tail -n 5 "$tmp/install.log" | oneline)"
		return 1
	fi
	if grep -q "M=$SRC" "$tmp/install.log"; then
		not_ok "make install $name built the module"
	else
		ok "make install $name (KDIR=/nonexistent: no kernel headers needed)"
	fi
	want=$(make -s print-installed "$@" | sort)
	got=$(cd "$dest" && find . \( -type f -o -type l \) -printf '/%P\n' | sort)
	if [ -n "$want" ] && [ "$want" = "$got" ]; then
		ok "make install $name puts exactly the $(echo "$want" | wc -l) listed files"
	else
		not_ok "make install $name: files differ from the list: $(diff <(echo "$want") <(echo "$got") | grep '^[<>]' | oneline)"
	fi
	echo "$got" >"$tmp/installed.$id"
}

D=$tmp/dest
P=/usr/local
install_into default "(DESTDIR, default PREFIX)" "$D"
echo "# installed files (PREFIX=$P):"
sed 's/^/#   /' "$tmp/installed.default"

L=$D$P/lib
hdr_ok=0
cmp -s "$D$P/include/libskybridge.h" lib/libskybridge.h || hdr_ok=1
cmp -s "$D$P/include/linux/skybridge.h" uapi/skybridge.h || hdr_ok=1
check "headers: <libskybridge.h> is lib/libskybridge.h, <linux/skybridge.h> is uapi/skybridge.h" $hdr_ok

so_ok=0
[ "$(readlink "$L/libskybridge.so")" = libskybridge.so.0 ] || so_ok=1
[ "$(readlink "$L/libskybridge.so.0")" = "libskybridge.so.$version" ] || so_ok=1
[ -f "$L/libskybridge.so.$version" ] && [ ! -L "$L/libskybridge.so.$version" ] || so_ok=1
soname=$(objdump -p "$L/libskybridge.so.$version" 2>/dev/null | awk '$1 == "SONAME" { print $2 }')
[ "$soname" = libskybridge.so.0 ] || so_ok=1
check "shared library libskybridge.so.$version, soname $soname, links .so.0 and .so" $so_ok \
	"$(ls -l "$L" | oneline)"
[ -f "$L/libskybridge.a" ] && ar t "$L/libskybridge.a" | grep -q '^api\.o$'
check "static library libskybridge.a" $?

modes=$(cd "$D" && find . -type f -printf '%m %P\n' | sort -k2)
bad_modes=$(echo "$modes" | awk '
	$2 ~ /\/(bin|sbin)\// || $2 ~ /\.so\./ { if ($1 != 755) print; next }
	{ if ($1 != 644) print }')
check "modes: programs and the shared library 0755, everything else 0644" \
	"$([ -z "$bad_modes" ]; echo $?)" "$(echo "$bad_modes" | oneline)"

export PKG_CONFIG_PATH=$L/pkgconfig PKG_CONFIG_SYSROOT_DIR=$D
pcver=$(pkg-config --modversion libskybridge 2>&1)
check "pkg-config finds libskybridge $pcver in DESTDIR" \
	"$([ "$pcver" = "$version" ]; echo $?)" "$pcver"
flags=$(pkg-config --cflags --libs libskybridge 2>&1)
case $flags in
*"-I$D$P/include"*"-L$L"*"-lskybridge"*) ok "pkg-config --cflags --libs libskybridge: $flags" ;;
*) not_ok "pkg-config --cflags --libs libskybridge: $flags" ;;
esac

# Both headers in one translation unit, C and C++, warning-free; the
# program links against the installed shared library and runs from it.
cat >"$tmp/both.c" <<'EOF'
#include <libskybridge.h>
#include <linux/skybridge.h>
#include <errno.h>
#include <stdio.h>

int main(void)
{
	struct sb_info info = { .size = sizeof(info) };
	struct sb_conn *conn;
	int err = sb_connect("no-such-server-here", &conn);

	(void)info;
	printf("%s %d %d %s\n", sb_transport_name(), SB_API_VERSION,
	       SB_NAME_MAX, err == -ECONNREFUSED ? "refused" : sb_strerror(err));
	return 0;
}
EOF
# shellcheck disable=SC2086
if cc -std=gnu11 -Wall -Wextra -Werror -o "$tmp/both" "$tmp/both.c" $flags 2>"$tmp/cc.log"; then
	ok "a program with both headers compiles and links with pkg-config's flags"
else
	not_ok "a program with both headers: $(head -c 300 "$tmp/cc.log")"
fi
printf '#include <libskybridge.h>\n#include <linux/skybridge.h>\nint main() { return SB_NAME_MAX + SB_API_VERSION == 0; }\n' >"$tmp/both.cc"
# shellcheck disable=SC2086
if ! command -v c++ >/dev/null; then
	skip "both headers as C++" "no c++"
elif c++ -std=c++11 -Wall -Wextra -Werror -o "$tmp/bothxx" "$tmp/both.cc" $flags 2>"$tmp/cc.log"; then
	ok "both headers compile together as C++11"
else
	not_ok "both headers as C++11: $(head -c 300 "$tmp/cc.log")"
fi
needed=$(objdump -p "$tmp/both" 2>/dev/null | awk '$1 == "NEEDED" && $2 ~ /skybridge/ { print $2 }')
lib_used=$(LD_LIBRARY_PATH=$L ldd "$tmp/both" 2>/dev/null | awk '$1 == "libskybridge.so.0" { print $3 }')
out=$(SKYBRIDGE_TRANSPORT=fallback LD_LIBRARY_PATH=$L "$tmp/both" 2>&1)
if [ "$needed" = libskybridge.so.0 ] && [ "$lib_used" = "$L/libskybridge.so.0" ] &&
   [ "$out" = "fallback-futex 1 63 refused" ]; then
	ok "it needs libskybridge.so.0, runs from DESTDIR's copy and calls it: $out"
else
	not_ok "running it: NEEDED '$needed', loaded '$lib_used', said '$out'"
fi
sflags=$(pkg-config --static --cflags --libs libskybridge 2>&1)
# shellcheck disable=SC2086
if cc -std=gnu11 -Wall -Wextra -Werror -static -o "$tmp/both-static" "$tmp/both.c" $sflags 2>"$tmp/cc.log" &&
   [ "$(SKYBRIDGE_TRANSPORT=fallback "$tmp/both-static")" = "fallback-futex 1 63 refused" ]; then
	ok "it links statically with pkg-config --static ($sflags) and runs"
else
	not_ok "static link with '$sflags': $(head -c 300 "$tmp/cc.log")"
fi
unset PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR

prog_ok=0 prog_why=
for p in "$D$P/bin/sb-rewrite" "$D$P/bin/sb-exec" "$D$P/sbin/skyctl"; do
	"$p" --help >/dev/null 2>&1 || { prog_ok=1; prog_why="$prog_why ${p##*/}"; }
done
[ "$("$D$P/bin/sb-rewrite" --version)" = "sb-rewrite (skybridge) $version" ] ||
	{ prog_ok=1; prog_why="$prog_why sb-rewrite --version: $("$D$P/bin/sb-rewrite" --version)"; }
check "installed sb-rewrite, sb-exec, skyctl run (--help; sb-rewrite --version says $version)" \
	$prog_ok "$prog_why"

man_bad=
for m in "$D$P"/share/man/man*/*; do
	if head -n 3 "$m" | grep -q '^\.so '; then
		target=$(sed -n 's/^\.so //p' "$m")
		[ -f "$D$P/share/man/$target" ] || man_bad="$man_bad ${m##*/}(.so $target missing)"
		continue
	fi
	grep -q "^\.TH .* \"skybridge $version\" " "$m" || man_bad="$man_bad ${m##*/}(.TH)"
	w=$(groff -man -Tutf8 -ww -z "$m" 2>&1)
	[ -z "$w" ] || man_bad="$man_bad ${m##*/}($w)"
done
for want in man1/sb-rewrite.1 man1/sb-exec.1 man3/libskybridge.3 man8/skyctl.8; do
	[ -f "$D$P/share/man/$want" ] || man_bad="$man_bad $want(missing)"
done
check "man pages sb-rewrite(1), sb-exec(1), libskybridge(3), the sb_*(3) pages, skyctl(8): render without warnings, say version $version" \
	"$([ -z "$man_bad" ]; echo $?)" "$man_bad"

rule=$D/etc/udev/rules.d/60-skybridge.rules
if grep -qx 'KERNEL=="skybridge", SUBSYSTEM=="misc", GROUP="skybridge", MODE="0660"' "$rule" 2>/dev/null &&
   [ "$(grep -cv '^\(#\|$\)' "$rule")" = 1 ]; then
	ok "udev rule /etc/udev/rules.d/60-skybridge.rules: /dev/skybridge root:skybridge 0660"
else
	not_ok "udev rule: $(grep -v '^#' "$rule" 2>&1 | oneline)"
fi

make -s uninstall DESTDIR="$D" >"$tmp/uninstall.log" 2>&1
left=$(cd "$D" && find . \( -type f -o -type l \) -printf '/%P\n')
check "make uninstall DESTDIR=... leaves no file or link" \
	"$([ -z "$left" ]; echo $?)" "rc=$(tail -n 3 "$tmp/uninstall.log" | oneline) left:$(echo "$left" | oneline)"

# Another PREFIX and a multiarch LIBDIR: the .pc file follows them, and
# uninstall with the same variables removes everything.
D2=$tmp/dest2
vars=(PREFIX=/opt/sb LIBDIR=/opt/sb/lib/x86_64-linux-gnu)
if install_into opt "(PREFIX=/opt/sb, LIBDIR=.../x86_64-linux-gnu)" "$D2" "${vars[@]}"; then
	pc=$D2/opt/sb/lib/x86_64-linux-gnu/pkgconfig/libskybridge.pc
	grep -qx 'prefix=/opt/sb' "$pc" && grep -qx 'libdir=/opt/sb/lib/x86_64-linux-gnu' "$pc" &&
		grep -qx 'includedir=/opt/sb/include' "$pc"
	check "libskybridge.pc follows PREFIX and LIBDIR" $? "$(grep -E '^(prefix|libdir|includedir)=' "$pc" 2>&1 | oneline)"
	make -s uninstall DESTDIR="$D2" "${vars[@]}" >/dev/null 2>&1
	left=$(cd "$D2" && find . \( -type f -o -type l \) -printf '/%P\n')
	check "make uninstall with the same PREFIX and LIBDIR leaves nothing" \
		"$([ -z "$left" ]; echo $?)" "$(echo "$left" | oneline)"
fi

# --- DKMS, private trees, no load ----------------------------------------

sys_state() {
	ls -d /var/lib/dkms/skybridge /usr/src/skybridge-* /var/lib/dkms/mok.key \
		/var/lib/dkms/mok.pub 2>/dev/null
	find /lib/modules -name 'skybridge*.ko*' 2>/dev/null
	grep '^skybridge' /proc/modules 2>/dev/null
}

dkms_conf_sets() {	# what /etc/dkms makes dkms do that this test must not
	grep -hsE '^[[:space:]]*(sign_file|mok_signing_key|mok_certificate|modprobe_on_install|dkms_tree|install_tree)=' \
		/etc/dkms/framework.conf /etc/dkms/framework.conf.d/*.conf /etc/dkms/skybridge*.conf
}

# dkms_kernel LABEL KVER KDIR: make dkms-install and dkms-uninstall for one
# kernel in private trees.
dkms_kernel() {
	local label=$1 kver=$2 kdir=$3 T ko rc vm signer
	T=$tmp/dkms-$label
	mkdir -p "$T/src" "$T/tree" "$T/inst/$kver"
	local dvars=(DKMS_TREE="$T/tree" DKMS_SOURCE_TREE="$T/src" DKMS_INSTALL_TREE="$T/inst"
		     DKMS_FLAGS=--no-depmod)
	# The signing key: dkms takes mok_signing_key, mok_certificate and
	# sign_file from /etc/dkms/framework.conf only when it sets them;
	# otherwise from the environment.  A key made here, in $T.
	mok_signing_key=$T/mok.key mok_certificate=$T/mok.pub sign_file=$kdir/scripts/sign-file \
		timeout 900 make -s dkms-install "${dvars[@]}" DKMS_KERNELS="$kver=$kdir" \
		>"$T/out" 2>&1
	rc=$?
	ko=$(ls "$T/inst/$kver/updates/dkms/"skybridge.ko* 2>/dev/null | head -n 1)
	if [ "$rc" = 0 ] && [ -n "$ko" ]; then
		ok "make dkms-install builds and installs skybridge.ko for $kver (${ko#"$T"/inst/})"
	else
		not_ok "make dkms-install for $kver: rc=$rc: $(grep -E 'Error|error' "$T/out" | head -n 5 | oneline)"
	fi
	if [ -n "$ko" ]; then
		vm=$(modinfo -F vermagic "$ko" 2>&1)
		case $vm in
		"$kver "*) ok "its vermagic is $kver" ;;
		*) not_ok "vermagic of the DKMS module: $vm" ;;
		esac
		leak=$(nm "$ko" | grep -Ei '\b(hc_test_|hv_test_|sb_test_)|test_fail_launch|probe_hidden|test_view' | head -n 3)
		check "the DKMS module is the production build (no test views or hooks)" \
			"$([ -z "$leak" ]; echo $?)" "$(echo "$leak" | oneline)"
		signer=$(modinfo -F signer "$ko" 2>&1)
		if [ ! -x "$kdir/scripts/sign-file" ]; then
			skip "the DKMS module is signed" "no $kdir/scripts/sign-file"
		elif [ "$signer" = "DKMS module signing key" ] && [ -s "$T/mok.key" ] && [ -s "$T/mok.pub" ]; then
			ok "dkms signed it (signer \"$signer\", $(modinfo -F sig_hashalgo "$ko")) with a key it made in the test's own directory"
		else
			not_ok "DKMS module signature: signer '$signer', key files: $(ls "$T"/mok.* 2>&1 | oneline)"
		fi
		status=$(dkms status --dkmstree "$T/tree" --sourcetree "$T/src" --installtree "$T/inst" 2>&1)
		check "dkms status (private tree): $status" \
			"$([ "$status" = "skybridge/$version, $kver, x86_64: installed" ]; echo $?)"
	fi
	# What dkms was given: the module's sources and nothing else.
	junk=$(find "$T/src/skybridge-$version" \( -name '*.o' -o -name '*.ko' -o -name '*.cmd' \
		-o -name build -o -name '.git' -o -name lib -o -name tests \) 2>/dev/null | head -n 3)
	if [ -f "$T/src/skybridge-$version/dkms.conf" ] && [ -f "$T/src/skybridge-$version/Kbuild" ] &&
	   [ -f "$T/src/skybridge-$version/kmod/main.c" ] && [ -z "$junk" ]; then
		ok "the DKMS source tree has the module's sources only ($(find "$T/src/skybridge-$version" -type f | wc -l) files)"
	else
		not_ok "the DKMS source tree: $(ls "$T/src/skybridge-$version" 2>&1 | oneline) junk: $junk"
	fi
	make -s dkms-uninstall "${dvars[@]}" >"$T/un" 2>&1
	rc=$?
	left=$(find "$T/tree" "$T/src" "$T/inst" -mindepth 1 \( -type f -o -type l \) 2>/dev/null | head -n 5)
	check "make dkms-uninstall removes it from the DKMS tree, the install tree and the sources" \
		"$([ "$rc" = 0 ] && [ -z "$left" ]; echo $?)" "rc=$rc left: $(echo "$left" | oneline)"
}

kver61=$(cat build/guest/kernel-version 2>/dev/null)
kdir61=/usr/src/linux-headers-$kver61
kver612=$(cat build/guest-6.12/kernel-version 2>/dev/null)
kdir612=$SRC/build/guest-6.12/root/usr/src/linux-headers-$kver612
if ! command -v dkms >/dev/null; then
	skip "DKMS builds" "no dkms (make deps installs it)"
elif [ "$(id -u)" != 0 ]; then
	skip "DKMS builds" "dkms install needs root"
elif [ -n "$(dkms_conf_sets)" ]; then
	skip "DKMS builds" "/etc/dkms sets what the test must choose itself: $(dkms_conf_sets | oneline)"
else
	before=$(sys_state)
	if [ -n "$kver61" ] && [ -f "$kdir61/Makefile" ]; then
		dkms_kernel 6.1 "$kver61" "$kdir61"
	else
		not_ok "DKMS for 6.1: no headers at '$kdir61' (make deps)"
	fi
	if [ -n "$kver612" ] && [ -f "$kdir612/Makefile" ]; then
		dkms_kernel 6.12 "$kver612" "$kdir612"
	else
		not_ok "DKMS for 6.12: no headers at '$kdir612' (make deps)"
	fi
	after=$(sys_state)
	check "nothing installed into the system or loaded (DKMS tree, /usr/src, /lib/modules, mok key, /proc/modules)" \
		"$([ "$before" = "$after" ]; echo $?)" "$(diff <(echo "$before") <(echo "$after") | grep '^[<>]' | oneline)"
fi

exit $failed
