/* png_ink: how much of a page's screenshot is drawn, to catch blank boxes.
 *   png_ink FILE.png
 * Decodes the PNG (8-bit RGB or RGBA, not interlaced: what Chromium writes), finds where the
 * content ends (the last row with a pixel that is not the page's white), and splits the content
 * into bands of BAND_H rows. A band's ink is the share of its pixels that are neither white nor
 * the band's most common colour (a box's background). Prints the ink of the whole content and
 * of the emptiest band; exits 1 when a band is blank (ink under BLANK_INK: an empty box or a gap
 * of BAND_H rows) or the content has too little ink, 2 when the file cannot be read. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define BAND_H 100
#define BLANK_INK 0.002   /* 0.2 % of a band's pixels */
#define MIN_INK 0.02      /* 2 % of the content's */
#define WHITE 0xffffffu

struct image {
	uint32_t w, h;
	uint32_t *rgb;    /* 0xRRGGBB per pixel */
};

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int paeth(int a, int b, int c)
{
	int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);

	return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/* Undoes the filter of each row of RAW (bytes per pixel BPP) in place. */
static int unfilter(unsigned char *raw, uint32_t w, uint32_t h, int bpp)
{
	size_t stride = (size_t)w * bpp;

	for (uint32_t y = 0; y < h; y++) {
		unsigned char *row = raw + y * (stride + 1), *cur = row + 1;
		const unsigned char *prev = y ? row - stride : NULL;

		for (size_t i = 0; i < stride; i++) {
			int a = i >= (size_t)bpp ? cur[i - bpp] : 0, b = prev ? prev[i] : 0;
			int c = prev && i >= (size_t)bpp ? prev[i - bpp] : 0;

			switch (row[0]) {
			case 0: break;
			case 1: cur[i] += a; break;
			case 2: cur[i] += b; break;
			case 3: cur[i] += (a + b) / 2; break;
			case 4: cur[i] += paeth(a, b, c); break;
			default: return -1;
			}
		}
	}
	return 0;
}

static int decode(const unsigned char *png, size_t len, struct image *img)
{
	unsigned char *idat = NULL, *raw;
	size_t idat_len = 0, stride;
	uLongf raw_len;
	int bpp = 0;

	if (len < 8 || memcmp(png, "\x89PNG\r\n\x1a\n", 8))
		return -1;
	for (size_t at = 8; at + 12 <= len;) {
		uint32_t n = be32(png + at);
		const unsigned char *type = png + at + 4, *data = png + at + 8;

		if (at + 12 + (size_t)n > len)
			break;
		if (!memcmp(type, "IHDR", 4)) {
			img->w = be32(data);
			img->h = be32(data + 4);
			if (data[8] != 8 || data[12] != 0 || (data[9] != 2 && data[9] != 6))
				return -1;
			bpp = data[9] == 6 ? 4 : 3;
		} else if (!memcmp(type, "IDAT", 4)) {
			idat = realloc(idat, idat_len + n);
			memcpy(idat + idat_len, data, n);
			idat_len += n;
		}
		at += 12 + n;
	}
	if (!bpp || !idat)
		return -1;
	stride = (size_t)img->w * bpp;
	raw_len = (stride + 1) * img->h;
	raw = malloc(raw_len);
	if (uncompress(raw, &raw_len, idat, idat_len) != Z_OK || unfilter(raw, img->w, img->h, bpp)) {
		free(idat);
		free(raw);
		return -1;
	}
	img->rgb = malloc((size_t)img->w * img->h * sizeof(*img->rgb));
	for (uint32_t y = 0; y < img->h; y++)
		for (uint32_t x = 0; x < img->w; x++) {
			const unsigned char *p = raw + y * (stride + 1) + 1 + (size_t)x * bpp;

			img->rgb[(size_t)y * img->w + x] = (uint32_t)p[0] << 16 | p[1] << 8 | p[2];
		}
	free(idat);
	free(raw);
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* Pixels of rows [Y0, Y1) that are neither white nor the rows' most common colour. */
static size_t band_ink(const struct image *img, uint32_t y0, uint32_t y1)
{
	size_t n = (size_t)(y1 - y0) * img->w, best = 0, ink = 0;
	uint32_t *px = malloc(n * sizeof(*px)), common = WHITE;

	memcpy(px, img->rgb + (size_t)y0 * img->w, n * sizeof(*px));
	qsort(px, n, sizeof(*px), cmp_u32);
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i; j < n && px[j] == px[i]; j++)
			;
		if (px[i] != WHITE && j - i > best) {
			best = j - i;
			common = px[i];
		}
	}
	for (size_t i = 0; i < n; i++)
		ink += px[i] != WHITE && px[i] != common;
	free(px);
	return ink;
}

int main(int argc, char **argv)
{
	struct image img = { 0 };
	unsigned char *png;
	FILE *f = argc == 2 ? fopen(argv[1], "rb") : NULL;
	size_t len, ink = 0, content;
	uint32_t end = 0, blank_at = UINT32_MAX;
	double worst = 1;

	if (!f) {
		fprintf(stderr, "usage: png_ink FILE.png\n");
		return 2;
	}
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	png = malloc(len);
	if (fread(png, 1, len, f) != len || decode(png, len, &img)) {
		fprintf(stderr, "png_ink: %s: not an 8-bit RGB(A) PNG\n", argv[1]);
		return 2;
	}
	fclose(f);
	for (uint32_t y = 0; y < img.h; y++)
		for (uint32_t x = 0; x < img.w; x++)
			if (img.rgb[(size_t)y * img.w + x] != WHITE)
				end = y + 1;
	for (uint32_t y = 0; y + BAND_H <= end; y += BAND_H) {
		size_t in_band = band_ink(&img, y, y + BAND_H);
		double share = (double)in_band / ((size_t)BAND_H * img.w);

		ink += in_band;
		if (share < worst)
			worst = share;
		if (share < BLANK_INK && blank_at == UINT32_MAX)
			blank_at = y;
	}
	content = (size_t)end * img.w;
	printf("png_ink: %s: content %u of %u rows, ink %.1f%%, emptiest band of %d rows %.2f%%",
	       argv[1], end, img.h, content ? 100.0 * ink / content : 0, BAND_H, 100 * worst);
	if (blank_at != UINT32_MAX)
		printf("; BLANK band at rows %u-%u", blank_at, blank_at + BAND_H);
	printf("\n");
	free(png);
	free(img.rgb);
	return blank_at != UINT32_MAX || !content || (double)ink / content < MIN_INK ? 1 : 0;
}
