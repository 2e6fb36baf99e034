// SPDX-License-Identifier: GPL-2.0
/*
 * Policies & services: applied TracingPolicies with their counters (left
 * pane) and services with backends (right pane; Tab switches). Keys act
 * through the engine's requests, the same ones `bpflab policy` and
 * `bpflab svc` send: a applies a file, m toggles monitor/enforce, d drains
 * the selected backend. The engine's answer lands on the status line.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "console/tui/crt.h"
#include "util/json_path.h"
#include "console/tui/model_req.h"
#include "console/tui/tui.h"
#include "util/jw.h"
#include "util/util.h"

#define POLICY_FILE_MAX 65536

struct pol_state {
	bool prompting;
	char path[256];
	int rows;
};

static struct json_object *policies(struct tui *t)
{
	return jp_get(mreq_reply(t->req_pol), "policies");
}

/*
 * Backends of every service, flattened: row idx → (service, backend) and -1;
 * with an idx past the end (e.g. -1), the number of backends.
 */
static int backend_at(struct tui *t, int idx, struct json_object **svc_out,
		      struct json_object **be_out)
{
	struct json_object *svcs = jp_get(mreq_reply(t->req_svc), "services");
	int n = 0;

	for (size_t i = 0; svcs && i < json_object_array_length(svcs); i++) {
		struct json_object *svc = json_object_array_get_idx(svcs, i);
		struct json_object *bes = jp_get(svc, "backends");

		for (size_t j = 0; bes && j < json_object_array_length(bes);
		     j++, n++)
			if (n == idx) {
				*svc_out = svc;
				*be_out = json_object_array_get_idx(bes, j);
				return -1;
			}
	}
	return n; /* not found: the count */
}

static void send_files(struct tui *t, const char *file, const char *yaml,
		       const char *what)
{
	struct jw w;

	jw_init(&w);
	jw_obj_begin(&w);
	jw_kstr(&w, "op", "policy.apply");
	jw_key(&w, "files");
	jw_arr_begin(&w);
	jw_obj_begin(&w);
	jw_kstr(&w, "file", file);
	jw_kstr(&w, "yaml", yaml);
	jw_obj_end(&w);
	jw_arr_end(&w);
	jw_obj_end(&w);
	if (jw_str(&w))
		mreq_action(t, w.buf, what);
	jw_free(&w);
}

static char *slurp(struct tui *t, const char *path)
{
	char *buf = malloc(POLICY_FILE_MAX + 2);
	ssize_t n;

	if (!buf)
		return NULL;
	n = read_file(path, buf, POLICY_FILE_MAX + 2);
	if (n < 0 || n > POLICY_FILE_MAX) {
		tui_status(t, "%s: %s", path,
			   n < 0 ? strerror((int)-n) : "larger than 64 KiB");
		free(buf);
		return NULL;
	}
	return buf;
}

static void apply_file(struct tui *t, const char *path)
{
	char *yaml = slurp(t, path);

	if (yaml)
		send_files(t, path, yaml, "apply");
	free(yaml);
}

/*
 * Where the mode's value starts in a TracingPolicy: the `value:` after the
 * "policy-mode" option (Tetragon's spec.options), or after `policy-mode:`.
 */
static char *mode_value(char *yaml)
{
	char *at = strstr(yaml, "policy-mode"), *v;

	if (!at)
		return NULL;
	v = at + strlen("policy-mode");
	v += strspn(v, "\"' ");
	if (*v == ':' && v[1] != '\n' && v[1 + strspn(v + 1, " ")] != '\n')
		return v + 1;
	v = strstr(at, "value:");
	return v ? v + strlen("value:") : NULL;
}

/* Re-apply the policy's file with its mode flipped. */
static void toggle_mode(struct tui *t, struct json_object *pol)
{
	const char *file = jp_str(pol, "file", NULL);
	bool monitor = !strcmp(jp_str(pol, "mode", ""), "monitor");
	char *yaml, *val, *out;
	size_t size;

	if (!file) {
		tui_status(
			t,
			"the engine did not say which file the policy came from");
		return;
	}
	yaml = slurp(t, file);
	if (!yaml)
		return;
	val = mode_value(yaml);
	if (!val) {
		tui_status(t, "%s sets no policy-mode option to toggle", file);
		free(yaml);
		return;
	}
	size = strlen(yaml) + 16;
	out = malloc(size);
	if (out) {
		snprintf(out, size, "%.*s \"%s\"%s", (int)(val - yaml), yaml,
			 monitor ? "enforce" : "monitor",
			 val + strcspn(val, "\n"));
		send_files(t, file, out,
			   monitor ? "mode enforce" : "mode monitor");
	}
	free(out);
	free(yaml);
}

static void drain(struct tui *t, int idx)
{
	struct json_object *svc, *be;
	char req[256];

	if (idx < 0 || backend_at(t, idx, &svc, &be) != -1) {
		tui_status(t, "no backend selected");
		return;
	}
	snprintf(
		req, sizeof(req),
		"{\"op\":\"svc.backend\",\"name\":\"%s\",\"backend\":\"%s\",\"state\":\"%s\"}",
		jp_str(svc, "name", ""), jp_str(be, "address", ""),
		strcmp(jp_str(be, "state", ""), "active") ? "active" :
							    "draining");
	mreq_action(t, req, "backend");
}

static void draw_policies(struct tui *t, struct pol_state *s, int y, int w,
			  int rows)
{
	struct json_object *pols = policies(t);
	bool on = t->pane[t->cur] == 0;
	struct list_view *lv = &t->lv[t->cur];
	int n;

	crt_putf(y, 0, w, on ? crt_attr(C_TAB_ON) : ATTR_BOLD,
		 "%-20s %-8s %8s %8s %8s", "POLICY", "MODE", "ENFORCE",
		 "MONITOR", "POST");
	if (!pols) {
		crt_putf(y + 1, 0, w, crt_attr(C_WARN), "enforce: %s",
			 mreq_error(t->req_pol) ? mreq_error(t->req_pol) :
						  "no data");
		return;
	}
	n = (int)json_object_array_length(pols);
	if (on)
		list_clamp(lv, n, rows - 1);
	for (int i = 0; i < n && i < rows - 1; i++) {
		struct json_object *p =
			json_object_array_get_idx(pols, (size_t)i);
		bool sel = on && i == lv->sel;
		const char *mode = jp_str(p, "mode", "?");
		int attr = sel			    ? crt_attr(C_SEL) :
			   !strcmp(mode, "enforce") ? crt_attr(C_OK) :
						      crt_attr(C_WARN);

		crt_putf(y + 1 + i, 0, w, attr,
			 "%-20.20s %-8s %8lld %8lld %8lld",
			 jp_str(p, "name", "?"), mode,
			 (long long)jp_int(p, "nenforce", 0),
			 (long long)jp_int(p, "nmonitor", 0),
			 (long long)jp_int(p, "npost", 0));
	}
	if (!n)
		crt_put(y + 1, 0, w, crt_attr(C_DIM),
			"no policy applied (a applies a file)");
	(void)s;
}

static void draw_services(struct tui *t, int y, int x, int w, int rows)
{
	struct json_object *svcs = jp_get(mreq_reply(t->req_svc), "services");
	bool on = t->pane[t->cur] == 1;
	struct list_view *lv = &t->lv[t->cur];
	int row = 0, idx = 0;

	crt_putf(y, x, w, on ? crt_attr(C_TAB_ON) : ATTR_BOLD, "%-24s %-9s %8s",
		 "SERVICE / BACKEND", "STATE", "CONNS");
	if (!svcs) {
		crt_putf(y + 1, x, w, crt_attr(C_WARN), "lb: %s",
			 mreq_error(t->req_svc) ? mreq_error(t->req_svc) :
						  "no data");
		return;
	}
	if (on) {
		struct json_object *a, *b;

		list_clamp(lv, backend_at(t, -1, &a, &b), rows - 1);
	}
	for (size_t i = 0; i < json_object_array_length(svcs) && row < rows - 1;
	     i++) {
		struct json_object *svc = json_object_array_get_idx(svcs, i);
		struct json_object *bes = jp_get(svc, "backends");

		crt_putf(y + 1 + row++, x, w, ATTR_BOLD, "%s %s (%lld conns)",
			 jp_str(svc, "name", "?"), jp_str(svc, "vip", ""),
			 (long long)jp_int(svc, "connections", 0));
		for (size_t j = 0;
		     bes && j < json_object_array_length(bes) && row < rows - 1;
		     j++, idx++) {
			struct json_object *be =
				json_object_array_get_idx(bes, j);
			const char *st = jp_str(be, "state", "?");
			bool sel = on && idx == lv->sel;

			crt_putf(y + 1 + row++, x, w,
				 sel		      ? crt_attr(C_SEL) :
				 strcmp(st, "active") ? crt_attr(C_WARN) :
							ATTR_NONE,
				 "  %-22s %-9s %8lld",
				 jp_str(be, "address", "?"), st,
				 (long long)jp_int(be, "connections", 0));
		}
	}
}

static void pol_draw(struct tui *t, void *state, int y, int x, int rows,
		     int cols)
{
	struct pol_state *s = state;
	int w = cols / 2, h = (rows - 1) / 2;

	(void)x;
	if (cols >= 120) { /* side by side */
		s->rows = rows - 1;
		draw_policies(t, s, y, w - 1, rows - 1);
		draw_services(t, y, w + 1, cols - w - 1, rows - 1);
	} else { /* stacked: each pane keeps full-width columns */
		s->rows = h;
		draw_policies(t, s, y, cols, h);
		draw_services(t, y + h, 0, cols, rows - 1 - h);
	}
	if (s->prompting)
		crt_putf(y + rows - 1, 0, cols, crt_attr(C_KEYTEXT),
			 "Apply policy file: %s_", s->path);
	else
		crt_put(y + rows - 1, 0, cols, crt_attr(C_DIM),
			"Tab: pane   a: apply a file   m: monitor/enforce   d: drain/undrain backend");
}

static bool prompt_key(struct tui *t, struct pol_state *s, int ch)
{
	size_t n = strlen(s->path);

	if (ch == '\n' || ch == KEY_ENTER) {
		s->prompting = false;
		if (n)
			apply_file(t, s->path);
	} else if (ch == 27) {
		s->prompting = false;
	} else if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
		if (n)
			s->path[n - 1] = 0;
	} else if (ch >= 32 && ch < 127 && n + 1 < sizeof(s->path)) {
		s->path[n] = (char)ch;
		s->path[n + 1] = 0;
	}
	return true;
}

static bool pol_key(struct tui *t, void *state, int ch)
{
	struct pol_state *s = state;
	struct list_view *lv = &t->lv[t->cur];
	struct json_object *pols = policies(t), *a, *b;
	int n;

	if (s->prompting)
		return prompt_key(t, s, ch);
	n = t->pane[t->cur] == 0 ?
		    (pols ? (int)json_object_array_length(pols) : 0) :
		    backend_at(t, -1, &a, &b);
	switch (ch) {
	case 'a':
		s->prompting = true;
		s->path[0] = 0;
		return true;
	case 'm':
		if (t->pane[t->cur] == 0 && lv->sel < n)
			toggle_mode(t, json_object_array_get_idx(
					       pols, (size_t)lv->sel));
		return true;
	case 'd':
		if (t->pane[t->cur] == 1)
			drain(t, lv->sel);
		return true;
	case '\t':
		t->pane[t->cur] ^= 1;
		*lv = (struct list_view){};
		return true;
	}
	return list_key(lv, ch, n, s->rows);
}

static int pol_init(struct tui *t, void **state)
{
	(void)t;
	*state = calloc(1, sizeof(struct pol_state));
	return *state ? 0 : -1;
}

static void pol_fini(struct tui *t, void *state)
{
	(void)t;
	free(state);
}

const struct screen_ops scr_policies = {
	.title = "Policies & services",
	.help = "  Tab         policies pane / services pane\n"
		"  a           apply a TracingPolicy file (path prompt; Enter applies)\n"
		"  m           toggle the selected policy monitor <-> enforce\n"
		"  d           drain the selected backend (again: make it active)\n",
	.keybar = "a Apply  m Mode  d Drain",
	.init = pol_init,
	.draw = pol_draw,
	.key = pol_key,
	.fini = pol_fini,
};
