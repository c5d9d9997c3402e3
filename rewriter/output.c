// SPDX-License-Identifier: GPL-2.0
/*
 * output.c - add the patch segment and write the result.
 *
 * The patch area is appended at the first page boundary after the end of
 * the file and mapped by a new PT_LOAD (R+X) above the highest existing
 * segment.  The program header table cannot grow in place (the bytes after
 * it are code or data at fixed offsets), so a PT_NOTE entry is recycled:
 * notes are optional for running a program (the kernel and ld.so use
 * PT_GNU_PROPERTY / PT_INTERP / PT_DYNAMIC), the note bytes stay in the
 * file and stay reachable through the section headers.  A PT_NOTE that is
 * not a GNU property note is preferred, so CET markings survive when the
 * file has no PT_GNU_PROPERTY.  PT_LOAD entries must stay sorted by vaddr
 * (glibc's loader sizes the mapping from the first and last one), so the
 * recycled entry is moved to just after the last PT_LOAD.
 *
 * Without a PT_NOTE (e.g. a bare "ld" link) the table is copied, one entry
 * longer, to the start of the patch segment, and e_phoff and PT_PHDR point
 * there.  The kernel finds AT_PHDR through the PT_LOAD that holds e_phoff
 * (Linux >= 5.18; older kernels assumed it was in the first segment).
 */
#include "rewriter/output.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rewriter/scan.h"

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static bool is_property_note(const struct sbr_elf *e, const Elf64_Phdr *ph)
{
	Elf64_Nhdr n;

	if (ph->p_filesz < sizeof(n) || ph->p_offset > e->size || e->size - ph->p_offset < sizeof(n))
		return false;	/* p_offset + sizeof(n) could wrap: not read, not trusted */
	memcpy(&n, e->data + ph->p_offset, sizeof(n));
	return n.n_type == NT_GNU_PROPERTY_TYPE_0;
}

static long pick_note(const struct sbr_elf *e, const Elf64_Phdr *ph, size_t n)
{
	long any = -1, plain = -1;
	size_t i;

	for (i = 0; i < n; i++) {
		if (ph[i].p_type != PT_NOTE)
			continue;
		any = i;
		if (!is_property_note(e, &ph[i]))
			plain = i;
	}
	return plain >= 0 ? plain : any;
}

/* The new PT_LOAD goes right after the last PT_LOAD of the N entries in PH. */
static void insert_load(Elf64_Phdr *ph, size_t n, const Elf64_Phdr *seg)
{
	size_t i, last = 0;

	for (i = 0; i < n; i++)
		if (ph[i].p_type == PT_LOAD)
			last = i;
	memmove(&ph[last + 2], &ph[last + 1], (n - last - 1) * sizeof(*ph));
	ph[last + 1] = *seg;
}

/* Rewrite the program header table of BUF to map the patch area. */
static int add_segment(const struct sbr_patcher *p, uint8_t *buf, char *err, size_t errlen)
{
	const struct sbr_elf *e = p->e;
	size_t n = e->phnum, i;
	Elf64_Phdr *ph = calloc(n + 1, sizeof(*ph));
	Elf64_Phdr seg = {
		.p_type = PT_LOAD, .p_flags = PF_R | PF_X, .p_offset = p->pa_off,
		.p_vaddr = p->pa_vaddr, .p_paddr = p->pa_vaddr, .p_filesz = p->pa_len,
		.p_memsz = p->pa_len, .p_align = SBR_PAGE,
	};
	Elf64_Ehdr eh;
	long note;

	if (!ph)
		return fail(err, errlen, "out of memory");
	memcpy(ph, buf + e->ehdr.e_phoff, n * sizeof(*ph));
	if (p->pa_start) {
		for (i = 0; i < n; i++)
			if (ph[i].p_type == PT_PHDR) {
				ph[i].p_offset = p->pa_off;
				ph[i].p_vaddr = ph[i].p_paddr = p->pa_vaddr;
				ph[i].p_filesz = ph[i].p_memsz = (n + 1) * sizeof(*ph);
			}
		insert_load(ph, n, &seg);
		memcpy(buf + p->pa_off, ph, (n + 1) * sizeof(*ph));
		memcpy(&eh, buf, sizeof(eh));
		eh.e_phoff = p->pa_off;
		eh.e_phnum = n + 1;
		memcpy(buf, &eh, sizeof(eh));
	} else {
		note = pick_note(e, ph, n);
		if (note < 0) {
			free(ph);
			return fail(err, errlen, "no PT_NOTE program header to turn into the patch segment");
		}
		memmove(&ph[note], &ph[note + 1], (n - note - 1) * sizeof(*ph));
		insert_load(ph, n - 1, &seg);
		memcpy(buf + e->ehdr.e_phoff, ph, n * sizeof(*ph));
	}
	free(ph);
	return 0;
}

static int write_all(int fd, const uint8_t *b, size_t n)
{
	while (n) {
		ssize_t w = write(fd, b, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w == 0)
			errno = EIO;	/* no progress and no errno to report */
		if (w <= 0)
			return -1;
		b += w;
		n -= w;
	}
	return 0;
}

/*
 * The directory DST is in, in its own allocation.  dirname() may modify
 * its argument (and return a pointer into it, or to a static "."), so it
 * is called once, on a private copy, and never again on the result.
 */
static char *dir_of(const char *dst)
{
	char *copy = strdup(dst), *dir;

	if (!copy)
		return NULL;
	dir = strdup(dirname(copy));
	free(copy);
	return dir;
}

int sbr_write_atomic(const char *dst, const uint8_t *const *parts, const size_t *lens,
		     size_t nparts, mode_t mode, char *err, size_t errlen)
{
	char *dir = dir_of(dst), *tmp = NULL;
	int fd = -1, dfd, rc;
	size_t i;

	if (!dir || asprintf(&tmp, "%s/.sb-rewrite.XXXXXX", dir) < 0) {
		free(dir);
		return fail(err, errlen, "out of memory");
	}
	fd = mkstemp(tmp);
	if (fd < 0) {
		fail(err, errlen, "cannot create a temporary file in %s: %s", dir, strerror(errno));
		goto out;
	}
	for (i = 0; i < nparts; i++)
		if (write_all(fd, parts[i], lens[i]) < 0)
			break;
	if (i < nparts || fchmod(fd, mode) < 0 || fsync(fd) < 0) {
		fail(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		goto bad;
	}
	rc = close(fd);
	fd = -1;		/* closed even if close() failed */
	if (rc < 0) {
		fail(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		goto bad;
	}
	if (rename(tmp, dst) < 0) {
		fail(err, errlen, "cannot rename into place: %s", strerror(errno));
		goto bad;
	}
	/*
	 * Make the rename durable: fsync the directory that holds DST.  Best
	 * effort: DST is already in place, and a directory may be unreadable
	 * (write and search permission are all rename needs).
	 */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	free(tmp);
	free(dir);
	return 0;
bad:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
out:
	free(tmp);
	free(dir);
	return -1;
}

/* The finished file must scan clean (bar whitelisted VMFUNCs) before it is written. */
static int verify(const struct sbr_patcher *p, uint8_t *buf, size_t size, char *err, size_t errlen)
{
	struct sbr_elf out;
	struct sbr_hit *hits;
	uint64_t scanned;
	long n, i, bad = 0;
	size_t k;

	if (sbr_elf_open_mem(&out, "output", buf, size, err, errlen) < 0)
		return -1;
	n = sbr_scan(&out, &hits, &scanned);
	sbr_elf_close(&out);
	if (n < 0)
		return fail(err, errlen, "out of memory");
	for (i = 0; i < n; i++) {
		for (k = 0; k < p->o->nallow && p->o->allow[k] != hits[i].off; k++)
			;
		if (k == p->o->nallow && !bad++)
			fail(err, errlen, "internal error: rewritten file still has 0F 01 D4 at offset %#lx",
			     (unsigned long)hits[i].off);
	}
	free(hits);
	return bad ? -1 : 0;
}

int sbr_output_write(const struct sbr_patcher *p, const char *dst, char *err, size_t errlen)
{
	const struct sbr_elf *e = p->e;
	bool grow = p->pa_len > p->pa_start;	/* any stub at all? */
	size_t size = grow ? p->pa_off + p->pa_len : e->size;
	uint8_t *buf = calloc(1, size);
	const uint8_t *parts[1] = { buf };
	struct stat st;
	int r = -1;

	if (!buf)
		return fail(err, errlen, "out of memory");
	memcpy(buf, p->img, e->size);
	if (grow)
		memcpy(buf + p->pa_off, p->pa, p->pa_len);
	if (grow && add_segment(p, buf, err, errlen) < 0)
		goto out;
	if (verify(p, buf, size, err, errlen) < 0)
		goto out;
	if (stat(e->path, &st) < 0) {
		fail(err, errlen, "cannot stat the input: %s", strerror(errno));
		goto out;
	}
	r = sbr_write_atomic(dst, parts, &size, 1, st.st_mode & 0777, err, errlen);
out:
	free(buf);
	return r;
}
