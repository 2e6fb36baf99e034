// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "abi/abi.h"
#include "observe/flow_rec.h"
#include "util/jw.h"

enum {
	F_IFNAME = 1 << 0,
	F_XLATE = 1 << 1,
	F_TRANSLATED = 1 << 2,
	F_OWNER = 1 << 3,
	F_OWNER_SANDBOX = 1 << 4,
	F_OWNER_BINARY = 1 << 5,
	F_PEERS = 1 << 6,
};

/* The largest kernel record we store; ours are well under it. */
#define REC_MAX 1024

void flow_buf_free(struct flow_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

static void put(struct flow_buf *b, const void *p, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		uint8_t *tmp;

		while (cap < b->len + n)
			cap *= 2;
		tmp = realloc(b->p, cap);
		if (!tmp) {
			b->oom = true;
			return;
		}
		b->p = tmp;
		b->cap = cap;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void put_u8(struct flow_buf *b, uint8_t v)
{
	put(b, &v, 1);
}

static void put_u16(struct flow_buf *b, uint16_t v)
{
	put(b, &v, 2);
}

static void put_u32(struct flow_buf *b, uint32_t v)
{
	put(b, &v, 4);
}

static void put_str(struct flow_buf *b, const char *s, size_t max)
{
	size_t n = strnlen(s, max);

	put_u16(b, (uint16_t)n);
	put(b, s, n);
}

static void put_peer(struct flow_buf *b, const struct flow_peer *p)
{
	int n = p->n_labels < 0		       ? 0 :
		p->n_labels > FLOW_PEER_LABELS ? FLOW_PEER_LABELS :
						 p->n_labels;

	put_str(b, p->name, sizeof(p->name));
	put_u32(b, p->identity);
	put_u8(b, (uint8_t)n);
	for (int i = 0; i < n; i++)
		put_str(b, p->labels[i], sizeof(p->labels[i]));
}

/* Reserve the header; finish() fills it in once the body is written. */
static size_t begin(struct flow_buf *b, uint16_t kind)
{
	struct flow_rec_hdr h = { .version = FLOW_REC_VERSION, .kind = kind };
	size_t at = b->len;

	put(b, &h, sizeof(h));
	return at;
}

static int finish(struct flow_buf *b, size_t at)
{
	uint32_t len;

	if (b->oom)
		return -ENOMEM;
	len = b->len - at - sizeof(struct flow_rec_hdr);
	if (len > FLOW_REC_MAX) {
		b->len = at;
		return -E2BIG;
	}
	memcpy(b->p + at + offsetof(struct flow_rec_hdr, len), &len,
	       sizeof(len));
	return 0;
}

int flow_rec_encode(struct flow_buf *b, const void *rec, size_t len,
		    const char *ifname, const struct flow_render_extra *x)
{
	const struct flow_owner *o = x->owner;
	uint32_t flags = 0;
	size_t at;

	if (len < sizeof(struct bl_hdr) || len > REC_MAX ||
	    (x->translated && !x->xlate))
		return -EINVAL;
	flags |= ifname ? F_IFNAME : 0;
	flags |= x->xlate ? F_XLATE : 0;
	flags |= x->translated ? F_TRANSLATED : 0;
	flags |= o ? F_OWNER : 0;
	flags |= o && o->sandbox ? F_OWNER_SANDBOX : 0;
	flags |= o && o->binary ? F_OWNER_BINARY : 0;
	flags |= x->peer[0] && x->peer[1] ? F_PEERS : 0;
	at = begin(b, FLOW_REC_KERNEL);
	put(b, &x->real_ns, sizeof(x->real_ns));
	if (x->uuid) {
		put(b, x->uuid, 16);
	} else {
		uint8_t id[16];

		flow_uuid_new(id);
		put(b, id, sizeof(id));
	}
	put_u32(b, flags);
	put_u32(b, (uint32_t)len);
	put(b, rec, len);
	if (ifname)
		put_str(b, ifname, 64);
	if (x->xlate) {
		put_str(b, x->xlate->service, sizeof(x->xlate->service));
		put_u32(b, x->xlate->vip);
		put_u32(b, x->xlate->backend);
		put_u16(b, x->xlate->vip_port);
		put_u16(b, x->xlate->backend_port);
		put_u8(b, x->xlate->hook);
		put_u32(b, x->xlate->pid);
	}
	if (o) {
		put_u32(b, o->pid);
		put_str(b, o->comm, sizeof(o->comm));
		if (o->sandbox)
			put_str(b, o->sandbox, FLOW_PEER_NAME);
		if (o->binary)
			put_str(b, o->binary, 4096);
	}
	if (flags & F_PEERS) {
		put_peer(b, x->peer[0]);
		put_peer(b, x->peer[1]);
	}
	return finish(b, at);
}

int flow_rec_encode_line(struct flow_buf *b, const char *line)
{
	size_t at = begin(b, FLOW_REC_LINE);

	put(b, line, strlen(line));
	return finish(b, at);
}

/* ---- decoding: every read is bounds-checked against the body ------------ */

struct cursor {
	const uint8_t *p;
	size_t left;
	bool bad;
};

static void get(struct cursor *c, void *out, size_t n)
{
	if (c->bad || n > c->left) {
		c->bad = true;
		memset(out, 0, n);
		return;
	}
	memcpy(out, c->p, n);
	c->p += n;
	c->left -= n;
}

static uint32_t get_u32(struct cursor *c)
{
	uint32_t v;

	get(c, &v, sizeof(v));
	return v;
}

static uint16_t get_u16(struct cursor *c)
{
	uint16_t v;

	get(c, &v, sizeof(v));
	return v;
}

static uint8_t get_u8(struct cursor *c)
{
	uint8_t v;

	get(c, &v, sizeof(v));
	return v;
}

/* A string into out (size bytes), truncated to fit, always terminated. */
static void get_str(struct cursor *c, char *out, size_t size)
{
	uint16_t n = get_u16(c);

	out[0] = '\0';
	if (c->bad || n > c->left) {
		c->bad = true;
		return;
	}
	memcpy(out, c->p, n < size ? n : size - 1);
	out[n < size ? n : size - 1] = '\0';
	c->p += n;
	c->left -= n;
}

static void get_peer(struct cursor *c, struct flow_peer *p)
{
	get_str(c, p->name, sizeof(p->name));
	p->identity = get_u32(c);
	p->n_labels = get_u8(c);
	if (p->n_labels > FLOW_PEER_LABELS) {
		c->bad = true;
		p->n_labels = 0;
	}
	for (int i = 0; i < p->n_labels; i++)
		get_str(c, p->labels[i], sizeof(p->labels[i]));
}

/* What a decoded record's flow_render_extra points at. */
struct decoded {
	uint64_t rec[REC_MAX / 8]; /* aligned for the record's structs */
	uint8_t uuid[16];
	char ifname[64];
	struct flow_xlate xlate;
	struct flow_owner owner;
	char sandbox[FLOW_PEER_NAME], binary[4096];
	struct flow_peer peer[2];
};

static int render_kernel(struct jw *w, struct cursor *c, struct decoded *d)
{
	struct flow_render_extra x = { 0 };
	uint32_t flags, len;

	get(c, &x.real_ns, sizeof(x.real_ns));
	get(c, d->uuid, sizeof(d->uuid));
	x.uuid = d->uuid;
	flags = get_u32(c);
	len = get_u32(c);
	if (c->bad || len > sizeof(d->rec))
		return -EINVAL;
	get(c, d->rec, len);
	if (flags & F_IFNAME)
		get_str(c, d->ifname, sizeof(d->ifname));
	if (flags & F_XLATE) {
		get_str(c, d->xlate.service, sizeof(d->xlate.service));
		d->xlate.vip = get_u32(c);
		d->xlate.backend = get_u32(c);
		d->xlate.vip_port = get_u16(c);
		d->xlate.backend_port = get_u16(c);
		d->xlate.hook = get_u8(c);
		d->xlate.pid = get_u32(c);
		x.xlate = &d->xlate;
	}
	x.translated = flags & F_TRANSLATED;
	if (flags & F_OWNER) {
		d->owner.pid = get_u32(c);
		get_str(c, d->owner.comm, sizeof(d->owner.comm));
		if (flags & F_OWNER_SANDBOX) {
			get_str(c, d->sandbox, sizeof(d->sandbox));
			d->owner.sandbox = d->sandbox;
		}
		if (flags & F_OWNER_BINARY) {
			get_str(c, d->binary, sizeof(d->binary));
			d->owner.binary = d->binary;
		}
		x.owner = &d->owner;
	}
	if (flags & F_PEERS) {
		get_peer(c, &d->peer[0]);
		get_peer(c, &d->peer[1]);
		x.peer[0] = &d->peer[0];
		x.peer[1] = &d->peer[1];
	}
	if (c->bad)
		return -EINVAL;
	return flow_render_json_ex(w, d->rec, len,
				   (flags & F_IFNAME) ? d->ifname : NULL, &x);
}

int flow_rec_render(struct jw *w, const struct flow_rec_hdr *h,
		    const uint8_t *body)
{
	struct cursor c = { .p = body, .left = h->len };
	struct decoded *d;
	char *line;
	int err;

	if (h->version != FLOW_REC_VERSION)
		return -ENOTSUP;
	if (h->kind == FLOW_REC_LINE) {
		jw_reset(w);
		if (!h->len || memchr(body, '\0', h->len))
			return -EINVAL;
		line = strndup((const char *)body, h->len);
		if (!line)
			return -ENOMEM;
		jw_raw(w, line); /* the line is JSON already */
		free(line);
		return jw_str(w) ? 0 : -ENOMEM;
	}
	if (h->kind != FLOW_REC_KERNEL)
		return -ENOTSUP;
	/* ~10 KiB: on the heap, not on a reader's stack */
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	err = render_kernel(w, &c, d);
	free(d);
	return err;
}
