// SPDX-License-Identifier: GPL-2.0
/* Answer keys and the grader for the troubleshooting exercises. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "lab/trouble/grade.h"

static const struct {
	const char *word, *layer;
} layers[] = {
	{ "network", "network" },  { "net", "network" },
	{ "netpol", "network" },   { "policy", "network" },
	{ "app", "app" },	   { "application", "app" },
	{ "service", "app" },	   { "database", "database" },
	{ "db", "database" },	   { "mysql", "database" },
	{ "mariadb", "database" }, { "lb", "lb" },
	{ "loadbalancer", "lb" },  { "load-balancer", "lb" },
	{ "load balancer", "lb" }, { "backend", "lb" },
};

const char *trouble_layer(const char *word)
{
	for (size_t i = 0; i < sizeof(layers) / sizeof(layers[0]); i++)
		if (!strcasecmp(word, layers[i].word))
			return layers[i].layer;
	return NULL;
}

/* trim spaces at both ends, in place */
static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static void append_line(char *dst, size_t size, const char *text)
{
	size_t len = strlen(dst);

	snprintf(dst + len, size - len, "%s\n", text);
}

int trouble_key_load(const char *path, struct trouble_key *key, char *err,
		     size_t errlen)
{
	char line[1024];
	int lineno = 0, rc = 0;
	FILE *f;

	memset(key, 0, sizeof(*key));
	f = fopen(path, "re");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	while (fgets(line, sizeof(line), f)) {
		char *l = trim(line), *val;

		lineno++;
		if (!*l || *l == '#')
			continue;
		val = l + strcspn(l, " \t");
		if (*val)
			*val++ = '\0';
		val = trim(val);
		if (!strcmp(l, "layer") && trouble_layer(val)) {
			snprintf(key->layer, sizeof(key->layer), "%s",
				 trouble_layer(val));
		} else if (!strcmp(l, "object") && *val &&
			   key->n_objects < TROUBLE_MAX_OBJECTS) {
			snprintf(key->objects[key->n_objects++],
				 sizeof(key->objects[0]), "%s", val);
		} else if (!strcmp(l, "hint-layer")) {
			append_line(key->hint_layer, sizeof(key->hint_layer),
				    val);
		} else if (!strcmp(l, "hint-object")) {
			append_line(key->hint_object, sizeof(key->hint_object),
				    val);
		} else {
			snprintf(err, errlen, "%s:%d: unknown or empty '%s'",
				 path, lineno, l);
			rc = -EINVAL;
			goto out;
		}
	}
	if (!key->layer[0] || !key->n_objects) {
		snprintf(err, errlen, "%s: needs a layer and an object", path);
		rc = -EINVAL;
	}
out:
	fclose(f);
	return rc;
}

int trouble_grade(const struct trouble_key *key, const char *answer,
		  enum trouble_grade *grade)
{
	char buf[256], *colon, *layer, *object;
	const char *canon;

	snprintf(buf, sizeof(buf), "%s", answer);
	colon = strchr(buf, ':');
	if (!colon)
		return -EINVAL;
	*colon = '\0';
	layer = trim(buf);
	object = trim(colon + 1);
	canon = trouble_layer(layer);
	if (!canon || !*object)
		return -EINVAL;
	if (strcmp(canon, key->layer)) {
		*grade = TROUBLE_WRONG_LAYER;
		return 0;
	}
	*grade = TROUBLE_WRONG_OBJECT;
	for (int i = 0; i < key->n_objects; i++)
		if (!strcasecmp(object, key->objects[i]))
			*grade = TROUBLE_RIGHT;
	return 0;
}
