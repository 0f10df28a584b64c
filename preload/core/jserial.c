/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Finds where one Java-serialized object ends, without understanding it.
 * A JCEKS secret-key entry (tag 3) is an ObjectOutputStream (AC ED 00 05 and
 * one object: a javax.crypto.SealedObject) with no length in front, so the
 * only way to the next entry is through the grammar of the Java Object
 * Serialization Specification, chapter 6.  Only structure is read: values
 * are skipped by their type codes, class descriptions are remembered by
 * handle because later objects refer to them.  Bounded: nesting depth, the
 * handle table and every length against the bytes left; a stream that
 * leaves the grammar (exceptions, resets, externalizable data without
 * block framing) is refused, never guessed.
 */
#include "keystore_internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define TC_NULL 0x70
#define TC_REFERENCE 0x71
#define TC_CLASSDESC 0x72
#define TC_OBJECT 0x73
#define TC_STRING 0x74
#define TC_ARRAY 0x75
#define TC_CLASS 0x76
#define TC_BLOCKDATA 0x77
#define TC_ENDBLOCKDATA 0x78
#define TC_BLOCKDATALONG 0x7a
#define TC_LONGSTRING 0x7c
#define TC_PROXYCLASSDESC 0x7d
#define TC_ENUM 0x7e
#define BASE_HANDLE 0x7e0000u

#define SC_WRITE_METHOD 0x01
#define SC_SERIALIZABLE 0x02
#define SC_EXTERNALIZABLE 0x04
#define SC_BLOCK_DATA 0x08

#define MAX_DEPTH 48
#define MAX_HANDLES 4096
#define MAX_CHAIN 64

enum { H_OTHER = 0, H_DESC };

typedef struct handle {
    unsigned char kind;
    unsigned char flags;
    char array_elem; /* for an array class ("[B"): its element type code, else 0 */
    size_t codes;    /* offset of the field type codes in the pool */
    size_t n_fields;
    long super; /* handle index of the superclass description, -1: none */
} handle;

typedef struct js {
    const unsigned char *p;
    size_t len;
    size_t pos;
    handle *h;
    size_t n_h;
    size_t cap_h;
    char *pool; /* field type codes of every class description */
    size_t n_pool;
    size_t cap_pool;
} js;

static int take(js *s, size_t n, const unsigned char **out)
{
    if (n > s->len - s->pos) {
        return -1;
    }
    if (out != NULL) {
        *out = s->p + s->pos;
    }
    s->pos += n;
    return 0;
}

static int u8(js *s, unsigned *v)
{
    const unsigned char *b;

    if (take(s, 1, &b) != 0) {
        return -1;
    }
    *v = b[0];
    return 0;
}

static int u16(js *s, size_t *v)
{
    const unsigned char *b;

    if (take(s, 2, &b) != 0) {
        return -1;
    }
    *v = ((size_t)b[0] << 8) | b[1];
    return 0;
}

static int u32(js *s, uint32_t *v)
{
    const unsigned char *b;

    if (take(s, 4, &b) != 0) {
        return -1;
    }
    *v = ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
    return 0;
}

static int peek(const js *s, unsigned *v)
{
    if (s->pos >= s->len) {
        return -1;
    }
    *v = s->p[s->pos];
    return 0;
}

/* A new handle; its index, or -1 when the table is full or memory is out. */
static long new_handle(js *s, unsigned char kind)
{
    if (s->n_h >= MAX_HANDLES) {
        return -1;
    }
    if (s->n_h == s->cap_h) {
        void *items = s->h;

        if (ts_grow(&items, &s->cap_h, s->n_h, 1, sizeof(handle)) != 0) {
            return -1;
        }
        s->h = items;
    }
    memset(&s->h[s->n_h], 0, sizeof(handle));
    s->h[s->n_h].kind = kind;
    s->h[s->n_h].super = -1;
    return (long)s->n_h++;
}

static int pool_add(js *s, char c)
{
    if (s->n_pool == s->cap_pool) {
        void *items = s->pool;

        if (ts_grow(&items, &s->cap_pool, s->n_pool, 1, 1) != 0) {
            return -1;
        }
        s->pool = items;
    }
    s->pool[s->n_pool++] = c;
    return 0;
}

static int reference(js *s, long *index)
{
    uint32_t v;

    if (u32(s, &v) != 0 || v < BASE_HANDLE || v - BASE_HANDLE >= s->n_h) {
        return -1;
    }
    *index = (long)(v - BASE_HANDLE);
    return 0;
}

static int content(js *s, int depth);
static int class_desc(js *s, int depth, long *index);

/* A string object (TC_STRING, TC_LONGSTRING) or a reference to one. */
static int string_object(js *s)
{
    unsigned tc;
    size_t n;
    long ref;
    const unsigned char *b;

    if (u8(s, &tc) != 0) {
        return -1;
    }
    if (tc == TC_REFERENCE) {
        return reference(s, &ref);
    }
    if (tc == TC_STRING) {
        return (u16(s, &n) == 0 && new_handle(s, H_OTHER) >= 0) ? take(s, n, NULL) : -1;
    }
    if (tc == TC_LONGSTRING) {
        uint64_t big = 0;

        if (take(s, 8, &b) != 0) {
            return -1;
        }
        for (int i = 0; i < 8; i++) {
            big = (big << 8) | b[i];
        }
        if (big > s->len - s->pos || new_handle(s, H_OTHER) < 0) {
            return -1;
        }
        return take(s, (size_t)big, NULL);
    }
    return -1;
}

/* classAnnotation / objectAnnotation: contents up to TC_ENDBLOCKDATA. */
static int annotation(js *s, int depth)
{
    for (;;) {
        unsigned tc;

        if (peek(s, &tc) != 0) {
            return -1;
        }
        if (tc == TC_ENDBLOCKDATA) {
            s->pos++;
            return 0;
        }
        if (content(s, depth + 1) != 0) {
            return -1;
        }
    }
}

static int new_class_desc(js *s, int depth, long *index)
{
    size_t name_len, n_fields;
    const unsigned char *name;
    unsigned flags;
    long h, super;

    if (u16(s, &name_len) != 0 || take(s, name_len, &name) != 0 || take(s, 8, NULL) != 0) {
        return -1;
    }
    h = new_handle(s, H_DESC);
    if (h < 0 || u8(s, &flags) != 0 || u16(s, &n_fields) != 0) {
        return -1;
    }
    s->h[h].flags = (unsigned char)flags;
    s->h[h].codes = s->n_pool;
    s->h[h].n_fields = n_fields;
    if (name_len >= 2 && name[0] == '[') {
        s->h[h].array_elem = (char)name[1];
    }
    for (size_t i = 0; i < n_fields; i++) {
        unsigned code;
        size_t field_len;

        if (u8(s, &code) != 0 || u16(s, &field_len) != 0 || take(s, field_len, NULL) != 0 ||
            pool_add(s, (char)code) != 0) {
            return -1;
        }
        if (code == 'L' || code == '[') {
            if (string_object(s) != 0) {
                return -1;
            }
        } else if (strchr("BCDFIJSZ", (int)code) == NULL || code == 0) {
            return -1;
        }
    }
    if (annotation(s, depth) != 0 || class_desc(s, depth + 1, &super) != 0) {
        return -1;
    }
    s->h[h].super = super;
    *index = h;
    return 0;
}

static int proxy_class_desc(js *s, int depth, long *index)
{
    uint32_t count;
    long h = new_handle(s, H_DESC), super;

    if (h < 0 || u32(s, &count) != 0 || count > (s->len - s->pos) / 2) {
        return -1;
    }
    for (uint32_t i = 0; i < count; i++) {
        size_t n;

        if (u16(s, &n) != 0 || take(s, n, NULL) != 0) {
            return -1;
        }
    }
    /* A proxy class has no fields of its own; its data is its superclass's. */
    s->h[h].flags = SC_SERIALIZABLE;
    if (annotation(s, depth) != 0 || class_desc(s, depth + 1, &super) != 0) {
        return -1;
    }
    s->h[h].super = super;
    *index = h;
    return 0;
}

/* classDesc: a new one, TC_NULL (*index -1) or a reference to one. */
static int class_desc(js *s, int depth, long *index)
{
    unsigned tc;

    if (depth > MAX_DEPTH || u8(s, &tc) != 0) {
        return -1;
    }
    switch (tc) {
    case TC_NULL:
        *index = -1;
        return 0;
    case TC_REFERENCE:
        if (reference(s, index) != 0 || s->h[*index].kind != H_DESC) {
            return -1;
        }
        return 0;
    case TC_CLASSDESC:
        return new_class_desc(s, depth, index);
    case TC_PROXYCLASSDESC:
        return proxy_class_desc(s, depth, index);
    default:
        return -1;
    }
}

static int value(js *s, char code, int depth)
{
    switch (code) {
    case 'B':
    case 'Z':
        return take(s, 1, NULL);
    case 'C':
    case 'S':
        return take(s, 2, NULL);
    case 'I':
    case 'F':
        return take(s, 4, NULL);
    case 'J':
    case 'D':
        return take(s, 8, NULL);
    case 'L':
    case '[':
        return content(s, depth + 1);
    default:
        return -1;
    }
}

/* classdata[]: the values of each class of the object, superclass first. */
static int class_data(js *s, long desc, int depth)
{
    long chain[MAX_CHAIN];
    size_t n = 0;

    for (long d = desc; d >= 0; d = s->h[d].super) {
        if (n == MAX_CHAIN) {
            return -1; /* also ends a description that is its own superclass */
        }
        chain[n++] = d;
    }
    while (n-- > 0) {
        /* A copy: reading values adds handles, which may move the table. */
        const handle h = s->h[chain[n]];

        if ((h.flags & SC_EXTERNALIZABLE) != 0) {
            /* Without block framing only the class itself knows the length. */
            if ((h.flags & SC_BLOCK_DATA) == 0 || annotation(s, depth) != 0) {
                return -1;
            }
            continue;
        }
        if ((h.flags & SC_SERIALIZABLE) == 0) {
            continue;
        }
        for (size_t i = 0; i < h.n_fields; i++) {
            if (value(s, s->pool[h.codes + i], depth) != 0) {
                return -1;
            }
        }
        if ((h.flags & SC_WRITE_METHOD) != 0 && annotation(s, depth) != 0) {
            return -1;
        }
    }
    return 0;
}

static int array(js *s, int depth)
{
    long desc, h;
    uint32_t size;
    char elem;
    size_t width;

    if (class_desc(s, depth + 1, &desc) != 0 || desc < 0 || s->h[desc].array_elem == 0) {
        return -1;
    }
    elem = s->h[desc].array_elem;
    h = new_handle(s, H_OTHER);
    if (h < 0 || u32(s, &size) != 0) {
        return -1;
    }
    switch (elem) {
    case 'B':
    case 'Z':
        width = 1;
        break;
    case 'C':
    case 'S':
        width = 2;
        break;
    case 'I':
    case 'F':
        width = 4;
        break;
    case 'J':
    case 'D':
        width = 8;
        break;
    case 'L':
    case '[':
        if (size > s->len - s->pos) { /* every element takes at least one byte */
            return -1;
        }
        for (uint32_t i = 0; i < size; i++) {
            if (content(s, depth + 1) != 0) {
                return -1;
            }
        }
        return 0;
    default:
        return -1;
    }
    if (size > (s->len - s->pos) / width) {
        return -1;
    }
    return take(s, (size_t)size * width, NULL);
}

static int content(js *s, int depth)
{
    unsigned tc;
    long desc, ref;
    size_t n;
    uint32_t n32;

    if (depth > MAX_DEPTH || peek(s, &tc) != 0) {
        return -1;
    }
    switch (tc) {
    case TC_OBJECT:
        s->pos++;
        if (class_desc(s, depth + 1, &desc) != 0 || desc < 0 || new_handle(s, H_OTHER) < 0) {
            return -1;
        }
        return class_data(s, desc, depth);
    case TC_CLASSDESC:
    case TC_PROXYCLASSDESC:
        return class_desc(s, depth + 1, &desc);
    case TC_STRING:
    case TC_LONGSTRING:
        return string_object(s);
    case TC_ARRAY:
        s->pos++;
        return array(s, depth);
    case TC_CLASS:
        s->pos++;
        return (class_desc(s, depth + 1, &desc) == 0 && new_handle(s, H_OTHER) >= 0) ? 0 : -1;
    case TC_ENUM:
        s->pos++;
        if (class_desc(s, depth + 1, &desc) != 0 || new_handle(s, H_OTHER) < 0) {
            return -1;
        }
        return string_object(s);
    case TC_REFERENCE:
        s->pos++;
        return reference(s, &ref);
    case TC_NULL:
        s->pos++;
        return 0;
    case TC_BLOCKDATA:
        s->pos++;
        {
            unsigned v;

            return (u8(s, &v) == 0) ? take(s, v, NULL) : -1;
        }
    case TC_BLOCKDATALONG:
        s->pos++;
        if (u32(s, &n32) != 0 || n32 > INT32_MAX) {
            return -1;
        }
        n = n32;
        return take(s, n, NULL);
    default:
        return -1; /* TC_RESET, TC_EXCEPTION, TC_ENDBLOCKDATA out of place, unknown */
    }
}

size_t ts_jserial_object_len(const unsigned char *buf, size_t len)
{
    static const unsigned char header[] = {0xac, 0xed, 0x00, 0x05};
    js s = {buf, len, 0, NULL, 0, 0, NULL, 0, 0};
    unsigned tc;
    int rc;

    if (buf == NULL || len < sizeof(header) || memcmp(buf, header, sizeof(header)) != 0) {
        return 0;
    }
    s.pos = sizeof(header);
    /* The stream holds exactly one object, not block data. */
    rc = (peek(&s, &tc) == 0 && tc != TC_BLOCKDATA && tc != TC_BLOCKDATALONG) ? content(&s, 0) : -1;
    free(s.h);
    free(s.pool);
    return rc == 0 ? s.pos : 0;
}
