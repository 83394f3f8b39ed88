/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ackguard: the settings of a namespace and where they come from.
 *
 * The module parameters are the defaults every namespace starts from;
 * netlink (the one writer after that) replaces a namespace's settings as a
 * whole under RCU, so the hook always sees one consistent set of values.
 * The bounds are defined here once: config.c checks the parameters and
 * every new set of settings against them, and netlink's policy uses them.
 */
#ifndef _ACKGUARD_CONFIG_H
#define _ACKGUARD_CONFIG_H

#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/types.h>

/* Upper bounds of the settings, shared by the parameters and netlink. */
#define AG_INTERVAL_MS_MAX	60000
#define AG_BURST_MAX		10000
#define AG_MAX_FLOWS_MAX	4194304
#define AG_FLOW_TIMEOUT_MAX	86400
#define AG_STORM_PPS_MAX	100000000

/* One namespace's settings; never changed once published. */
struct ag_config {
	u8 mode;
	u8 log;
	u32 interval_ms;
	u32 burst;
	u32 max_flows;
	u32 flow_timeout_s;
	u32 storm_pps;
	unsigned long interval_jiffies;
	struct rcu_head rcu;
};

/* The settings a namespace runs with now, and what serialises their writers. */
struct ag_live_config {
	struct ag_config __rcu *cur;	/* readers: rcu_dereference() */
	struct mutex writer_lock;
};

/* Module load: check the parameters, the defaults of every namespace. */
int ag_config_params_check(void);
const char *ag_config_default_mode(void);

/* A namespace's first settings (the defaults), and their release. */
int ag_config_init(struct ag_live_config *lc);
void ag_config_exit(struct ag_live_config *lc);

/*
 * Replacing the settings: ag_config_edit() takes the writer lock and
 * returns a private copy of the current ones (NULL, unlocked, without
 * memory); the caller changes it, may check it with ag_config_invalid()
 * and prepare for it (ag_config_edited() shows what it replaces), then
 * either publishes it with ag_config_commit() or drops it with
 * ag_config_abort(). Both release the lock.
 */
struct ag_config *ag_config_edit(struct ag_live_config *lc);
const struct ag_config *ag_config_edited(struct ag_live_config *lc);
void ag_config_commit(struct ag_live_config *lc, struct ag_config *cfg);
void ag_config_abort(struct ag_live_config *lc, struct ag_config *cfg);
int ag_config_invalid(const struct ag_config *cfg);

#endif /* _ACKGUARD_CONFIG_H */
