// SPDX-License-Identifier: GPL-2.0
/*
 * Flows: a live Hubble-like table. `/` takes the words of `bpflab observe`
 * (verdict=DROPPED, from-ip=, to-ip=, ip=, port=, protocol=, type=l7,
 * http-method=, http-status=) joined by spaces (AND); any other word must
 * appear in the row. Enter shows the whole flow as JSON.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <json-c/json.h>

#include "console/tui/crt.h"
#include "console/tui/tui.h"
#include "engine/engine.h"
#include "observe/flow_filter.h"
#include "util/num.h"
#include "util/util.h"

#define DETAIL_LINES 128

struct flows_state {
	int rows;
	bool open;
	int scroll, ndetail;
	char *detail; /* pretty JSON of the open flow */
	const char *lines[DETAIL_LINES];
};

/* port=N: 1-65535, else the word matches no flow (0 would mean "any"). */
static bool port_word(const char *s, int *port)
{
	long v;

	if (parse_long(s, 10, 1, 65535, &v))
		return false;
	*port = (int)v;
	return true;
}

/* One filter word against the flow; words are key=value or plain text. */
static bool word_matches(const char *word, const struct evm_item *it,
			 struct json_object *o)
{
	struct flow_filter f = {};
	const char *eq = strchr(word, '=');
	char key[32];
	bool ok = true;

	if (!eq || (size_t)(eq - word) >= sizeof(key))
		return strcasestr(it->text, word) != NULL;
	if (!o) /* a row without JSON: the value must appear in its text */
		return strcasestr(it->text, eq + 1) != NULL;
	snprintf(key, sizeof(key), "%.*s", (int)(eq - word), word);
	eq++;
	if (!strcmp(key, "verdict"))
		f.verdict = eq;
	else if (!strcmp(key, "from-ip"))
		f.from_ip = eq;
	else if (!strcmp(key, "to-ip"))
		f.to_ip = eq;
	else if (!strcmp(key, "ip"))
		f.ip = eq;
	else if (!strcmp(key, "port"))
		ok = port_word(eq, &f.port);
	else if (!strcmp(key, "from-port"))
		ok = port_word(eq, &f.from_port);
	else if (!strcmp(key, "to-port"))
		ok = port_word(eq, &f.to_port);
	else if (!strcmp(key, "protocol"))
		f.protocol = eq;
	else if (!strcmp(key, "type"))
		f.type = eq;
	else if (!strcmp(key, "http-method"))
		f.http_method = eq;
	else if (!strcmp(key, "http-status"))
		f.http_status = eq;
	else
		return strcasestr(it->text, word) != NULL;
	ok = ok && o &&
	     flow_filter__match(&f, o); /* a bad port matches nothing */
	flow_filter__free(&f);
	return ok;
}

static bool flow_matches(const char *filter, const struct evm_item *it)
{
	char buf[TUI_FILTER_LEN];
	struct json_object *o = NULL;
	bool ok = true;

	if (!filter[0])
		return true;
	snprintf(buf, sizeof(buf), "%s", filter);
	if (strchr(buf, '=') && it->json)
		o = json_tokener_parse(it->json);
	for (char *w = strtok(buf, " "); w && ok; w = strtok(NULL, " "))
		ok = word_matches(w, it, o);
	json_object_put(o);
	return ok;
}

static int visible(struct tui *t, const struct evm_item **out, int max)
{
	int n = 0;

	for (uint64_t i = 0; n < max; i++) {
		const struct evm_item *it = evm_newest(&t->ev, EVK_FLOW, i);

		if (!it)
			break;
		if (flow_matches(tui_filter(t), it))
			out[n++] = it;
	}
	return n;
}

static void flows_draw(struct tui *t, void *state, int y, int x, int rows,
		       int cols)
{
	struct flows_state *s = state;
	const struct evm_item *v[EVM_RING];
	struct list_view *lv = &t->lv[t->cur];
	int n = visible(t, v, EVM_RING);

	(void)x;
	s->rows = rows - 2;
	crt_putf(y, 0, cols, ATTR_BOLD, "%-8s %s", "TIME",
		 "SOURCE -> DESTINATION     TYPE      VERDICT    SUMMARY");
	crt_putf(
		y + rows - 1, 0, cols, crt_attr(C_DIM),
		"%d of %llu flows shown, %llu dropped, %llu events not shown%s%s",
		n, (unsigned long long)t->ev.flows,
		(unsigned long long)t->ev.drops,
		(unsigned long long)t->ev.not_shown,
		t->ev.paused ? " (paused)" : "",
		t->ev.bad_json ?
			"; some events had unreadable JSON (compact shown)" :
			"");
	if (!n) {
		tui_empty(
			y, 0, rows, cols,
			t->ev.flows ?
				"no flow matches the filter" :
			t->e && !engine__module_loaded(t->e, "observe") ?
				"observe module not loaded: no flows (bpflab observe runs its own)" :
				"no flow yet");
		return;
	}
	list_clamp(lv, n, s->rows);
	for (int i = 0; i < s->rows && lv->top + i < n; i++) {
		const struct evm_item *it = v[lv->top + i];
		bool sel = lv->top + i == lv->sel;
		int attr = sel			  ? crt_attr(C_SEL) :
			   it->action == EVA_DROP ? crt_attr(C_BAD) :
						    crt_attr(C_OK);
		char when[40];

		format_rfc3339_ns(it->real_ns, when, sizeof(when));
		if (sel)
			crt_fill(y + 1 + i, 0, cols, attr);
		crt_putf(y + 1 + i, 0, cols, attr, "%-8.8s %s", when + 11,
			 it->text);
	}
	if (s->open)
		tui_overlay("Flow (Esc closes)", s->lines, s->ndetail,
			    s->scroll);
}

static void open_detail(struct flows_state *s, const char *json)
{
	struct json_object *o = json_tokener_parse(json);
	char *p;

	free(s->detail);
	s->detail =
		strdup(o ? json_object_to_json_string_ext(
				   o, JSON_C_TO_STRING_PRETTY |
					      JSON_C_TO_STRING_NOSLASHESCAPE) :
			   json);
	json_object_put(o);
	s->ndetail = 0;
	for (p = strtok(s->detail, "\n"); p && s->ndetail < DETAIL_LINES;
	     p = strtok(NULL, "\n"))
		s->lines[s->ndetail++] = p;
	s->open = true;
	s->scroll = 0;
}

static bool flows_key(struct tui *t, void *state, int ch)
{
	struct flows_state *s = state;
	const struct evm_item *v[EVM_RING];
	int n;

	if (s->open) {
		if (ch == KEY_DOWN && s->scroll + 1 < s->ndetail)
			s->scroll++;
		else if (ch == KEY_UP && s->scroll)
			s->scroll--;
		else if (ch == 27 || ch == '\n' || ch == KEY_ENTER)
			s->open = false;
		else
			return ch != 'q' && ch != KEY_F(10);
		return true;
	}
	n = visible(t, v, EVM_RING);
	if ((ch == '\n' || ch == KEY_ENTER) && t->lv[t->cur].sel < n &&
	    v[t->lv[t->cur].sel]->json) {
		open_detail(s, v[t->lv[t->cur].sel]->json);
		return true;
	}
	return list_key(&t->lv[t->cur], ch, n, s->rows);
}

static int flows_init(struct tui *t, void **state)
{
	(void)t;
	*state = calloc(1, sizeof(struct flows_state));
	return *state ? 0 : -1;
}

static void flows_fini(struct tui *t, void *state)
{
	struct flows_state *s = state;

	(void)t;
	if (s)
		free(s->detail);
	free(s);
}

const struct screen_ops scr_flows = {
	.title = "Flows",
	.help = "  /           filter words as `bpflab observe`: verdict=DROPPED\n"
		"              from-ip=A to-ip=A ip=A port=N protocol=tcp type=l7\n"
		"              http-method=GET http-status=5+ ; other words match text\n"
		"  Enter       the whole flow with its L7 detail (JSON)\n"
		"  Space       pause the table\n",
	.keybar = "Enter Detail",
	.init = flows_init,
	.draw = flows_draw,
	.key = flows_key,
	.fini = flows_fini,
};
