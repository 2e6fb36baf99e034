// SPDX-License-Identifier: GPL-2.0
/* Maglev tables: even spread, weights, and minimal disruption on removal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lb/maglev.h"

#define M 16381

static char keys[16][32];

static int build(struct maglev_backend *b, int n, const uint32_t *weights,
		 uint32_t *table, int skip)
{
	int k = 0;

	for (int i = 0; i < n; i++) {
		if (i == skip)
			continue;
		snprintf(keys[i], sizeof(keys[i]), "198.18.1.%d:8080", i + 2);
		b[k] = (struct maglev_backend){ .key = keys[i],
						.id = i + 1,
						.weight = weights ? weights[i] :
								    1 };
		k++;
	}
	return maglev_build(b, k, M, table);
}

static void test_sizes_must_be_prime(void **state)
{
	uint32_t t[16];
	struct maglev_backend b = { .key = "x", .id = 1, .weight = 1 };

	(void)state;
	assert_true(maglev_size_ok(16381));
	assert_true(maglev_size_ok(251));
	assert_false(maglev_size_ok(16384));
	assert_false(maglev_size_ok(1));
	assert_false(maglev_size_ok(MAGLEV_MAX_SIZE + 2));
	assert_int_equal(maglev_build(&b, 1, 16, t), -22);
}

static void test_every_slot_is_filled_evenly(void **state)
{
	uint32_t *t = calloc(M, sizeof(*t));
	struct maglev_backend b[10];
	int count[11] = { 0 };

	(void)state;
	assert_int_equal(build(b, 10, NULL, t, -1), 0);
	for (int i = 0; i < M; i++) {
		assert_true(t[i] >= 1 && t[i] <= 10);
		count[t[i]]++;
	}
	/* equal weights take strict turns: shares differ by at most one slot */
	for (int i = 1; i <= 10; i++)
		assert_true(count[i] >= M / 10 && count[i] <= M / 10 + 1);
	free(t);
}

static void test_weights_bias_the_share(void **state)
{
	uint32_t *t = calloc(M, sizeof(*t)), w[3] = { 1, 2, 1 };
	struct maglev_backend b[3];
	int count[4] = { 0 };

	(void)state;
	assert_int_equal(build(b, 3, w, t, -1), 0);
	for (int i = 0; i < M; i++)
		count[t[i]]++;
	/* weight 2 of a total 4: half the table, within 1% */
	assert_true(abs(count[2] - M / 2) < M / 100);
	assert_true(abs(count[1] - M / 4) < M / 100);
	free(t);
}

/* Removing one of 10 moves its own ~10% and at most 2 points more. */
static void test_removing_one_of_ten_remaps_at_most_12_percent(void **state)
{
	uint32_t *before = calloc(M, sizeof(*before));
	uint32_t *after = calloc(M, sizeof(*after));
	struct maglev_backend b[10];
	int moved = 0, moved_others = 0;

	(void)state;
	assert_int_equal(build(b, 10, NULL, before, -1), 0);
	assert_int_equal(build(b, 10, NULL, after, 4), 0);
	for (int i = 0; i < M; i++) {
		if (before[i] == after[i])
			continue;
		moved++;
		if (before[i] != 5) /* id 5 is the removed backend */
			moved_others++;
	}
	print_message(
		"remapped %.2f%% of slots (%.2f%% not from the removed backend)\n",
		100.0 * moved / M, 100.0 * moved_others / M);
	assert_true(moved * 100 <= 12 * M);
	for (int i = 0; i < M; i++)
		assert_int_not_equal(after[i], 5);
	free(before);
	free(after);
}

static void test_no_weight_means_no_table(void **state)
{
	uint32_t t[251];
	struct maglev_backend b = { .key = "a", .id = 1, .weight = 0 };

	(void)state;
	assert_int_equal(maglev_build(&b, 1, 251, t), -2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes_must_be_prime),
		cmocka_unit_test(test_every_slot_is_filled_evenly),
		cmocka_unit_test(test_weights_bias_the_share),
		cmocka_unit_test(
			test_removing_one_of_ten_remaps_at_most_12_percent),
		cmocka_unit_test(test_no_weight_means_no_table),
	};

	return cmocka_run_group_tests_name("maglev", tests, NULL, NULL);
}
