/* chaos_csv.h -- every record of a run as CSV files, for looking at a failure later. */
#ifndef CHAOS_CSV_H
#define CHAOS_CSV_H
#include "chaos.h"
#include "chaos_check.h"

/* Writes attempts.csv, requests.csv, websockets.csv, notifications.csv and kills.csv
 * into DIR (which must exist). 0, or -1 with the reason on stderr. */
int chaos_csv_write(const chaos_app_t *app, const chaos_result_t *res, const char *dir);

#endif
