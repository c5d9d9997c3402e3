// SPDX-License-Identifier: GPL-2.0
/*
 * elffile.c - open, validate and index an ELF64 x86-64 file.
 *
 * The whole file is mapped MAP_PRIVATE and writable: libelf wants a
 * non-const buffer, the rewriter patches a copy, and copy-on-write
 * guarantees the input file itself is never modified.
 */
#include "rewriter/elffile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * Only a regular file is ever opened: open() on a FIFO nobody writes blocks
 * forever, and on a device it can have side effects.  stat() first refuses
 * the others without opening them; O_NONBLOCK keeps a file swapped for a
 * FIFO in between from blocking, and fstat() re-checks what was opened.
 */
static int map_file(struct sbr_elf *e, const char *path, char *err, size_t errlen)
{
	struct stat st;
	int fd;

	if (stat(path, &st) < 0)
		return fail(err, errlen, "%s", strerror(errno));
	if (S_ISDIR(st.st_mode))
		return fail(err, errlen, "is a directory");
	if (!S_ISREG(st.st_mode))
		return fail(err, errlen, "not a regular file");
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return fail(err, errlen, "%s", strerror(errno));
	if (fstat(fd, &st) < 0) {
		fail(err, errlen, "%s", strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return fail(err, errlen, "not a regular file");
	}
	if (st.st_size == 0) {
		close(fd);
		return fail(err, errlen, "not an ELF file (empty)");
	}
	e->size = st.st_size;
	e->data = mmap(NULL, e->size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (e->data == MAP_FAILED) {
		e->data = NULL;
		fail(err, errlen, "cannot map: %s", strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* Identity checks come first so each kind of wrong file gets its own message. */
static int check_ident(const struct sbr_elf *e, char *err, size_t errlen)
{
	const unsigned char *id = e->data;

	if (e->size < EI_NIDENT) {
		if (e->size >= SELFMAG && memcmp(id, ELFMAG, SELFMAG) == 0)
			return fail(err, errlen, "truncated: %zu bytes is too short for an ELF header",
				    e->size);
		return fail(err, errlen, "not an ELF file (%zu bytes)", e->size);
	}
	if (memcmp(id, ELFMAG, SELFMAG) != 0)
		return fail(err, errlen, "not an ELF file (bad magic)");
	if (id[EI_CLASS] == ELFCLASS32)
		return fail(err, errlen, "32-bit ELF is not supported (only ELF64 x86-64)");
	if (id[EI_CLASS] != ELFCLASS64)
		return fail(err, errlen, "unknown ELF class %u", id[EI_CLASS]);
	if (id[EI_DATA] != ELFDATA2LSB)
		return fail(err, errlen, "big-endian ELF is not supported (only ELF64 x86-64)");
	return 0;
}

static int check_ehdr(const struct sbr_elf *e, char *err, size_t errlen)
{
	const GElf_Ehdr *h = &e->ehdr;

	if (h->e_machine != EM_X86_64)
		return fail(err, errlen, "machine %u is not x86-64", h->e_machine);
	if (h->e_type == ET_REL)
		return fail(err, errlen, "relocatable object file; link it first");
	if (h->e_type != ET_EXEC && h->e_type != ET_DYN)
		return fail(err, errlen, "ELF type %u is neither an executable nor a shared object",
			    h->e_type);
	if (h->e_phentsize != sizeof(Elf64_Phdr) || h->e_phnum == 0)
		return fail(err, errlen, "no usable program header table");
	if (h->e_phoff > e->size ||
	    e->size - h->e_phoff < (uint64_t)h->e_phnum * sizeof(Elf64_Phdr))
		return fail(err, errlen, "truncated: program header table runs past end of file");
	return 0;
}

static int load_phdrs(struct sbr_elf *e, char *err, size_t errlen)
{
	size_t i;

	e->phnum = e->ehdr.e_phnum;
	e->phdr = calloc(e->phnum, sizeof(*e->phdr));
	if (!e->phdr)
		return fail(err, errlen, "out of memory");
	for (i = 0; i < e->phnum; i++) {
		GElf_Phdr *p = &e->phdr[i];

		if (!gelf_getphdr(e->elf, i, p))
			return fail(err, errlen, "bad program header %zu: %s", i, elf_errmsg(-1));
		if (p->p_type != PT_LOAD)
			continue;
		if (p->p_offset > e->size || e->size - p->p_offset < p->p_filesz)
			return fail(err, errlen,
				    "truncated: segment %zu (offset %#lx, %#lx bytes) runs past end of file (%#zx bytes)",
				    i, (unsigned long)p->p_offset, (unsigned long)p->p_filesz, e->size);
		if (p->p_filesz > p->p_memsz)
			return fail(err, errlen, "segment %zu: file size exceeds memory size", i);
	}
	return 0;
}

static int parse(struct sbr_elf *e, char *err, size_t errlen)
{
	if (elf_version(EV_CURRENT) == EV_NONE) {
		fail(err, errlen, "libelf: %s", elf_errmsg(-1));
		goto bad;
	}
	if (check_ident(e, err, errlen) < 0)
		goto bad;
	if (e->size < sizeof(Elf64_Ehdr)) {
		fail(err, errlen, "truncated: %zu bytes is too short for an ELF header", e->size);
		goto bad;
	}
	e->elf = elf_memory((char *)e->data, e->size);
	if (!e->elf || elf_kind(e->elf) != ELF_K_ELF || !gelf_getehdr(e->elf, &e->ehdr)) {
		fail(err, errlen, "unreadable ELF header: %s", elf_errmsg(-1));
		goto bad;
	}
	if (check_ehdr(e, err, errlen) < 0 || load_phdrs(e, err, errlen) < 0)
		goto bad;
	return 0;
bad:
	sbr_elf_close(e);
	return -1;
}

int sbr_elf_open(struct sbr_elf *e, const char *path, char *err, size_t errlen)
{
	memset(e, 0, sizeof(*e));
	e->path = path;
	if (map_file(e, path, err, errlen) < 0) {
		sbr_elf_close(e);
		return -1;
	}
	e->mapped = true;
	return parse(e, err, errlen);
}

int sbr_elf_open_mem(struct sbr_elf *e, const char *name, uint8_t *data, size_t size,
		     char *err, size_t errlen)
{
	memset(e, 0, sizeof(*e));
	e->path = name;
	e->data = data;
	e->size = size;
	return parse(e, err, errlen);
}

void sbr_elf_close(struct sbr_elf *e)
{
	if (e->elf)
		elf_end(e->elf);
	if (e->data && e->mapped)
		munmap(e->data, e->size);
	free(e->phdr);
	free(e->sects);
	free(e->syms);
	free(e->anchors);
	memset(e, 0, sizeof(*e));
}

static int load_sections(struct sbr_elf *e, char *err, size_t errlen)
{
	size_t shstrndx, n = 0, cap = 16;
	Elf_Scn *scn = NULL;

	if (e->ehdr.e_shnum == 0 && e->ehdr.e_shoff == 0)
		return 0;	/* sstrip'ed: segments only */
	if (e->ehdr.e_shoff > e->size)
		return fail(err, errlen, "truncated: section header table past end of file");
	if (elf_getshdrstrndx(e->elf, &shstrndx) < 0)
		return fail(err, errlen, "bad section header table: %s", elf_errmsg(-1));
	e->sects = calloc(cap, sizeof(*e->sects));
	if (!e->sects)
		return fail(err, errlen, "out of memory");
	while ((scn = elf_nextscn(e->elf, scn))) {
		GElf_Shdr sh;
		const char *name;

		if (!gelf_getshdr(scn, &sh))
			return fail(err, errlen, "bad section header: %s", elf_errmsg(-1));
		if (!(sh.sh_flags & SHF_ALLOC))
			continue;
		if (n == cap) {
			struct sbr_sect *s = reallocarray(e->sects, cap *= 2, sizeof(*s));

			if (!s)
				return fail(err, errlen, "out of memory");
			e->sects = s;
		}
		name = elf_strptr(e->elf, shstrndx, sh.sh_name);
		e->sects[n++] = (struct sbr_sect){
			.name = name ? name : "?", .addr = sh.sh_addr, .off = sh.sh_offset,
			.size = sh.sh_size, .flags = sh.sh_flags, .type = sh.sh_type,
		};
	}
	e->nsects = n;
	return 0;
}

static int sym_cmp(const void *a, const void *b)
{
	const struct sbr_sym *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	/* Sized before unsized, so a size-0 alias does not hide the extent. */
	return (x->size < y->size) - (x->size > y->size);
}

static int add_symbols(struct sbr_elf *e, Elf_Scn *scn, const GElf_Shdr *sh, size_t *cap)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	size_t i, count;

	if (!d || sh->sh_entsize != sizeof(Elf64_Sym))
		return 0;	/* unreadable table: decode without its anchors */
	count = d->d_size / sizeof(Elf64_Sym);
	for (i = 0; i < count; i++) {
		GElf_Sym s;
		const char *name;
		unsigned char type;

		if (!gelf_getsym(d, i, &s) || s.st_shndx == SHN_UNDEF || s.st_value == 0)
			continue;
		type = GELF_ST_TYPE(s.st_info);
		if (type == STT_GNU_IFUNC)
			type = STT_FUNC;
		if (type != STT_FUNC && type != STT_OBJECT)
			continue;
		if (e->nsyms == *cap) {
			struct sbr_sym *n = reallocarray(e->syms, *cap = *cap * 2 + 64, sizeof(*n));

			if (!n)
				return -1;
			e->syms = n;
		}
		name = elf_strptr(e->elf, sh->sh_link, s.st_name);
		e->syms[e->nsyms++] = (struct sbr_sym){
			.name = name ? name : "?",	/* st_name outside the string table */
			.addr = s.st_value, .size = s.st_size, .type = type,
		};
	}
	return 0;
}

static int load_symbols(struct sbr_elf *e, char *err, size_t errlen)
{
	Elf_Scn *scn = NULL;
	size_t cap = 0;

	while ((scn = elf_nextscn(e->elf, scn))) {
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh))
			continue;
		if (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM)
			continue;
		if (add_symbols(e, scn, &sh, &cap) < 0)
			return fail(err, errlen, "out of memory");
	}
	if (e->nsyms)
		qsort(e->syms, e->nsyms, sizeof(*e->syms), sym_cmp);
	return 0;
}

/*
 * .eh_frame_hdr (PT_GNU_EH_FRAME) holds a sorted table of every function
 * start that has unwind information: in stripped files this is the best
 * source of known instruction boundaries.  Only the encodings GNU ld and
 * lld emit are understood; anything else just means fewer anchors.
 */
static bool read_enc(const uint8_t *p, const uint8_t *end, unsigned enc, int64_t *v, size_t *len)
{
	switch (enc & 0x0f) {
	case 0x03: case 0x0b: *len = 4; break;
	case 0x00: case 0x04: case 0x0c: *len = 8; break;
	default: return false;
	}
	if (p + *len > end)
		return false;
	if (*len == 4) {
		int32_t s; uint32_t u;

		memcpy(&s, p, 4);
		memcpy(&u, p, 4);
		*v = (enc & 0x0f) == 0x0b ? s : (int64_t)u;
	} else {
		memcpy(v, p, 8);
	}
	return true;
}

static void load_anchors(struct sbr_elf *e)
{
	const GElf_Phdr *h = NULL;
	const uint8_t *p, *end;
	int64_t v, count;
	size_t len, i;

	for (i = 0; i < e->phnum; i++)
		if (e->phdr[i].p_type == PT_GNU_EH_FRAME)
			h = &e->phdr[i];
	if (!h || h->p_offset > e->size || e->size - h->p_offset < h->p_filesz || h->p_filesz < 4)
		return;
	p = e->data + h->p_offset;
	end = p + h->p_filesz;
	if (p[0] != 1 || p[3] != 0x3b)	/* version 1, table datarel|sdata4 */
		return;
	if (p[1] == 0xff || !read_enc(p + 4, end, p[1], &v, &len))
		return;
	if (!read_enc(p + 4 + len, end, p[2], &count, &i))
		return;
	p += 4 + len + i;
	if (count <= 0 || (uint64_t)count > (uint64_t)(end - p) / 8)
		return;
	e->anchors = calloc(count, sizeof(*e->anchors));
	if (!e->anchors)
		return;
	for (i = 0; i < (size_t)count; i++) {
		int32_t loc;

		memcpy(&loc, p + 8 * i, 4);
		e->anchors[i] = h->p_vaddr + (int64_t)loc;
		if (i && e->anchors[i] < e->anchors[i - 1]) {
			free(e->anchors);	/* not sorted: do not trust it */
			e->anchors = NULL;
			return;
		}
	}
	e->nanchors = count;
}

int sbr_elf_load_details(struct sbr_elf *e, char *err, size_t errlen)
{
	if (e->details_loaded)
		return 0;
	if (load_sections(e, err, errlen) < 0 || load_symbols(e, err, errlen) < 0)
		return -1;
	load_anchors(e);
	e->details_loaded = true;
	return 0;
}

const struct sbr_sect *sbr_elf_section_at(const struct sbr_elf *e, uint64_t vaddr)
{
	size_t i;

	for (i = 0; i < e->nsects; i++) {
		const struct sbr_sect *s = &e->sects[i];

		if (s->type != SHT_NOBITS && vaddr >= s->addr && vaddr - s->addr < s->size)
			return s;
	}
	return NULL;
}

const struct sbr_sym *sbr_elf_sym_before(const struct sbr_elf *e, uint64_t vaddr)
{
	size_t lo = 0, hi = e->nsyms;

	while (lo < hi) {		/* first symbol with addr > vaddr */
		size_t mid = (lo + hi) / 2;

		if (e->syms[mid].addr <= vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	/* Among symbols at the same address prefer the sized one (sorted first). */
	hi = lo - 1;
	while (hi > 0 && e->syms[hi - 1].addr == e->syms[lo - 1].addr)
		hi--;
	return &e->syms[hi];
}

bool sbr_elf_sym_starts_at(const struct sbr_elf *e, uint64_t vaddr)
{
	const struct sbr_sym *s = sbr_elf_sym_before(e, vaddr);

	return s && s->addr == vaddr;
}

uint64_t sbr_elf_anchor_before(const struct sbr_elf *e, uint64_t vaddr)
{
	size_t lo = 0, hi = e->nanchors;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (e->anchors[mid] <= vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? e->anchors[lo - 1] : 0;
}

int64_t sbr_elf_vaddr_to_off(const struct sbr_elf *e, uint64_t vaddr)
{
	size_t i;

	for (i = 0; i < e->phnum; i++) {
		const GElf_Phdr *p = &e->phdr[i];

		if (p->p_type == PT_LOAD && vaddr >= p->p_vaddr && vaddr - p->p_vaddr < p->p_filesz)
			return p->p_offset + (vaddr - p->p_vaddr);
	}
	return -1;
}

const GElf_Phdr *sbr_elf_xseg_at_off(const struct sbr_elf *e, uint64_t off)
{
	size_t i;

	for (i = 0; i < e->phnum; i++) {
		const GElf_Phdr *p = &e->phdr[i];

		if (p->p_type == PT_LOAD && (p->p_flags & PF_X) &&
		    off >= p->p_offset && off - p->p_offset < p->p_filesz)
			return p;
	}
	return NULL;
}
