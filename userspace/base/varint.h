/* Base-128 varints, as protocol buffers write them: seven bits per byte, low bits first, the top
 * bit set on every byte but the last. The timeline's compact forms (model/timeline.c's transition
 * streams, model/timeline_file.c) and the Perfetto trace (render/export_perfetto.c) use them.
 * Signed values go through zigzag first (0, -1, 1, -2 ... become 0, 1, 2, 3 ...), so small
 * magnitudes of either sign stay short. Inline: they run once or more per timeline event. */
#ifndef CONCTRACE_VARINT_H
#define CONCTRACE_VARINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VARINT_MAX 10  /* bytes of the longest (a 64-bit value) */

/* Writes V at P (room for VARINT_MAX bytes); returns the end of what was written. */
static inline uint8_t *varint_put(uint8_t *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (uint8_t)v | 0x80;
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	return p;
}

/* Bytes varint_put writes for V. */
static inline size_t varint_len(uint64_t v)
{
	size_t n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

/* Reads a varint at *P, not past END, into *V and moves *P past it. False, leaving *P, when the
 * bytes end first or the value does not fit 64 bits. */
static inline bool varint_get(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	const uint8_t *q = *p;
	uint64_t x = 0;

	for (unsigned shift = 0; q < end && shift < 64; shift += 7) {
		uint8_t b = *q++;

		if (shift == 63 && b > 1)
			return false;
		x |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*p = q;
			*v = x;
			return true;
		}
	}
	return false;
}

static inline uint64_t zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static inline int64_t unzigzag(uint64_t v)
{
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

#endif
