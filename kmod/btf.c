// SPDX-License-Identifier: GPL-2.0
/*
 * btf.c - check the prototypes of the kernel functions the module calls by
 * address, against the running kernel's own type information.
 *
 * The lockdown (lockdown.c) redirects a few kernel functions and calls
 * them and one more directly by address.  None of them is exported, so
 * nothing at build or load time checks that the prototype the module was
 * compiled for is the one the running kernel has; do_mmap() gained an
 * argument in 6.6, and a wrapper with the old prototype would build, load
 * and then corrupt every mmap.  The kernel describes its own functions in
 * BTF (/sys/kernel/btf/vmlinux, CONFIG_DEBUG_INFO_BTF, which Debian's
 * kernels have): each global function is a FUNC record pointing at a
 * FUNC_PROTO (return type, then one record per parameter).  Before the
 * module patches anything, every such function's parameters and return
 * type are spelled out from BTF ("struct file *", "long unsigned int") and
 * compared with what compat.h says this build expects; one difference, a
 * missing function or a kernel without BTF, and insmod fails with one line
 * that names it.
 *
 * The format: Documentation/bpf/btf.rst.  A header, then the type section
 * (records numbered from 1 in order, each a struct btf_type followed by
 * kind-specific data), then the string section.  Type 0 is void.
 *
 * The reader is plain C over a buffer so that tests/host/btf can run it on
 * the BTF of the lab's guest kernels on the host as well.
 */
#ifdef __KERNEL__
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/printk.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include <uapi/linux/btf.h>
#include "btf.h"
#define sb_alloc_array(n, size)	kvmalloc_array(n, size, GFP_KERNEL)
#define sb_free(p)		kvfree(p)
#else
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/btf.h>
#include <linux/types.h>
typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;
#include "btf.h"
#define sb_alloc_array(n, size)	calloc(n, size)
#define sb_free(p)		free(p)
#endif

/* A type chain deeper than this is malformed (or not worth spelling). */
#define SB_BTF_DEPTH	16

struct sb_btf {
	const struct btf_type **types;	/* [id] for id 1..nr_types */
	u32 nr_types;
	const char *strs;
	u32 str_len;
};

static const char *btf_str(const struct sb_btf *b, u32 off)
{
	if (off >= b->str_len)
		return NULL;
	/* The section ends in a NUL (checked in btf_index()). */
	return b->strs + off;
}

/* Bytes of kind-specific data after a struct btf_type, or -1 if unknown. */
static long btf_extra(const struct btf_type *t)
{
	u32 vlen = BTF_INFO_VLEN(t->info);

	switch (BTF_INFO_KIND(t->info)) {
	case BTF_KIND_INT:
	case BTF_KIND_VAR:
	case BTF_KIND_DECL_TAG:
		return 4;
	case BTF_KIND_PTR:
	case BTF_KIND_FWD:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_FUNC:
	case BTF_KIND_FLOAT:
	case BTF_KIND_TYPE_TAG:
		return 0;
	case BTF_KIND_ARRAY:
		return sizeof(struct btf_array);
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		return (long)vlen * sizeof(struct btf_member);
	case BTF_KIND_ENUM:
		return (long)vlen * sizeof(struct btf_enum);
	case BTF_KIND_FUNC_PROTO:
		return (long)vlen * sizeof(struct btf_param);
	case BTF_KIND_DATASEC:
		return (long)vlen * sizeof(struct btf_var_secinfo);
	case BTF_KIND_ENUM64:
		return (long)vlen * 12;	/* struct btf_enum64 */
	}
	return -1;
}

/* Check the header and index the type records; a reason on failure. */
static const char *btf_index(struct sb_btf *b, const void *data, size_t len)
{
	const struct btf_header *h = data;
	const unsigned char *p, *end;
	u32 n = 0, cap;

	if (len < sizeof(*h) || h->magic != BTF_MAGIC || h->version != 1)
		return "not BTF (bad magic or version)";
	if (h->hdr_len < sizeof(*h) || h->hdr_len > len ||
	    (u64)h->type_off + h->type_len > len - h->hdr_len ||
	    (u64)h->str_off + h->str_len > len - h->hdr_len || !h->str_len)
		return "BTF header out of bounds";
	b->strs = (const char *)data + h->hdr_len + h->str_off;
	b->str_len = h->str_len;
	if (b->strs[b->str_len - 1])
		return "BTF string section not terminated";
	p = (const unsigned char *)data + h->hdr_len + h->type_off;
	end = p + h->type_len;
	/* At least 12 bytes per record: a bound for the index. */
	cap = h->type_len / sizeof(struct btf_type) + 1;
	b->types = sb_alloc_array(cap + 1, sizeof(*b->types));
	if (!b->types)
		return "out of memory";
	while (p < end) {
		const struct btf_type *t = (const void *)p;
		long extra;

		if ((size_t)(end - p) < sizeof(*t))
			return "truncated BTF type record";
		extra = btf_extra(t);
		if (extra < 0)
			return "unknown BTF kind";
		if ((size_t)(end - p) < sizeof(*t) + (size_t)extra)
			return "truncated BTF type record";
		if (n >= cap)
			return "too many BTF type records";
		b->types[++n] = t;
		p += sizeof(*t) + extra;
	}
	b->nr_types = n;
	return NULL;
}

static const struct btf_type *btf_type(const struct sb_btf *b, u32 id)
{
	return id && id <= b->nr_types ? b->types[id] : NULL;
}

/* Append to a bounded string; false once it would overflow. */
static bool put(char *buf, size_t size, const char *s)
{
	size_t have = strlen(buf), add = strlen(s);

	if (have + add + 1 > size)
		return false;
	memcpy(buf + have, s, add + 1);
	return true;
}

/*
 * Spell type @id the way C declares an unnamed parameter of that type,
 * with BTF's base-type names: "struct file *", "const struct pt_regs *",
 * "long unsigned int", "size_t".  Pointers to functions and arrays are
 * spelled "fn *" and "array", which is all a comparison needs.
 */
static bool spell(const struct sb_btf *b, u32 id, char *buf, size_t size,
		  int depth)
{
	const struct btf_type *t;
	const char *name;

	if (!id)
		return put(buf, size, "void");
	t = btf_type(b, id);
	if (!t || depth > SB_BTF_DEPTH)
		return false;
	name = btf_str(b, t->name_off);
	if (!name)
		return false;
	switch (BTF_INFO_KIND(t->info)) {
	case BTF_KIND_INT:
	case BTF_KIND_FLOAT:
	case BTF_KIND_TYPEDEF:
		return put(buf, size, name);
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
	case BTF_KIND_FWD: {
		u32 kind = BTF_INFO_KIND(t->info);
		const char *tag = kind == BTF_KIND_UNION ? "union " :
				  kind == BTF_KIND_STRUCT ? "struct " :
				  kind == BTF_KIND_FWD ?
				  (BTF_INFO_KFLAG(t->info) ? "union " : "struct ") :
				  "enum ";

		return put(buf, size, tag) && put(buf, size, name);
	}
	case BTF_KIND_CONST:
		return put(buf, size, "const ") &&
		       spell(b, t->type, buf, size, depth + 1);
	case BTF_KIND_VOLATILE:
		return put(buf, size, "volatile ") &&
		       spell(b, t->type, buf, size, depth + 1);
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
		return spell(b, t->type, buf, size, depth + 1);
	case BTF_KIND_PTR:
		return spell(b, t->type, buf, size, depth + 1) &&
		       put(buf, size, " *");
	case BTF_KIND_FUNC_PROTO:
		return put(buf, size, "fn");
	case BTF_KIND_ARRAY:
		return put(buf, size, "array");
	}
	return false;
}

/* Compare one FUNC record with @p; a description of the first difference. */
static bool proto_matches(const struct sb_btf *b, const struct btf_type *fn,
			  const struct sb_btf_proto *p, char *why, size_t wlen)
{
	const struct btf_type *proto = btf_type(b, fn->type);
	const struct btf_param *params;
	char got[96];
	u32 i, vlen, want;

	if (!proto || BTF_INFO_KIND(proto->info) != BTF_KIND_FUNC_PROTO) {
		snprintf(why, wlen, "%s: BTF FUNC without a prototype", p->name);
		return false;
	}
	vlen = BTF_INFO_VLEN(proto->info);
	params = (const struct btf_param *)(proto + 1);
	for (want = 0; p->types[want]; want++)
		;
	if (want != vlen + 1) {
		snprintf(why, wlen, "%s has %u parameters, this module was built for %u",
			 p->name, vlen, want - 1);
		return false;
	}
	for (i = 0; i <= vlen; i++) {
		u32 id = i ? params[i - 1].type : proto->type;

		got[0] = 0;
		if (!spell(b, id, got, sizeof(got), 0))
			snprintf(got, sizeof(got), "(type %u)", id);
		if (strcmp(got, p->types[i])) {
			if (i)
				snprintf(why, wlen, "%s parameter %u is '%s', this module was built for '%s'",
					 p->name, i, got, p->types[i]);
			else
				snprintf(why, wlen, "%s returns '%s', this module was built for '%s'",
					 p->name, got, p->types[i]);
			return false;
		}
	}
	return true;
}

/**
 * sb_btf_check_buf() - check prototypes against a BTF blob
 * @data, @len: the BTF (the contents of /sys/kernel/btf/vmlinux)
 * @protos, @n: the functions and the types this build expects
 * @why, @wlen: on failure, one line naming the function and the difference
 *
 * Every FUNC record with the name must match: a kernel may have several
 * functions of one name (static ones in different files), and the address
 * the module finds could be any of them.
 *
 * Return: 0 if every function is present and matches, else -1.
 */
int sb_btf_check_buf(const void *data, size_t len,
		     const struct sb_btf_proto *protos, size_t n,
		     char *why, size_t wlen)
{
	struct sb_btf b = { 0 };
	const char *err;
	size_t k;
	int ret = -1;

	err = btf_index(&b, data, len);
	if (err) {
		snprintf(why, wlen, "kernel BTF unreadable: %s", err);
		goto out;
	}
	for (k = 0; k < n; k++) {
		u32 id, found = 0;

		for (id = 1; id <= b.nr_types; id++) {
			const struct btf_type *t = b.types[id];
			const char *name;

			if (BTF_INFO_KIND(t->info) != BTF_KIND_FUNC)
				continue;
			name = btf_str(&b, t->name_off);
			if (!name || strcmp(name, protos[k].name))
				continue;
			found++;
			if (!proto_matches(&b, t, &protos[k], why, wlen))
				goto out;
		}
		if (!found) {
			snprintf(why, wlen, "%s is not in the kernel's BTF",
				 protos[k].name);
			goto out;
		}
	}
	ret = 0;
out:
	sb_free(b.types);
	return ret;
}

#ifdef __KERNEL__
#define SB_BTF_PATH	"/sys/kernel/btf/vmlinux"
#define SB_BTF_MAX	(256 << 20)

/*
 * Read the whole BTF file.  An ordinary read, not kernel_read_file(): that
 * one asks the LSMs about a kernel_read_file_id, and 6.12's IPE warns
 * (WARNING, a stack trace) about READING_UNKNOWN.
 */
static ssize_t btf_read(void **out)
{
	struct file *f = filp_open(SB_BTF_PATH, O_RDONLY, 0);
	loff_t size, pos = 0;
	void *buf;

	if (IS_ERR(f))
		return PTR_ERR(f);
	size = i_size_read(file_inode(f));
	if (size <= 0 || size > SB_BTF_MAX) {
		fput(f);
		return -EFBIG;
	}
	buf = vmalloc(size);
	if (!buf) {
		fput(f);
		return -ENOMEM;
	}
	while (pos < size) {
		ssize_t n = kernel_read(f, buf + pos, size - pos, &pos);

		if (n <= 0) {
			fput(f);
			vfree(buf);
			return n ?: -EIO;
		}
	}
	fput(f);
	*out = buf;
	return size;
}

/**
 * sb_btf_check() - check prototypes against the running kernel's BTF
 * @protos, @n: the functions and the types this build expects
 *
 * Logs one line naming the reason on failure.
 *
 * Return: 0; -ENOENT without BTF; -EINVAL on a difference.
 */
int sb_btf_check(const struct sb_btf_proto *protos, size_t n)
{
	void *data = NULL;
	char why[160];
	ssize_t len;
	int err;

	len = btf_read(&data);
	if (len < 0) {
		pr_err("cannot read %s (%zd): this kernel has no BTF (CONFIG_DEBUG_INFO_BTF), so the prototypes of the functions the lockdown redirects cannot be checked; refusing to load\n",
		       SB_BTF_PATH, len);
		return -ENOENT;
	}
	err = sb_btf_check_buf(data, len, protos, n, why, sizeof(why));
	vfree(data);
	if (err) {
		pr_err("%s; refusing to load (this build is for a different kernel: rebuild it against this kernel's headers)\n",
		       why);
		return -EINVAL;
	}
	return 0;
}
#endif
