/* Varints and zigzag (base/varint.h): the edges of the encoding and bytes that are not a varint. */
#include <criterion/criterion.h>
#include <stdint.h>
#include "base/varint.h"

static size_t encode(uint64_t v, uint8_t *buf)
{
	return varint_put(buf, v) - buf;
}

Test(varint, round_trips_the_edges_of_each_length)
{
	static const uint64_t values[] = {
		0, 1, 127, 128, 255, 300, 16383, 16384, (1ULL << 21) - 1, 1ULL << 21, (1ULL << 28) - 1,
		1ULL << 28, UINT32_MAX, 1ULL << 35, (1ULL << 56) - 1, 1ULL << 56, (1ULL << 63) - 1,
		1ULL << 63, UINT64_MAX,
	};
	static const size_t lengths[] = { 1, 1, 1, 2, 2, 2, 2, 3, 3, 4, 4, 5, 5, 6, 8, 9, 9, 10, 10 };

	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		uint8_t buf[VARINT_MAX + 1];
		const uint8_t *p = buf;
		size_t n = encode(values[i], buf);
		uint64_t back = 0;

		cr_assert_eq(n, lengths[i], "%llu: %zu bytes", (unsigned long long)values[i], n);
		cr_assert_eq(varint_len(values[i]), n);
		cr_assert(varint_get(&p, buf + n, &back));
		cr_assert_eq(back, values[i]);
		cr_assert_eq(p, buf + n);
	}
}

Test(varint, known_bytes)
{
	uint8_t buf[VARINT_MAX];

	cr_assert_eq(encode(300, buf), 2);
	cr_assert_eq(buf[0], 0xac);
	cr_assert_eq(buf[1], 0x02);
	cr_assert_eq(encode(UINT64_MAX, buf), 10);
	cr_assert_eq(buf[9], 0x01);
}

Test(varint, rejects_truncated_and_too_long_input)
{
	static const uint8_t truncated[] = { 0x80, 0x80 };
	static const uint8_t eleven[] = { 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01 };
	static const uint8_t over_64_bits[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02 };
	const uint8_t *p = truncated;
	uint64_t v = 42;

	cr_assert_not(varint_get(&p, truncated + sizeof(truncated), &v));
	cr_assert_eq(p, truncated, "the position is left where it was");
	cr_assert_eq(v, 42);
	p = eleven;
	cr_assert_not(varint_get(&p, eleven + sizeof(eleven), &v));
	p = over_64_bits;
	cr_assert_not(varint_get(&p, over_64_bits + sizeof(over_64_bits), &v));
	p = truncated;
	cr_assert_not(varint_get(&p, truncated, &v), "no bytes at all");
}

Test(varint, zigzag_keeps_small_magnitudes_short)
{
	static const int64_t values[] = { 0, -1, 1, -2, 2, INT32_MIN, INT32_MAX, INT64_MIN, INT64_MAX };
	static const uint64_t coded[] = { 0, 1, 2, 3, 4, UINT32_MAX, UINT32_MAX - 1, UINT64_MAX, UINT64_MAX - 1 };

	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		cr_assert_eq(zigzag(values[i]), coded[i], "%lld", (long long)values[i]);
		cr_assert_eq(unzigzag(coded[i]), values[i]);
	}
}
