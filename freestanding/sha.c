/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SHA-1, SHA-256 and SHA-384 as FIPS 180-4 defines them, freestanding: no libc, no
 * unaligned loads, words assembled byte by byte so the code runs the same on any
 * endianness. SHA-384 is SHA-512 with its own initial values, truncated to 48 bytes.
 * Plain portable C, no SIMD or SHA extensions: see the note before sha1_w for what
 * makes it fast.
 */
#include <bootchain/core.h>

#define SHA1_WORDS   5
#define SHA2_WORDS   8
#define SMALL_BLOCK  64	 /* SHA-1, SHA-256 */
#define LARGE_BLOCK  128 /* SHA-384 */
#define SMALL_LENGTH 8	 /* bytes of the length field at the end of the last block */
#define LARGE_LENGTH 16
#define BUFFER_CHUNK 65536 /* bc_core_hash_buffer's step: the banks share cache */

static const uint32_t sha1_iv[SHA1_WORDS] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476,
					     0xc3d2e1f0};

static const uint32_t sha256_iv[SHA2_WORDS] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
					       0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

static const uint64_t sha384_iv[SHA2_WORDS] = {
    0xcbbb9d5dc1059ed8ULL, 0x629a292a367cd507ULL, 0x9159015a3070dd17ULL, 0x152fecd8f70e5939ULL,
    0x67332667ffc00b31ULL, 0x8eb44a8768581511ULL, 0xdb0c2e0d64f98fa7ULL, 0x47b5481dbefa4fa4ULL};

static const uint32_t sha256_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

static const uint64_t sha512_k[80] = {
    0x428a2f98d728ae22ULL, 0x7137449123ef65cdULL, 0xb5c0fbcfec4d3b2fULL, 0xe9b5dba58189dbbcULL,
    0x3956c25bf348b538ULL, 0x59f111f1b605d019ULL, 0x923f82a4af194f9bULL, 0xab1c5ed5da6d8118ULL,
    0xd807aa98a3030242ULL, 0x12835b0145706fbeULL, 0x243185be4ee4b28cULL, 0x550c7dc3d5ffb4e2ULL,
    0x72be5d74f27b896fULL, 0x80deb1fe3b1696b1ULL, 0x9bdc06a725c71235ULL, 0xc19bf174cf692694ULL,
    0xe49b69c19ef14ad2ULL, 0xefbe4786384f25e3ULL, 0x0fc19dc68b8cd5b5ULL, 0x240ca1cc77ac9c65ULL,
    0x2de92c6f592b0275ULL, 0x4a7484aa6ea6e483ULL, 0x5cb0a9dcbd41fbd4ULL, 0x76f988da831153b5ULL,
    0x983e5152ee66dfabULL, 0xa831c66d2db43210ULL, 0xb00327c898fb213fULL, 0xbf597fc7beef0ee4ULL,
    0xc6e00bf33da88fc2ULL, 0xd5a79147930aa725ULL, 0x06ca6351e003826fULL, 0x142929670a0e6e70ULL,
    0x27b70a8546d22ffcULL, 0x2e1b21385c26c926ULL, 0x4d2c6dfc5ac42aedULL, 0x53380d139d95b3dfULL,
    0x650a73548baf63deULL, 0x766a0abb3c77b2a8ULL, 0x81c2c92e47edaee6ULL, 0x92722c851482353bULL,
    0xa2bfe8a14cf10364ULL, 0xa81a664bbc423001ULL, 0xc24b8b70d0f89791ULL, 0xc76c51a30654be30ULL,
    0xd192e819d6ef5218ULL, 0xd69906245565a910ULL, 0xf40e35855771202aULL, 0x106aa07032bbd1b8ULL,
    0x19a4c116b8d2d0c8ULL, 0x1e376c085141ab53ULL, 0x2748774cdf8eeb99ULL, 0x34b0bcb5e19b48a8ULL,
    0x391c0cb3c5c95a63ULL, 0x4ed8aa4ae3418acbULL, 0x5b9cca4f7763e373ULL, 0x682e6ff3d6b2b8a3ULL,
    0x748f82ee5defb2fcULL, 0x78a5636f43172f60ULL, 0x84c87814a1f0ab72ULL, 0x8cc702081a6439ecULL,
    0x90befffa23631e28ULL, 0xa4506cebde82bde9ULL, 0xbef9a3f7b2c67915ULL, 0xc67178f2e372532bULL,
    0xca273eceea26619cULL, 0xd186b8c721c0c207ULL, 0xeada7dd6cde0eb1eULL, 0xf57d4f7fee6ed178ULL,
    0x06f067aa72176fbaULL, 0x0a637dc5a2c898a6ULL, 0x113f9804bef90daeULL, 0x1b710b35131c471bULL,
    0x28db77f523047d84ULL, 0x32caab7b40c72493ULL, 0x3c9ebe0a15c9bebcULL, 0x431d67c49c100d4cULL,
    0x4cc5d4becb3e42b6ULL, 0x597f299cfc657e2aULL, 0x5fcb6fab3ad6faecULL, 0x6c44198c4a475817ULL};

static uint32_t load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static uint64_t load_be64(const uint8_t *p)
{
	return (uint64_t)load_be32(p) << 32 | load_be32(p + 4);
}

static void store_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void store_be64(uint8_t *p, uint64_t v)
{
	store_be32(p, (uint32_t)(v >> 32));
	store_be32(p + 4, (uint32_t)v);
}

static inline uint32_t rotl32(uint32_t x, unsigned n)
{
	return x << n | x >> (32 - n);
}

static inline uint32_t rotr32(uint32_t x, unsigned n)
{
	return x >> n | x << (32 - n);
}

static inline uint64_t rotr64(uint64_t x, unsigned n)
{
	return x >> n | x << (64 - n);
}

/*
 * How the compression functions are written for speed in plain C (about 4 times as
 * fast as loops over arrays of working variables, gcc 12 and clang 14 -O2, x86-64):
 * - The working variables are named locals, which the compiler keeps in registers, read
 *   from the state once per call rather than once per block.
 * - A round changes only two of them; the others just move one place along (b takes a's
 *   value, c takes b's...). Rather than moving them, the round macro is called with the
 *   names rotated, so that after 5 rounds (SHA-1) or 8 (SHA-2) every name is back in its
 *   role.
 * - W[t] depends only on W[t-16..t-1], so the message schedule is a window of 16 words,
 *   W[t] written over W[t-16] just before the round that uses it, instead of an array of
 *   64 or 80 words filled first and read back.
 * - The rounds are unrolled far enough that each one's place in the window is a
 *   constant, so the compiler addresses it with a fixed offset: 16 rounds per loop for
 *   SHA-2, all 80 for SHA-1 (its groups of 5 only line up with the window every 80).
 * Ch and Maj use forms with one operation fewer than FIPS 180-4's, same truth tables.
 * The round macros work on the locals of the function that uses them: a to h, the
 * window w, the round number t and the block p.
 */
#define CH(x, y, z)	((z) ^ ((x) & ((y) ^ (z))))
#define MAJ(x, y, z)	(((x) & (y)) | ((z) & ((x) | (y))))
#define PARITY(x, y, z) ((x) ^ (y) ^ (z))

/* FIPS 180-4 4.2.1 */
#define SHA1_K0 0x5a827999
#define SHA1_K1 0x6ed9eba1
#define SHA1_K2 0x8f1bbcdc
#define SHA1_K3 0xca62c1d6

/* W[t] (FIPS 180-4 6.1.2 step 1): the block's own words until t = 16, then computed */
static inline uint32_t sha1_w(uint32_t w[16], unsigned t)
{
	if (t >= 16)
		w[t & 15] =
		    rotl32(w[(t - 3) & 15] ^ w[(t - 8) & 15] ^ w[(t - 14) & 15] ^ w[t & 15], 1);
	return w[t & 15];
}

/* FIPS 180-4 6.1.2 step 3 with e as T: e += ROTL5(a) + f(b,c,d) + K + W; b = ROTL30(b).
 * Five of them, the names rotated, leave every name in its role again. */
#define SHA1_ROUND(a, b, c, d, e, f, k, t)                             \
	do {                                                           \
		(e) += rotl32(a, 5) + f(b, c, d) + (k) + sha1_w(w, t); \
		(b) = rotl32(b, 30);                                   \
	} while (0)
#define SHA1_5ROUNDS(f, k, t)                             \
	do {                                              \
		SHA1_ROUND(a, b, c, d, e, f, k, (t));     \
		SHA1_ROUND(e, a, b, c, d, f, k, (t) + 1); \
		SHA1_ROUND(d, e, a, b, c, f, k, (t) + 2); \
		SHA1_ROUND(c, d, e, a, b, f, k, (t) + 3); \
		SHA1_ROUND(b, c, d, e, a, f, k, (t) + 4); \
	} while (0)

static void sha1_blocks(uint32_t s[SHA1_WORDS], const uint8_t *p, size_t blocks)
{
	uint32_t a = s[0], b = s[1], c = s[2], d = s[3], e = s[4];
	for (; blocks > 0; blocks--, p += SMALL_BLOCK) {
		uint32_t w[16];
		for (unsigned t = 0; t < 16; t++)
			w[t] = load_be32(p + 4 * t);
		SHA1_5ROUNDS(CH, SHA1_K0, 0);
		SHA1_5ROUNDS(CH, SHA1_K0, 5);
		SHA1_5ROUNDS(CH, SHA1_K0, 10);
		SHA1_5ROUNDS(CH, SHA1_K0, 15);
		SHA1_5ROUNDS(PARITY, SHA1_K1, 20);
		SHA1_5ROUNDS(PARITY, SHA1_K1, 25);
		SHA1_5ROUNDS(PARITY, SHA1_K1, 30);
		SHA1_5ROUNDS(PARITY, SHA1_K1, 35);
		SHA1_5ROUNDS(MAJ, SHA1_K2, 40);
		SHA1_5ROUNDS(MAJ, SHA1_K2, 45);
		SHA1_5ROUNDS(MAJ, SHA1_K2, 50);
		SHA1_5ROUNDS(MAJ, SHA1_K2, 55);
		SHA1_5ROUNDS(PARITY, SHA1_K3, 60);
		SHA1_5ROUNDS(PARITY, SHA1_K3, 65);
		SHA1_5ROUNDS(PARITY, SHA1_K3, 70);
		SHA1_5ROUNDS(PARITY, SHA1_K3, 75);
		/* step 4: the block's result into the state, which the next block starts from */
		a = s[0] += a;
		b = s[1] += b;
		c = s[2] += c;
		d = s[3] += d;
		e = s[4] += e;
	}
}

/* FIPS 180-4 4.1.2 */
static inline uint32_t big_sigma0_256(uint32_t x)
{
	return rotr32(x, 2) ^ rotr32(x, 13) ^ rotr32(x, 22);
}

static inline uint32_t big_sigma1_256(uint32_t x)
{
	return rotr32(x, 6) ^ rotr32(x, 11) ^ rotr32(x, 25);
}

static inline uint32_t small_sigma0_256(uint32_t x)
{
	return rotr32(x, 7) ^ rotr32(x, 18) ^ x >> 3;
}

static inline uint32_t small_sigma1_256(uint32_t x)
{
	return rotr32(x, 17) ^ rotr32(x, 19) ^ x >> 10;
}

/* FIPS 180-4 4.1.3 */
static inline uint64_t big_sigma0_512(uint64_t x)
{
	return rotr64(x, 28) ^ rotr64(x, 34) ^ rotr64(x, 39);
}

static inline uint64_t big_sigma1_512(uint64_t x)
{
	return rotr64(x, 14) ^ rotr64(x, 18) ^ rotr64(x, 41);
}

static inline uint64_t small_sigma0_512(uint64_t x)
{
	return rotr64(x, 1) ^ rotr64(x, 8) ^ x >> 7;
}

static inline uint64_t small_sigma1_512(uint64_t x)
{
	return rotr64(x, 19) ^ rotr64(x, 61) ^ x >> 6;
}

/* W[t] for t >= 16, at w[i] = w[t mod 16]: W[t-2], W[t-7] and W[t-15] are the words 14,
 * 9 and 1 places further round the window, and W[t-16] is w[i] itself */
static inline uint32_t sha256_next(uint32_t w[16], unsigned i)
{
	w[i] += small_sigma1_256(w[(i + 14) & 15]) + w[(i + 9) & 15] +
		small_sigma0_256(w[(i + 1) & 15]);
	return w[i];
}

static inline uint64_t sha512_next(uint64_t w[16], unsigned i)
{
	w[i] += small_sigma1_512(w[(i + 14) & 15]) + w[(i + 9) & 15] +
		small_sigma0_512(w[(i + 1) & 15]);
	return w[i];
}

/* W[t] at w[i], i = t mod 16, in the first 16 rounds (the block's words) and after */
#define SHA256_LOAD(i) (w[i] = load_be32(p + 4 * (i)))
#define SHA256_NEXT(i) sha256_next(w, i)
#define SHA512_LOAD(i) (w[i] = load_be64(p + 8 * (i)))
#define SHA512_NEXT(i) sha512_next(w, i)

/*
 * A SHA-2 round (FIPS 180-4 6.2.2 and 6.4.2 step 3): T1 = h + Sigma1(e) + Ch(e,f,g) + K + W,
 * the new e is d + T1 and the new a is T1 + Sigma0(a) + Maj(a,b,c). With the names rotated,
 * d becomes the new e in place and h, whose old value is used only here, the new a.
 */
#define SHA2_ROUND(bits, a, b, c, d, e, f, g, h, i, word)                                     \
	do {                                                                                  \
		(h) += big_sigma1_##bits(e) + CH(e, f, g) + sha##bits##_k[t + (i)] + word(i); \
		(d) += (h);                                                                   \
		(h) += big_sigma0_##bits(a) + MAJ(a, b, c);                                   \
	} while (0)

/* rounds t+i .. t+i+7 (i is 0 or 8), after which every name is in its role again */
#define SHA2_8ROUNDS(bits, i, word)                                      \
	do {                                                             \
		SHA2_ROUND(bits, a, b, c, d, e, f, g, h, (i), word);     \
		SHA2_ROUND(bits, h, a, b, c, d, e, f, g, (i) + 1, word); \
		SHA2_ROUND(bits, g, h, a, b, c, d, e, f, (i) + 2, word); \
		SHA2_ROUND(bits, f, g, h, a, b, c, d, e, (i) + 3, word); \
		SHA2_ROUND(bits, e, f, g, h, a, b, c, d, (i) + 4, word); \
		SHA2_ROUND(bits, d, e, f, g, h, a, b, c, (i) + 5, word); \
		SHA2_ROUND(bits, c, d, e, f, g, h, a, b, (i) + 6, word); \
		SHA2_ROUND(bits, b, c, d, e, f, g, h, a, (i) + 7, word); \
	} while (0)

/* rounds t .. t+15, t a multiple of 16: once round the window */
#define SHA2_16ROUNDS(bits, word)            \
	do {                                 \
		SHA2_8ROUNDS(bits, 0, word); \
		SHA2_8ROUNDS(bits, 8, word); \
	} while (0)

static void sha256_blocks(uint32_t s[SHA2_WORDS], const uint8_t *p, size_t blocks)
{
	uint32_t a = s[0], b = s[1], c = s[2], d = s[3], e = s[4], f = s[5], g = s[6], h = s[7];
	for (; blocks > 0; blocks--, p += SMALL_BLOCK) {
		uint32_t w[16];
		unsigned t = 0;
		SHA2_16ROUNDS(256, SHA256_LOAD);
		for (t = 16; t < 64; t += 16)
			SHA2_16ROUNDS(256, SHA256_NEXT);
		/* step 4: the block's result into the state, which the next block starts from */
		a = s[0] += a;
		b = s[1] += b;
		c = s[2] += c;
		d = s[3] += d;
		e = s[4] += e;
		f = s[5] += f;
		g = s[6] += g;
		h = s[7] += h;
	}
}

/* SHA-512's compression; SHA-384 differs only outside it */
static void sha512_blocks(uint64_t s[SHA2_WORDS], const uint8_t *p, size_t blocks)
{
	uint64_t a = s[0], b = s[1], c = s[2], d = s[3], e = s[4], f = s[5], g = s[6], h = s[7];
	for (; blocks > 0; blocks--, p += LARGE_BLOCK) {
		uint64_t w[16];
		unsigned t = 0;
		SHA2_16ROUNDS(512, SHA512_LOAD);
		for (t = 16; t < 80; t += 16)
			SHA2_16ROUNDS(512, SHA512_NEXT);
		a = s[0] += a;
		b = s[1] += b;
		c = s[2] += c;
		d = s[3] += d;
		e = s[4] += e;
		f = s[5] += f;
		g = s[6] += g;
		h = s[7] += h;
	}
}

size_t bc_core_hash_size(uint16_t alg)
{
	switch (alg) {
	case BC_CORE_ALG_SHA1: return 20;
	case BC_CORE_ALG_SHA256: return 32;
	case BC_CORE_ALG_SHA384: return 48;
	default: return 0;
	}
}

const char *bc_core_hash_name(uint16_t alg)
{
	switch (alg) {
	case BC_CORE_ALG_SHA1: return "sha1";
	case BC_CORE_ALG_SHA256: return "sha256";
	case BC_CORE_ALG_SHA384: return "sha384";
	default: return NULL;
	}
}

static size_t block_size(uint16_t alg)
{
	return alg == BC_CORE_ALG_SHA384 ? LARGE_BLOCK : SMALL_BLOCK;
}

/* whole blocks from p, all in one call: the state stays in registers between them */
static void compress(bc_core_hash *h, const uint8_t *p, size_t blocks)
{
	switch (h->alg) {
	case BC_CORE_ALG_SHA1: sha1_blocks(h->state.h32, p, blocks); break;
	case BC_CORE_ALG_SHA256: sha256_blocks(h->state.h32, p, blocks); break;
	case BC_CORE_ALG_SHA384: sha512_blocks(h->state.h64, p, blocks); break;
	default: break;
	}
}

/* A hash whose init failed has alg 0: update and final leave it and out alone. */
bool bc_core_hash_init(bc_core_hash *h, uint16_t alg)
{
	h->alg = 0;
	h->length = 0;
	h->used = 0;
	switch (alg) {
	case BC_CORE_ALG_SHA1:
		for (unsigned i = 0; i < SHA1_WORDS; i++)
			h->state.h32[i] = sha1_iv[i];
		break;
	case BC_CORE_ALG_SHA256:
		for (unsigned i = 0; i < SHA2_WORDS; i++)
			h->state.h32[i] = sha256_iv[i];
		break;
	case BC_CORE_ALG_SHA384:
		for (unsigned i = 0; i < SHA2_WORDS; i++)
			h->state.h64[i] = sha384_iv[i];
		break;
	default: return false;
	}
	h->alg = alg;
	return true;
}

void bc_core_hash_update(bc_core_hash *h, const void *data, size_t size)
{
	if (bc_core_hash_size(h->alg) == 0)
		return;
	const uint8_t *p = data;
	size_t bs = block_size(h->alg);
	h->length += size;

	/* top up a partial block first; whole blocks are then hashed from the data itself */
	if (h->used > 0) {
		size_t take = bs - h->used < size ? bs - h->used : size;
		for (size_t i = 0; i < take; i++)
			h->block[h->used + i] = p[i];
		h->used += take;
		p += take;
		size -= take;
		if (h->used < bs)
			return;
		compress(h, h->block, 1);
		h->used = 0;
	}
	compress(h, p, size / bs);
	p += size / bs * bs;
	size %= bs;
	for (size_t i = 0; i < size; i++)
		h->block[i] = p[i];
	h->used = size;
}

/* FIPS 180-4 5.1: a 1 bit, zeros, then the length in bits in the last 8 (16) bytes */
void bc_core_hash_final(bc_core_hash *h, uint8_t *out)
{
	size_t size = bc_core_hash_size(h->alg);
	if (size == 0)
		return;
	size_t bs = block_size(h->alg);
	size_t length_field = h->alg == BC_CORE_ALG_SHA384 ? LARGE_LENGTH : SMALL_LENGTH;

	h->block[h->used++] = 0x80;
	if (h->used > bs - length_field) {
		while (h->used < bs)
			h->block[h->used++] = 0;
		compress(h, h->block, 1);
		h->used = 0;
	}
	while (h->used < bs - 8)
		h->block[h->used++] = 0;
	/* the bit count's high bits: those of a 128-bit field (SHA-384) sit just before */
	if (length_field == LARGE_LENGTH)
		store_be64(h->block + bs - 16, h->length >> 61);
	store_be64(h->block + bs - 8, h->length << 3);
	compress(h, h->block, 1);

	if (h->alg == BC_CORE_ALG_SHA384) {
		for (size_t i = 0; i < size / 8; i++)
			store_be64(out + 8 * i, h->state.h64[i]);
	} else {
		for (size_t i = 0; i < size / 4; i++)
			store_be32(out + 4 * i, h->state.h32[i]);
	}
	h->used = 0;
}

bc_core_status bc_core_hash_buffer(const void *data, size_t size, const uint16_t *algs,
				   size_t count, bc_core_digests *out, bc_core_error *err)
{
	if (out == NULL)
		return bc_core_fail(err, BC_CORE_E_INVALID, "hash: no output given");
	bc_core_memset(out, 0, sizeof(*out));
	if (data == NULL && size > 0)
		return bc_core_fail(err, BC_CORE_E_INVALID, "hash: no data given for %zu bytes",
				    size);
	if (algs == NULL && count > 0)
		return bc_core_fail(err, BC_CORE_E_INVALID, "hash: no algorithms given");
	if (count == 0 || count > BC_CORE_MAX_BANKS)
		return bc_core_fail(err, BC_CORE_E_INVALID,
				    "hash: %zu algorithms asked for, between 1 and %d allowed",
				    count, BC_CORE_MAX_BANKS);

	bc_core_hash h[BC_CORE_MAX_BANKS];
	for (size_t i = 0; i < count; i++) {
		if (!bc_core_hash_init(&h[i], algs[i]))
			return bc_core_fail(err, BC_CORE_E_UNSUPPORTED,
					    "hash: algorithm 0x%04x is not supported (sha1, "
					    "sha256, sha384 are)",
					    (unsigned)algs[i]);
	}
	/* every bank over the same chunk while it is in cache */
	const uint8_t *p = data;
	for (size_t done = 0; done < size;) {
		size_t n = size - done < BUFFER_CHUNK ? size - done : BUFFER_CHUNK;
		for (size_t i = 0; i < count; i++)
			bc_core_hash_update(&h[i], p + done, n);
		done += n;
	}
	for (size_t i = 0; i < count; i++) {
		out->d[i].alg = algs[i];
		out->d[i].size = (uint16_t)bc_core_hash_size(algs[i]);
		bc_core_hash_final(&h[i], out->d[i].bytes);
	}
	out->count = count;
	return BC_CORE_OK;
}
