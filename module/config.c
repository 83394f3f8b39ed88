// SPDX-License-Identifier: GPL-2.0
/*
 * ackguard: the module parameters, the bounds every setting is checked
 * against, and each namespace's settings: their defaults and their
 * replacement under RCU. See config.h.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/printk.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/stringify.h>

#include "compat.h"
#include "config.h"
#include "uapi/ackguard.h"

/* The ranges in the descriptions are config.h's bounds, as checked below. */
static char *mode = "enforce";
module_param(mode, charp, 0444);
MODULE_PARM_DESC(mode, "enforce (drop over the limit), monitor (count only) or off");

static unsigned int interval_ms = 500;
module_param(interval_ms, uint, 0444);
MODULE_PARM_DESC(interval_ms, "rate-limit interval in ms, 1.."
		 __stringify(AG_INTERVAL_MS_MAX) " (upstream: 500)");

static unsigned int burst = 1;
module_param(burst, uint, 0444);
MODULE_PARM_DESC(burst, "classified segments a flow may send per interval, 1.."
		 __stringify(AG_BURST_MAX));

static unsigned int max_flows = 16384;
module_param(max_flows, uint, 0444);
MODULE_PARM_DESC(max_flows, "tracked flows per namespace, 1.."
		 __stringify(AG_MAX_FLOWS_MAX));

static unsigned int flow_timeout_s = 60;
module_param(flow_timeout_s, uint, 0444);
MODULE_PARM_DESC(flow_timeout_s, "seconds before an idle flow is forgotten, 1.."
		 __stringify(AG_FLOW_TIMEOUT_MAX));

static unsigned int storm_pps = 100;
module_param(storm_pps, uint, 0444);
MODULE_PARM_DESC(storm_pps, "classified segments/s above which a flow is in a storm, 1.."
		 __stringify(AG_STORM_PPS_MAX));

static bool log_throttle = true;
module_param(log_throttle, bool, 0444);
MODULE_PARM_DESC(log_throttle, "log (rate-limited) when a flow starts being throttled");

/* the mode parameter, parsed once by ag_config_params_check() */
static u8 ag_default_mode;

static const char * const ag_mode_names[] = {
	[ACKGUARD_MODE_OFF] = "off",
	[ACKGUARD_MODE_MONITOR] = "monitor",
	[ACKGUARD_MODE_ENFORCE] = "enforce",
};

/* for the load message, once ag_config_params_check() has passed */
const char *ag_config_default_mode(void)
{
	return ag_mode_names[ag_default_mode];
}

static int ag_check_range(const char *name, unsigned int v, unsigned int lo,
			  unsigned int hi)
{
	if (v >= lo && v <= hi)
		return 0;
	pr_err("invalid parameter %s=%u: must be %u..%u\n", name, v, lo, hi);
	return -EINVAL;
}

/* The same bounds as ag_config_invalid() and the netlink policy. */
int ag_config_params_check(void)
{
	int m = __sysfs_match_string(ag_mode_names, ARRAY_SIZE(ag_mode_names),
				     mode);

	if (m < 0) {
		pr_err("invalid parameter mode=%s: must be enforce, monitor or off\n",
		       mode);
		return -EINVAL;
	}
	ag_default_mode = m;
	return ag_check_range("interval_ms", interval_ms, 1,
			      AG_INTERVAL_MS_MAX) ?:
	       ag_check_range("burst", burst, 1, AG_BURST_MAX) ?:
	       ag_check_range("max_flows", max_flows, 1, AG_MAX_FLOWS_MAX) ?:
	       ag_check_range("flow_timeout_s", flow_timeout_s, 1,
			      AG_FLOW_TIMEOUT_MAX) ?:
	       ag_check_range("storm_pps", storm_pps, 1, AG_STORM_PPS_MAX);
}

/*
 * The netlink attribute of the first setting of @cfg out of its range, or
 * 0. The policy (netlink.c) rejects these first where the kernel validates
 * ranges (4.20 and later); before, this is the check.
 */
int ag_config_invalid(const struct ag_config *cfg)
{
	if (cfg->mode > ACKGUARD_MODE_MAX)
		return ACKGUARD_CFG_MODE;
	if (cfg->interval_ms < 1 || cfg->interval_ms > AG_INTERVAL_MS_MAX)
		return ACKGUARD_CFG_INTERVAL_MS;
	if (cfg->burst < 1 || cfg->burst > AG_BURST_MAX)
		return ACKGUARD_CFG_BURST;
	if (cfg->max_flows < 1 || cfg->max_flows > AG_MAX_FLOWS_MAX)
		return ACKGUARD_CFG_MAX_FLOWS;
	if (cfg->flow_timeout_s < 1 || cfg->flow_timeout_s > AG_FLOW_TIMEOUT_MAX)
		return ACKGUARD_CFG_FLOW_TIMEOUT_S;
	if (cfg->storm_pps < 1 || cfg->storm_pps > AG_STORM_PPS_MAX)
		return ACKGUARD_CFG_STORM_PPS;
	if (cfg->log > 1)
		return ACKGUARD_CFG_LOG;
	return 0;
}

/* Derived values the hook uses, so it never converts units per packet. */
static void ag_config_finalize(struct ag_config *cfg)
{
	cfg->interval_jiffies = max_t(unsigned long, 1,
				      msecs_to_jiffies(cfg->interval_ms));
}

int ag_config_init(struct ag_live_config *lc)
{
	struct ag_config *cfg = kzalloc(sizeof(*cfg), GFP_KERNEL);

	if (!cfg)
		return -ENOMEM;
	cfg->mode = ag_default_mode;
	cfg->log = log_throttle;
	cfg->interval_ms = interval_ms;
	cfg->burst = burst;
	cfg->max_flows = max_flows;
	cfg->flow_timeout_s = flow_timeout_s;
	cfg->storm_pps = storm_pps;
	ag_config_finalize(cfg);
	mutex_init(&lc->writer_lock);
	RCU_INIT_POINTER(lc->cur, cfg);
	return 0;
}

/* No reader is left (the hooks are gone); the module waits for the free. */
void ag_config_exit(struct ag_live_config *lc)
{
	kfree_rcu(rcu_dereference_protected(lc->cur, true), rcu);
}

static struct ag_config *ag_config_locked(struct ag_live_config *lc)
{
	return rcu_dereference_protected(lc->cur,
					 lockdep_is_held(&lc->writer_lock));
}

const struct ag_config *ag_config_edited(struct ag_live_config *lc)
{
	return ag_config_locked(lc);
}

struct ag_config *ag_config_edit(struct ag_live_config *lc)
{
	struct ag_config *cfg;

	mutex_lock(&lc->writer_lock);
	cfg = kmemdup(ag_config_locked(lc), sizeof(*cfg), GFP_KERNEL);
	if (!cfg)
		mutex_unlock(&lc->writer_lock);
	return cfg;
}

void ag_config_abort(struct ag_live_config *lc, struct ag_config *cfg)
{
	mutex_unlock(&lc->writer_lock);
	kfree(cfg);
}

/* Readers still in the old settings keep them until a grace period ends. */
void ag_config_commit(struct ag_live_config *lc, struct ag_config *cfg)
{
	struct ag_config *old = ag_config_locked(lc);

	ag_config_finalize(cfg);
	rcu_assign_pointer(lc->cur, cfg);
	mutex_unlock(&lc->writer_lock);
	kfree_rcu(old, rcu);
}
