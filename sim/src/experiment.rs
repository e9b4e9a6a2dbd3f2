//! The scenarios of research §4, running them over seeds (on two threads), and the
//! aggregation into means with 95 % intervals.

use crate::config::{Attack, Config, Policy, DAY_MS};
use crate::run::{m, run, series, RunMetrics};
use crate::stats::{summarize, Summary};

/// One scenario: a market configuration and the policies it is run with.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// Base configuration (its `policy` is overridden per run).
    pub cfg: Config,
    /// Policies to run.
    pub policies: Vec<Policy>,
    /// Also run the formula with attacks off (the control for attacker ROI).
    pub control: bool,
}

/// Every scenario name, in report order.
pub const SCENARIOS: [&str; 16] = [
    "honest",
    "honest-n50",
    "sybil20",
    "grief",
    "grief-day",
    "selfdeal1",
    "selfdeal5",
    "selfdeal10",
    "selfdeal10-socks",
    "whitewash",
    "dodge",
    "milker",
    "ring",
    "mixed30",
    "newcomer",
    "newcomer-explore",
];

/// The scenario `name` built on `base` (sizes, horizon, parameters), if it exists.
pub fn scenario(name: &str, base: &Config) -> Option<Scenario> {
    use Policy::*;
    let mut cfg = base.clone();
    cfg.name = name.to_string();
    let formula_only = vec![Formula];
    let (policies, control) = match name {
        "honest" => (Policy::ALL.to_vec(), false),
        "honest-n50" => {
            cfg.providers = 50;
            (Policy::ALL.to_vec(), false)
        }
        "sybil20" => {
            // 50 sybils among 250 accounts = 20 % of the clients.
            cfg.attacks = vec![Attack::Sybil {
                q: 0.3,
                sybils: cfg.clients / 4,
                budget: 0.10,
                targets: 3,
            }];
            (vec![Formula, FormulaLcb, MeanRating], true)
        }
        "grief" | "grief-day" => {
            // The review's free griefing (1 ms channels refunded in the next block),
            // or the same griefers locking each channel's 1 U for a whole day.
            let lock_ms = if name == "grief" { 1 } else { DAY_MS };
            cfg.attacks = vec![Attack::Grief {
                q: 0.3,
                sybils: cfg.clients / 4,
                targets: 3,
                lock_ms,
            }];
            (formula_only, true)
        }
        "selfdeal1" | "selfdeal5" | "selfdeal10" => {
            let budget = match name {
                "selfdeal1" => 0.01,
                "selfdeal5" => 0.05,
                _ => 0.10,
            };
            cfg.attacks = vec![Attack::SelfDeal {
                q: 0.4,
                accounts: 2,
                budget,
                mature: true,
            }];
            (vec![Formula, MeanRating], true)
        }
        "selfdeal10-socks" => {
            // The same budget spread over 10 mature sock accounts: the answer to a
            // once-per-(client, payee, epoch) rating rule.
            cfg.attacks = vec![Attack::SelfDeal {
                q: 0.4,
                accounts: 10,
                budget: 0.10,
                mature: true,
            }];
            (vec![Formula], true)
        }
        "whitewash" => {
            cfg.attacks = vec![Attack::Whitewash { q: 0.2 }, Attack::Whitewash { q: 0.2 }];
            (vec![Formula, FormulaLcb], false)
        }
        "dodge" => {
            cfg.attacks = vec![Attack::Dodge { q: 0.3 }, Attack::Dodge { q: 0.3 }];
            (vec![Formula], false)
        }
        "milker" => {
            cfg.attacks = vec![Attack::Milker {
                q_before: 0.9,
                q_after: 0.1,
                switch_frac: 0.5,
            }];
            (vec![Formula, FormulaLcb, MeanRating], false)
        }
        "ring" => {
            cfg.attacks = vec![Attack::Ring {
                size: 5,
                q: 0.3,
                budget: 0.10,
            }];
            (vec![Formula, MeanRating], true)
        }
        "mixed30" => {
            // 30 % of 20 providers are bad: 14 honest + 6 attackers.
            cfg.providers = base.providers * 7 / 10;
            let milker = Attack::Milker {
                q_before: 0.9,
                q_after: 0.1,
                switch_frac: 0.5,
            };
            let selfdeal = Attack::SelfDeal {
                q: 0.4,
                accounts: 2,
                budget: 0.03,
                mature: true,
            };
            cfg.attacks = vec![
                selfdeal.clone(),
                selfdeal,
                Attack::Whitewash { q: 0.2 },
                Attack::Whitewash { q: 0.2 },
                milker.clone(),
                milker,
            ];
            (vec![Formula, FormulaLcb, MeanRating, Random], true)
        }
        "newcomer" => {
            cfg.newcomer_at = Some(cfg.calls / 4);
            (vec![Formula, FormulaLcb], false)
        }
        "newcomer-explore" => {
            cfg.newcomer_at = Some(cfg.calls / 4);
            cfg.explore_newcomers = true;
            (vec![Formula, FormulaLcb], false)
        }
        _ => return None,
    };
    Some(Scenario {
        cfg,
        policies,
        control,
    })
}

/// The runs of one (scenario, policy, attacks on/off) over all seeds.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// Scenario name.
    pub scenario: String,
    /// Policy.
    pub policy: Policy,
    /// True for a control run (attacks off).
    pub control: bool,
    /// One entry per seed, in seed order.
    pub runs: Vec<RunMetrics>,
}

impl Outcome {
    /// Mean and 95 % interval of a scalar over seeds.
    pub fn summary(&self, name: &str) -> Summary {
        let xs: Vec<f64> = self.runs.iter().map(|r| r.get(name)).collect();
        summarize(&xs)
    }

    /// Mean and interval of a series at each checkpoint: `(calls, summary)`.
    pub fn series(&self, name: &str) -> Vec<(usize, Summary)> {
        let Some(first) = self.runs.first() else {
            return Vec::new();
        };
        first
            .checkpoints
            .iter()
            .enumerate()
            .map(|(i, &c)| {
                let xs: Vec<f64> = self
                    .runs
                    .iter()
                    .map(|r| {
                        r.series(name)
                            .and_then(|v| v.get(i))
                            .copied()
                            .unwrap_or(f64::NAN)
                    })
                    .collect();
                (c, summarize(&xs))
            })
            .collect()
    }
}

/// Attacker ROI per seed, `(revenue − control revenue − cost) / cost`, paired with the
/// control run of the same seed; seeds where the attack cost nothing are skipped.
pub fn roi(attack: &Outcome, control: &Outcome) -> Summary {
    let xs: Vec<f64> = attack
        .runs
        .iter()
        .zip(&control.runs)
        .map(|(a, c)| {
            let cost = a.get(m::ATTACKER_COST);
            let gain = a.get(m::ATTACKER_REVENUE) - c.get(m::ATTACKER_REVENUE);
            if cost > 0.0 {
                (gain - cost) / cost
            } else {
                f64::NAN
            }
        })
        .collect();
    summarize(&xs)
}

/// Runs `cfg` for `seeds` seeds (seed i is `base_seed + i`) on up to `threads`
/// threads; results are in seed order whatever the scheduling.
pub fn run_seeds(cfg: &Config, seeds: usize, base_seed: u64, threads: usize) -> Vec<RunMetrics> {
    let threads = threads.clamp(1, seeds.max(1));
    let mut out: Vec<Option<RunMetrics>> = vec![None; seeds];
    std::thread::scope(|scope| {
        let chunks: Vec<_> = out
            .chunks_mut(seeds.div_ceil(threads).max(1))
            .enumerate()
            .map(|(ci, chunk)| {
                let start = ci * seeds.div_ceil(threads).max(1);
                scope.spawn(move || {
                    for (j, slot) in chunk.iter_mut().enumerate() {
                        *slot = Some(run(cfg, base_seed + (start + j) as u64));
                    }
                })
            })
            .collect();
        for c in chunks {
            // A panicking worker is a bug in the simulation: surface it.
            if let Err(e) = c.join() {
                std::panic::resume_unwind(e);
            }
        }
    });
    out.into_iter().flatten().collect()
}

/// Runs a scenario: every policy, plus the control if it has one.
pub fn run_scenario(sc: &Scenario, seeds: usize, base_seed: u64, threads: usize) -> Vec<Outcome> {
    let mut outs = Vec::new();
    for &policy in &sc.policies {
        let mut cfg = sc.cfg.clone();
        cfg.policy = policy;
        outs.push(Outcome {
            scenario: sc.cfg.name.clone(),
            policy,
            control: false,
            runs: run_seeds(&cfg, seeds, base_seed, threads),
        });
    }
    if sc.control {
        let mut cfg = sc.cfg.clone();
        cfg.policy = Policy::Formula;
        cfg.attacks_on = false;
        outs.push(Outcome {
            scenario: sc.cfg.name.clone(),
            policy: Policy::Formula,
            control: true,
            runs: run_seeds(&cfg, seeds, base_seed, threads),
        });
    }
    outs
}

/// The formula's control outcome matching `o` (same scenario), if any.
pub fn control_of<'a>(outs: &'a [Outcome], o: &Outcome) -> Option<&'a Outcome> {
    if o.control || o.policy != Policy::Formula {
        return None;
    }
    outs.iter()
        .find(|c| c.control && c.scenario == o.scenario && c.policy == o.policy)
}

/// Names of the series (re-exported for the report).
pub const SERIES: [&str; 5] = series::ALL;
