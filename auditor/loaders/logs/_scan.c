/* The compiled scanner of keyaudit JSONL: Grammar.rows (fastjsonl.py) and its grouping (blockusage.py) in C.
 *
 * Scanner(...).groups(block, start) reads the lines of `block` from byte `start` on. It takes a strict subset
 * of the lines the grammar's regex takes (any doubt: the line is not taken), with the same captures, and
 * counts them in groups as analysis/blockusage.py does with the regex's tuples: lines of one key, project,
 * method, status, error and path shape (each segment a literal some template has at its place, or `{}`) are
 * one group, with its first line, size and earliest and latest time. Every other line is handed back by its
 * offsets, for the exact reader (calllog.py); a blank line is skipped, as the exact reader skips it. So the
 * result of an audit does not depend on the scanner: tests/test_native_scan.py holds it to the regex line by
 * line, tests/test_fast_logs.py the whole block reader to the line-by-line one.
 *
 * Input is hostile: every read is bounded by the end of its line, lengths are checked before any copy, every
 * table of a call is bounded (MAX_CALL_LINES lines a call; the caller calls again from where it stopped), and
 * the scan touches no Python object, so it runs without the GIL: threads of one process scan blocks at once.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* The sha256 of this file as it was built (hatch_build.py defines it): native.py uses no scanner older than its
 * source. Built without it, the module says "" and is not used. */
#ifndef SCAN_SOURCE_SHA256
#define SCAN_SOURCE_SHA256 ""
#endif
#include <stdint.h>
#include <string.h>

#define MAX_MEMBERS 32
#define MAX_DEPTH 32
#define MAX_STRING 8192
#define MAX_QUERY 16384
#define MAX_RUN 64
#define MAX_METHOD 16
#define MAX_NAME 64 /* fastjsonl.py's _NAME */
#define MAX_SEPARATOR 8
#define MAX_TOKEN (MAX_NAME + MAX_SEPARATOR + 2)

#if defined(__GNUC__) || defined(__clang__)
#define HOT static inline __attribute__((always_inline)) /* the few helpers every byte goes through */
#else
#define HOT static inline
#endif
#if (defined(__GNUC__) || defined(__clang__)) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define FIRST_FLAGGED(word) (__builtin_ctzll(word) >> 3) /* the first byte in memory is the lowest */
#endif
#if (defined(__GNUC__) || defined(__clang__)) && defined(__SSE2__) /* every x86-64 CPU has SSE2 */
#include <emmintrin.h>
#define SIMD_SKIP
#endif

enum kind { K_TIME, K_KEY, K_METHOD, K_PATH, K_STATUS, K_PROJECT, K_ERROR, K_SCALAR };
enum field { F_TIME, F_KEY, F_METHOD, F_STATUS, F_PROJECT, F_ERROR, F_OTHER, N_FIELDS };
#define SEG_ABSENT (-2)
#define SEG_OTHER (-1)

typedef struct {
    const char *text;
    Py_ssize_t len;
} span_t;

typedef struct {
    Py_ssize_t start[N_FIELDS]; /* offsets in the block; len 0: empty capture */
    Py_ssize_t len[N_FIELDS];
    int32_t segment[MAX_DEPTH]; /* literal index, SEG_OTHER or SEG_ABSENT */
} row_t;

typedef struct {
    uint64_t head, tail;
} ends_t; /* see ends_of */

typedef struct {
    ends_t ends;
    int32_t index_1; /* the literal's index + 1; 0: an empty slot */
    int32_t len;
} literal_slot_t;

#define MAX_FRAME_WORDS 4 /* words that cover YYYY-MM-DDTHH:MM:SS.fffffffff */

typedef struct {
    int words;
    Py_ssize_t len, at[MAX_FRAME_WORDS];               /* the frame's length, each word's offset in it */
    uint64_t digit[MAX_FRAME_WORDS], text[MAX_FRAME_WORDS]; /* each word's digit bytes (all ones), other bytes */
} time_frame_t;

typedef struct {
    PyObject_HEAD
    PyObject *args; /* keeps every buffer below alive */
    int members;
    span_t name[MAX_MEMBERS];
    span_t token[MAX_MEMBERS]; /* `"name"` and the name separator, as a line has them */
    char token_text[MAX_MEMBERS][MAX_TOKEN];
    span_t sep_token[MAX_MEMBERS]; /* the item separator then the token; len -1 where it does not fit */
    char sep_token_text[MAX_MEMBERS][MAX_SEPARATOR + MAX_TOKEN];
    int kind[MAX_MEMBERS];
    span_t item_sep, name_sep, brace_pad, zone;
    char time_sep;
    int fraction;
    time_frame_t time_frame; /* what a time's digits and separators are (set_time_frame) */
    long long shift; /* seconds since the epoch of 1970-01-01T00:00:00 in the layout's zone */
    Py_ssize_t short_len;
    int depth;
    int literal_count[MAX_DEPTH];
    span_t *literals[MAX_DEPTH];       /* sorted as Python sorts bytes */
    literal_slot_t *literal_slot[MAX_DEPTH]; /* open addressing by segment_hash */
    size_t literal_mask[MAX_DEPTH];
    Py_ssize_t longest[MAX_DEPTH];     /* the longest literal at each position: a longer segment is none */
    uint16_t first_len[MAX_DEPTH][256]; /* bit len % 16 of [first byte]: set by each literal at its place */
    PyObject **captures[MAX_DEPTH]; /* b"/" + literal, borrowed from args */
    PyObject *empty, *slash;
} Scanner;

/* ---- reading one line: no Python object is touched ---- */

typedef struct {
    const char *p, *end;
} cursor_t;

enum { C_CHAR = 1, C_SEGMENT = 2 };
static unsigned char char_class[256]; /* filled once, when the module is imported (classify_chars) */

/* A string's characters: printable ASCII but `"` and `\`; a path segment's: not `/`, `?`, `#` or `:` either. */
static void classify_chars(void) {
    for (int c = 0; c < 256; c++) {
        int is_char = c >= 0x20 && c <= 0x7e && c != '"' && c != '\\';
        int is_segment = is_char && c != '/' && c != '?' && c != '#' && c != ':';
        char_class[c] = (unsigned char)((is_char ? C_CHAR : 0) | (is_segment ? C_SEGMENT : 0));
    }
}

HOT uint64_t load64(const char *p) {
    uint64_t word;
    memcpy(&word, p, 8);
    return word;
}

HOT uint32_t load32(const char *p) {
    uint32_t word;
    memcpy(&word, p, 4);
    return word;
}

#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

/* Eight bytes at a time: a word with no byte of the kind asked for gives 0; one with such a byte does not (the
 * lowest such byte is flagged exactly; a borrow may flag bytes above it, which only says the same). */
HOT uint64_t bytes_equal(uint64_t word, unsigned char c) {
    uint64_t x = word ^ (ONES * c);
    return (x - ONES) & ~x & HIGHS;
}

HOT uint64_t bytes_below_space(uint64_t word) { return (word - ONES * 0x20) & ~word & HIGHS; }

HOT uint64_t bytes_above_tilde(uint64_t word) { return ((word + ONES) | word) & HIGHS; } /* 0x7f and up */

#ifdef SIMD_SKIP
HOT __m128i equal16(__m128i bytes, char c) { return _mm_cmpeq_epi8(bytes, _mm_set1_epi8(c)); }

/* Sixteen bytes at a time: a mask of those not of class `kind`, bit i for byte i. A signed compare with 0x20
 * flags the bytes below a space and those of 0x80 and up (negative) at once. */
HOT unsigned other_bytes16(const char *p, unsigned char kind) {
    __m128i bytes = _mm_loadu_si128((const __m128i *)p);
    __m128i other = _mm_or_si128(_mm_cmplt_epi8(bytes, _mm_set1_epi8(0x20)), equal16(bytes, 0x7f));
    other = _mm_or_si128(other, _mm_or_si128(equal16(bytes, '"'), equal16(bytes, '\\')));
    if (kind == C_SEGMENT) {
        other = _mm_or_si128(other, _mm_or_si128(equal16(bytes, '/'), equal16(bytes, '?')));
        other = _mm_or_si128(other, _mm_or_si128(equal16(bytes, '#'), equal16(bytes, ':')));
    }
    return (unsigned)_mm_movemask_epi8(other);
}
#endif

/* The first byte from p on that is not of class `kind` (C_CHAR or C_SEGMENT), or end. */
HOT const char *skip_class(const char *p, const char *end, unsigned char kind) {
#ifdef SIMD_SKIP
    for (; end - p >= 16; p += 16) {
        unsigned other = other_bytes16(p, kind);
        if (other) return p + __builtin_ctz(other);
    }
#endif
    for (; end - p >= 8; p += 8) {
        uint64_t word = load64(p);
        uint64_t other = bytes_below_space(word) | bytes_above_tilde(word) | bytes_equal(word, '"') |
                         bytes_equal(word, '\\');
        if (kind == C_SEGMENT)
            other |= bytes_equal(word, '/') | bytes_equal(word, '?') | bytes_equal(word, '#') | bytes_equal(word, ':');
#ifdef FIRST_FLAGGED
        if (other) return p + FIRST_FLAGGED(other);
#else
        if (other) break;
#endif
    }
    while (p < end && (char_class[(unsigned char)*p] & kind)) p++;
    return p;
}

static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

/* Whether n bytes at a and b are equal. The texts compared here are a few bytes long: words are compared, the
 * last one overlapping the one before, and no byte outside the n is read. */
HOT int same_bytes(const char *a, const char *b, Py_ssize_t n) {
    if (n >= 8) {
        for (Py_ssize_t i = 0; i + 8 < n; i += 8)
            if (load64(a + i) != load64(b + i)) return 0;
        return load64(a + n - 8) == load64(b + n - 8);
    }
    if (n >= 4) return load32(a) == load32(b) && load32(a + n - 4) == load32(b + n - 4);
    for (Py_ssize_t i = 0; i < n; i++)
        if (a[i] != b[i]) return 0;
    return 1;
}

HOT int take(cursor_t *c, const span_t *text) {
    if (c->end - c->p < text->len || !same_bytes(c->p, text->text, text->len)) return 0;
    c->p += text->len;
    return 1;
}

HOT int take_char(cursor_t *c, char ch) {
    if (c->p >= c->end || *c->p != ch) return 0;
    c->p++;
    return 1;
}

HOT int take_word(cursor_t *c, const char *word) { /* inlined, strlen of a literal word is a constant */
    span_t text = {word, (Py_ssize_t)strlen(word)};
    return take(c, &text);
}

/* `"` then min..max printable ASCII but `"` and `\`, then `"`; the content's span. */
HOT int take_string(cursor_t *c, Py_ssize_t min, Py_ssize_t max, const char **start, Py_ssize_t *len) {
    if (!take_char(c, '"')) return 0;
    const char *q = c->p;
    q = skip_class(q, c->end, C_CHAR);
    if (q >= c->end || *q != '"' || q - c->p < min || q - c->p > max) return 0;
    *start = c->p;
    *len = q - c->p;
    c->p = q + 1;
    return 1;
}

static int digits(cursor_t *c, int min, int max) {
    int n = 0;
    while (c->p < c->end && is_digit((unsigned char)*c->p)) {
        c->p++;
        n++;
    }
    return n >= min && n <= max;
}

static int take_number(cursor_t *c) {
    take_char(c, '-');
    if (take_char(c, '0')) {
        if (c->p < c->end && is_digit((unsigned char)*c->p)) return 0;
    } else if (!digits(c, 1, 100)) {
        return 0;
    }
    if (take_char(c, '.') && !digits(c, 1, 100)) return 0;
    if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
        c->p++;
        if (c->p < c->end && (*c->p == '+' || *c->p == '-')) c->p++;
        if (!digits(c, 1, 100)) return 0;
    }
    return 1;
}

static int two_digits(const char *p) { return (p[0] - '0') * 10 + (p[1] - '0'); }

static int all_digits(const char *p, int n) {
    for (int i = 0; i < n; i++)
        if (!is_digit((unsigned char)p[i])) return 0;
    return 1;
}

/* A time's frame, YYYY-MM-DD<sep>HH:MM:SS[.f{fraction}] without its zone, as words of eight bytes (the last
 * one overlapping the one before): which bytes are digits, and what the others are. Masks are built in
 * memory's order and read back as words, so they hold whatever the byte order. */
static void set_time_frame(time_frame_t *frame, char separator, int fraction) {
    char text[32] = "0000-00-00T00:00:00.000000000";
    text[10] = separator;
    frame->len = 19 + (fraction ? 1 + fraction : 0);
    frame->words = 0;
    for (Py_ssize_t at = 0; at < frame->len; at += 8) {
        if (at + 8 > frame->len) at = frame->len - 8;
        unsigned char digit[8], other[8];
        for (int i = 0; i < 8; i++) {
            digit[i] = is_digit((unsigned char)text[at + i]) ? 0xff : 0;
            other[i] = digit[i] ? 0 : (unsigned char)text[at + i];
        }
        frame->at[frame->words] = at;
        frame->digit[frame->words] = load64((const char *)digit);
        frame->text[frame->words++] = load64((const char *)other);
    }
}

/* Whether the frame's bytes are at p: its separators, and digits (a byte of 0x30-0x39: high half 3 both as it
 * is and plus 6). 6 is added to the digit bytes alone, and one that carries (0xfa and up) fails on its own, so
 * a carry into the next byte changes nothing. The caller checked that the frame's length is there. */
HOT int fits_frame(const time_frame_t *frame, const char *p) {
    uint64_t wrong = 0;
    for (int k = 0; k < frame->words; k++) {
        uint64_t word = load64(p + frame->at[k]), digit = frame->digit[k];
        wrong |= (word & ~digit) ^ frame->text[k];
        wrong |= ((word & ONES * 0xf0) ^ ONES * 0x30) & digit;
        wrong |= ((((word & digit) + ONES * 6) & ONES * 0xf0) ^ ONES * 0x30) & digit;
    }
    return !wrong;
}

/* YYYY-MM-DD<sep>HH:MM:SS[.f{fraction}]<zone>, years 1901-8998, a date of every year (no 29 February). */
static int take_time_text(const Scanner *s, cursor_t *c) {
    const char *p = c->p;
    if (c->end - p < s->time_frame.len + s->zone.len || !fits_frame(&s->time_frame, p)) return 0;
    int year = two_digits(p) * 100 + two_digits(p + 2), month = two_digits(p + 5), day = two_digits(p + 8);
    if (year < 1901 || year > 8998 || month < 1 || month > 12 || day < 1) return 0;
    int longest = month == 2 ? 28 : (month == 4 || month == 6 || month == 9 || month == 11) ? 30 : 31;
    if (day > longest) return 0;
    if (two_digits(p + 11) > 23 || two_digits(p + 14) > 59 || two_digits(p + 17) > 59) return 0;
    p += s->time_frame.len;
    if (!same_bytes(p, s->zone.text, s->zone.len)) return 0;
    c->p = p + s->zone.len;
    return 1;
}

#define HASH_FACTOR 0x9E3779B97F4A7C15ULL

/* A text's first and last eight (or four) bytes; up to 16 bytes they are all of it (below four: the first,
 * middle and last), so texts of one length up to 16 are equal when their ends are. */
HOT ends_t ends_of(const char *text, Py_ssize_t len) {
    ends_t ends = {0, 0};
    if (len >= 8) {
        ends.head = load64(text);
        ends.tail = load64(text + len - 8);
    } else if (len >= 4) {
        ends.head = load32(text);
        ends.tail = load32(text + len - 4);
    } else if (len) {
        ends.head = (unsigned char)text[0];
        ends.tail = (uint64_t)(unsigned char)text[len - 1] << 8 | (unsigned char)text[len / 2];
    }
    return ends;
}

HOT uint64_t ends_hash(ends_t ends, Py_ssize_t len) {
    uint64_t hash = (ends.head * HASH_FACTOR ^ ends.tail ^ (uint64_t)len) * HASH_FACTOR;
    return hash ^ (hash >> 32);
}

/* A hash of a segment in a few steps whatever its length: of its ends. */
HOT uint64_t segment_hash(const char *text, Py_ssize_t len) { return ends_hash(ends_of(text, len), len); }

/* A hash of every byte of a text (so texts that differ anywhere seldom collide, whoever wrote them): a short
 * one's segment_hash, a longer one a word at a time, the last word overlapping the one before. */
HOT uint64_t text_hash(const char *text, Py_ssize_t len) {
    if (len <= 16) return segment_hash(text, len);
    uint64_t hash = (uint64_t)len;
    for (Py_ssize_t i = 0; i + 8 < len; i += 8) {
        hash = (hash ^ load64(text + i)) * HASH_FACTOR;
        hash ^= hash >> 32;
    }
    hash = (hash ^ load64(text + len - 8)) * HASH_FACTOR;
    return hash ^ (hash >> 29);
}

/* The literal a segment is at its position, or SEG_OTHER. A slot holds its literal's length and ends, so a
 * lookup reads the slot alone (and the literal's text only past 16 bytes). */
static int32_t find_literal(const Scanner *s, int position, const char *text, Py_ssize_t len) {
    if (len > s->longest[position] || !len ||
        !(s->first_len[position][(unsigned char)text[0]] >> (len & 15) & 1)) /* most ids end here */
        return SEG_OTHER;
    size_t mask = s->literal_mask[position];
    ends_t ends = ends_of(text, len);
    for (size_t at = ends_hash(ends, len) & mask;; at = (at + 1) & mask) {
        const literal_slot_t *slot = &s->literal_slot[position][at];
        if (!slot->index_1) return SEG_OTHER;
        if (slot->len == len && slot->ends.head == ends.head && slot->ends.tail == ends.tail &&
            (len <= 16 || same_bytes(s->literals[position][slot->index_1 - 1].text, text, len)))
            return slot->index_1 - 1;
    }
}

/* `"/v1` then segments, each after 1-64 slashes, at most `depth`, then trailing slashes and a query. */
static int take_path(const Scanner *s, cursor_t *c, row_t *row) {
    if (!take_word(c, "\"/v1")) return 0;
    if (c->p >= c->end || !(*c->p == '/' || *c->p == '?' || *c->p == '#' || *c->p == '"')) return 0;
    int position = 0;
    for (;;) {
        const char *run = c->p;
        while (c->p < c->end && *c->p == '/') c->p++;
        if (c->p - run > MAX_RUN || c->p >= c->end) return 0;
        char next = *c->p;
        if (next == '"' || next == '?' || next == '#') break;
        if (run == c->p) return 0; /* a segment not after a slash */
        const char *segment = c->p;
        c->p = skip_class(c->p, c->end, C_SEGMENT);
        if (c->p >= c->end || !(*c->p == '/' || *c->p == '?' || *c->p == '#' || *c->p == '"')) return 0;
        if (c->p - segment > MAX_STRING || position >= s->depth) return 0;
        row->segment[position] = find_literal(s, position, segment, c->p - segment);
        position++;
    }
    if (*c->p == '?' || *c->p == '#') {
        const char *query = ++c->p;
        c->p = skip_class(c->p, c->end, C_CHAR);
        if (c->p - query > MAX_QUERY) return 0;
    }
    return take_char(c, '"');
}

static void capture(row_t *row, enum field field, const char *block, const char *start, Py_ssize_t len) {
    row->start[field] = start - block;
    row->len[field] = len;
}

static int take_value(const Scanner *s, int kind, cursor_t *c, const char *block, row_t *row) {
    const char *start = c->p, *text;
    Py_ssize_t len;
    switch (kind) {
    case K_TIME:
        if (take_word(c, "null")) return 1;
        if (!take_char(c, '"') || !take_time_text(s, c)) return 0;
        capture(row, F_TIME, block, start + 1, c->p - start - 1);
        return take_char(c, '"');
    case K_KEY:
        if (!take_string(c, 1, s->short_len, &text, &len)) return 0;
        capture(row, F_KEY, block, text, len);
        return 1;
    case K_METHOD:
        if (!take_char(c, '"')) return 0;
        while (c->p < c->end && ((*c->p >= 'A' && *c->p <= 'Z') || (*c->p >= 'a' && *c->p <= 'z'))) c->p++;
        if (c->p - start - 1 < 1 || c->p - start - 1 > MAX_METHOD) return 0;
        capture(row, F_METHOD, block, start + 1, c->p - start - 1);
        return take_char(c, '"');
    case K_PATH:
        return take_path(s, c, row);
    case K_STATUS:
        if (!take_word(c, "null")) {
            if (c->end - c->p < 3 || c->p[0] < '1' || c->p[0] > '5' || !all_digits(c->p + 1, 2)) return 0;
            c->p += 3;
        }
        capture(row, F_STATUS, block, start, c->p - start);
        return 1;
    case K_PROJECT:
    case K_ERROR:
        if (!take_word(c, "null") && !take_string(c, 0, kind == K_PROJECT ? s->short_len : MAX_STRING, &text, &len))
            return 0;
        capture(row, kind == K_PROJECT ? F_PROJECT : F_ERROR, block, start, c->p - start);
        return 1;
    default:
        if (c->p < c->end && *c->p == '"') return take_string(c, 0, MAX_STRING, &text, &len);
        if (take_word(c, "true") || take_word(c, "false") || take_word(c, "null")) return 1;
        return take_number(c);
    }
}

/* Spaces and tabs, and carriage returns where `and_returns` (after the closing brace), at most MAX_RUN. */
static int take_spaces(cursor_t *c, int and_returns) {
    const char *start = c->p;
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || (and_returns && *c->p == '\r'))) c->p++;
    return c->p - start <= MAX_RUN;
}

/* Whether the line [p, end) (without its newline) is one the grammar takes the same way; its captures. */
static int take_line(const Scanner *s, const char *block, const char *p, const char *end, row_t *row) {
    cursor_t c = {p, end};
    for (int i = 0; i < s->depth; i++) row->segment[i] = SEG_ABSENT;
    for (int i = 0; i < N_FIELDS; i++) row->start[i] = row->len[i] = 0;
    if (!take_spaces(&c, 0) || !take_char(&c, '{') || !take(&c, &s->brace_pad)) return 0;
    int member = 0, found = -1;
    for (;;) {
        for (int j = member; found < 0 && j < s->members; j++) {
            if (take(&c, &s->token[j])) found = j;
            else if (s->kind[j] == K_KEY || s->kind[j] == K_METHOD || s->kind[j] == K_PATH) return 0;
        }
        if (found < 0 || !take_value(s, s->kind[found], &c, block, row)) return 0;
        member = found + 1;
        found = -1;
        /* Most lines have every member: the separator and the next member's name are taken at once. */
        if (member < s->members && s->sep_token[member].len > 0 && take(&c, &s->sep_token[member])) found = member;
        else if (!take(&c, &s->item_sep)) break;
    }
    for (int j = member; j < s->members; j++)
        if (s->kind[j] == K_KEY || s->kind[j] == K_METHOD || s->kind[j] == K_PATH) return 0;
    if (!take(&c, &s->brace_pad) || !take_char(&c, '}') || !take_spaces(&c, 1)) return 0;
    return c.p == end;
}

/* ---- grouping: lines of one key, project, method, status, error and path shape are one group ---- */

#define MAX_CALL_LINES 65536 /* lines one call of groups() reads at most: it bounds every table of the call */
#define MAX_BLANK 1024       /* a blank line up to this long is skipped here, as the exact reader skips it */
#define MIN_TAKEN 16         /* a taken line is longer: {"key":"k","method":"G","path":"/v1"} */
#define OTHER_LINE (-1)      /* firsts[] of a line left to the exact reader */
#define BLANK_LINE (-2)      /* firsts[] of a blank line */

static const enum field group_fields[] = {F_KEY, F_PROJECT, F_METHOD, F_STATUS, F_ERROR}; /* GROUP_FIELDS' order */
#define N_GROUP_FIELDS 5

typedef struct {
    uint64_t hash;
    Py_ssize_t first, size; /* the index of the group's first line (in the call), its lines */
    Py_ssize_t low, high;   /* offsets of its earliest and latest time; -1: none of its lines has a time */
    Py_ssize_t low_len, high_len;
    row_t row; /* its first line's captures */
} group_t;

typedef struct {
    Py_ssize_t end, lines, groups, others;
    Py_ssize_t line_capacity, capacity; /* of firsts and other; of groups, half the slots */
    group_t *group;
    int32_t *slot;    /* open addressing: group index + 1, 0 empty */
    size_t mask;
    int32_t *firsts;  /* per line: its group's first line, OTHER_LINE or BLANK_LINE */
    int64_t *other;   /* per line left to the exact reader: its index, start and end offsets */
} call_t;

static uint64_t group_hash(const Scanner *s, const char *block, const row_t *row) {
    /* Each field is hashed on its own and the hashes summed, each times its own odd number: no hash waits for
     * the one before, so the processor computes them side by side. */
    uint64_t hash = text_hash((const char *)row->segment, s->depth * (Py_ssize_t)sizeof(row->segment[0]));
    for (int f = 0; f < N_GROUP_FIELDS; f++)
        hash += text_hash(block + row->start[group_fields[f]], row->len[group_fields[f]]) * (uint64_t)(2 * f + 3);
    return hash;
}

static int same_group(const Scanner *s, const char *block, const row_t *a, const row_t *b) {
    for (int f = 0; f < N_GROUP_FIELDS; f++) {
        enum field field = group_fields[f];
        if (a->len[field] != b->len[field] ||
            !same_bytes(block + a->start[field], block + b->start[field], a->len[field]))
            return 0;
    }
    return same_bytes((const char *)a->segment, (const char *)b->segment, s->depth * (Py_ssize_t)sizeof(a->segment[0]));
}

/* Python's order of bytes: memcmp, then the shorter first. */
static int compare_text(const char *a, Py_ssize_t a_len, const char *b, Py_ssize_t b_len) {
    int order = memcmp(a, b, (size_t)(a_len < b_len ? a_len : b_len));
    if (order) return order;
    return a_len < b_len ? -1 : a_len > b_len;
}

/* A log's times mostly increase: a time is compared with the group's latest first, and only one earlier than
 * that is compared with the earliest. Of equal times the first line's stays. */
static void add_time(const char *block, group_t *group, const row_t *row) {
    Py_ssize_t start = row->start[F_TIME], len = row->len[F_TIME];
    if (!len) return;
    if (group->high < 0) {
        group->low = group->high = start;
        group->low_len = group->high_len = len;
        return;
    }
    int order = compare_text(block + start, len, block + group->high, group->high_len);
    if (order >= 0) {
        if (order > 0) {
            group->high = start;
            group->high_len = len;
        }
        return;
    }
    if (compare_text(block + start, len, block + group->low, group->low_len) < 0) {
        group->low = start;
        group->low_len = len;
    }
}

/* The group of a taken line, a new one if need be; NULL when the call's table is full. */
static group_t *group_of(const Scanner *s, const char *block, call_t *call, const row_t *row) {
    uint64_t hash = group_hash(s, block, row);
    for (size_t at = hash & call->mask;; at = (at + 1) & call->mask) {
        int32_t index = call->slot[at] - 1;
        if (index < 0) {
            if (call->groups >= call->capacity) return NULL;
            group_t *group = &call->group[call->groups];
            call->slot[at] = (int32_t)++call->groups;
            group->hash = hash;
            group->first = call->lines;
            group->size = 0;
            group->low = group->high = -1;
            group->low_len = group->high_len = 0;
            group->row = *row;
            return group;
        }
        group_t *group = &call->group[index];
        if (group->hash == hash && same_group(s, block, &group->row, row)) return group;
    }
}

static int is_blank(const char *p, const char *end) {
    if (end - p > MAX_BLANK) return 0;
    for (; p < end; p++)
        if (!(*p == ' ' || *p == '\t' || *p == '\r' || *p == '\v' || *p == '\f')) return 0;
    return 1;
}

/* Read the lines of [block + start, block + size) into `call`, at most its line capacity. */
static void group_lines(const Scanner *s, const char *block, Py_ssize_t start, Py_ssize_t size, call_t *call) {
    const char *p = block + start, *end = block + size;
    row_t row;
    while (p < end && call->lines < call->line_capacity) {
        const char *newline = memchr(p, '\n', (size_t)(end - p)); /* the block ends in one */
        int32_t first = BLANK_LINE;
        if (!is_blank(p, newline)) {
            int taken = take_line(s, block, p, newline, &row);
            group_t *group = taken ? group_of(s, block, call, &row) : NULL;
            if (taken && !group) break; /* a new group, and the table is full: the next call starts here */
            if (group) {
                group->size++;
                add_time(block, group, &row);
                first = (int32_t)group->first;
            } else {
                int64_t *other = &call->other[3 * call->others++];
                other[0] = call->lines;
                other[1] = p - block;
                other[2] = newline - block;
                first = OTHER_LINE;
            }
        }
        call->firsts[call->lines++] = first;
        p = newline + 1;
    }
    call->end = p - block;
}

/* Days from 1970-01-01 to a date of the proleptic Gregorian calendar (H. Hinnant's days_from_civil). */
static long long days_from_civil(long long year, int month, int day) {
    year -= month <= 2;
    long long era = (year >= 0 ? year : year - 399) / 400;
    long long year_of_era = year - era * 400;
    long long day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
    long long day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + day_of_era - 719468;
}

/* Microseconds since the epoch of a time take_time_text took (so its digits are there), as
 * blockusage.py's `_micro` reads it: its whole seconds in the layout's zone, the first six digits of its
 * fraction (datetime cuts the rest); None for no time. */
static PyObject *instant(const Scanner *s, const char *text, Py_ssize_t len) {
    if (len < 19) Py_RETURN_NONE;
    long long year = two_digits(text) * 100 + two_digits(text + 2);
    long long seconds = days_from_civil(year, two_digits(text + 5), two_digits(text + 8)) * 86400 +
                        two_digits(text + 11) * 3600 + two_digits(text + 14) * 60 + two_digits(text + 17) + s->shift;
    long long micro = 0;
    for (int i = 0; i < 6; i++) micro = micro * 10 + (i < s->fraction && 20 + i < len ? text[20 + i] - '0' : 0);
    return PyLong_FromLongLong(seconds * 1000000 + micro);
}

static PyObject *bytes_or_empty(const Scanner *s, const char *text, Py_ssize_t len) {
    if (!len) return Py_NewRef(s->empty);
    return PyBytes_FromStringAndSize(text, len);
}

/* (first, size, earliest, latest, (key, project, method, status, error, *shape)) of one group, as the regex
 * path makes them (blockusage.py): times in microseconds since the epoch (None: none), absent captures b"",
 * a segment no template has at its place b"/". */
static PyObject *group_tuple(const Scanner *s, const char *block, const group_t *group) {
    PyObject *key = PyTuple_New(N_GROUP_FIELDS + s->depth);
    if (!key) return NULL;
    for (int f = 0; f < N_GROUP_FIELDS; f++) {
        enum field field = group_fields[f];
        PyObject *value = bytes_or_empty(s, block + group->row.start[field], group->row.len[field]);
        if (!value) {
            Py_DECREF(key);
            return NULL;
        }
        PyTuple_SET_ITEM(key, f, value);
    }
    for (int d = 0; d < s->depth; d++) {
        int32_t segment = group->row.segment[d];
        PyObject *value = segment == SEG_ABSENT ? s->empty : segment == SEG_OTHER ? s->slash : s->captures[d][segment];
        PyTuple_SET_ITEM(key, N_GROUP_FIELDS + d, Py_NewRef(value));
    }
    PyObject *low = group->low < 0 ? Py_NewRef(Py_None) : instant(s, block + group->low, group->low_len);
    PyObject *high = group->high < 0 ? Py_NewRef(Py_None) : instant(s, block + group->high, group->high_len);
    if (!low || !high) {
        Py_XDECREF(low);
        Py_XDECREF(high);
        Py_DECREF(key);
        return NULL;
    }
    return Py_BuildValue("nnNNN", group->first, group->size, low, high, key);
}

static void call_free(call_t *call) {
    PyMem_RawFree(call->group);
    PyMem_RawFree(call->slot);
    PyMem_RawFree(call->firsts);
    PyMem_RawFree(call->other);
}

static PyObject *Scanner_groups(Scanner *self, PyObject *args) {
    Py_buffer view;
    Py_ssize_t start;
    if (self->members < 1) {
        PyErr_SetString(PyExc_ValueError, "the scanner was not set up");
        return NULL;
    }
    if (!PyArg_ParseTuple(args, "y*n", &view, &start)) return NULL;
    const char *block = view.buf;
    Py_ssize_t size = view.len;
    if (size > 0 && block[size - 1] != '\n') {
        PyBuffer_Release(&view);
        PyErr_SetString(PyExc_ValueError, "a block must end in a newline");
        return NULL;
    }
    if (start < 0 || start > size) {
        PyBuffer_Release(&view);
        PyErr_SetString(PyExc_ValueError, "start is outside the block");
        return NULL;
    }
    /* Lines: at most one a byte. Groups: a taken line is longer than MIN_TAKEN bytes; should one not be, the
     * table fills, and the call ends before the line that would need a new group. */
    Py_ssize_t lines = size - start < MAX_CALL_LINES ? size - start : MAX_CALL_LINES;
    call_t call = {0};
    size_t slots = 2;
    while ((Py_ssize_t)slots < 2 * (lines / MIN_TAKEN + 1)) slots *= 2;
    call.mask = slots - 1;
    call.capacity = (Py_ssize_t)slots / 2;
    call.line_capacity = lines;
    call.group = PyMem_RawMalloc((size_t)call.capacity * sizeof(group_t));
    call.slot = PyMem_RawCalloc(slots, sizeof(int32_t));
    call.firsts = PyMem_RawMalloc((size_t)(lines + 1) * sizeof(int32_t));
    call.other = PyMem_RawMalloc((size_t)(lines + 1) * 3 * sizeof(int64_t));
    if (!call.group || !call.slot || !call.firsts || !call.other) {
        call_free(&call);
        PyBuffer_Release(&view);
        return PyErr_NoMemory();
    }
    Py_BEGIN_ALLOW_THREADS group_lines(self, block, start, size, &call);
    Py_END_ALLOW_THREADS

    PyObject *groups = PyList_New(call.groups), *result = NULL;
    for (Py_ssize_t i = 0; groups && i < call.groups; i++) {
        PyObject *group = group_tuple(self, block, &call.group[i]);
        if (!group) {
            Py_CLEAR(groups);
            break;
        }
        PyList_SET_ITEM(groups, i, group);
    }
    if (groups)
        result = Py_BuildValue("nnNy#y#", call.end, call.lines, groups, (const char *)call.other,
                               (Py_ssize_t)(3 * call.others * sizeof(int64_t)), (const char *)call.firsts,
                               (Py_ssize_t)(call.lines * sizeof(int32_t)));
    call_free(&call);
    PyBuffer_Release(&view);
    return result;
}

/* ---- set-up ---- */

static int span_of(PyObject *bytes, span_t *span) {
    if (!PyBytes_Check(bytes)) {
        PyErr_SetString(PyExc_TypeError, "expected bytes");
        return 0;
    }
    span->text = PyBytes_AS_STRING(bytes);
    span->len = PyBytes_GET_SIZE(bytes);
    return 1;
}

static int int_of(PyObject *number, int low, int high, int *out) {
    long value = PyLong_AsLong(number);
    if (value == -1 && PyErr_Occurred()) return 0;
    if (value < low || value > high) {
        PyErr_SetString(PyExc_ValueError, "scanner setting out of range");
        return 0;
    }
    *out = (int)value;
    return 1;
}

static void Scanner_free_literals(Scanner *self) {
    for (int d = 0; d < MAX_DEPTH; d++) {
        PyMem_Free(self->literals[d]);
        PyMem_Free(self->literal_slot[d]);
        self->literal_slot[d] = NULL;
        PyMem_Free(self->captures[d]);
        self->literals[d] = NULL;
        self->captures[d] = NULL;
    }
}

/* Scanner(names, kinds, item_sep, name_sep, brace_pad, time_sep, fraction, zone, shift, short, literals,
 *         captures): shift the seconds since the epoch of 1970-01-01T00:00:00 in the zone, literals[d] the sorted
 *         literal segments at position d + 1 (after `v1`), captures[d] b"/" + each. */
static int Scanner_init(Scanner *self, PyObject *args, PyObject *kwargs) {
    PyObject *names, *kinds, *item_sep, *name_sep, *brace_pad, *time_sep, *fraction, *zone, *shift, *short_len,
        *literals, *captures;
    if (kwargs && PyDict_GET_SIZE(kwargs)) {
        PyErr_SetString(PyExc_TypeError, "Scanner takes positional arguments only");
        return -1;
    }
    self->members = 0; /* not set up until every setting is read */
    if (!PyArg_ParseTuple(args, "O!O!SSSSOSO!OO!O!", &PyTuple_Type, &names, &PyTuple_Type, &kinds, &item_sep,
                          &name_sep, &brace_pad, &time_sep, &fraction, &zone, &PyLong_Type, &shift, &short_len,
                          &PyTuple_Type, &literals, &PyTuple_Type, &captures))
        return -1;
    self->shift = PyLong_AsLongLong(shift);
    if (self->shift == -1 && PyErr_Occurred()) return -1;
    if (self->shift < -86400 || self->shift > 86400) {
        PyErr_SetString(PyExc_ValueError, "scanner setting out of range");
        return -1;
    }
    Scanner_free_literals(self);
    Py_XSETREF(self->args, Py_NewRef(args));
    Py_ssize_t members = PyTuple_GET_SIZE(names), depth = PyTuple_GET_SIZE(literals);
    if (members < 1 || members > MAX_MEMBERS || PyTuple_GET_SIZE(kinds) != members || depth > MAX_DEPTH ||
        PyTuple_GET_SIZE(captures) != depth || PyBytes_GET_SIZE(time_sep) != 1) {
        PyErr_SetString(PyExc_ValueError, "scanner settings do not fit");
        return -1;
    }
    self->depth = (int)depth;
    span_t separator;
    if (!int_of(fraction, 0, 9, &self->fraction) ||
        !span_of(item_sep, &self->item_sep) || !span_of(name_sep, &self->name_sep) ||
        !span_of(brace_pad, &self->brace_pad) || !span_of(zone, &self->zone) || !span_of(time_sep, &separator))
        return -1;
    self->time_sep = separator.text[0];
    set_time_frame(&self->time_frame, self->time_sep, self->fraction);
    int shortest;
    if (!int_of(short_len, 1, MAX_STRING, &shortest)) return -1;
    self->short_len = shortest;
    if (self->name_sep.len > MAX_SEPARATOR) {
        PyErr_SetString(PyExc_ValueError, "scanner settings do not fit");
        return -1;
    }
    for (int i = 0; i < (int)members; i++) {
        if (!span_of(PyTuple_GET_ITEM(names, i), &self->name[i]) ||
            !int_of(PyTuple_GET_ITEM(kinds, i), K_TIME, K_SCALAR, &self->kind[i]))
            return -1;
        if (self->name[i].len > MAX_NAME) {
            PyErr_SetString(PyExc_ValueError, "scanner settings do not fit");
            return -1;
        }
        char *token = self->token_text[i];
        token[0] = '"';
        memcpy(token + 1, self->name[i].text, (size_t)self->name[i].len);
        token[1 + self->name[i].len] = '"';
        memcpy(token + 2 + self->name[i].len, self->name_sep.text, (size_t)self->name_sep.len);
        self->token[i].text = token;
        self->token[i].len = 2 + self->name[i].len + self->name_sep.len;
        self->sep_token[i].text = self->sep_token_text[i];
        self->sep_token[i].len = -1;
        if (self->item_sep.len <= MAX_SEPARATOR) {
            memcpy(self->sep_token_text[i], self->item_sep.text, (size_t)self->item_sep.len);
            memcpy(self->sep_token_text[i] + self->item_sep.len, token, (size_t)self->token[i].len);
            self->sep_token[i].len = self->item_sep.len + self->token[i].len;
        }
    }
    for (int d = 0; d < self->depth; d++) {
        PyObject *words = PyTuple_GET_ITEM(literals, d), *made = PyTuple_GET_ITEM(captures, d);
        if (!PyTuple_Check(words) || !PyTuple_Check(made) || PyTuple_GET_SIZE(words) != PyTuple_GET_SIZE(made) ||
            PyTuple_GET_SIZE(words) > 1 << 20) {
            PyErr_SetString(PyExc_ValueError, "scanner literals do not fit");
            return -1;
        }
        int count = (int)PyTuple_GET_SIZE(words);
        self->literals[d] = PyMem_Calloc((size_t)count + 1, sizeof(span_t));
        self->captures[d] = PyMem_Calloc((size_t)count + 1, sizeof(PyObject *));
        if (!self->literals[d] || !self->captures[d]) {
            PyErr_NoMemory();
            return -1;
        }
        self->literal_count[d] = count;
        for (int w = 0; w < count; w++) {
            if (!span_of(PyTuple_GET_ITEM(words, w), &self->literals[d][w])) return -1;
            if (w && compare_text(self->literals[d][w].text, self->literals[d][w].len, self->literals[d][w - 1].text,
                                  self->literals[d][w - 1].len) <= 0) {
                PyErr_SetString(PyExc_ValueError, "scanner literals must be sorted and distinct");
                return -1;
            }
            if (!PyBytes_Check(PyTuple_GET_ITEM(made, w))) {
                PyErr_SetString(PyExc_TypeError, "expected bytes");
                return -1;
            }
            self->captures[d][w] = PyTuple_GET_ITEM(made, w);
        }
        size_t slots = 2;
        while (slots < 2 * (size_t)count + 2) slots *= 2; /* always an empty slot: a lookup ends */
        self->literal_slot[d] = PyMem_Calloc(slots, sizeof(literal_slot_t));
        if (!self->literal_slot[d]) {
            PyErr_NoMemory();
            return -1;
        }
        self->literal_mask[d] = slots - 1;
        self->longest[d] = 0;
        memset(self->first_len[d], 0, sizeof(self->first_len[d]));
        for (int w = 0; w < count; w++) {
            const span_t *literal = &self->literals[d][w];
            if (literal->len > MAX_STRING) continue; /* no segment taken is longer: it is never found */
            size_t at = segment_hash(literal->text, literal->len) & (slots - 1);
            while (self->literal_slot[d][at].index_1) at = (at + 1) & (slots - 1);
            literal_slot_t *slot = &self->literal_slot[d][at];
            slot->ends = ends_of(literal->text, literal->len);
            slot->index_1 = w + 1;
            slot->len = (int32_t)literal->len;
            if (literal->len > self->longest[d]) self->longest[d] = literal->len;
            if (literal->len)
                self->first_len[d][(unsigned char)literal->text[0]] |= (uint16_t)(1u << (literal->len & 15));
        }
    }
    self->members = (int)members;
    return 0;
}

static PyObject *Scanner_new(PyTypeObject *type, PyObject *args, PyObject *kwargs) {
    Scanner *self = (Scanner *)type->tp_alloc(type, 0);
    if (!self) return NULL;
    self->empty = PyBytes_FromStringAndSize(NULL, 0);
    self->slash = PyBytes_FromStringAndSize("/", 1);
    if (!self->empty || !self->slash) {
        Py_DECREF(self);
        return NULL;
    }
    return (PyObject *)self;
}

static void Scanner_dealloc(Scanner *self) {
    Scanner_free_literals(self);
    Py_XDECREF(self->args);
    Py_XDECREF(self->empty);
    Py_XDECREF(self->slash);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyMethodDef Scanner_methods[] = {
    {"groups", (PyCFunction)Scanner_groups, METH_VARARGS,
     "groups(block, start): the groups of a block's lines from offset `start` on, the lines left to the exact "
     "reader, and where the call stopped (see fastjsonl.py's Grammar.groups)."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject ScannerType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "auditor.loaders.logs._scan.Scanner",
    .tp_basicsize = sizeof(Scanner),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "The lines of one learned layout and one catalog, scanned without a regex.",
    .tp_new = Scanner_new,
    .tp_init = (initproc)Scanner_init,
    .tp_dealloc = (destructor)Scanner_dealloc,
    .tp_methods = Scanner_methods,
};

static struct PyModuleDef scan_module = {
    PyModuleDef_HEAD_INIT, "_scan", "The compiled scanner of keyaudit JSONL (see fastjsonl.py).", -1, NULL,
};

PyMODINIT_FUNC PyInit__scan(void) {
    classify_chars();
    if (PyType_Ready(&ScannerType) < 0) return NULL;
    PyObject *module = PyModule_Create(&scan_module);
    if (!module) return NULL;
    Py_INCREF(&ScannerType);
    if (PyModule_AddObject(module, "Scanner", (PyObject *)&ScannerType) < 0) {
        Py_DECREF(&ScannerType);
        Py_DECREF(module);
        return NULL;
    }
    if (PyModule_AddStringConstant(module, "SOURCE_SHA256", SCAN_SOURCE_SHA256) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
