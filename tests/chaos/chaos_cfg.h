/* chaos_cfg.h -- the chaos test's settings from its options and environment. */
#ifndef CHAOS_CFG_H
#define CHAOS_CFG_H
#include "chaos.h"

/* Fills CFG from ARGV, then the environment (CHAOS_*; DATABASE_URL), then defaults aimed
 * at the chaos cluster (STACK=chaos, http://127.0.0.1:14080). Returns 0, 1 after --help
 * (printed), or -1 with the reason printed on stderr. */
int chaos_cfg_load(chaos_cfg_t *cfg, int argc, char **argv);

#endif
