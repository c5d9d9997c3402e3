// SPDX-License-Identifier: GPL-2.0
/*
 * sha256.h - SHA-256 (FIPS 180-4), for naming sb-exec cache entries by
 * content.  Self-contained to avoid a libcrypto dependency.
 */
#ifndef SBR_SHA256_H
#define SBR_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SBR_SHA256_LEN 32

struct sbr_sha256 {
	uint32_t h[8];
	uint64_t len;			/* bytes hashed so far */
	uint8_t buf[64];
	size_t fill;
};

void sbr_sha256_init(struct sbr_sha256 *s);
void sbr_sha256_update(struct sbr_sha256 *s, const void *data, size_t n);
void sbr_sha256_final(struct sbr_sha256 *s, uint8_t out[SBR_SHA256_LEN]);

/* Hex digest of DATA[0..N) into HEX (65 bytes). */
void sbr_sha256_hex(const void *data, size_t n, char hex[2 * SBR_SHA256_LEN + 1]);

#endif
