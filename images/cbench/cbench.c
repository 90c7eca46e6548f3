/*
 * Compiled-C benchmark guest: ordinary C, not written for the emulator. Each round sorts
 * 8192 pseudo-random words with a quicksort, compresses 32 KiB of generated text with an
 * LZ77 coder, decompresses it and checks the round trip, and folds a CRC-32 of the
 * compressed stream, the sorted words and the sizes into a checksum. At the end it prints
 *     cbench rounds=N checksum=C
 * on COM1 and returns 0x2a, which start.asm writes to isa-debug-exit (exit status 85). A
 * failed check prints "cbench error ..." and returns 0x3f (exit status 127).
 * Built with gcc -m32 -ffreestanding -nostdlib (see images/Makefile); ROUNDS defaults to 20.
 */
#include <stddef.h>
#include <stdint.h>

#ifndef ROUNDS
#define ROUNDS 20
#endif

#define SORT_N 8192
#define TEXT_BYTES 32768
#define HASH_BITS 12
#define MIN_MATCH 3
#define MAX_MATCH 258

static uint32_t words[SORT_N];
static uint8_t text[TEXT_BYTES];
static uint8_t packed[TEXT_BYTES + TEXT_BYTES / 8 + 16];
static uint8_t unpacked[TEXT_BYTES];
static int32_t heads[1 << HASH_BITS];
static uint32_t crc_table[256];
static uint32_t rng = 12345;

/* gcc may call these even in freestanding code. */
void *memcpy(void *dst, const void *src, size_t n) {
    uint8_t *d = dst;
    const uint8_t *s = src;
    while (n--) {
        *d++ = *s++;
    }
    return dst;
}

void *memset(void *dst, int c, size_t n) {
    uint8_t *d = dst;
    while (n--) {
        *d++ = (uint8_t) c;
    }
    return dst;
}

static inline void outb(uint16_t port, uint8_t v) {
    __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port) {
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static void put_char(char c) {
    while (!(inb(0x3FD) & 0x20)) {
    }
    outb(0x3F8, (uint8_t) c);
}

static void put_str(const char *s) {
    while (*s) {
        put_char(*s++);
    }
}

static void put_dec(uint32_t v) {
    char buf[12];
    int n = 0;
    do {
        buf[n++] = (char) ('0' + v % 10);
        v /= 10;
    } while (v);
    while (n) {
        put_char(buf[--n]);
    }
}

static void put_hex(uint32_t v) {
    for (int shift = 28; shift >= 0; shift -= 4) {
        put_char("0123456789abcdef"[(v >> shift) & 15]);
    }
}

static uint32_t next_random(void) {
    rng = rng * 1664525u + 1013904223u;
    return rng;
}

/* ---- sorting ---- */

static void insertion_sort(uint32_t *a, int lo, int hi) {
    for (int i = lo + 1; i <= hi; i++) {
        uint32_t v = a[i];
        int j = i - 1;
        while (j >= lo && a[j] > v) {
            a[j + 1] = a[j];
            j--;
        }
        a[j + 1] = v;
    }
}

static void swap(uint32_t *a, int i, int j) {
    uint32_t t = a[i];
    a[i] = a[j];
    a[j] = t;
}

static void quicksort(uint32_t *a, int lo, int hi) {
    while (hi - lo > 16) {
        int mid = lo + (hi - lo) / 2;
        if (a[mid] < a[lo]) swap(a, mid, lo);
        if (a[hi] < a[lo]) swap(a, hi, lo);
        if (a[hi] < a[mid]) swap(a, hi, mid);
        uint32_t pivot = a[mid];
        int i = lo;
        int j = hi;
        while (i <= j) {
            while (a[i] < pivot) i++;
            while (a[j] > pivot) j--;
            if (i <= j) {
                swap(a, i, j);
                i++;
                j--;
            }
        }
        /* Recurse into the smaller part, loop on the larger. */
        if (j - lo < hi - i) {
            quicksort(a, lo, j);
            lo = i;
        } else {
            quicksort(a, i, hi);
            hi = j;
        }
    }
    insertion_sort(a, lo, hi);
}

/* ---- text and LZ77 ---- */

static const char *const dictionary[] = {
    "the ", "quick ", "brown ", "fox ", "jumps ", "over ", "lazy ", "dog ", "emulator ",
    "translates ", "guest ", "code ", "into ", "blocks ", "and ", "runs ", "them ", "fast ",
    "memory ", "page ", "table ", "walk ", "interrupt ", "vector ", "\n", ", ", ". ",
};

static void make_text(void) {
    int n = 0;
    int words_count = (int) (sizeof dictionary / sizeof dictionary[0]);
    while (n < TEXT_BYTES) {
        uint32_t r = next_random();
        const char *w = dictionary[(r >> 16) % (uint32_t) words_count];
        if ((r & 0xFF) < 8) {
            text[n++] = (uint8_t) ('A' + (r >> 8) % 26);
            continue;
        }
        while (*w && n < TEXT_BYTES) {
            text[n++] = (uint8_t) *w++;
        }
    }
}

static uint32_t hash3(const uint8_t *p) {
    uint32_t v = p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16;
    return (v * 2654435761u) >> (32 - HASH_BITS);
}

/*
 * Groups of eight items behind a flag byte (bit k set: item k is a match). A literal is one
 * byte; a match is a 16-bit little-endian distance and a length byte (length - MIN_MATCH).
 */
static int compress(const uint8_t *in, int n, uint8_t *out) {
    for (int k = 0; k < (1 << HASH_BITS); k++) {
        heads[k] = -1;
    }
    int o = 0;
    int flag_pos = 0;
    int item = 8;
    int i = 0;
    while (i < n) {
        if (item == 8) {
            flag_pos = o++;
            out[flag_pos] = 0;
            item = 0;
        }
        int best = 0;
        int dist = 0;
        if (i + MIN_MATCH <= n) {
            uint32_t h = hash3(in + i);
            int cand = heads[h];
            heads[h] = i;
            if (cand >= 0 && i - cand < 65536) {
                int len = 0;
                int max = n - i < MAX_MATCH ? n - i : MAX_MATCH;
                while (len < max && in[cand + len] == in[i + len]) {
                    len++;
                }
                if (len >= MIN_MATCH) {
                    best = len;
                    dist = i - cand;
                }
            }
        }
        if (best) {
            out[flag_pos] |= (uint8_t) (1 << item);
            out[o++] = (uint8_t) dist;
            out[o++] = (uint8_t) (dist >> 8);
            out[o++] = (uint8_t) (best - MIN_MATCH);
            for (int k = 1; k < best && i + k + MIN_MATCH <= n; k++) {
                heads[hash3(in + i + k)] = i + k;
            }
            i += best;
        } else {
            out[o++] = in[i++];
        }
        item++;
    }
    return o;
}

static int decompress(const uint8_t *in, int n, uint8_t *out) {
    int i = 0;
    int o = 0;
    while (i < n) {
        uint8_t flags = in[i++];
        for (int item = 0; item < 8 && i < n; item++) {
            if (flags & (1 << item)) {
                int dist = in[i] | in[i + 1] << 8;
                int len = in[i + 2] + MIN_MATCH;
                i += 3;
                for (int k = 0; k < len; k++) {
                    out[o] = out[o - dist];
                    o++;
                }
            } else {
                out[o++] = in[i++];
            }
        }
    }
    return o;
}

/* ---- CRC-32 (IEEE 802.3, reflected) ---- */

static void make_crc_table(void) {
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = n;
        for (int k = 0; k < 8; k++) {
            c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        }
        crc_table[n] = c;
    }
}

static uint32_t crc32(const uint8_t *p, int n) {
    uint32_t c = 0xFFFFFFFFu;
    for (int k = 0; k < n; k++) {
        c = crc_table[(c ^ p[k]) & 0xFF] ^ (c >> 8);
    }
    return c ^ 0xFFFFFFFFu;
}

static int fail(const char *what, uint32_t round) {
    put_str("cbench error ");
    put_str(what);
    put_str(" round=");
    put_dec(round);
    put_char('\n');
    return 0x3f;
}

int cmain(void) {
    uint32_t checksum = 0;
    make_crc_table();
    for (uint32_t round = 0; round < ROUNDS; round++) {
        for (int k = 0; k < SORT_N; k++) {
            words[k] = next_random();
        }
        quicksort(words, 0, SORT_N - 1);
        for (int k = 1; k < SORT_N; k++) {
            if (words[k - 1] > words[k]) {
                return fail("unsorted", round);
            }
        }
        for (int k = 0; k < SORT_N; k += 64) {
            checksum = (checksum << 5 | checksum >> 27) ^ words[k];
        }
        make_text();
        int size = compress(text, TEXT_BYTES, packed);
        if (decompress(packed, size, unpacked) != TEXT_BYTES) {
            return fail("length", round);
        }
        for (int k = 0; k < TEXT_BYTES; k++) {
            if (unpacked[k] != text[k]) {
                return fail("roundtrip", round);
            }
        }
        checksum = (checksum << 5 | checksum >> 27) ^ crc32(packed, size) ^ (uint32_t) size;
    }
    put_str("cbench rounds=");
    put_dec(ROUNDS);
    put_str(" checksum=");
    put_hex(checksum);
    put_char('\n');
    return 0x2a;
}
