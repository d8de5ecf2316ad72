/* The compiled scanner of keyaudit JSONL: Grammar.rows (fastjsonl.py) without the regex.
 *
 * Scanner(...).rows(block) returns what the grammar's regex `findall` returns for `block`, one tuple per
 * line, for the lines it takes; every other line comes back whole in the `other` field, for the exact reader
 * (calllog.py). It takes a strict subset of the lines the regex takes (any doubt: the line is not taken),
 * with the same captures, so the result of an audit does not depend on it; tests/test_fast_logs.py holds it
 * to that on every kind of odd line, and tests/test_native_scan.py line by line against the regex.
 *
 * Input is hostile: every read is bounded by the end of its line, lengths are checked before any copy, and
 * the scan itself (pass 1) touches no Python object, so it runs without the GIL.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define MAX_MEMBERS 32
#define MAX_DEPTH 32
#define MAX_STRING 8192
#define MAX_QUERY 16384
#define MAX_RUN 64
#define MAX_METHOD 16

enum kind { K_TIME, K_KEY, K_METHOD, K_PATH, K_STATUS, K_PROJECT, K_ERROR, K_SCALAR };
enum field { F_TIME, F_KEY, F_METHOD, F_STATUS, F_PROJECT, F_ERROR, F_OTHER, N_FIELDS };
#define SEG_ABSENT (-2)
#define SEG_OTHER (-1)

typedef struct {
    const char *text;
    Py_ssize_t len;
} span_t;

typedef struct {
    int taken;
    Py_ssize_t start[N_FIELDS]; /* offsets in the block; len 0: empty capture */
    Py_ssize_t len[N_FIELDS];
    int32_t segment[MAX_DEPTH]; /* literal index, SEG_OTHER or SEG_ABSENT */
} row_t;

typedef struct {
    PyObject_HEAD
    PyObject *args; /* keeps every buffer below alive */
    int members;
    span_t name[MAX_MEMBERS];
    int kind[MAX_MEMBERS];
    span_t item_sep, name_sep, brace_pad, zone;
    char time_sep;
    int fraction;
    Py_ssize_t short_len;
    int depth;
    int literal_count[MAX_DEPTH];
    span_t *literals[MAX_DEPTH];     /* sorted as Python sorts bytes */
    PyObject **captures[MAX_DEPTH]; /* b"/" + literal, borrowed from args */
    int slot[N_FIELDS];
    int segment_slot[MAX_DEPTH];
    int groups;
    PyObject *empty, *slash;
} Scanner;

/* ---- pass 1: no Python object is touched ---- */

typedef struct {
    const char *p, *end;
} cursor_t;

static int is_char(unsigned char c) { return c >= 0x20 && c <= 0x7e && c != '"' && c != '\\'; }

static int is_segment_char(unsigned char c) { return is_char(c) && c != '/' && c != '?' && c != '#' && c != ':'; }

static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

static int take(cursor_t *c, const span_t *text) {
    if (c->end - c->p < text->len || memcmp(c->p, text->text, (size_t)text->len) != 0) return 0;
    c->p += text->len;
    return 1;
}

static int take_char(cursor_t *c, char ch) {
    if (c->p >= c->end || *c->p != ch) return 0;
    c->p++;
    return 1;
}

static int take_word(cursor_t *c, const char *word) {
    span_t text = {word, (Py_ssize_t)strlen(word)};
    return take(c, &text);
}

/* `"` then min..max printable ASCII but `"` and `\`, then `"`; the content's span. */
static int take_string(cursor_t *c, Py_ssize_t min, Py_ssize_t max, const char **start, Py_ssize_t *len) {
    if (!take_char(c, '"')) return 0;
    const char *q = c->p;
    while (q < c->end && is_char((unsigned char)*q)) q++;
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

/* YYYY-MM-DD<sep>HH:MM:SS[.f{fraction}]<zone>, years 1901-8998, a date of every year (no 29 February). */
static int take_time_text(const Scanner *s, cursor_t *c) {
    const char *p = c->p;
    Py_ssize_t need = 19 + (s->fraction ? 1 + s->fraction : 0) + s->zone.len;
    if (c->end - p < need) return 0;
    if (!all_digits(p, 4) || p[4] != '-' || !all_digits(p + 5, 2) || p[7] != '-' || !all_digits(p + 8, 2)) return 0;
    if (p[10] != s->time_sep || !all_digits(p + 11, 2) || p[13] != ':' || !all_digits(p + 14, 2) || p[16] != ':' ||
        !all_digits(p + 17, 2))
        return 0;
    int year = two_digits(p) * 100 + two_digits(p + 2), month = two_digits(p + 5), day = two_digits(p + 8);
    if (year < 1901 || year > 8998 || month < 1 || month > 12 || day < 1) return 0;
    int longest = month == 2 ? 28 : (month == 4 || month == 6 || month == 9 || month == 11) ? 30 : 31;
    if (day > longest) return 0;
    if (two_digits(p + 11) > 23 || two_digits(p + 14) > 59 || two_digits(p + 17) > 59) return 0;
    p += 19;
    if (s->fraction) {
        if (*p != '.' || !all_digits(p + 1, s->fraction)) return 0;
        p += 1 + s->fraction;
    }
    if (memcmp(p, s->zone.text, (size_t)s->zone.len) != 0) return 0;
    c->p = p + s->zone.len;
    return 1;
}

static int compare_literal(const char *text, Py_ssize_t len, const span_t *literal) {
    Py_ssize_t common = len < literal->len ? len : literal->len;
    int order = memcmp(text, literal->text, (size_t)common);
    if (order) return order;
    return len < literal->len ? -1 : len > literal->len;
}

static int32_t find_literal(const Scanner *s, int position, const char *text, Py_ssize_t len) {
    int low = 0, high = s->literal_count[position] - 1;
    while (low <= high) {
        int middle = low + (high - low) / 2;
        int order = compare_literal(text, len, &s->literals[position][middle]);
        if (!order) return middle;
        if (order < 0)
            high = middle - 1;
        else
            low = middle + 1;
    }
    return SEG_OTHER;
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
        while (c->p < c->end && is_segment_char((unsigned char)*c->p)) c->p++;
        if (c->p >= c->end || !(*c->p == '/' || *c->p == '?' || *c->p == '#' || *c->p == '"')) return 0;
        if (c->p - segment > MAX_STRING || position >= s->depth) return 0;
        row->segment[position] = find_literal(s, position, segment, c->p - segment);
        position++;
    }
    if (*c->p == '?' || *c->p == '#') {
        const char *query = ++c->p;
        while (c->p < c->end && is_char((unsigned char)*c->p)) c->p++;
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

static int take_spaces(cursor_t *c, const char *allowed) {
    const char *start = c->p;
    while (c->p < c->end && *c->p && strchr(allowed, *c->p)) c->p++;
    return c->p - start <= MAX_RUN;
}

/* Whether the line [p, end) (without its newline) is one the grammar takes the same way; its captures. */
static int take_line(const Scanner *s, const char *block, const char *p, const char *end, row_t *row) {
    cursor_t c = {p, end};
    for (int i = 0; i < s->depth; i++) row->segment[i] = SEG_ABSENT;
    for (int i = 0; i < N_FIELDS; i++) row->len[i] = 0;
    if (!take_spaces(&c, " \t") || !take_char(&c, '{') || !take(&c, &s->brace_pad)) return 0;
    int member = 0;
    for (;;) {
        int found = -1;
        for (int j = member; j < s->members; j++) {
            cursor_t probe = c;
            if (take_char(&probe, '"') && take(&probe, &s->name[j]) && take_char(&probe, '"') &&
                take(&probe, &s->name_sep)) {
                found = j;
                c = probe;
                break;
            }
            if (s->kind[j] == K_KEY || s->kind[j] == K_METHOD || s->kind[j] == K_PATH) return 0;
        }
        if (found < 0 || !take_value(s, s->kind[found], &c, block, row)) return 0;
        member = found + 1;
        if (!take(&c, &s->item_sep)) break;
    }
    for (int j = member; j < s->members; j++)
        if (s->kind[j] == K_KEY || s->kind[j] == K_METHOD || s->kind[j] == K_PATH) return 0;
    if (!take(&c, &s->brace_pad) || !take_char(&c, '}') || !take_spaces(&c, " \t\r")) return 0;
    return c.p == end;
}

static void scan(const Scanner *s, const char *block, Py_ssize_t size, row_t *rows) {
    const char *p = block, *end = block + size;
    Py_ssize_t line = 0;
    while (p < end) {
        const char *newline = memchr(p, '\n', (size_t)(end - p));
        row_t *row = &rows[line++];
        row->taken = take_line(s, block, p, newline, row);
        if (!row->taken) {
            for (int i = 0; i < N_FIELDS; i++) row->len[i] = 0;
            for (int i = 0; i < s->depth; i++) row->segment[i] = SEG_ABSENT;
            capture(row, F_OTHER, block, p, newline - p);
        }
        p = newline + 1;
    }
}

/* ---- pass 2: the tuples ---- */

static PyObject *bytes_of(PyObject **last, const char *text, Py_ssize_t len, PyObject *empty) {
    if (!len) {
        Py_INCREF(empty);
        return empty;
    }
    if (*last && PyBytes_GET_SIZE(*last) == len && memcmp(PyBytes_AS_STRING(*last), text, (size_t)len) == 0) {
        Py_INCREF(*last);
        return *last;
    }
    PyObject *made = PyBytes_FromStringAndSize(text, len);
    if (made) {
        Py_XSETREF(*last, made);
        Py_INCREF(made);
    }
    return made;
}

static PyObject *Scanner_rows(Scanner *self, PyObject *arg) {
    Py_buffer view;
    if (self->groups < 1) {
        PyErr_SetString(PyExc_ValueError, "the scanner was not set up");
        return NULL;
    }
    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0) return NULL;
    const char *block = view.buf;
    Py_ssize_t size = view.len, lines = 0;
    if (size > 0 && block[size - 1] != '\n') {
        PyBuffer_Release(&view);
        PyErr_SetString(PyExc_ValueError, "a block must end in a newline");
        return NULL;
    }
    for (const char *p = block; (p = memchr(p, '\n', (size_t)(block + size - p))) != NULL; p++) lines++;
    row_t *rows = lines ? PyMem_RawMalloc((size_t)lines * sizeof(row_t)) : NULL;
    if (lines && !rows) {
        PyBuffer_Release(&view);
        return PyErr_NoMemory();
    }
    Py_BEGIN_ALLOW_THREADS scan(self, block, size, rows);
    Py_END_ALLOW_THREADS

    PyObject *result = PyList_New(lines);
    PyObject *last[N_FIELDS] = {NULL};
    for (Py_ssize_t i = 0; result && i < lines; i++) {
        PyObject *tuple = PyTuple_New(self->groups);
        if (!tuple) {
            Py_CLEAR(result);
            break;
        }
        PyList_SET_ITEM(result, i, tuple);
        for (int g = 0; g < self->groups; g++) {
            Py_INCREF(self->empty);
            PyTuple_SET_ITEM(tuple, g, self->empty);
        }
        for (int f = 0; f < N_FIELDS; f++) {
            if (!rows[i].len[f] || self->slot[f] < 0) continue;
            PyObject *value = bytes_of(&last[f], block + rows[i].start[f], rows[i].len[f], self->empty);
            if (!value) {
                Py_CLEAR(result);
                break;
            }
            Py_SETREF(((PyTupleObject *)tuple)->ob_item[self->slot[f]], value);
        }
        for (int d = 0; result && d < self->depth; d++) {
            int32_t segment = rows[i].segment[d];
            if (segment == SEG_ABSENT) continue;
            PyObject *value = segment == SEG_OTHER ? self->slash : self->captures[d][segment];
            Py_INCREF(value);
            Py_SETREF(((PyTupleObject *)tuple)->ob_item[self->segment_slot[d]], value);
        }
    }
    for (int f = 0; f < N_FIELDS; f++) Py_XDECREF(last[f]);
    PyMem_RawFree(rows);
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
        PyMem_Free(self->captures[d]);
        self->literals[d] = NULL;
        self->captures[d] = NULL;
    }
}

/* Scanner(names, kinds, item_sep, name_sep, brace_pad, time_sep, fraction, zone, short, literals, captures,
 *         slots, segment_slots, groups): literals[d] the sorted literal segments at position d + 1 (after
 *         `v1`), captures[d] b"/" + each; slots the tuple index of time, key, method, status, project, error
 *         and other (-1: none); segment_slots that of each position's capture. */
static int Scanner_init(Scanner *self, PyObject *args, PyObject *kwargs) {
    PyObject *names, *kinds, *item_sep, *name_sep, *brace_pad, *time_sep, *fraction, *zone, *short_len, *literals,
        *captures, *slots, *segment_slots, *groups;
    if (kwargs && PyDict_GET_SIZE(kwargs)) {
        PyErr_SetString(PyExc_TypeError, "Scanner takes positional arguments only");
        return -1;
    }
    if (!PyArg_ParseTuple(args, "O!O!SSSSOSOO!O!O!O!O", &PyTuple_Type, &names, &PyTuple_Type, &kinds, &item_sep,
                          &name_sep, &brace_pad, &time_sep, &fraction, &zone, &short_len, &PyTuple_Type, &literals,
                          &PyTuple_Type, &captures, &PyTuple_Type, &slots, &PyTuple_Type, &segment_slots, &groups))
        return -1;
    Scanner_free_literals(self);
    Py_XSETREF(self->args, Py_NewRef(args));
    Py_ssize_t members = PyTuple_GET_SIZE(names), depth = PyTuple_GET_SIZE(literals);
    if (members < 1 || members > MAX_MEMBERS || PyTuple_GET_SIZE(kinds) != members || depth > MAX_DEPTH ||
        PyTuple_GET_SIZE(captures) != depth || PyTuple_GET_SIZE(segment_slots) != depth ||
        PyTuple_GET_SIZE(slots) != N_FIELDS || PyBytes_GET_SIZE(time_sep) != 1) {
        PyErr_SetString(PyExc_ValueError, "scanner settings do not fit");
        return -1;
    }
    self->members = (int)members;
    self->depth = (int)depth;
    span_t separator;
    if (!int_of(groups, 1, 1000, &self->groups) || !int_of(fraction, 0, 9, &self->fraction) ||
        !span_of(item_sep, &self->item_sep) || !span_of(name_sep, &self->name_sep) ||
        !span_of(brace_pad, &self->brace_pad) || !span_of(zone, &self->zone) || !span_of(time_sep, &separator))
        return -1;
    self->time_sep = separator.text[0];
    int shortest;
    if (!int_of(short_len, 1, MAX_STRING, &shortest)) return -1;
    self->short_len = shortest;
    for (int i = 0; i < self->members; i++)
        if (!span_of(PyTuple_GET_ITEM(names, i), &self->name[i]) ||
            !int_of(PyTuple_GET_ITEM(kinds, i), K_TIME, K_SCALAR, &self->kind[i]))
            return -1;
    for (int f = 0; f < N_FIELDS; f++)
        if (!int_of(PyTuple_GET_ITEM(slots, f), -1, self->groups - 1, &self->slot[f])) return -1;
    for (int d = 0; d < self->depth; d++) {
        PyObject *words = PyTuple_GET_ITEM(literals, d), *made = PyTuple_GET_ITEM(captures, d);
        if (!PyTuple_Check(words) || !PyTuple_Check(made) || PyTuple_GET_SIZE(words) != PyTuple_GET_SIZE(made) ||
            PyTuple_GET_SIZE(words) > 1 << 20) {
            PyErr_SetString(PyExc_ValueError, "scanner literals do not fit");
            return -1;
        }
        int count = (int)PyTuple_GET_SIZE(words);
        if (!int_of(PyTuple_GET_ITEM(segment_slots, d), 0, self->groups - 1, &self->segment_slot[d])) return -1;
        self->literals[d] = PyMem_Calloc((size_t)count + 1, sizeof(span_t));
        self->captures[d] = PyMem_Calloc((size_t)count + 1, sizeof(PyObject *));
        if (!self->literals[d] || !self->captures[d]) {
            PyErr_NoMemory();
            return -1;
        }
        self->literal_count[d] = count;
        for (int w = 0; w < count; w++) {
            if (!span_of(PyTuple_GET_ITEM(words, w), &self->literals[d][w])) return -1;
            if (w && compare_literal(self->literals[d][w].text, self->literals[d][w].len,
                                     &self->literals[d][w - 1]) <= 0) {
                PyErr_SetString(PyExc_ValueError, "scanner literals must be sorted and distinct");
                return -1;
            }
            if (!PyBytes_Check(PyTuple_GET_ITEM(made, w))) {
                PyErr_SetString(PyExc_TypeError, "expected bytes");
                return -1;
            }
            self->captures[d][w] = PyTuple_GET_ITEM(made, w);
        }
    }
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
    {"rows", (PyCFunction)Scanner_rows, METH_O,
     "One tuple per line of a block of whole lines, as the grammar's regex findall makes them."},
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
    if (PyType_Ready(&ScannerType) < 0) return NULL;
    PyObject *module = PyModule_Create(&scan_module);
    if (!module) return NULL;
    Py_INCREF(&ScannerType);
    if (PyModule_AddObject(module, "Scanner", (PyObject *)&ScannerType) < 0) {
        Py_DECREF(&ScannerType);
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
