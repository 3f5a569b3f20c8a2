/* chaos_report.h -- the chaos test's figures and verdict, as a table on a stream. */
#ifndef CHAOS_REPORT_H
#define CHAOS_REPORT_H
#include "chaos.h"
#include "chaos_check.h"

#include <stdio.h>

/* Prints the run's figures (requests, errors, notifications, kills) and every check
 * with PASS/FAIL, a failed one with its count and examples. */
void chaos_report_print(FILE *out, const chaos_app_t *app, const chaos_result_t *res);

#endif
