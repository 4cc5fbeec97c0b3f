/* Loops of the analysis over small arrays, each in one C pass instead of numpy calls on arrays of a
 * few dozen cells (where numpy's cost is the calls and their temporary arrays, not the arithmetic):
 * the claim bounds (`claim_bounds`, `reference_index`) and MinHash signatures (`minhash`).
 *
 * Each function does what the numpy code beside its caller does (its docstring names the caller).
 * The callers use these when the module is built and the numpy code when it is not
 * (MONITORING_PURE_PYTHON=1, or no C compiler); the tests hold the two equal.
 * - `candidates` adds the same floats in the same order as `np.bincount`: equal bit for bit.
 * - `idf` and `idf_sums` compute `TermStats.idf` with the C library's `log`, as `math.log` does
 *   (numpy's own `log` may differ from it in the last place).
 * - `minhash` is integer arithmetic (wrapping at 2**64 as numpy's uint64 does): equal bit for bit.
 * - `usable` and `upper` sum products key by key, where numpy's matrix products go through BLAS
 *   (blocked, fused multiply-adds): equal to within a few units in the last place, which the
 *   matcher's TOLERANCE absorbs (bounds only decide which pairs are scored exactly).
 *
 * Arrays are numpy's, read with its C API (numpy's buffer protocol export costs more than some of
 * these loops); small lists of cell coordinates come as Python lists of ints.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* --- reading arguments ------------------------------------------------------------------------ */

enum kind { INT64, FLOAT64, BOOL, UINT64, UINT32 };

static const char *const kind_names[] = {"int64", "float64", "bool", "uint64", "uint32"};

/* The data of `obj`, a C-contiguous numpy array of `kind` (any number of dimensions), with its
 * number of items into `count` (if given), which must be `expected` unless that is -1; NULL with
 * an exception set otherwise. The array stays the caller's: the data is valid during the call. */
static void *
array(PyObject *obj, enum kind kind, int writable, Py_ssize_t expected, Py_ssize_t *count, const char *name)
{
    static const int types[] = {NPY_INT64, NPY_FLOAT64, NPY_BOOL, NPY_UINT64, NPY_UINT32};
    if (!PyArray_Check(obj) || PyArray_TYPE((PyArrayObject *)obj) != types[kind]) {
        PyErr_Format(PyExc_TypeError, "%s: expected a contiguous %s array", name, kind_names[kind]);
        return NULL;
    }
    PyArrayObject *found = (PyArrayObject *)obj;
    if (!PyArray_IS_C_CONTIGUOUS(found)) {
        PyErr_Format(PyExc_ValueError, "%s: not C-contiguous", name);
        return NULL;
    }
    if (writable && !PyArray_ISWRITEABLE(found)) {
        PyErr_Format(PyExc_ValueError, "%s: read-only", name);
        return NULL;
    }
    Py_ssize_t items = PyArray_SIZE(found);
    if (expected >= 0 && items != expected) {
        PyErr_Format(PyExc_ValueError, "%s: %zd items, expected %zd", name, items, expected);
        return NULL;
    }
    if (count != NULL) {
        *count = items;
    }
    return PyArray_DATA(found);
}

/* Whether a kernel got the `expected` number of arguments; a TypeError naming them otherwise. */
static int
arguments_are(Py_ssize_t expected, Py_ssize_t nargs, const char *kernel, const char *names)
{
    if (nargs != expected) {
        PyErr_Format(PyExc_TypeError, "%s: expected %zd arguments (%s), got %zd", kernel, expected, names, nargs);
        return 0;
    }
    return 1;
}

/* The length of `obj`, a Python list (of `what`) of `expected` items unless that is -1; -1 with an
 * exception set otherwise. */
static Py_ssize_t
list_length(PyObject *obj, Py_ssize_t expected, const char *what, const char *name)
{
    if (!PyList_Check(obj)) {
        PyErr_Format(PyExc_TypeError, "%s: expected a list of %s", name, what);
        return -1;
    }
    Py_ssize_t n = PyList_GET_SIZE(obj);
    if (expected >= 0 && n != expected) {
        PyErr_Format(PyExc_ValueError, "%s: %zd items, expected %zd", name, n, expected);
        return -1;
    }
    return n;
}

/* `n` items of `size` bytes, zeroed or not (at least one item, so that NULL only means no memory,
 * with MemoryError set). */
static void *
allocate(Py_ssize_t n, size_t size, int zeroed)
{
    size_t items = n > 0 ? (size_t)n : 1;
    void *found = zeroed ? calloc(items, size) : malloc(items * size);
    if (found == NULL) {
        PyErr_NoMemory();
    }
    return found;
}

/* A Python list of ints, each in [low, high), copied into a fresh array (free it). */
static int64_t *
int_list(PyObject *obj, Py_ssize_t expected, int64_t low, int64_t high, Py_ssize_t *count, const char *name)
{
    Py_ssize_t n = list_length(obj, expected, "ints", name);
    int64_t *out = n < 0 ? NULL : allocate(n, sizeof(int64_t), 0);
    if (out == NULL) {
        return NULL;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        long long value = PyLong_AsLongLong(PyList_GET_ITEM(obj, i));
        if (value == -1 && PyErr_Occurred()) {
            free(out);
            return NULL;
        }
        if (value < low || value >= high) {
            PyErr_Format(PyExc_IndexError, "%s: %lld is not in [%lld, %lld)", name, value, (long long)low,
                         (long long)high);
            free(out);
            return NULL;
        }
        out[i] = value;
    }
    if (count != NULL) {
        *count = n;
    }
    return out;
}

/* A Python list of floats (or ints), copied into a fresh array (free it). */
static double *
float_list(PyObject *obj, Py_ssize_t expected, Py_ssize_t *count, const char *name)
{
    Py_ssize_t n = list_length(obj, expected, "floats", name);
    double *out = n < 0 ? NULL : allocate(n, sizeof(double), 0);
    if (out == NULL) {
        return NULL;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        out[i] = PyFloat_AsDouble(PyList_GET_ITEM(obj, i));
        if (out[i] == -1.0 && PyErr_Occurred()) {
            free(out);
            return NULL;
        }
    }
    if (count != NULL) {
        *count = n;
    }
    return out;
}

/* --- what several functions need --------------------------------------------------------------- */

/* Per slot of the index, its column among `slots` (distinct), or -1. */
static int64_t *
columns_of(const int64_t *slots, Py_ssize_t columns, Py_ssize_t n_slots)
{
    int64_t *column = allocate(n_slots, sizeof(int64_t), 0);
    if (column == NULL) {
        return NULL;
    }
    for (Py_ssize_t s = 0; s < n_slots; s++) {
        column[s] = -1;
    }
    for (Py_ssize_t c = 0; c < columns; c++) {
        if (slots[c] < 0 || slots[c] >= n_slots) {
            PyErr_SetString(PyExc_IndexError, "_kernels: a slot beyond the index");
            free(column);
            return NULL;
        }
        if (column[slots[c]] >= 0) {
            PyErr_Format(PyExc_ValueError, "_kernels: slot %lld appears twice among the slots", (long long)slots[c]);
            free(column);
            return NULL;
        }
        column[slots[c]] = c;
    }
    return column;
}

/* rows x columns, row-major: `cell[row * columns + column] = value of the posting` for each row's
 * postings (`row_slots[row]`, a list of int64 arrays of slots; `row_values[row]` their float64
 * values, or 1.0 each without), keeping the slots that have a column. `_Item._holds` and the pair
 * matrix of `_Item.upper` in numpy. */
static double *
posted_matrix(PyObject *row_slots, PyObject *row_values, const int64_t *column, Py_ssize_t n_slots,
              Py_ssize_t rows, Py_ssize_t columns, const char *name)
{
    if (list_length(row_slots, rows, "arrays", name) < 0 ||
        (row_values != NULL && list_length(row_values, rows, "arrays", name) < 0)) {
        return NULL;
    }
    double *cell = allocate(rows * columns, sizeof(double), 1);
    if (cell == NULL) {
        return NULL;
    }
    for (Py_ssize_t r = 0; r < rows; r++) {
        Py_ssize_t n = 0;
        const int64_t *slot = array(PyList_GET_ITEM(row_slots, r), INT64, 0, -1, &n, name);
        if (slot == NULL) {
            goto failed;
        }
        const double *value = NULL;
        if (row_values != NULL) {
            value = array(PyList_GET_ITEM(row_values, r), FLOAT64, 0, n, NULL, name);
            if (value == NULL) {
                goto failed;
            }
        }
        for (Py_ssize_t i = 0; i < n; i++) {
            if (slot[i] < 0 || slot[i] >= n_slots) {
                PyErr_Format(PyExc_IndexError, "%s: a posted slot beyond the index", name);
                goto failed;
            }
            int64_t c = column[slot[i]];
            if (c >= 0) {
                cell[r * columns + c] = value != NULL ? value[i] : 1.0;
            }
        }
        continue;
    failed:
        free(cell);
        return NULL;
    }
    return cell;
}

/* rows x columns of zeros, `value` (or 1.0) set at each (rows[i], columns[i]). */
static double *
cell_matrix(const int64_t *at_rows, const int64_t *at_columns, const double *value, Py_ssize_t cells,
            Py_ssize_t rows, Py_ssize_t columns)
{
    double *cell = allocate(rows * columns, sizeof(double), 1);
    if (cell == NULL) {
        return NULL;
    }
    for (Py_ssize_t i = 0; i < cells; i++) {
        cell[at_rows[i] * columns + at_columns[i]] = value != NULL ? value[i] : 1.0;
    }
    return cell;
}

/* --- candidates --------------------------------------------------------------------------------- */

PyDoc_STRVAR(candidates_doc,
"candidates(postings, weights, floors, out) -> int\n\n"
"`_shared_at_least`: with `shared = np.bincount(np.concatenate(postings),\n"
"weights=np.repeat(weights, lengths), minlength=len(floors))`, writes\n"
"`np.flatnonzero((shared >= floors) & (shared > 0))` into the start of `out` (int64, len(floors)\n"
"long) and returns how many it wrote. `postings`: a list of int64 arrays of slots (< len(floors));\n"
"`weights`: one float64 per array.");

static PyObject *
candidates(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (!arguments_are(4, nargs, "candidates", "postings, weights, floors, out")) {
        return NULL;
    }
    PyObject *postings = args[0];
    Py_ssize_t keys = list_length(postings, -1, "int64 arrays", "postings");
    if (keys < 0) {
        return NULL;
    }
    PyObject *result = NULL;
    double *shared = NULL;
    Py_ssize_t slots = 0;
    const double *weight = array(args[1], FLOAT64, 0, keys, NULL, "weights");
    const double *floor = weight ? array(args[2], FLOAT64, 0, -1, &slots, "floors") : NULL;
    int64_t *found = floor ? array(args[3], INT64, 1, slots, NULL, "out") : NULL;
    if (found == NULL) {
        goto done;
    }
    if ((shared = allocate(slots, sizeof(double), 1)) == NULL) {
        goto done;
    }
    for (Py_ssize_t k = 0; k < keys; k++) {
        Py_ssize_t n = 0;
        const int64_t *slot = array(PyList_GET_ITEM(postings, k), INT64, 0, -1, &n, "postings");
        if (slot == NULL) {
            goto done;
        }
        for (Py_ssize_t i = 0; i < n; i++) {
            if (slot[i] < 0 || slot[i] >= slots) {
                PyErr_SetString(PyExc_IndexError, "candidates: a posted slot beyond floors");
                goto done;
            }
            shared[slot[i]] += weight[k];
        }
    }
    Py_ssize_t count = 0;
    for (Py_ssize_t s = 0; s < slots; s++) {
        if (shared[s] >= floor[s] && shared[s] > 0) {
            found[count++] = s;
        }
    }
    result = PyLong_FromSsize_t(count);
done:
    free(shared);
    return result;
}

/* --- idf ------------------------------------------------------------------------------------- */

/* `TermStats.idf`: max(floor, log(docs / (df + 1))), `docs` counting the prior documents. */
static inline double
idf_of(double df, double docs, double floor)
{
    double value = log(docs / (df + 1.0));
    return value > floor ? value : floor;
}

/* The document frequencies and the two numbers of `idf_of`, from arguments 1-3. */
static const double *
idf_arguments(PyObject *const *args, Py_ssize_t *keys, double *docs, double *floor)
{
    const double *df = array(args[1], FLOAT64, 0, -1, keys, "df");
    if (df == NULL) {
        return NULL;
    }
    *docs = PyFloat_AsDouble(args[2]);
    *floor = *docs == -1.0 && PyErr_Occurred() ? -1.0 : PyFloat_AsDouble(args[3]);
    return PyErr_Occurred() ? NULL : df;
}

PyDoc_STRVAR(idf_doc,
"idf(ids, df, docs, floor, out) -> None\n\n"
"`ReferenceIndex.weights`: for each key id of `ids` (a list of ints), `max(floor, log(docs /\n"
"(df[id] + 1)))` into `out` (float64, as long as `ids`).");

static PyObject *
idf(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (!arguments_are(5, nargs, "idf", "ids, df, docs, floor, out")) {
        return NULL;
    }
    PyObject *result = NULL;
    int64_t *ids = NULL;
    Py_ssize_t keys = 0, count = 0;
    double docs, floor;
    const double *df = idf_arguments(args, &keys, &docs, &floor);
    if (df == NULL || (ids = int_list(args[0], -1, 0, keys, &count, "ids")) == NULL) {
        goto done;
    }
    double *out = array(args[4], FLOAT64, 1, count, NULL, "out");
    if (out == NULL) {
        goto done;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        out[i] = idf_of(df[ids[i]], docs, floor);
    }
    result = Py_NewRef(Py_None);
done:
    free(ids);
    return result;
}

PyDoc_STRVAR(idf_sums_doc,
"idf_sums(groups, df, docs, floor, out) -> None\n\n"
"`ReferenceIndex.totals`: for each group of `groups` (a list of int64 arrays of key ids, one per\n"
"reference), the sum of their `idf` (see `idf`), added in order, into `out` (float64, one per group).");

static PyObject *
idf_sums(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (!arguments_are(5, nargs, "idf_sums", "groups, df, docs, floor, out")) {
        return NULL;
    }
    Py_ssize_t groups = list_length(args[0], -1, "int64 arrays", "groups");
    if (groups < 0) {
        return NULL;
    }
    PyObject *result = NULL;
    Py_ssize_t keys = 0;
    double docs, floor;
    const double *df = idf_arguments(args, &keys, &docs, &floor);
    double *out = df ? array(args[4], FLOAT64, 1, groups, NULL, "out") : NULL;
    if (out == NULL) {
        goto done;
    }
    for (Py_ssize_t g = 0; g < groups; g++) {
        Py_ssize_t n = 0;
        const int64_t *id = array(PyList_GET_ITEM(args[0], g), INT64, 0, -1, &n, "groups");
        if (id == NULL) {
            goto done;
        }
        double sum = 0.0;
        for (Py_ssize_t i = 0; i < n; i++) {
            if (id[i] < 0 || id[i] >= keys) {
                PyErr_SetString(PyExc_IndexError, "idf_sums: a key id beyond df");
                goto done;
            }
            sum += idf_of(df[id[i]], docs, floor);
        }
        out[g] = sum;
    }
    result = Py_NewRef(Py_None);
done:
    return result;
}

/* --- minhash ---------------------------------------------------------------------------------- */

PyDoc_STRVAR(minhash_doc,
"minhash(hashes, a, b, out) -> None\n\n"
"`MinHasher.signature`: for each position p, the least `((a[p] * x + b[p]) mod 2**64) >> 32` over\n"
"the ints x of `hashes` (any iterable of ints below 2**64), into `out` (uint32, as long as `a` and\n"
"`b`, uint64); 0xFFFFFFFF everywhere for no hashes.");

static PyObject *
minhash(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (!arguments_are(4, nargs, "minhash", "hashes, a, b, out")) {
        return NULL;
    }
    Py_ssize_t positions = 0;
    const uint64_t *a = array(args[1], UINT64, 0, -1, &positions, "a");
    const uint64_t *b = a ? array(args[2], UINT64, 0, positions, NULL, "b") : NULL;
    uint32_t *out = b ? array(args[3], UINT32, 1, positions, NULL, "out") : NULL;
    if (out == NULL) {
        return NULL;
    }
    uint64_t *lowest = allocate(positions, sizeof(uint64_t), 0);
    if (lowest == NULL) {
        return NULL;
    }
    for (Py_ssize_t p = 0; p < positions; p++) {
        lowest[p] = UINT64_MAX;
    }
    PyObject *iterator = PyObject_GetIter(args[0]);
    PyObject *item;
    while (iterator != NULL && (item = PyIter_Next(iterator)) != NULL) {
        uint64_t x = PyLong_AsUnsignedLongLong(item);
        Py_DECREF(item);
        if (x == (uint64_t)-1 && PyErr_Occurred()) {
            break;
        }
        for (Py_ssize_t p = 0; p < positions; p++) {
            uint64_t mixed = a[p] * x + b[p];
            lowest[p] = mixed < lowest[p] ? mixed : lowest[p];
        }
    }
    Py_XDECREF(iterator);
    if (PyErr_Occurred()) {
        free(lowest);
        return NULL;
    }
    for (Py_ssize_t p = 0; p < positions; p++) {
        out[p] = (uint32_t)(lowest[p] >> 32);
    }
    free(lowest);
    Py_RETURN_NONE;
}

/* --- usable ------------------------------------------------------------------------------------ */

PyDoc_STRVAR(usable_doc,
"usable(sentences, content_rows, content_columns, first, second, key_weights, key_slots, slots,\n"
"       n_slots, floors, out, kept) -> int\n\n"
"`_Item.usable`: per window (the rows of its sentences, `first[w]` and `second[w]` or -1) and slot\n"
"of `slots`, whether the index keys of the window's content (the sentence x key cells\n"
"`content_rows`, `content_columns`) that the slot holds (`key_slots[key]`: the slots holding each\n"
"key; slots < n_slots) weigh (`key_weights`) more than nothing and `floors[column]` or more.\n"
"Writes that into `out` (bool, windows x len(slots)), the columns some window can use into the\n"
"start of `kept` (int64), and returns how many there are.");

static PyObject *
usable(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (!arguments_are(12, nargs, "usable", "see its docstring")) {
        return NULL;
    }
    PyObject *result = NULL;
    int64_t *cell_rows = NULL, *cell_columns = NULL, *first = NULL, *second = NULL, *column = NULL;
    double *holds = NULL, *has = NULL, *in_window = NULL;
    Py_ssize_t sentences = PyLong_AsSsize_t(args[0]);
    Py_ssize_t n_slots = sentences < 0 ? -1 : PyLong_AsSsize_t(args[8]);
    if (n_slots < 0) {
        if (!PyErr_Occurred()) {
            PyErr_SetString(PyExc_ValueError, "usable: sentences and n_slots must not be negative");
        }
        return NULL;
    }
    Py_ssize_t keys = 0, columns = 0;
    const double *key_weight = array(args[5], FLOAT64, 0, -1, &keys, "key_weights");
    const int64_t *slots = key_weight ? array(args[7], INT64, 0, -1, &columns, "slots") : NULL;
    const double *floor = slots ? array(args[9], FLOAT64, 0, columns, NULL, "floors") : NULL;
    Py_ssize_t windows = 0, cells = 0;
    if (floor == NULL || (first = int_list(args[3], -1, 0, sentences, &windows, "first")) == NULL ||
        (second = int_list(args[4], windows, -1, sentences, NULL, "second")) == NULL ||
        (cell_rows = int_list(args[1], -1, 0, sentences, &cells, "content_rows")) == NULL ||
        (cell_columns = int_list(args[2], cells, 0, keys, NULL, "content_columns")) == NULL) {
        goto done;
    }
    uint8_t *out = array(args[10], BOOL, 1, windows * columns, NULL, "out");
    int64_t *kept = out ? array(args[11], INT64, 1, columns, NULL, "kept") : NULL;
    if (kept == NULL || (column = columns_of(slots, columns, n_slots)) == NULL ||
        (holds = posted_matrix(args[6], NULL, column, n_slots, keys, columns, "key_slots")) == NULL ||
        (has = cell_matrix(cell_rows, cell_columns, NULL, cells, sentences, keys)) == NULL) {
        goto done;
    }
    if ((in_window = allocate(keys, sizeof(double), 0)) == NULL) {
        goto done;
    }
    memset(out, 0, (size_t)(windows * columns));
    for (Py_ssize_t w = 0; w < windows; w++) {
        const double *a = has + first[w] * keys;
        const double *b = second[w] >= 0 ? has + second[w] * keys : NULL;
        for (Py_ssize_t k = 0; k < keys; k++) {
            in_window[k] = (a[k] != 0 || (b != NULL && b[k] != 0)) ? key_weight[k] : 0.0;
        }
        for (Py_ssize_t c = 0; c < columns; c++) {
            double shared = 0.0;
            for (Py_ssize_t k = 0; k < keys; k++) {
                if (holds[k * columns + c] != 0) {
                    shared += in_window[k];
                }
            }
            out[w * columns + c] = shared > 0 && shared >= floor[c];
        }
    }
    Py_ssize_t count = 0;
    for (Py_ssize_t c = 0; c < columns; c++) {
        for (Py_ssize_t w = 0; w < windows; w++) {
            if (out[w * columns + c]) {
                kept[count++] = c;
                break;
            }
        }
    }
    result = PyLong_FromSsize_t(count);
done:
    free(cell_rows);
    free(cell_columns);
    free(first);
    free(second);
    free(column);
    free(holds);
    free(has);
    free(in_window);
    return result;
}

/* --- upper ------------------------------------------------------------------------------------- */

PyDoc_STRVAR(upper_doc,
"upper(present_rows, present_columns, content_rows, content_columns, content_counts, content_weight,\n"
"      first, second, pair_rows, pair_columns, pair_slots, key_weights, key_slots, key_counts,\n"
"      slots, n_slots, totals, pair_count, trust, coverage_weight, focus_weight, order_weight,\n"
"      usable, out) -> None\n\n"
"`_Item.upper`: writes into `out` (float64, windows x len(slots)) the bound of each window and slot:\n"
"`trust x (coverage, focus, order)` combined with the three weights given, where\n"
"coverage is the weight (`key_weights`) of the slot's tokens (`key_slots`, `key_counts`: per key,\n"
"the slots holding it and how many times) among the window's keys (sentence x key cells\n"
"`present_rows`, `present_columns`) over the slot's total (`totals`); focus, the weight of the\n"
"window's content tokens (`content_*` cells and counts) the slot has over the window's content\n"
"weight (`content_weight` per sentence); order, the window's pairs (window x pair cells\n"
"`pair_rows`, `pair_columns`) the slot has (`pair_slots`: per pair, the slots holding it) over\n"
"`pair_count` (coverage where the slot has none). Cells and counts are lists of ints, content\n"
"weights a list of floats, the rest arrays. Where window or slot has no content: 0.0, or\n"
"-1.0 when `usable` (bool, windows x len(slots), or None) is given; -1.0 where `usable` is False.");

static PyObject *
upper(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (!arguments_are(24, nargs, "upper", "see its docstring")) {
        return NULL;
    }
    PyObject *result = NULL;
    int64_t *present_rows = NULL, *present_columns = NULL, *content_rows = NULL, *content_columns = NULL;
    int64_t *first = NULL, *second = NULL, *pair_rows = NULL, *pair_columns = NULL, *column = NULL;
    double *present = NULL, *content = NULL, *counts = NULL, *by_pair = NULL, *window_pairs = NULL;
    double *window_present = NULL, *window_content = NULL, *content_weight = NULL, *content_count = NULL;
    Py_ssize_t n_slots = PyLong_AsSsize_t(args[15]);
    if (n_slots < 0) {
        if (!PyErr_Occurred()) {
            PyErr_SetString(PyExc_ValueError, "upper: n_slots must not be negative");
        }
        return NULL;
    }
    Py_ssize_t sentences = 0;
    if ((content_weight = float_list(args[5], -1, &sentences, "content_weight")) == NULL) {
        return NULL;
    }
    Py_ssize_t keys = 0, columns = 0;
    const double *key_weight = array(args[11], FLOAT64, 0, -1, &keys, "key_weights");
    const int64_t *slots = key_weight ? array(args[14], INT64, 0, -1, &columns, "slots") : NULL;
    const double *total = slots ? array(args[16], FLOAT64, 0, columns, NULL, "totals") : NULL;
    const double *pair_count = total ? array(args[17], FLOAT64, 0, columns, NULL, "pair_count") : NULL;
    const double *trust = pair_count ? array(args[18], FLOAT64, 0, columns, NULL, "trust") : NULL;
    double w[3];
    for (int i = 0; i < 3; i++) {
        w[i] = PyFloat_AsDouble(args[19 + i]);
    }
    if (trust == NULL || PyErr_Occurred()) {
        goto done;
    }
    Py_ssize_t windows = 0, present_cells = 0, content_cells = 0, pair_cells = 0;
    if ((first = int_list(args[6], -1, 0, sentences, &windows, "first")) == NULL ||
        (second = int_list(args[7], windows, -1, sentences, NULL, "second")) == NULL ||
        (present_rows = int_list(args[0], -1, 0, sentences, &present_cells, "present_rows")) == NULL ||
        (present_columns = int_list(args[1], present_cells, 0, keys, NULL, "present_columns")) == NULL ||
        (content_rows = int_list(args[2], -1, 0, sentences, &content_cells, "content_rows")) == NULL ||
        (content_columns = int_list(args[3], content_cells, 0, keys, NULL, "content_columns")) == NULL) {
        goto done;
    }
    PyObject *pair_slots = args[10];
    Py_ssize_t pairs = list_length(pair_slots, -1, "int64 arrays", "pair_slots");
    if (pairs < 0 || (pair_rows = int_list(args[8], -1, 0, windows, &pair_cells, "pair_rows")) == NULL ||
        (pair_columns = int_list(args[9], pair_cells, 0, pairs, NULL, "pair_columns")) == NULL) {
        goto done;
    }
    const uint8_t *usable = NULL;
    if ((content_count = float_list(args[4], content_cells, NULL, "content_counts")) == NULL ||
        (args[22] != Py_None && (usable = array(args[22], BOOL, 0, windows * columns, NULL, "usable")) == NULL)) {
        goto done;
    }
    double *out = array(args[23], FLOAT64, 1, windows * columns, NULL, "out");
    if (out == NULL || (column = columns_of(slots, columns, n_slots)) == NULL ||
        (counts = posted_matrix(args[12], args[13], column, n_slots, keys, columns, "key_slots")) == NULL ||
        (by_pair = posted_matrix(pair_slots, NULL, column, n_slots, pairs, columns, "pair_slots")) == NULL ||
        (present = cell_matrix(present_rows, present_columns, NULL, present_cells, sentences, keys)) == NULL ||
        (content = cell_matrix(content_rows, content_columns, content_count, content_cells, sentences, keys)) ==
            NULL ||
        (window_pairs = cell_matrix(pair_rows, pair_columns, NULL, pair_cells, windows, pairs)) == NULL) {
        goto done;
    }
    if ((window_present = allocate(keys, sizeof(double), 0)) == NULL ||
        (window_content = allocate(keys, sizeof(double), 0)) == NULL) {
        goto done;
    }
    for (Py_ssize_t i = 0; i < windows; i++) {
        const double *present_a = present + first[i] * keys, *content_a = content + first[i] * keys;
        const double *present_b = second[i] >= 0 ? present + second[i] * keys : NULL;
        const double *content_b = second[i] >= 0 ? content + second[i] * keys : NULL;
        double weight = content_weight[first[i]] + (second[i] >= 0 ? content_weight[second[i]] : 0.0);
        for (Py_ssize_t k = 0; k < keys; k++) {
            double p = present_a[k], n = content_a[k];
            if (present_b != NULL) {
                p = present_b[k] > p ? present_b[k] : p;
                n += content_b[k];
            }
            window_present[k] = p * key_weight[k];
            window_content[k] = n * key_weight[k];
        }
        const double *pairs_here = window_pairs + i * pairs;
        for (Py_ssize_t c = 0; c < columns; c++) {
            double covered = 0.0, focused = 0.0, shared_pairs = 0.0;
            for (Py_ssize_t k = 0; k < keys; k++) {
                double held = counts[k * columns + c];
                covered += window_present[k] * held;
                focused += window_content[k] * (held > 0 ? 1.0 : 0.0);
            }
            for (Py_ssize_t p = 0; p < pairs; p++) {
                shared_pairs += pairs_here[p] * by_pair[p * columns + c];
            }
            double coverage = covered / (total[c] > 0 ? total[c] : 1.0);
            double focus = focused / (weight > 0 ? weight : 1.0);
            double order = pair_count[c] > 0 ? shared_pairs / pair_count[c] : coverage;
            double bound = trust[c] * (w[0] * coverage + w[1] * focus + w[2] * order);
            int scorable = weight > 0 && total[c] > 0;
            if (usable == NULL) {
                out[i * columns + c] = scorable ? bound : 0.0;
            }
            else {
                out[i * columns + c] = scorable && usable[i * columns + c] ? bound : -1.0;
            }
        }
    }
    result = Py_NewRef(Py_None);
done:
    free(present_rows);
    free(present_columns);
    free(content_rows);
    free(content_columns);
    free(first);
    free(second);
    free(pair_rows);
    free(pair_columns);
    free(column);
    free(present);
    free(content);
    free(counts);
    free(by_pair);
    free(window_pairs);
    free(window_present);
    free(window_content);
    free(content_weight);
    free(content_count);
    return result;
}

static PyMethodDef methods[] = {
    {"candidates", (PyCFunction)(void (*)(void))candidates, METH_FASTCALL, candidates_doc},
    {"idf", (PyCFunction)(void (*)(void))idf, METH_FASTCALL, idf_doc},
    {"idf_sums", (PyCFunction)(void (*)(void))idf_sums, METH_FASTCALL, idf_sums_doc},
    {"minhash", (PyCFunction)(void (*)(void))minhash, METH_FASTCALL, minhash_doc},
    {"usable", (PyCFunction)(void (*)(void))usable, METH_FASTCALL, usable_doc},
    {"upper", (PyCFunction)(void (*)(void))upper, METH_FASTCALL, upper_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    "presscenter.monitoring.analysis._kernels",
    "Loops of the analysis in C (the source's opening comment says how they relate to numpy's).",
    -1,
    methods,
    NULL,
    NULL,
    NULL,
    NULL,
};

PyMODINIT_FUNC
PyInit__kernels(void)
{
    import_array();
    return PyModule_Create(&module);
}
