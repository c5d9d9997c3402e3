// SPDX-License-Identifier: GPL-2.0
/*
 * sb-rewrite - remove every VMFUNC byte sequence (0F 01 D4) from the
 * executable memory of an ELF64 x86-64 program or shared library.
 *
 * SkyBridge lets a thread VMFUNC into another address space; the
 * instruction has no privilege check, so a program must not contain the
 * bytes anywhere it could jump to.  See docs/rewriter.md.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "rewriter/output.h"

#define EXIT_HITS 1		/* --check: found; rewrite: refused */
#define EXIT_ERR 2		/* bad usage, bad input, I/O */

static const char usage[] =
"Usage: sb-rewrite [OPTIONS] INPUT OUTPUT\n"
"       sb-rewrite --check [OPTIONS] FILE...\n"
"\n"
"Find every 0F 01 D4 byte sequence (the VMFUNC instruction, Intel SDM Vol. 2B)\n"
"in the executable memory of ELF64 x86-64 executables, PIEs and shared objects,\n"
"and write a copy of INPUT to OUTPUT in which none is left.\n"
"\n"
"Every PT_LOAD segment with PF_X is scanned, together with the rest of the pages\n"
"it is mapped on.  Each hit is decoded from the nearest known instruction start\n"
"(symbol, unwind-table entry, section start) and classified:\n"
"  vmfunc    a real VMFUNC instruction: refused unless whitelisted\n"
"  in-insn   inside one instruction; fields= names the part (opcode, modrm,\n"
"            sib, disp, imm, rel = relative branch offset)\n"
"  span      across the boundary of two instructions\n"
"  data      not code (data or padding in an executable page): refused\n"
"\n"
"Rewriting keeps the program's behaviour: a same-length equivalent instruction\n"
"in place (substitute); a rel32 branch retargeted through a jump stub (thunk);\n"
"or the instructions around the hit moved to a new executable segment with a\n"
"jmp there and back, re-encoded for their new address and transformed where\n"
"their own bytes hold the sequence (relocate).  The result is re-scanned and\n"
"written only if clean: to a temporary file beside OUTPUT, fsync'ed, renamed.\n"
"INPUT is never modified.\n"
"\n"
"Options:\n"
"  -c, --check              report hits in each FILE; write nothing\n"
"  -a, --allow-vmfunc-at=OFFSET\n"
"                           keep the VMFUNC instruction at file offset OFFSET\n"
"                           (decimal or 0x-hex); may be repeated\n"
"  -q, --quiet              --check: no per-hit lines, only the exit status\n"
"  -v, --verbose            rewrite: list every hit and what was done\n"
"  -s, --stats              print bytes scanned and throughput to stderr\n"
"  -h, --help               show this help and exit\n"
"  -V, --version            show the version and exit\n"
"\n"
"Hit lines (stdout):\n"
"  FILE: off=OFF vaddr=VADDR class=CLASS fields=FIELDS verdict=VERDICT\n"
"        [method=METHOD] [func=SYMBOL]: DETAIL\n"
"  VERDICT is rewrite (METHOD substitute, thunk, relocate), allowed, or refuse.\n"
"\n"
"Exit status:\n"
"  0  --check: every FILE is clean; rewrite: OUTPUT written\n"
"  1  --check: some FILE has hits; rewrite: some hit cannot be rewritten,\n"
"     nothing written\n"
"  2  usage error, unreadable or unsupported input, or I/O error\n";

struct run {
	struct sbr_opts opts;
	uint64_t *allow;
	bool check, quiet, verbose, stats;
	uint64_t scanned;
	unsigned files;
};

static void error(const char *file, const char *msg)
{
	if (file)
		fprintf(stderr, "sb-rewrite: %s: %s\n", file, msg);
	else
		fprintf(stderr, "sb-rewrite: %s\n", msg);
}

static void print_hit(FILE *f, const char *file, const struct sbr_hit *h,
		      const struct sbr_cls *c, const struct sbr_outcome *o)
{
	char fields[64];

	fprintf(f, "%s: off=%#lx vaddr=%#lx class=%s fields=%s verdict=%s", file,
		(unsigned long)h->off, (unsigned long)h->vaddr, sbr_class_name(c->cls),
		c->fields ? sbr_fields_str(c->fields, fields, sizeof(fields)) : "-",
		sbr_verdict_name(o->verdict));
	if (o->verdict == SBR_FIXED)
		fprintf(f, " method=%s", o->method);
	if (c->func)
		fprintf(f, " func=%s", c->func);
	fprintf(f, ": %s%s%s\n", c->why, o->verdict == SBR_REFUSED ? "; " : "",
		o->verdict == SBR_REFUSED ? o->reason : "");
}

struct tally {
	long fixed, allowed, refused;
	long method[3];			/* substitute, thunk, relocate */
};

static void count(struct tally *t, const struct sbr_outcome *o)
{
	static const char *const m[] = { "substitute", "thunk", "relocate" };
	unsigned k;

	t->fixed += o->verdict == SBR_FIXED;
	t->allowed += o->verdict == SBR_ALLOWED;
	t->refused += o->verdict == SBR_REFUSED;
	for (k = 0; o->verdict == SBR_FIXED && k < 3; k++)
		if (!strcmp(o->method, m[k]))
			t->method[k]++;
}

/*
 * Classify and fix every hit on P's copy of the file.  PRINT: where hit
 * lines go (NULL: refusals only, to stderr unless quiet).
 */
static int process(const struct run *r, struct sbr_patcher *p, const struct sbr_hit *hits,
		   long n, FILE *print, struct tally *t, char *err, size_t errlen)
{
	long i;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < n; i++) {
		struct sbr_cls c;
		struct sbr_outcome o;

		if (sbr_classify(p->e, &hits[i], &c, err, errlen) < 0)
			return -1;
		if (sbr_patch_hit(p, &hits[i], &c, &o) < 0) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		count(t, &o);
		if (print)
			print_hit(print, p->e->path, &hits[i], &c, &o);
		else if (o.verdict == SBR_REFUSED && !r->quiet)
			print_hit(stderr, p->e->path, &hits[i], &c, &o);
	}
	return 0;
}

/* Scan FILE and plan (without writing) every fix: 0 clean, EXIT_HITS, EXIT_ERR. */
static int check_one(struct run *r, const char *file)
{
	struct sbr_elf e;
	struct sbr_patcher p;
	struct sbr_hit *hits;
	struct tally t = { 0 };
	char err[256];
	uint64_t scanned;
	long n;

	if (sbr_elf_open(&e, file, err, sizeof(err)) < 0) {
		error(file, err);
		return EXIT_ERR;
	}
	r->files++;
	n = sbr_scan(&e, &hits, &scanned);
	r->scanned += scanned;
	err[0] = 0;
	if (n > 0) {
		if (sbr_patch_init(&p, &e, &r->opts) < 0) {
			n = -1;
		} else {
			if (process(r, &p, hits, n, r->quiet ? NULL : stdout, &t, err, sizeof(err)) < 0)
				n = -1;
			sbr_patch_free(&p);	/* its copy of the file, on error too */
		}
	}
	if (n < 0 && !err[0])
		snprintf(err, sizeof(err), "out of memory");
	free(hits);
	sbr_elf_close(&e);
	if (n < 0) {
		error(file, err);
		return EXIT_ERR;
	}
	return t.fixed + t.refused ? EXIT_HITS : 0;
}

static bool same_file(const char *a, const char *b)
{
	struct stat x, y;

	return stat(a, &x) == 0 && stat(b, &y) == 0 && x.st_dev == y.st_dev && x.st_ino == y.st_ino;
}

static int rewrite(struct run *r, const char *in, const char *out)
{
	struct sbr_elf e;
	struct sbr_patcher p;
	struct sbr_hit *hits = NULL;
	struct tally t = { 0 };
	char err[256] = "";
	int rc = EXIT_ERR;
	uint64_t scanned;
	long n;

	if (same_file(in, out)) {
		error(out, "output is the input file; refusing to replace it");
		return EXIT_ERR;
	}
	if (sbr_elf_open(&e, in, err, sizeof(err)) < 0) {
		error(in, err);
		return EXIT_ERR;
	}
	r->files++;
	n = sbr_scan(&e, &hits, &scanned);
	r->scanned += scanned;
	if (n < 0 || sbr_patch_init(&p, &e, &r->opts) < 0) {
		error(in, "out of memory");
		goto out;
	}
	if (process(r, &p, hits, n, r->verbose ? stdout : NULL, &t, err, sizeof(err)) < 0) {
		error(in, err);
	} else if (t.refused) {
		snprintf(err, sizeof(err), "%ld of %ld hit(s) cannot be rewritten; %s not written",
			 t.refused, n, out);
		error(in, err);
		rc = EXIT_HITS;
	} else if (sbr_output_write(&p, out, err, sizeof(err)) < 0) {
		error(out, err);
	} else {
		rc = 0;
		if (r->verbose)
			printf("%s: %ld hit(s): %ld substituted, %ld thunked, %ld relocated, %ld allowed; "
			       "patch segment %zu bytes at vaddr %#lx\n", out, n, t.method[0],
			       t.method[1], t.method[2], t.allowed, p.pa_len,
			       (unsigned long)p.pa_vaddr);
	}
	sbr_patch_free(&p);
out:
	free(hits);
	sbr_elf_close(&e);
	return rc;
}

static int parse_offset(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno || end == s || *end || *s == '-' ? -1 : 0;
}

static int add_allow(struct run *r, const char *arg)
{
	uint64_t *n, v;

	if (parse_offset(arg, &v) < 0) {
		fprintf(stderr, "sb-rewrite: --allow-vmfunc-at wants a file offset, not '%s'\n", arg);
		return -1;
	}
	n = reallocarray(r->allow, r->opts.nallow + 1, sizeof(*n));
	if (!n) {
		error(NULL, "out of memory");
		return -1;
	}
	n[r->opts.nallow++] = v;
	r->allow = n;
	r->opts.allow = n;
	return 0;
}

/* The report is the result of --check: losing it (stdout full or closed) is an I/O error. */
static int flush_stdout(void)
{
	int err = fflush(stdout) ? errno : 0;

	if (!err && !ferror(stdout))
		return 0;
	fprintf(stderr, "sb-rewrite: cannot write to stdout: %s\n", err ? strerror(err) : "write error");
	return EXIT_ERR;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int parse_args(struct run *r, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "check", no_argument, NULL, 'c' },
		{ "allow-vmfunc-at", required_argument, NULL, 'a' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "stats", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":ca:qvshV", lo, NULL)) != -1) {
		switch (c) {
		case 'c': r->check = true; break;
		case 'a': if (add_allow(r, optarg) < 0) return EXIT_ERR; break;
		case 'q': r->quiet = true; break;
		case 'v': r->verbose = true; break;
		case 's': r->stats = true; break;
		case 'h': fputs(usage, stdout); exit(flush_stdout());
		case 'V': puts("sb-rewrite (skybridge) " SKYBRIDGE_VERSION); exit(flush_stdout());
		case ':':
			fprintf(stderr, "sb-rewrite: option '%s' needs an argument\n", argv[optind - 1]);
			return EXIT_ERR;
		default:
			fprintf(stderr, "sb-rewrite: unknown option '%s' (see --help)\n", argv[optind - 1]);
			return EXIT_ERR;
		}
	}
	if (r->check ? optind >= argc : argc - optind != 2) {
		fprintf(stderr, "sb-rewrite: %s (see --help)\n",
			r->check ? "--check needs at least one FILE" : "expected INPUT and OUTPUT");
		return EXIT_ERR;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct run r = { 0 };
	double t0;
	int rc = 0, i;

	if ((rc = parse_args(&r, argc, argv)))
		return rc;
	t0 = now();
	if (r.check) {
		for (i = optind; i < argc; i++) {
			int one = check_one(&r, argv[i]);

			rc = one > rc ? one : rc;
		}
	} else {
		rc = rewrite(&r, argv[optind], argv[optind + 1]);
	}
	if (r.stats) {
		double dt = now() - t0;

		fprintf(stderr, "sb-rewrite: %u file(s), %.1f MB scanned in %.3f s: %.0f MB/s\n",
			r.files, r.scanned / 1e6, dt, dt > 0 ? r.scanned / 1e6 / dt : 0.0);
	}
	free(r.allow);
	if (flush_stdout())
		rc = EXIT_ERR;
	return rc;
}
