// SPDX-License-Identifier: GPL-2.0
/*
 * patch.c - per-hit planning: choose a fix, place it, verify no new
 * 0F 01 D4 appears at or around anything written, and retry with the
 * patch-area stub moved (which changes every rel32 involved) if one does.
 */
#include "rewriter/patch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rewriter/emit.h"
#include "rewriter/x86enc.h"

#define MAX_PAD 64		/* stub placements tried before giving up */
#define WINDOW_BACK 4		/* instructions a window may start before the hit */
#define WINDOW_FWD 5		/* ... and end after it */
#define SCAN_AHEAD 4096		/* bytes decoded past the hit for branch targets */

const char *sbr_verdict_name(enum sbr_verdict v)
{
	switch (v) {
	case SBR_FIXED: return "rewrite";
	case SBR_ALLOWED: return "allowed";
	case SBR_REFUSED: return "refuse";
	}
	return "?";
}

static uint64_t page_up(uint64_t v)
{
	return (v + SBR_PAGE - 1) & ~(SBR_PAGE - 1);
}

static int pa_reserve(struct sbr_patcher *p, size_t more)
{
	uint8_t *n;

	if (p->pa_len + more <= p->pa_cap)
		return 0;
	n = realloc(p->pa, p->pa_cap = (p->pa_len + more) * 2);
	if (!n)
		return -1;
	p->pa = n;
	return 0;
}

int sbr_patch_init(struct sbr_patcher *p, struct sbr_elf *e, const struct sbr_opts *o)
{
	uint64_t top = 0;
	size_t i;

	memset(p, 0, sizeof(*p));
	p->e = e;
	p->o = o;
	p->img = malloc(e->size);
	if (!p->img)
		return -1;
	memcpy(p->img, e->data, e->size);
	for (i = 0; i < e->phnum; i++)
		if (e->phdr[i].p_type == PT_LOAD && e->phdr[i].p_vaddr + e->phdr[i].p_memsz > top)
			top = e->phdr[i].p_vaddr + e->phdr[i].p_memsz;
	/* Above everything, page aligned: offset and vaddr are congruent mod page. */
	p->pa_vaddr = page_up(top);
	p->pa_off = page_up(e->size);
	for (i = 0; i < e->phnum && e->phdr[i].p_type != PT_NOTE; i++)
		;
	if (i == e->phnum) {
		/* No PT_NOTE to recycle: the table moves here, one entry longer. */
		p->pa_start = ((e->phnum + 1) * sizeof(Elf64_Phdr) + 15) & ~15UL;
		if (pa_reserve(p, p->pa_start) < 0) {
			sbr_patch_free(p);
			return -1;
		}
		memset(p->pa, 0, p->pa_start);
		p->pa_len = p->pa_start;
	}
	return 0;
}

void sbr_patch_free(struct sbr_patcher *p)
{
	free(p->img);
	free(p->pa);
	free(p->done);
	memset(p, 0, sizeof(*p));
}

/* Would appending BYTES after PAD int3s keep the patch area clean? */
static bool pa_clean_with(const struct sbr_patcher *p, size_t pad, const uint8_t *b, size_t n)
{
	uint8_t t[2 + MAX_PAD + 128];
	size_t k = p->pa_len < 2 ? p->pa_len : 2;

	if (n > 128)
		return false;
	memcpy(t, p->pa + p->pa_len - k, k);
	memset(t + k, SBR_INT3, pad);
	memcpy(t + k + pad, b, n);
	return !sbr_has_pattern(t, k + pad + n);
}

static void pa_append(struct sbr_patcher *p, size_t pad, const uint8_t *b, size_t n)
{
	memset(p->pa + p->pa_len, SBR_INT3, pad);
	memcpy(p->pa + p->pa_len + pad, b, n);
	p->pa_len += pad + n;
}

/* Is the image clean around [off, off+len) (any new pattern overlaps it)? */
static bool img_clean_around(const struct sbr_patcher *p, uint64_t off, size_t len)
{
	uint64_t lo = off >= 2 ? off - 2 : 0, hi = off + len + 2;

	if (hi > p->e->size)
		hi = p->e->size;
	return !sbr_has_pattern(p->img + lo, hi - lo);
}

static int add_done(struct sbr_patcher *p, uint64_t lo, uint64_t hi)
{
	struct sbr_span *n = reallocarray(p->done, p->ndone + 1, sizeof(*n));

	if (!n)
		return -1;
	p->done = n;
	p->done[p->ndone++] = (struct sbr_span){ lo, hi };
	return 0;
}

static bool overlaps_done(const struct sbr_patcher *p, uint64_t lo, uint64_t hi)
{
	size_t i;

	for (i = 0; i < p->ndone; i++)
		if (lo < p->done[i].hi && p->done[i].lo < hi)
			return true;
	return false;
}

static int refuse(struct sbr_outcome *out, const char *fmt, const char *arg)
{
	out->verdict = SBR_REFUSED;
	snprintf(out->reason, sizeof(out->reason), fmt, arg);
	return 0;
}

static int fixed(struct sbr_outcome *out, const char *method)
{
	out->verdict = SBR_FIXED;
	out->method = method;
	return 0;
}

/* ---- substitute: same-length equivalent in place ------------------------- */

static bool try_substitute(struct sbr_patcher *p, const struct sbr_cls *c)
{
	const struct sbr_insn *in = &c->insn[0];
	uint8_t buf[ZYDIS_MAX_INSTRUCTION_LENGTH], old[ZYDIS_MAX_INSTRUCTION_LENGTH];
	int64_t off = sbr_elf_vaddr_to_off(p->e, in->vaddr);

	if (c->ninsn != 1 || overlaps_done(p, in->vaddr, in->vaddr + in->zi.length) ||
	    sbr_emit_substitute(in, buf) < 0)
		return false;
	memcpy(old, p->img + off, in->zi.length);
	memcpy(p->img + off, buf, in->zi.length);
	if (img_clean_around(p, off, in->zi.length) &&
	    add_done(p, in->vaddr, in->vaddr + in->zi.length) == 0)
		return true;
	memcpy(p->img + off, old, in->zi.length);
	return false;
}

/* ---- thunk: retarget a rel32 branch through the patch area --------------- */

static const struct sbr_insn *rel32_branch_in(const struct sbr_cls *c, uint64_t v)
{
	int i;

	for (i = 0; i < c->ninsn; i++) {
		const struct sbr_insn *in = &c->insn[i];
		const ZydisDecodedInstructionRaw *r = &in->zi.raw;
		uint64_t lo = in->vaddr + r->imm[0].offset;

		if (sbr_is_rel_branch(in) && r->imm[0].size == 32 &&
		    lo < v + SBR_PAT_LEN && v < lo + 4)
			return in;
	}
	return NULL;
}

static int try_thunk(struct sbr_patcher *p, const struct sbr_cls *c, uint64_t v, bool *done)
{
	const struct sbr_insn *in = rel32_branch_in(c, v);
	uint64_t end, target, off;
	uint8_t old[4], stub[SBR_JMP32_LEN];
	size_t pad;

	*done = false;
	if (!in || overlaps_done(p, in->vaddr, in->vaddr + in->zi.length))
		return 0;
	end = in->vaddr + in->zi.length;
	target = sbr_rel_target(in);
	off = sbr_elf_vaddr_to_off(p->e, in->vaddr) + in->zi.raw.imm[0].offset;
	memcpy(old, p->img + off, 4);
	if (pa_reserve(p, MAX_PAD + SBR_JMP32_LEN) < 0)
		return -1;
	for (pad = 0; pad < MAX_PAD; pad++) {
		uint64_t at = p->pa_vaddr + p->pa_len + pad;
		uint32_t rel = (uint32_t)(at - end);

		memcpy(p->img + off, &rel, 4);
		sbr_enc_jmp32(stub, at, target);
		if (img_clean_around(p, off, 4) && pa_clean_with(p, pad, stub, sizeof(stub))) {
			pa_append(p, pad, stub, sizeof(stub));
			*done = true;
			return add_done(p, in->vaddr, end);
		}
	}
	memcpy(p->img + off, old, 4);
	return 0;
}

/* ---- relocate: move a window of instructions out of line ----------------- */

struct insn_list {
	struct sbr_span *v;		/* [vaddr, vaddr+len) of each instruction */
	size_t n;
	uint64_t *targets;		/* direct branch targets seen */
	size_t ntargets;
};

static void list_free(struct insn_list *l)
{
	free(l->v);
	free(l->targets);
}

static int push(void *vec, size_t *n, size_t size, const void *item)
{
	void **v = vec;
	void *nv = realloc(*v, (*n + 1) * size);

	if (!nv)
		return -1;
	*v = nv;
	memcpy((char *)nv + *n * size, item, size);
	(*n)++;
	return 0;
}

/* Decode from the hit's anchor to the end of its function (or a bit past the hit). */
static int collect(const struct sbr_patcher *p, const struct sbr_cls *c, uint64_t v,
		   struct insn_list *l)
{
	const struct sbr_sym *s = sbr_elf_sym_before(p->e, v);
	uint64_t end = v + SCAN_AHEAD, pc;
	struct sbr_insn in;

	if (s && s->type == STT_FUNC && s->size && v - s->addr < s->size)
		end = s->addr + s->size + 16;	/* padding after it may join a window */
	if (end > c->region.hi)
		end = c->region.hi;
	memset(l, 0, sizeof(*l));
	for (pc = c->anchor; pc < end; pc += in.zi.length) {
		struct sbr_span sp;

		if (sbr_decode(p->e, pc, c->region.hi, &in) < 0)
			break;
		sp = (struct sbr_span){ pc, pc + in.zi.length };
		if (push(&l->v, &l->n, sizeof(sp), &sp) < 0)
			return -1;
		if (sbr_is_rel_branch(&in)) {
			uint64_t t = sbr_rel_target(&in);

			if (push(&l->targets, &l->ntargets, sizeof(t), &t) < 0)
				return -1;
		}
	}
	return 0;
}

static bool is_target(const struct insn_list *l, uint64_t lo, uint64_t hi)
{
	size_t i;

	for (i = 0; i < l->ntargets; i++)
		if (l->targets[i] > lo && l->targets[i] < hi)
			return true;
	return false;
}

/* Can instructions [a, b] be replaced by a jmp to the patch area? */
static bool window_ok(const struct sbr_patcher *p, const struct insn_list *l, size_t a, size_t b)
{
	uint64_t lo = l->v[a].lo, hi = l->v[b].hi;
	size_t i;

	if (hi - lo < SBR_JMP32_LEN || overlaps_done(p, lo, hi) || is_target(l, lo, hi))
		return false;
	for (i = a + 1; i <= b; i++)
		if (sbr_elf_sym_starts_at(p->e, l->v[i].lo))
			return false;	/* somebody may call or jump there */
	return true;
}

static bool find_window(const struct sbr_patcher *p, const struct insn_list *l, uint64_t v,
			size_t *wa, size_t *wb)
{
	size_t first = l->n, last = l->n, i, d, back;

	for (i = 0; i < l->n; i++) {
		if (l->v[i].lo <= v && v < l->v[i].hi)
			first = i;
		if (l->v[i].lo <= v + 2 && v + 2 < l->v[i].hi)
			last = i;
	}
	if (first == l->n || last == l->n)
		return false;
	/* Smallest window first; forward before backward at equal size. */
	for (d = 0; d <= WINDOW_BACK + WINDOW_FWD; d++) {
		for (back = 0; back <= d && back <= WINDOW_BACK; back++) {
			size_t a = first - back, b = last + (d - back);

			if (back > first || d - back > WINDOW_FWD || b >= l->n)
				continue;
			if (window_ok(p, l, a, b)) {
				*wa = a;
				*wb = b;
				return true;
			}
		}
	}
	return false;
}

/* Stub for window [lo, hi) at AT: relocated instructions then jmp back. */
static int build_stub(const struct sbr_patcher *p, const struct insn_list *l, size_t a,
		      size_t b, uint64_t at, uint8_t *buf, size_t cap, const char **why)
{
	size_t pos = 0, i;

	for (i = a; i <= b; i++) {
		struct sbr_insn in;
		int n, nop;

		if (sbr_decode(p->e, l->v[i].lo, l->v[i].hi, &in) < 0) {
			*why = "instruction no longer decodes";
			return -1;
		}
		/* NOP insertion at the boundary if the join would form the bytes. */
		for (nop = 0; nop < 2; nop++) {
			if (pos + nop + SBR_EMIT_MAX > cap) {
				*why = "window too large";
				return -1;
			}
			if (nop)
				buf[pos] = SBR_NOP;
			n = sbr_emit_relocated(p->e, &in, at + pos + nop, buf + pos + nop, why);
			if (n < 0)
				return -1;
			if (!sbr_has_pattern(buf + (pos >= 2 ? pos - 2 : 0),
					     n + nop + (pos >= 2 ? 2 : pos)))
				break;
		}
		if (nop == 2) {
			*why = "relocated instructions join into the bytes";
			return -1;
		}
		pos += nop + n;
	}
	if (pos + SBR_JMP32_LEN > cap) {
		*why = "window too large";
		return -1;
	}
	return pos + sbr_enc_jmp32(buf + pos, at + pos, l->v[b].hi);
}

static int place_window(struct sbr_patcher *p, const struct insn_list *l, size_t a, size_t b,
			const char **why)
{
	uint64_t lo = l->v[a].lo, hi = l->v[b].hi;
	uint64_t off = sbr_elf_vaddr_to_off(p->e, lo);
	uint8_t *old, stub[128];
	size_t pad;

	if (pa_reserve(p, MAX_PAD + sizeof(stub)) < 0 || !(old = malloc(hi - lo)))
		return -1;
	memcpy(old, p->img + off, hi - lo);
	for (pad = 0; pad < MAX_PAD; pad++) {
		uint64_t at = p->pa_vaddr + p->pa_len + pad;
		int n = build_stub(p, l, a, b, at, stub, sizeof(stub), why);

		if (n < 0)
			break;
		sbr_enc_jmp32(p->img + off, lo, at);
		memset(p->img + off + SBR_JMP32_LEN, SBR_INT3, hi - lo - SBR_JMP32_LEN);
		if (img_clean_around(p, off, hi - lo) && pa_clean_with(p, pad, stub, n)) {
			pa_append(p, pad, stub, n);
			free(old);
			return add_done(p, lo, hi) < 0 ? -1 : 1;
		}
		*why = "no stub placement avoids the bytes";
	}
	memcpy(p->img + off, old, hi - lo);
	free(old);
	return 0;
}

static int try_relocate(struct sbr_patcher *p, const struct sbr_cls *c, uint64_t v,
			struct sbr_outcome *out)
{
	struct insn_list l;
	const char *why = "no safe window of instructions around it";
	size_t a, b;
	int r = 0;

	if (collect(p, c, v, &l) < 0) {
		list_free(&l);
		return -1;
	}
	if (find_window(p, &l, v, &a, &b))
		r = place_window(p, &l, a, b, &why);
	list_free(&l);
	if (r < 0)
		return -1;
	if (r == 0)
		return refuse(out, "cannot relocate: %s", why);
	return fixed(out, "relocate");
}

static bool allowed(const struct sbr_patcher *p, uint64_t off)
{
	size_t i;

	for (i = 0; i < p->o->nallow; i++)
		if (p->o->allow[i] == off)
			return true;
	return false;
}

int sbr_patch_hit(struct sbr_patcher *p, const struct sbr_hit *h, const struct sbr_cls *c,
		  struct sbr_outcome *out)
{
	bool done;

	memset(out, 0, sizeof(*out));
	if (memcmp(p->img + h->off, sbr_pattern, SBR_PAT_LEN) != 0)
		return fixed(out, "earlier patch");
	switch (c->cls) {
	case SBR_VMFUNC:
		if (allowed(p, h->off)) {
			out->verdict = SBR_ALLOWED;
			return 0;
		}
		return refuse(out, "%s", "real VMFUNC instruction (whitelist with --allow-vmfunc-at)");
	case SBR_DATA:
		return refuse(out, "%s", "not code, cannot be moved out of executable memory");
	case SBR_IN_INSN:
	case SBR_SPAN:
		break;
	}
	if (try_substitute(p, c))
		return fixed(out, "substitute");
	if (try_thunk(p, c, h->vaddr, &done) < 0)
		return -1;
	if (done)
		return fixed(out, "thunk");
	return try_relocate(p, c, h->vaddr, out);
}
