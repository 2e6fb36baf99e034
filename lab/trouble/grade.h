/* SPDX-License-Identifier: GPL-2.0 */
/*
 * "Network or app?" grading for the troubleshooting exercises. Each
 * scenario's answer key is scenarios/policies/NAME.answer:
 *
 *   layer network                 network | app | database | lb
 *   object trouble-web-ingress    one line per accepted spelling
 *   hint-layer TEXT               shown when the layer is wrong (repeatable)
 *   hint-object TEXT              shown when only the object is wrong
 *
 * The trainee answers LAYER:OBJECT ("network:trouble-web-ingress"); layer
 * synonyms are accepted (net, application, db, mysql, loadbalancer, ...),
 * objects compare without case.
 */
#ifndef BPFLAB_TROUBLE_GRADE_H
#define BPFLAB_TROUBLE_GRADE_H

#include <stdbool.h>
#include <stddef.h>

#define TROUBLE_MAX_OBJECTS 8

struct trouble_key {
	char layer[16];
	char objects[TROUBLE_MAX_OBJECTS][96];
	int n_objects;
	char hint_layer[1024];
	char hint_object[1024];
};

enum trouble_grade { TROUBLE_RIGHT, TROUBLE_WRONG_LAYER, TROUBLE_WRONG_OBJECT };

/* Parse an answer key; -EINVAL with "file:line: why" in err when malformed. */
int trouble_key_load(const char *path, struct trouble_key *key, char *err,
		     size_t errlen);
/* The canonical layer for a spelling ("db" -> "database"), or NULL. */
const char *trouble_layer(const char *word);
/* Grade "LAYER:OBJECT"; -EINVAL when it is not of that form. */
int trouble_grade(const struct trouble_key *key, const char *answer,
		  enum trouble_grade *grade);

#endif
