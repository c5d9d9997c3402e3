// SPDX-License-Identifier: GPL-2.0
/*
 * sb-exec - run a program with itself and every shared library it loads
 * free of VMFUNC byte sequences.
 *
 * The library set comes from the dynamic loader itself ("ld.so --list"),
 * so search order, DT_RUNPATH/DT_RPATH, $ORIGIN, ld.so.cache and
 * LD_LIBRARY_PATH are resolved exactly as at run time.  Dirty objects are
 * rewritten once into a cache keyed by the SHA-256 of their contents; a
 * per-program directory of symlinks to the rewritten libraries is put first
 * on the library path, and the result is checked by listing again.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rewriter/output.h"
#include "rewriter/sha256.h"

#define EXIT_TOOL 125		/* sb-exec itself failed */
#define EXIT_DIRTY 126		/* an object cannot be made VMFUNC-free */
#define EXIT_NOTFOUND 127

#define DEFAULT_CACHE "/var/cache/skybridge"
#define MAX_OBJS 512

static const char usage[] =
"Usage: sb-exec [OPTIONS] PROG [ARGS...]\n"
"\n"
"Run PROG with ARGS after making sure PROG, its dynamic loader and every\n"
"shared library the loader will map for it contain no 0F 01 D4 byte sequence\n"
"(VMFUNC) in executable memory.  Dirty objects are rewritten with sb-rewrite's\n"
"engine into a cache directory keyed by the SHA-256 of their contents and used\n"
"from there; clean ones are used in place.\n"
"\n"
"Options:\n"
"  -v, --verbose   say what is rewritten or taken from the cache (stderr)\n"
"  -h, --help      show this help and exit\n"
"\n"
"Environment:\n"
"  SKYBRIDGE_CACHE  cache directory (default " DEFAULT_CACHE ").  Entries are\n"
"                   used only if owned by root or the caller and not writable\n"
"                   by group or others; anything else is rebuilt.\n"
"\n"
"Not covered: libraries opened later with dlopen(), code generated at run time\n"
"(JIT), setuid programs (the loader ignores the library path), programs started\n"
"by PROG.  Enforcing these is the kernel's job.\n"
"\n"
"PROG without a slash is the first executable regular file of that name in a\n"
"PATH directory.  It must be an ELF program; run a script as INTERPRETER SCRIPT.\n"
"\n"
"Exit status:\n"
"  PROG's own status if it ran\n"
"  125  sb-exec failed, or PROG cannot be run (not executable, not a regular\n"
"       file, not an ELF program)\n"
"  126  an object cannot be made VMFUNC-free; PROG was not run\n"
"  127  PROG not found (no such file, or none of that name in PATH)\n";

static bool verbose;

struct obj {
	char *name;			/* as the loader looked it up (DT_NEEDED) */
	char *path;			/* where it was found */
	char *use;			/* clean path to use (path or cache entry) */
};

static void die(int code, const char *file, const char *fmt, const char *arg)
{
	fprintf(stderr, "sb-exec: ");
	if (file)
		fprintf(stderr, "%s: ", file);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(code);
}

/* 1 if PATH has hits, 0 if clean; exits on unreadable files. */
static int dirty(const char *path)
{
	struct sbr_elf e;
	struct sbr_hit *hits;
	uint64_t scanned;
	char err[256];
	long n;

	if (sbr_elf_open(&e, path, err, sizeof(err)) < 0)
		die(EXIT_TOOL, path, "%s", err);
	n = sbr_scan(&e, &hits, &scanned);
	free(hits);
	sbr_elf_close(&e);
	if (n < 0)
		die(EXIT_TOOL, path, "%s", "out of memory");
	return n > 0;
}

/* Rewrite IN to OUT; exits with a clear message if it cannot be done. */
static void rewrite(const char *in, const char *out)
{
	static const struct sbr_opts none;
	struct sbr_elf e;
	struct sbr_patcher p;
	struct sbr_hit *hits;
	uint64_t scanned;
	char err[256];
	long n, i;

	if (sbr_elf_open(&e, in, err, sizeof(err)) < 0)
		die(EXIT_TOOL, in, "%s", err);
	n = sbr_scan(&e, &hits, &scanned);
	if (n < 0 || sbr_patch_init(&p, &e, &none) < 0)
		die(EXIT_TOOL, in, "%s", "out of memory");
	for (i = 0; i < n; i++) {
		struct sbr_cls c;
		struct sbr_outcome o;

		if (sbr_classify(&e, &hits[i], &c, err, sizeof(err)) < 0)
			die(EXIT_TOOL, in, "%s", err);
		if (sbr_patch_hit(&p, &hits[i], &c, &o) < 0)
			die(EXIT_TOOL, in, "%s", "out of memory");
		if (o.verdict == SBR_REFUSED) {
			snprintf(err, sizeof(err), "cannot be made VMFUNC-free: %s at offset %#lx: %s",
				 sbr_class_name(c.cls), (unsigned long)hits[i].off, o.reason);
			die(EXIT_DIRTY, in, "%s", err);
		}
	}
	if (sbr_output_write(&p, out, err, sizeof(err)) < 0)
		die(EXIT_TOOL, out, "%s", err);
	sbr_patch_free(&p);
	free(hits);
	sbr_elf_close(&e);
}

static char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		die(EXIT_TOOL, NULL, "%s", "out of memory");
	va_end(ap);
	return s;
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);

	if (!d)
		die(EXIT_TOOL, NULL, "%s", "out of memory");
	return d;
}

static void mkdir_p(const char *dir)
{
	char *d = xstrdup(dir), *p;

	for (p = d + 1; p && *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(d, 0755) < 0 && errno != EEXIST)
			break;
		*p = '/';
	}
	if (mkdir(d, 0755) < 0 && errno != EEXIST)
		die(EXIT_TOOL, dir, "cannot create cache directory: %s "
		    "(run as root, or set SKYBRIDGE_CACHE)", strerror(errno));
	free(d);
}

/* A cache entry is trusted only if the caller or root owns it and nobody else can write it. */
static bool trusted(const char *path, bool want_dir)
{
	struct stat st;

	if (lstat(path, &st) < 0 || (want_dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)))
		return false;
	return (st.st_uid == 0 || st.st_uid == geteuid()) && !(st.st_mode & 022);
}

static char *file_hash(const char *path)
{
	struct sbr_elf e;
	char err[256], *hex = malloc(2 * SBR_SHA256_LEN + 1);

	if (!hex || sbr_elf_open(&e, path, err, sizeof(err)) < 0)
		die(EXIT_TOOL, path, "%s", hex ? err : "out of memory");
	sbr_sha256_hex(e.data, e.size, hex);
	sbr_elf_close(&e);
	return hex;
}

/* The clean copy of dirty object PATH in CACHE: reuse or build. */
static char *cached_copy(const char *cache, const char *path, char **hash)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	char *dir, *entry;

	*hash = file_hash(path);
	dir = xasprintf("%s/%s", cache, *hash);
	entry = xasprintf("%s/%s", dir, base);
	if (trusted(dir, true) && trusted(entry, false) && !dirty(entry)) {
		if (verbose)
			fprintf(stderr, "sb-exec: %s: using cached %s\n", path, entry);
		return entry;
	}
	mkdir_p(dir);
	if (!trusted(dir, true))
		die(EXIT_TOOL, dir, "%s", "cache directory is writable by others or owned by someone else");
	rewrite(path, entry);
	if (chmod(entry, (access(path, X_OK) == 0 ? 0755 : 0644)) < 0)	/* 0755/0644 only */
		die(EXIT_TOOL, entry, "chmod: %s", strerror(errno));
	if (verbose)
		fprintf(stderr, "sb-exec: %s: rewritten to %s\n", path, entry);
	free(dir);
	return entry;
}

/* Run "INTERP [--library-path LP] --list PROG" and collect its objects. */
static size_t list_objects(const char *interp, const char *lp, const char *prog, struct obj *o)
{
	int fd[2], status;
	size_t n = 0;
	char *line = NULL;
	size_t cap = 0;
	FILE *f;
	pid_t pid;

	if (pipe(fd) < 0 || (pid = fork()) < 0)
		die(EXIT_TOOL, NULL, "%s", strerror(errno));
	if (pid == 0) {
		dup2(fd[1], 1);
		close(fd[0]);
		if (lp)
			execl(interp, interp, "--library-path", lp, "--list", prog, (char *)NULL);
		else
			execl(interp, interp, "--list", prog, (char *)NULL);
		_exit(127);
	}
	close(fd[1]);
	f = fdopen(fd[0], "r");
	if (!f)
		die(EXIT_TOOL, NULL, "%s", strerror(errno));
	while (getline(&line, &cap, f) > 0) {
		char name[4096], path[4096];

		if (n == MAX_OBJS)
			die(EXIT_TOOL, prog, "%s", "too many libraries");
		if (sscanf(line, " %4095s => %4095s", name, path) == 2) {
			if (!strcmp(path, "not"))
				die(EXIT_TOOL, prog, "library %s not found", name);
		} else if (sscanf(line, " %4095s (", path) == 1 && path[0] == '/') {
			strcpy(name, path);	/* the loader itself */
		} else {
			continue;		/* vdso, statically linked notes */
		}
		o[n].name = xstrdup(name);
		o[n].path = xstrdup(path);
		o[n++].use = NULL;
	}
	if (ferror(f))
		die(EXIT_TOOL, prog, "reading the dynamic loader's list: %s", strerror(errno));
	free(line);
	fclose(f);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		die(EXIT_TOOL, prog, "%s", "the dynamic loader could not list its libraries");
	return n;
}

static bool is_exec_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/*
 * PROG with a slash is used as given; without one it is the first regular
 * file with execute permission of that name in a PATH directory (an empty
 * entry is the current directory), as execvp() would run it.  Only "not
 * there" is 127; what else is wrong with a file that exists is reported
 * later, with 125.
 */
static char *find_prog(const char *name)
{
	const char *path = getenv("PATH"), *d, *end;
	struct stat st;

	if (strchr(name, '/')) {
		if (stat(name, &st) < 0) {
			if (errno == ENOENT || errno == ENOTDIR)
				die(EXIT_NOTFOUND, name, "%s", strerror(errno));
		} else if (S_ISREG(st.st_mode) && access(name, X_OK) < 0) {
			die(EXIT_TOOL, name, "cannot run it: %s", strerror(errno));
		}
		return xstrdup(name);
	}
	if (!path)
		path = "/usr/bin:/bin";
	for (d = path;; d = end + 1) {
		char *p;

		end = strchrnul(d, ':');
		p = end > d ? xasprintf("%.*s/%s", (int)(end - d), d, name) : xasprintf("./%s", name);
		if (is_exec_file(p))
			return p;
		free(p);
		if (!*end)
			break;
	}
	die(EXIT_NOTFOUND, name, "%s", "command not found");
	return NULL;
}

/* PROG's PT_INTERP, or NULL if it has none (static).  PROG exists: errors are 125. */
static char *interp_of(const char *prog)
{
	struct sbr_elf e;
	char err[256], *s = NULL;
	size_t i;

	if (sbr_elf_open(&e, prog, err, sizeof(err)) < 0)
		die(EXIT_TOOL, prog, "%s", err);
	for (i = 0; i < e.phnum; i++) {
		const GElf_Phdr *p = &e.phdr[i];

		if (p->p_type != PT_INTERP)
			continue;
		if (p->p_offset > e.size || e.size - p->p_offset < p->p_filesz || !p->p_filesz)
			die(EXIT_TOOL, prog, "%s", "bad PT_INTERP: empty or past the end of the file");
		s = strndup((char *)e.data + p->p_offset, p->p_filesz);
		if (!s)
			die(EXIT_TOOL, NULL, "%s", "out of memory");
		break;		/* the kernel uses the first one */
	}
	sbr_elf_close(&e);
	return s;
}

static const char *base_of(const char *name)
{
	return strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
}

/* Remove a view directory that was not installed: its symlinks, then itself. */
static void drop_view(const char *tmp, const struct obj *o, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char *link;

		if (o[i].use == o[i].path)
			continue;
		link = xasprintf("%s/%s", tmp, base_of(o[i].name));
		unlink(link);
		free(link);
	}
	rmdir(tmp);
}

/* Directory of symlinks NAME -> rewritten copy, named by what it holds. */
static char *make_view(const char *cache, struct obj *o, size_t n)
{
	struct sbr_sha256 s;
	struct stat st;
	uint8_t d[SBR_SHA256_LEN];
	char hex[2 * SBR_SHA256_LEN + 1], *view, *tmp;
	size_t i;
	int err;

	sbr_sha256_init(&s);
	for (i = 0; i < n; i++)
		if (o[i].use != o[i].path) {
			sbr_sha256_update(&s, o[i].name, strlen(o[i].name) + 1);
			sbr_sha256_update(&s, o[i].use, strlen(o[i].use) + 1);
		}
	sbr_sha256_final(&s, d);
	for (i = 0; i < SBR_SHA256_LEN; i++)
		sprintf(hex + 2 * i, "%02x", d[i]);
	view = xasprintf("%s/view-%s", cache, hex);
	if (trusted(view, true))
		return view;
	tmp = xasprintf("%s/.view-XXXXXX", cache);
	if (!mkdtemp(tmp))
		die(EXIT_TOOL, cache, "cannot create a view directory: %s", strerror(errno));
	if (chmod(tmp, 0755) < 0) {
		err = errno;
		drop_view(tmp, o, 0);
		die(EXIT_TOOL, tmp, "chmod: %s", strerror(err));
	}
	for (i = 0; i < n; i++) {
		char *link = xasprintf("%s/%s", tmp, base_of(o[i].name));

		if (o[i].use != o[i].path && symlink(o[i].use, link) < 0 && errno != EEXIST) {
			err = errno;
			drop_view(tmp, o, i);
			die(EXIT_TOOL, link, "symlink: %s", strerror(err));
		}
		free(link);
	}
	if (rename(tmp, view) < 0) {
		err = errno;
		drop_view(tmp, o, n);	/* nothing is left behind in the cache */
		if (trusted(view, true))
			return view;	/* another sb-exec installed the same view first */
		if (lstat(view, &st) == 0)
			die(EXIT_TOOL, view, "view is not trusted (owned by someone else, or writable by "
			    "group or others) and cannot be replaced: %s", strerror(err));
		die(EXIT_TOOL, view, "cannot install the view directory: %s", strerror(err));
	}
	return view;
}

int main(int argc, char **argv)
{
	const char *cache = getenv("SKYBRIDGE_CACHE");
	const char *old_lp = getenv("LD_LIBRARY_PATH");
	struct obj o[MAX_OBJS];
	char *prog, *interp, *use_interp, *use_prog, *view = NULL, *lp = NULL, *hash;
	size_t n = 0, i, rewritten = 0;
	int a = 1;

	for (; a < argc && argv[a][0] == '-'; a++) {
		if (!strcmp(argv[a], "-v") || !strcmp(argv[a], "--verbose"))
			verbose = true;
		else if (!strcmp(argv[a], "-h") || !strcmp(argv[a], "--help"))
			return fputs(usage, stdout), 0;
		else if (!strcmp(argv[a], "--"))
			{ a++; break; }
		else
			die(EXIT_TOOL, NULL, "unknown option '%s' (see --help)", argv[a]);
	}
	if (a >= argc)
		die(EXIT_TOOL, NULL, "%s", "no PROG given (see --help)");
	if (!cache || !*cache)
		cache = DEFAULT_CACHE;
	prog = find_prog(argv[a]);
	interp = interp_of(prog);
	if (interp && access(interp, X_OK) < 0)	/* else only "could not list" below */
		die(EXIT_TOOL, prog, "%s", xasprintf("cannot run its loader %s: %s", interp,
						     strerror(errno)));
	if (interp)
		n = list_objects(interp, NULL, prog, o);
	use_prog = prog;
	use_interp = interp;
	if (dirty(prog)) {
		mkdir_p(cache);
		use_prog = cached_copy(cache, prog, &hash);
	}
	for (i = 0; i < n; i++) {
		o[i].use = o[i].path;
		if (!dirty(o[i].path))
			continue;
		mkdir_p(cache);
		o[i].use = cached_copy(cache, o[i].path, &hash);
		if (interp && !strcmp(o[i].path, interp))
			use_interp = o[i].use;
		else
			rewritten++;
	}
	if (rewritten) {
		view = make_view(cache, o, n);
		lp = old_lp && *old_lp ? xasprintf("%s:%s", view, old_lp) : view;
		/* Verify: with the view first, does the loader now pick only clean objects? */
		n = list_objects(interp, lp, use_prog, o);
		for (i = 0; i < n; i++)
			if (strcmp(o[i].path, interp) && dirty(o[i].path))
				die(EXIT_DIRTY, o[i].path, "%s", "is still loaded instead of its rewritten "
				    "copy (DT_RPATH or a path in DT_NEEDED?)");
	}
	if (use_interp == interp && use_prog == prog) {
		if (lp && setenv("LD_LIBRARY_PATH", lp, 1) < 0)
			die(EXIT_TOOL, NULL, "%s", strerror(errno));
		execv(prog, argv + a);
		die(EXIT_TOOL, prog, "exec: %s", strerror(errno));
	}
	if (!interp) {		/* static program: the rewritten copy runs on its own */
		execv(use_prog, argv + a);
		die(EXIT_TOOL, use_prog, "exec: %s", strerror(errno));
	}
	{
		/* interp --argv0 ARGV0 [--library-path LP] PROG ARGS... */
		char **nargv = calloc(argc + 8, sizeof(*nargv));
		int k = 0;

		if (!nargv)
			die(EXIT_TOOL, NULL, "%s", "out of memory");
		nargv[k++] = use_interp;
		nargv[k++] = "--argv0";
		nargv[k++] = argv[a];
		if (lp) {
			nargv[k++] = "--library-path";
			nargv[k++] = lp;
		}
		nargv[k++] = use_prog;
		for (i = a + 1; i < (size_t)argc; i++)
			nargv[k++] = argv[i];
		execv(use_interp, nargv);
		die(EXIT_TOOL, use_interp, "exec: %s", strerror(errno));
	}
	return EXIT_TOOL;
}
