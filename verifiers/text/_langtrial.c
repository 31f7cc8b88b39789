/* langdetect's seeded trials, compiled. Optional: verifiers/text/langid.py does the same
 * arithmetic with numpy where this module is not built, and checks this one against Python's
 * own random, math and sum() before using it.
 *
 * probabilities(words, matrix, stream, langprob, decided_early, sum_mode) -> int
 *
 *   words     list of lists of int: the text's known n-grams word by word, in langdetect's
 *             order, as rows of matrix; n-gram k of the text is the k-th of the lists joined
 *   matrix    float64 buffer, one row per n-gram and one column per language: langdetect's
 *             probabilities
 *   stream    uint32 buffer: the outputs of Python's Mersenne Twister seeded as langdetect
 *             seeds it (random.Random(0)), from the first
 *   langprob  writable float64 buffer, one per language: receives langdetect's averaged
 *             probabilities (Detector.langprob)
 *   decided_early  stop the trials once the remaining ones cannot change which language comes
 *             first and whether it passes 0.1 (the other values are then partial)
 *   sum_mode  how the running Python's sum() adds floats: 0 left to right, 1 Neumaier (CPython
 *             3.12 and later)
 *
 * Returns the number of stream values used, or -1 when the stream was too short (call again
 * with a longer one). Each trial: a Gaussian draw sets the weight (random.gauss), then update
 * i multiplies every language's probability by (weight + P(n-gram)) for an n-gram picked by
 * random.choice; after updates 0, 5, 10... the probabilities are divided by their sum and the
 * trial ends once the largest share exceeds 0.99999 or i reaches 1000. Only IEEE double
 * operations in langdetect's order, with the random values derived as CPython derives them:
 * the results are bit-identical to langdetect's.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#define N_TRIAL 7
#define ALPHA 0.5
#define ALPHA_WIDTH 0.05
#define BASE_FREQ 10000.0
#define ITERATION_LIMIT 1000
#define CONV_THRESHOLD 0.99999
#define PROB_THRESHOLD 0.1

/* called through pointers the compiler cannot see through, so that it cannot fuse sin and cos
   into sincos or substitute its own versions: the same libm calls as Python's math module */
static double (*volatile libm_cos)(double) = cos;
static double (*volatile libm_sin)(double) = sin;
static double (*volatile libm_log)(double) = log;
static double (*volatile libm_sqrt)(double) = sqrt;

static double python_sum(const double *values, Py_ssize_t n, int sum_mode)
{
    if (n == 0) {
        return 0.0;
    }
    /* sum() starts from the int 0: 0 + values[0] is values[0] for the non-negative values here */
    double total = values[0];
    if (sum_mode == 0) {
        for (Py_ssize_t j = 1; j < n; j++) {
            total += values[j];
        }
        return total;
    }
    double c = 0.0;
    for (Py_ssize_t j = 1; j < n; j++) {
        double x = values[j];
        double t = total + x;
        if (fabs(total) >= fabs(x)) {
            c += (total - t) + x;
        }
        else {
            c += (x - t) + total;
        }
        total = t;
    }
    if (c != 0.0 && isfinite(c)) {
        total += c;
    }
    return total;
}

/* random.random() from two outputs */
static double uniform(uint32_t a, uint32_t b)
{
    return ((double)(a >> 5) * 67108864.0 + (double)(b >> 6)) * (1.0 / 9007199254740992.0);
}

/* the two normal deviates random.gauss makes from four outputs */
static void gauss_pair(const uint32_t *s, double *z, double *spare)
{
    double x2pi = uniform(s[0], s[1]) * (2.0 * 3.141592653589793);
    double g2rad = libm_sqrt(-2.0 * libm_log(1.0 - uniform(s[2], s[3])));
    *z = libm_cos(x2pi) * g2rad;
    *spare = libm_sin(x2pi) * g2rad;
}

static int bit_length(Py_ssize_t n)
{
    int k = 0;
    while (n) {
        k++;
        n >>= 1;
    }
    return k;
}

/* whether `remaining` more trials cannot change the answer: each adds at most 1/7 to a
   language, so a leader above 0.1 more than that (with a margin far above rounding) ahead of
   every other language stays first and above the threshold */
static int decided(const double *langprob, Py_ssize_t width, int remaining)
{
    double lead = -1.0, second = -1.0;
    for (Py_ssize_t j = 0; j < width; j++) {
        double v = langprob[j];
        if (v > lead) {
            second = lead;
            lead = v;
        }
        else if (v > second) {
            second = v;
        }
    }
    return lead > PROB_THRESHOLD && lead - second > (double)remaining / N_TRIAL + 1e-9;
}

static PyObject *probabilities(PyObject *self, PyObject *args)
{
    PyObject *words;
    Py_buffer matrix, stream, out;
    int decided_early, sum_mode;
    Py_ssize_t *starts = NULL;
    double *prob = NULL;
    PyObject *result = NULL;

    if (!PyArg_ParseTuple(args, "O!y*y*w*pi", &PyList_Type, &words, &matrix, &stream, &out, &decided_early,
                          &sum_mode)) {
        return NULL;
    }
    Py_ssize_t width = out.len / (Py_ssize_t)sizeof(double);
    Py_ssize_t row_bytes = width * (Py_ssize_t)sizeof(double);
    Py_ssize_t n_rows = row_bytes > 0 ? matrix.len / row_bytes : 0;
    const double *table = (const double *)matrix.buf;
    Py_ssize_t n_words = PyList_GET_SIZE(words);
    Py_ssize_t n_stream = stream.len / (Py_ssize_t)sizeof(uint32_t);
    const uint32_t *values = (const uint32_t *)stream.buf;
    double *langprob = (double *)out.buf;
    if (width <= 0 || out.len % sizeof(double) || stream.len % sizeof(uint32_t)
        || matrix.len != n_rows * row_bytes || (sum_mode != 0 && sum_mode != 1)) {
        PyErr_SetString(PyExc_ValueError, "_langtrial.probabilities: bad buffers or arguments");
        goto done;
    }
    /* starts[w]: the index of word w's first n-gram; starts[n_words]: the number of n-grams */
    starts = PyMem_New(Py_ssize_t, n_words + 1);
    prob = PyMem_New(double, width);
    if (starts == NULL || prob == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    starts[0] = 0;
    for (Py_ssize_t w = 0; w < n_words; w++) {
        PyObject *word = PyList_GET_ITEM(words, w);
        if (!PyList_Check(word)) {
            PyErr_SetString(PyExc_TypeError, "_langtrial.probabilities: words must be lists of n-grams");
            goto done;
        }
        starts[w + 1] = starts[w] + PyList_GET_SIZE(word);
    }
    Py_ssize_t n_grams = starts[n_words];
    if (n_grams == 0 || n_grams > 0x7fffffff) {
        PyErr_SetString(PyExc_ValueError, "_langtrial.probabilities: no n-gram, or too many");
        goto done;
    }
    int shift = 32 - bit_length(n_grams);
    Py_ssize_t pos = 0;
    int have_spare = 0;
    double spare = 0.0;
    for (Py_ssize_t j = 0; j < width; j++) {
        langprob[j] = 0.0;
    }
    for (int trial = 0; trial < N_TRIAL; trial++) {
        if (decided_early && trial && decided(langprob, width, N_TRIAL - trial)) {
            break;
        }
        double z;
        if (!have_spare) {
            if (pos + 4 > n_stream) {
                result = PyLong_FromLong(-1);
                goto done;
            }
            gauss_pair(values + pos, &z, &spare);
            pos += 4;
            have_spare = 1;
        }
        else {
            z = spare;
            have_spare = 0;
        }
        /* alpha + gauss(0.0, 1.0) * ALPHA_WIDTH, rounded after the product as Python rounds it
           (the volatile keeps a compiler from fusing it into one multiply-add) */
        volatile double spread = (0.0 + z * 1.0) * ALPHA_WIDTH;
        double weight = (ALPHA + spread) / BASE_FREQ;
        for (Py_ssize_t j = 0; j < width; j++) {
            prob[j] = 1.0 / (double)width;
        }
        for (int i = 0;; i++) {
            /* random.choice: getrandbits(k) until below the number of n-grams */
            Py_ssize_t pick;
            do {
                if (pos >= n_stream) {
                    result = PyLong_FromLong(-1);
                    goto done;
                }
                pick = (Py_ssize_t)(values[pos++] >> shift);
            } while (pick >= n_grams);
            /* the last word starting at or before the pick holds it (words without n-grams start
               where the next word starts) */
            Py_ssize_t lo = 0, hi = n_words - 1;
            while (lo < hi) {
                Py_ssize_t mid = (lo + hi + 1) / 2;
                if (starts[mid] <= pick) {
                    lo = mid;
                }
                else {
                    hi = mid - 1;
                }
            }
            PyObject *gram = PyList_GET_ITEM(PyList_GET_ITEM(words, lo), pick - starts[lo]);
            Py_ssize_t row_id = PyLong_Check(gram) ? PyLong_AsSsize_t(gram) : -1;
            if (row_id < 0 || row_id >= n_rows) {
                if (!PyErr_Occurred()) {
                    PyErr_SetString(PyExc_IndexError, "_langtrial.probabilities: an n-gram is not a row of the matrix");
                }
                goto done;
            }
            const double *row = table + row_id * width;
            for (Py_ssize_t j = 0; j < width; j++) {
                prob[j] *= weight + row[j];
            }
            if (i % 5 == 0) {
                double total = python_sum(prob, width, sum_mode);
                double best = 0.0;
                for (Py_ssize_t j = 0; j < width; j++) {
                    double share = prob[j] / total;
                    if (best < share) {
                        best = share;
                    }
                    prob[j] = share;
                }
                if (best > CONV_THRESHOLD || i >= ITERATION_LIMIT) {
                    break;
                }
            }
        }
        for (Py_ssize_t j = 0; j < width; j++) {
            langprob[j] += prob[j] / N_TRIAL;
        }
    }
    result = PyLong_FromSsize_t(pos);
done:
    PyMem_Free(starts);
    PyMem_Free(prob);
    PyBuffer_Release(&matrix);
    PyBuffer_Release(&stream);
    PyBuffer_Release(&out);
    return result;
}

/* An n-gram of 1 to 3 characters is one 64-bit key: each code point plus one (so that no
   character is 0) in 21 bits, the first character lowest; 0 is no n-gram. This adds character
   i of the n-gram to its key. */
static uint64_t with_char(uint64_t key, Py_UCS4 ch, Py_ssize_t i)
{
    return key | (((uint64_t)ch + 1) << (21 * i));
}

/* where key is in a table of 2^bits keys, or the empty slot where it goes (linear probing) */
static uint64_t find_slot(const uint64_t *keys, int bits, uint64_t key)
{
    uint64_t mask = ((uint64_t)1 << bits) - 1;
    uint64_t slot = (key * 0x9E3779B97F4A7C15ull) >> (64 - bits);
    while (keys[slot] != 0 && keys[slot] != key) {
        slot = (slot + 1) & mask;
    }
    return slot;
}

/* the table: a header of one uint64 (its size in bits), 2^bits uint64 keys, 2^bits int64 rows */
typedef struct {
    int bits;
    const uint64_t *keys;
    const int64_t *rows;
} gram_table;

static int read_table(Py_buffer *buffer, gram_table *table)
{
    const uint64_t *words = (const uint64_t *)buffer->buf;
    if (buffer->len < (Py_ssize_t)sizeof(uint64_t) || words[0] < 1 || words[0] > 40
        || buffer->len != (Py_ssize_t)sizeof(uint64_t) * (1 + 2 * ((Py_ssize_t)1 << words[0]))) {
        PyErr_SetString(PyExc_ValueError, "_langtrial: not an n-gram table");
        return -1;
    }
    table->bits = (int)words[0];
    table->keys = words + 1;
    table->rows = (const int64_t *)(words + 1 + ((Py_ssize_t)1 << table->bits));
    return 0;
}

/* gram_table(row_of) -> bytes: row_of (n-gram -> row, for n-grams of 1 to 3 characters) as an
   open-addressing table that plain_word_grams reads without making strings */
static PyObject *make_gram_table(PyObject *self, PyObject *args)
{
    PyObject *row_of;
    if (!PyArg_ParseTuple(args, "O!", &PyDict_Type, &row_of)) {
        return NULL;
    }
    int bits = 4;
    while (((Py_ssize_t)1 << bits) < 2 * PyDict_GET_SIZE(row_of) + 1) {
        bits++;
    }
    Py_ssize_t size = (Py_ssize_t)1 << bits;
    PyObject *made = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)sizeof(uint64_t) * (1 + 2 * size));
    if (made == NULL) {
        return NULL;
    }
    uint64_t *words = (uint64_t *)PyBytes_AS_STRING(made);
    memset(words, 0, (size_t)PyBytes_GET_SIZE(made));
    words[0] = (uint64_t)bits;
    uint64_t *keys = words + 1;
    int64_t *rows = (int64_t *)(words + 1 + size);
    PyObject *gram, *row;
    Py_ssize_t at = 0;
    while (PyDict_Next(row_of, &at, &gram, &row)) {
        Py_ssize_t n = PyUnicode_Check(gram) ? PyUnicode_GET_LENGTH(gram) : 0;
        Py_ssize_t value = PyLong_Check(row) ? PyLong_AsSsize_t(row) : -1;
        if (n < 1 || n > 3 || value < 0) {
            Py_DECREF(made);
            if (!PyErr_Occurred()) {
                PyErr_SetString(PyExc_ValueError, "_langtrial.gram_table: keys must be 1 to 3 characters, rows ints >= 0");
            }
            return NULL;
        }
        uint64_t key = 0;
        for (Py_ssize_t i = 0; i < n; i++) {
            key = with_char(key, PyUnicode_READ_CHAR(gram, i), i);
        }
        uint64_t slot = find_slot(keys, bits, key);
        keys[slot] = key;
        rows[slot] = value;
    }
    return made;
}

/* plain_word_grams(word, spaced, table, row_objects) -> list of int, or None
 *
 * The known n-grams of a word as langdetect takes them from " " + word (+ " " when spaced):
 * after each character its 1-, 2- and 3-grams in that order (no 3-gram after the first letter,
 * no 1-gram for the final space). Returns the rows of those the table (from gram_table) has, in
 * order, as the objects row_objects[row]; None when two upper-case letters follow each other
 * (langdetect then skips n-grams inside the capitalised run: the caller walks such words). */
static PyObject *plain_word_grams(PyObject *self, PyObject *args)
{
    PyObject *word, *row_objects;
    Py_buffer buffer;
    int spaced;
    gram_table table;
    if (!PyArg_ParseTuple(args, "Upy*O!", &word, &spaced, &buffer, &PyList_Type, &row_objects)) {
        return NULL;
    }
    PyObject *found = NULL;
    if (read_table(&buffer, &table) < 0) {
        goto done;
    }
    Py_ssize_t length = PyUnicode_GET_LENGTH(word);
    int kind = PyUnicode_KIND(word);
    const void *data = PyUnicode_DATA(word);
    for (Py_ssize_t i = 1; i < length; i++) {
        if (Py_UNICODE_ISUPPER(PyUnicode_READ(kind, data, i)) && Py_UNICODE_ISUPPER(PyUnicode_READ(kind, data, i - 1))) {
            found = Py_NewRef(Py_None);
            goto done;
        }
    }
    found = PyList_New(0);
    if (found == NULL || length == 0) {
        goto done;
    }
    /* the padded text: position 0 and (when spaced) position length + 1 are spaces */
    Py_ssize_t end = length + 1 + spaced;
    for (Py_ssize_t p = 1; p < end; p++) {
        for (Py_ssize_t n = 1; n <= 3; n++) {
            Py_ssize_t start = p + 1 - n;
            if (start < 0 || (n == 1 && spaced && p == end - 1)) {
                continue;
            }
            uint64_t key = 0;
            for (Py_ssize_t i = 0; i < n; i++) {
                Py_ssize_t at = start + i;
                key = with_char(key, (at == 0 || at > length) ? ' ' : PyUnicode_READ(kind, data, at - 1), i);
            }
            uint64_t slot = find_slot(table.keys, table.bits, key);
            if (table.keys[slot] == 0) {
                continue;  /* langdetect does not know it */
            }
            int64_t row = table.rows[slot];
            if (row < 0 || row >= PyList_GET_SIZE(row_objects)) {
                PyErr_SetString(PyExc_IndexError, "_langtrial.plain_word_grams: a row has no object");
                Py_CLEAR(found);
                goto done;
            }
            if (PyList_Append(found, PyList_GET_ITEM(row_objects, row)) < 0) {
                Py_CLEAR(found);
                goto done;
            }
        }
    }
done:
    PyBuffer_Release(&buffer);
    return found;
}

static PyObject *gauss_pair_at(PyObject *self, PyObject *args)
{
    Py_buffer stream;
    Py_ssize_t pos;
    double z, spare;
    if (!PyArg_ParseTuple(args, "y*n", &stream, &pos)) {
        return NULL;
    }
    if (pos < 0 || (pos + 4) * (Py_ssize_t)sizeof(uint32_t) > stream.len) {
        PyBuffer_Release(&stream);
        PyErr_SetString(PyExc_IndexError, "_langtrial.gauss_pair: position out of range");
        return NULL;
    }
    gauss_pair((const uint32_t *)stream.buf + pos, &z, &spare);
    PyBuffer_Release(&stream);
    return Py_BuildValue("(dd)", z, spare);
}

static PyObject *python_sum_of(PyObject *self, PyObject *args)
{
    Py_buffer values;
    int sum_mode;
    if (!PyArg_ParseTuple(args, "y*i", &values, &sum_mode)) {
        return NULL;
    }
    double total = python_sum((const double *)values.buf, values.len / (Py_ssize_t)sizeof(double), sum_mode);
    PyBuffer_Release(&values);
    return PyFloat_FromDouble(total);
}

static PyMethodDef methods[] = {
    {"probabilities", probabilities, METH_VARARGS,
     "probabilities(words, matrix, stream, langprob, decided_early, sum_mode) -> stream values used, or -1 "
     "(see the module comment)."},
    {"gram_table", make_gram_table, METH_VARARGS,
     "gram_table(row_of) -> bytes: an n-gram -> row table for plain_word_grams."},
    {"plain_word_grams", plain_word_grams, METH_VARARGS,
     "plain_word_grams(word, spaced, table, row_objects) -> the rows of a word's known n-grams, or None."},
    {"gauss_pair", gauss_pair_at, METH_VARARGS,
     "gauss_pair(stream, pos) -> (z, spare): random.gauss's two deviates from the outputs at pos."},
    {"python_sum", python_sum_of, METH_VARARGS,
     "python_sum(float64 buffer, sum_mode) -> float: the sum the trials compute."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_langtrial", "langdetect's seeded trials, compiled.", -1, methods,
};

PyMODINIT_FUNC PyInit__langtrial(void)
{
    return PyModule_Create(&module);
}
