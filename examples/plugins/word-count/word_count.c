/*
 * word-count: a newspipe plugin in plain C, written against newspipe_plugin.h and
 * docs/plugin-contract.md only.
 *
 * Stage `words` counts the words of each document's text (runs of bytes other than ASCII
 * spaces, tabs and line breaks) and writes the count as `extra.word_count`. Its manifest says
 * it reads only `text` and writes only `extra.word_count`, so the host sends it `id` and
 * `text` and keeps every other field itself: the plugin answers with
 * {"id": ..., "extra": {"word_count": N}} per document and cannot lose anything.
 *
 * Config: `min_words` (default 0): documents with fewer words are dropped (reason "fewer than
 * N words"), to show the `dropped` list of the output envelope.
 *
 * The JSON handling is a small reader for exactly what the host sends (an object holding `v`
 * and a `docs` list of objects); it decodes every string escape, skips any value it does not
 * need and refuses anything malformed with NP_ERR and a message. Build it with
 * `cargo xtask build-plugins`, or:
 *   cc -std=c11 -Wall -Wextra -Werror -O2 -fPIC -shared -I crates/plugin-abi/include \
 *      -o libword_count.so examples/plugins/word-count/word_count.c
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "newspipe_plugin.h"

/* ---- growable byte buffers, handed to the host as NpBuf and freed by free_buf ---- */

typedef struct {
    uint8_t *ptr;
    size_t len;
    size_t cap;
    int failed; /* an allocation failed: the content is incomplete */
} Bytes;

static void bytes_reserve(Bytes *b, size_t more) {
    if (b->failed || b->len + more <= b->cap) {
        return;
    }
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + more) {
        cap *= 2;
    }
    uint8_t *grown = realloc(b->ptr, cap);
    if (!grown) {
        b->failed = 1;
        return;
    }
    b->ptr = grown;
    b->cap = cap;
}

static void bytes_add(Bytes *b, const void *data, size_t len) {
    bytes_reserve(b, len);
    if (!b->failed) {
        memcpy(b->ptr + b->len, data, len);
        b->len += len;
    }
}

static void bytes_str(Bytes *b, const char *s) { bytes_add(b, s, strlen(s)); }

/* Appends `s` as a JSON string, quotes included. */
static void bytes_json_string(Bytes *b, const uint8_t *s, size_t len) {
    bytes_str(b, "\"");
    for (size_t i = 0; i < len; i++) {
        uint8_t c = s[i];
        if (c == '"' || c == '\\') {
            uint8_t escaped[2] = {'\\', c};
            bytes_add(b, escaped, 2);
        } else if (c < 0x20) {
            char escaped[7];
            snprintf(escaped, sizeof escaped, "\\u%04x", c);
            bytes_add(b, escaped, 6);
        } else {
            bytes_add(b, &c, 1);
        }
    }
    bytes_str(b, "\"");
}

/* Hands `b` to the host through `out` (it comes back through free_buf). */
static void hand_over(Bytes *b, NpBuf *out) {
    if (out) {
        out->ptr = b->ptr;
        out->len = b->len;
        out->cap = b->cap;
    } else {
        free(b->ptr);
    }
}

/* Puts a message in `out_err` and returns NP_ERR. */
static uint32_t fail(NpBuf *out_err, const char *message) {
    Bytes b = {0};
    bytes_str(&b, message);
    hand_over(&b, out_err);
    return NP_ERR;
}

/* ---- a minimal JSON reader over borrowed bytes ---- */

typedef struct {
    const uint8_t *at;
    const uint8_t *end;
    const char *error; /* set on the first problem */
} Reader;

static void skip_space(Reader *r) {
    while (r->at < r->end && (*r->at == ' ' || *r->at == '\t' || *r->at == '\n' || *r->at == '\r')) {
        r->at++;
    }
}

/* Consumes `c` (after whitespace), or records an error. */
static int expect(Reader *r, uint8_t c) {
    skip_space(r);
    if (r->at < r->end && *r->at == c) {
        r->at++;
        return 1;
    }
    if (!r->error) {
        r->error = "malformed input envelope: unexpected character";
    }
    return 0;
}

/* Whether the next character (after whitespace) is `c`; consumes it if so. */
static int accept(Reader *r, uint8_t c) {
    skip_space(r);
    if (r->at < r->end && *r->at == c) {
        r->at++;
        return 1;
    }
    return 0;
}

static int hex_value(uint8_t c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Reads four hex digits of a \u escape. */
static long read_hex4(Reader *r) {
    if (r->end - r->at < 4) return -1;
    long value = 0;
    for (int i = 0; i < 4; i++) {
        int digit = hex_value(r->at[i]);
        if (digit < 0) return -1;
        value = value * 16 + digit;
    }
    r->at += 4;
    return value;
}

static void add_utf8(Bytes *b, long cp) {
    uint8_t u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (uint8_t)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (uint8_t)(0xC0 | (cp >> 6));
        u[1] = (uint8_t)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (uint8_t)(0xE0 | (cp >> 12));
        u[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (uint8_t)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (uint8_t)(0xF0 | (cp >> 18));
        u[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (uint8_t)(0x80 | (cp & 0x3F));
        n = 4;
    }
    bytes_add(b, u, n);
}

/* Reads a JSON string into `out` (decoded, not NUL-terminated); `out` may be NULL to skip. */
static int read_string(Reader *r, Bytes *out) {
    if (!expect(r, '"')) return 0;
    while (r->at < r->end) {
        uint8_t c = *r->at++;
        if (c == '"') return 1;
        if (c < 0x20) break;
        if (c != '\\') {
            if (out) bytes_add(out, &c, 1);
            continue;
        }
        if (r->at >= r->end) break;
        uint8_t e = *r->at++;
        const char *simple = strchr("\"\\/bfnrt", e);
        if (simple && e) {
            static const uint8_t decoded[] = {'"', '\\', '/', '\b', '\f', '\n', '\r', '\t'};
            if (out) bytes_add(out, &decoded[simple - "\"\\/bfnrt"], 1);
            continue;
        }
        if (e != 'u') break;
        long cp = read_hex4(r);
        if (cp < 0) break;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            /* A high surrogate must be followed by \u and a low one. */
            if (r->end - r->at < 2 || r->at[0] != '\\' || r->at[1] != 'u') break;
            r->at += 2;
            long low = read_hex4(r);
            if (low < 0xDC00 || low > 0xDFFF) break;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            break;
        }
        if (out) add_utf8(out, cp);
    }
    if (!r->error) r->error = "malformed input envelope: bad string";
    return 0;
}

/* Skips any JSON value, nested to at most 64 levels. */
static int skip_value(Reader *r, int depth) {
    skip_space(r);
    if (r->at >= r->end || depth > 64) {
        if (!r->error) r->error = "malformed input envelope: missing or too deeply nested value";
        return 0;
    }
    uint8_t c = *r->at;
    if (c == '"') return read_string(r, NULL);
    if (c == '{' || c == '[') {
        uint8_t close = c == '{' ? '}' : ']';
        r->at++;
        if (accept(r, close)) return 1;
        do {
            if (c == '{' && !(read_string(r, NULL) && expect(r, ':'))) return 0;
            if (!skip_value(r, depth + 1)) return 0;
        } while (accept(r, ','));
        return expect(r, close);
    }
    /* A number or a literal: its characters up to a delimiter. */
    const uint8_t *start = r->at;
    while (r->at < r->end && strchr(",]} \t\r\n", *r->at) == NULL) r->at++;
    if (r->at == start) {
        r->error = "malformed input envelope: unexpected character";
        return 0;
    }
    return 1;
}

/* ---- the stage ---- */

static const NpHostApi *HOST = NULL;

typedef struct {
    unsigned long min_words;
    unsigned long documents; /* for the metrics `finish` reports */
} WordsInstance;

/* Words: runs of bytes other than ASCII whitespace. */
static unsigned long count_words(const uint8_t *text, size_t len) {
    unsigned long words = 0;
    int in_word = 0;
    for (size_t i = 0; i < len; i++) {
        int space = text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r';
        if (!space && !in_word) words++;
        in_word = !space;
    }
    return words;
}

static void log_to_host(uint32_t level, const char *message) {
    if (HOST && level <= HOST->max_log_level) {
        NpStr target = {(const uint8_t *)"word_count", 10};
        NpStr text = {(const uint8_t *)message, strlen(message)};
        HOST->log(level, target, text);
    }
}

static uint32_t words_init(const NpHostApi *host) {
    if (!host || host->struct_size < sizeof(NpHostApi)) return NP_ERR;
    HOST = host;
    return NP_OK;
}

static uint32_t words_create(NpStr stage, NpStr config_json, void **out_instance, NpBuf *out_err) {
    if (stage.len != 5 || memcmp(stage.ptr, "words", 5) != 0) {
        return fail(out_err, "no such stage; this plugin has: words");
    }
    WordsInstance *instance = calloc(1, sizeof *instance);
    if (!instance) return fail(out_err, "out of memory");
    /* The config is a JSON object; only `min_words` (a whole number) is known. */
    Reader r = {config_json.ptr, config_json.ptr + config_json.len, NULL};
    Bytes key = {0};
    if (expect(&r, '{') && !accept(&r, '}')) {
        do {
            key.len = 0;
            if (!(read_string(&r, &key) && expect(&r, ':'))) break;
            if (key.len == 9 && memcmp(key.ptr, "min_words", 9) == 0) {
                skip_space(&r);
                char *end = NULL;
                char digits[24] = {0};
                size_t n = 0;
                while (r.at + n < r.end && n < sizeof digits - 1 && r.at[n] >= '0' && r.at[n] <= '9') {
                    digits[n] = (char)r.at[n];
                    n++;
                }
                instance->min_words = strtoul(digits, &end, 10);
                if (n == 0) r.error = "invalid config: `min_words` must be a whole number";
                r.at += n;
            } else {
                r.error = "invalid config: unknown key (the stage's keys are: min_words)";
            }
        } while (!r.error && accept(&r, ','));
        if (!r.error) expect(&r, '}');
    }
    free(key.ptr);
    if (r.error || key.failed) {
        free(instance);
        return fail(out_err, r.error ? r.error : "out of memory");
    }
    log_to_host(NP_LOG_DEBUG, "word-count instance created");
    *out_instance = instance;
    return NP_OK;
}

static uint32_t words_process(void *raw_instance, NpStr batch, NpBuf *out, NpBuf *out_err) {
    WordsInstance *instance = raw_instance;
    Reader r = {batch.ptr, batch.ptr + batch.len, NULL};
    Bytes docs = {0};    /* the kept documents, comma-separated */
    Bytes dropped = {0}; /* the dropped documents, comma-separated */
    Bytes id = {0};
    Bytes text = {0};
    int version_ok = 0;
    if (expect(&r, '{') && !accept(&r, '}')) {
        do {
            Bytes name = {0};
            int ok = read_string(&r, &name) && expect(&r, ':');
            int is_v = ok && name.len == 1 && name.ptr[0] == 'v';
            int is_docs = ok && name.len == 4 && memcmp(name.ptr, "docs", 4) == 0;
            free(name.ptr);
            if (!ok) break;
            if (is_v) {
                skip_space(&r);
                version_ok = r.at < r.end && *r.at == '1';
                if (!skip_value(&r, 0)) break;
            } else if (is_docs) {
                if (!expect(&r, '[')) break;
                if (accept(&r, ']')) continue;
                do {
                    id.len = 0;
                    text.len = 0;
                    if (!expect(&r, '{')) break;
                    if (!accept(&r, '}')) {
                        do {
                            Bytes field = {0};
                            int field_ok = read_string(&r, &field) && expect(&r, ':');
                            int is_id = field_ok && field.len == 2 && memcmp(field.ptr, "id", 2) == 0;
                            int is_text = field_ok && field.len == 4 && memcmp(field.ptr, "text", 4) == 0;
                            free(field.ptr);
                            if (!field_ok) break;
                            if (is_id) {
                                read_string(&r, &id);
                            } else if (is_text) {
                                read_string(&r, &text);
                            } else {
                                skip_value(&r, 1);
                            }
                        } while (!r.error && accept(&r, ','));
                        if (!r.error) expect(&r, '}');
                    }
                    if (r.error) break;
                    unsigned long words = count_words(text.ptr, text.len);
                    instance->documents++;
                    if (words < instance->min_words) {
                        char reason[64];
                        snprintf(reason, sizeof reason, "fewer than %lu words", instance->min_words);
                        if (dropped.len) bytes_str(&dropped, ",");
                        bytes_str(&dropped, "{\"id\":");
                        bytes_json_string(&dropped, id.ptr, id.len);
                        bytes_str(&dropped, ",\"reason\":");
                        bytes_json_string(&dropped, (const uint8_t *)reason, strlen(reason));
                        bytes_str(&dropped, "}");
                    } else {
                        char count[48];
                        snprintf(count, sizeof count, ",\"extra\":{\"word_count\":%lu}}", words);
                        if (docs.len) bytes_str(&docs, ",");
                        bytes_str(&docs, "{\"id\":");
                        bytes_json_string(&docs, id.ptr, id.len);
                        bytes_str(&docs, count);
                    }
                } while (accept(&r, ','));
                if (!r.error) expect(&r, ']');
            } else if (!skip_value(&r, 0)) {
                break;
            }
        } while (!r.error && accept(&r, ','));
        if (!r.error) expect(&r, '}');
    }
    int out_of_memory = docs.failed || dropped.failed || id.failed || text.failed;
    free(id.ptr);
    free(text.ptr);
    if (r.error || out_of_memory || !version_ok) {
        free(docs.ptr);
        free(dropped.ptr);
        if (!r.error && !out_of_memory) return fail(out_err, "input envelope version is not 1");
        return fail(out_err, r.error ? r.error : "out of memory");
    }
    Bytes envelope = {0};
    bytes_str(&envelope, "{\"v\":1,\"docs\":[");
    bytes_add(&envelope, docs.ptr, docs.len);
    bytes_str(&envelope, "],\"dropped\":[");
    bytes_add(&envelope, dropped.ptr, dropped.len);
    bytes_str(&envelope, "],\"errors\":[]}");
    free(docs.ptr);
    free(dropped.ptr);
    if (envelope.failed) {
        free(envelope.ptr);
        return fail(out_err, "out of memory");
    }
    hand_over(&envelope, out);
    return NP_OK;
}

static uint32_t words_finish(void *raw_instance, NpBuf *out, NpBuf *out_err) {
    WordsInstance *instance = raw_instance;
    char metrics[64];
    snprintf(metrics, sizeof metrics, "{\"documents\":%lu}", instance->documents);
    Bytes b = {0};
    bytes_str(&b, metrics);
    if (b.failed) return fail(out_err, "out of memory");
    hand_over(&b, out);
    return NP_OK;
}

static void words_destroy(void *instance) { free(instance); }

static void words_free_buf(NpBuf buf) { free(buf.ptr); }

static const char MANIFEST[] =
    "{\"name\":\"word-count\",\"version\":\"0.1.0\",\"abi\":1,\"codec\":\"json\","
    "\"stages\":[{\"name\":\"words\","
    "\"summary\":\"Counts the words of the text as extra.word_count.\","
    "\"reads\":[\"text\"],\"writes\":[\"extra.word_count\"],"
    "\"config_schema\":{\"type\":\"object\",\"additionalProperties\":false,"
    "\"properties\":{\"min_words\":{\"default\":0}}}}]}";

static const NpPluginV1 TABLE = {
    .abi_version = ABI_VERSION,
    .struct_size = sizeof(NpPluginV1),
    .manifest_json = {(const uint8_t *)MANIFEST, sizeof MANIFEST - 1},
    .init = words_init,
    .create = words_create,
    .process = words_process,
    .finish = words_finish,
    .destroy = words_destroy,
    .free_buf = words_free_buf,
};

const NpPluginV1 *newspipe_plugin_entry_v1(void) { return &TABLE; }
