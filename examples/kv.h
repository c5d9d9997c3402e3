/* SPDX-License-Identifier: MIT */
/*
 * kv.h - the key-value example's wire format.
 *
 * args[0] is the operation.  PUT: the buffer holds the key, a NUL, then the
 * value; args[1] is the key length, the payload length covers both.  GET and
 * DEL: the buffer holds the key (payload length = key length).  GET answers
 * with the value in the buffer (reply length = value length).  A missing key
 * is -ENOENT; the value is the number of keys stored.
 */
#ifndef SB_EXAMPLE_KV_H
#define SB_EXAMPLE_KV_H

enum kv_op { KV_PUT = 1, KV_GET, KV_DEL };

#define KV_KEY_MAX 255

#endif
