// SPDX-License-Identifier: GPL-2.0
/*
 * elffile.h - a read-only view of one ELF64 x86-64 executable or shared
 * object: the bytes, the program headers, and (loaded on demand, because
 * most files scan clean and never need them) sections and symbols.
 */
#ifndef SBR_ELFFILE_H
#define SBR_ELFFILE_H

#include <gelf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SBR_PAGE 4096ULL

struct sbr_sect {
	const char *name;
	uint64_t addr, off, size, flags;
	uint32_t type;
};

struct sbr_sym {
	const char *name;
	uint64_t addr, size;
	unsigned char type;		/* STT_FUNC, STT_OBJECT (IFUNC folded into FUNC) */
};

struct sbr_elf {
	const char *path;
	uint8_t *data;			/* private writable mapping of the whole file */
	size_t size;
	bool mapped;			/* data is our mapping (else the caller's) */
	Elf *elf;
	GElf_Ehdr ehdr;
	GElf_Phdr *phdr;
	size_t phnum;
	bool details_loaded;		/* sections and symbols below are valid */
	struct sbr_sect *sects;
	size_t nsects;
	struct sbr_sym *syms;		/* sorted by addr */
	size_t nsyms;
	uint64_t *anchors;		/* sorted known instruction starts (eh_frame_hdr) */
	size_t nanchors;
};

/* Open and validate PATH.  On failure returns -1 with a one-line reason. */
int sbr_elf_open(struct sbr_elf *e, const char *path, char *err, size_t errlen);
/* The same over a caller-owned buffer (which must outlive E). */
int sbr_elf_open_mem(struct sbr_elf *e, const char *name, uint8_t *data, size_t size,
		     char *err, size_t errlen);
void sbr_elf_close(struct sbr_elf *e);

/* Sections, symbols and unwind anchors; cheap to call repeatedly. */
int sbr_elf_load_details(struct sbr_elf *e, char *err, size_t errlen);

/* The section holding VADDR (allocated sections only), or NULL. */
const struct sbr_sect *sbr_elf_section_at(const struct sbr_elf *e, uint64_t vaddr);

/* The last symbol starting at or before VADDR, or NULL. */
const struct sbr_sym *sbr_elf_sym_before(const struct sbr_elf *e, uint64_t vaddr);

/* Is there a symbol (function or object) starting exactly at VADDR? */
bool sbr_elf_sym_starts_at(const struct sbr_elf *e, uint64_t vaddr);

/* The last unwind-table function start at or before VADDR, or 0. */
uint64_t sbr_elf_anchor_before(const struct sbr_elf *e, uint64_t vaddr);

/* File offset of VADDR inside a PT_LOAD's file image, or -1. */
int64_t sbr_elf_vaddr_to_off(const struct sbr_elf *e, uint64_t vaddr);

/* The PT_LOAD with PF_X whose file image holds file offset OFF, or NULL. */
const GElf_Phdr *sbr_elf_xseg_at_off(const struct sbr_elf *e, uint64_t off);

#endif
