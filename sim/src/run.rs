//! One simulated run: the clock loop (honest calls, attackers, daily actions) and the
//! measurements taken along the way.

use crate::agents::{self, Group};
use crate::config::{Config, Policy};
use crate::market::{Kind, Market};
use crate::rng::Rng;
use crate::stats::spearman;

/// Names of the per-run scalar metrics (see `README.md` for definitions).
pub mod m {
    /// Spearman(score, true quality) at 500 honest calls.
    pub const RHO_500: &str = "spearman@500";
    /// … at 1 000 calls.
    pub const RHO_1000: &str = "spearman@1000";
    /// … at 2 000 calls.
    pub const RHO_2000: &str = "spearman@2000";
    /// … at 5 000 calls.
    pub const RHO_5000: &str = "spearman@5000";
    /// … at the end.
    pub const RHO_END: &str = "spearman@end";
    /// Precision@5 against the oracle's top 5 at 2 000 calls.
    pub const P5_2000: &str = "precision5@2000";
    /// … at the end.
    pub const P5_END: &str = "precision5@end";
    /// Share of honest spend that went to the top decile (⌈N/10⌉ services) by true
    /// utility `worth·q − price` (the oracle's order; random ≈ 10 %).
    pub const TOP_DECILE: &str = "top_decile_share";
    /// The same by true quality q alone (ignores price).
    pub const TOP_DECILE_Q: &str = "top_decile_share_by_quality";
    /// Σ regret / Σ oracle utility over calls from 2 000 on.
    pub const REGRET: &str = "regret_after_2000";
    /// Share of honest calls served by malicious services.
    pub const MALICIOUS: &str = "malicious_share";
    /// 1 if an attacker service was in the policy's top 3 at a day boundary from day
    /// 2 on, else 0 (NaN without attackers).
    pub const ATTACK_SUCCESS: &str = "attack_success";
    /// Attackers' net revenue from honest clients (U).
    pub const ATTACKER_REVENUE: &str = "attacker_revenue_u";
    /// What the attack cost the attackers (U).
    pub const ATTACKER_COST: &str = "attacker_cost_u";
    /// Days from the milker's switch until it left the top 5 (NaN: not in the top 5
    /// at the switch, or never left).
    pub const MILKER_DAYS: &str = "milker_detect_days";
    /// 1 if the milker (in the top 5 at the switch) left the top 5 before the end.
    pub const MILKER_DETECTED: &str = "milker_detected";
    /// Honest calls the milker served after its switch, in days of the whole market's
    /// traffic (the damage; 1.0 = one full day of every client's calls).
    pub const MILKER_DAMAGE: &str = "milker_damage_days";
    /// Honest calls from the good newcomer's registration until it first ranked in
    /// the top 5 (NaN if never).
    pub const NEWCOMER_CALLS: &str = "newcomer_calls_to_top5";
    /// 1 if the newcomer reached the top 5.
    pub const NEWCOMER_REACHED: &str = "newcomer_reached_top5";
    /// Gini coefficient of honest spend across services.
    pub const GINI: &str = "revenue_gini";
    /// Ratings whose weight the per-epoch cap clipped (U of weight).
    pub const CLIPPED: &str = "rating_mass_clipped_u";
    /// Failure mass recorded from attacker accounts' channels over the run (U): what
    /// failure griefing achieved (security review M2).
    pub const ATTACK_FAILURE: &str = "attack_failure_u";
    /// Mean LCB (0..1) at the end of the 3 honest services of highest true quality:
    /// the griefers' natural targets (compare with the control run).
    pub const BEST3_LCB: &str = "best3_lcb";
}

/// Names of the sampled time series.
pub mod series {
    /// Spearman(score, q) over listed services.
    pub const RHO: &str = "spearman";
    /// Precision@5 against the oracle's top 5.
    pub const P5: &str = "precision5";
    /// Regret / oracle utility in the window since the last sample.
    pub const REGRET: &str = "regret";
    /// Malicious-served share in the window.
    pub const MALICIOUS: &str = "malicious_share";
    /// Cumulative top-decile spend share.
    pub const TOP_DECILE: &str = "top_decile_share";
    /// Every series, in output order.
    pub const ALL: [&str; 5] = [RHO, P5, REGRET, MALICIOUS, TOP_DECILE];
}

/// What one run measured.
#[derive(Clone, Debug, Default)]
pub struct RunMetrics {
    /// Scalar metrics by name (`run::m`).
    pub scalars: Vec<(&'static str, f64)>,
    /// Honest call counts at which the series were sampled.
    pub checkpoints: Vec<usize>,
    /// Sampled series by name (`run::series`), one value per checkpoint.
    pub series: Vec<(&'static str, Vec<f64>)>,
}

impl RunMetrics {
    /// A scalar by name (NaN if absent).
    pub fn get(&self, name: &str) -> f64 {
        self.scalars
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(f64::NAN, |(_, v)| *v)
    }

    /// A series by name.
    pub fn series(&self, name: &str) -> Option<&[f64]> {
        self.series
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_slice())
    }
}

/// Accumulates measurements during a run.
struct Recorder {
    policy: Policy,
    checkpoints: Vec<usize>,
    series: Vec<Vec<f64>>,
    win_regret: f64,
    win_oracle: f64,
    win_calls: u64,
    win_malicious: u64,
    regret_late: f64,
    oracle_late: f64,
    malicious: u64,
    calls: u64,
    spend: f64,
    spend_top: f64,
    spend_top_q: f64,
    attack_success: Option<bool>,
    milker: Option<(usize, usize)>, // (service, switch_at)
    milker_top5_at_switch: Option<bool>,
    milker_detected_at: Option<usize>,
    milker_calls_after: u64,
    newcomer: Option<usize>,
    newcomer_reached_at: Option<usize>,
}

impl Recorder {
    fn new(m: &Market) -> Self {
        let has_attackers = m
            .services
            .iter()
            .any(|s| matches!(s.kind, Kind::Attacker(_)));
        let milker = m
            .services
            .iter()
            .enumerate()
            .find_map(|(i, s)| match s.kind {
                Kind::Milker { switch_at } => Some((i, switch_at)),
                _ => None,
            });
        Recorder {
            policy: m.cfg.policy,
            checkpoints: Vec::new(),
            series: vec![Vec::new(); series::ALL.len()],
            win_regret: 0.0,
            win_oracle: 0.0,
            win_calls: 0,
            win_malicious: 0,
            regret_late: 0.0,
            oracle_late: 0.0,
            malicious: 0,
            calls: 0,
            spend: 0.0,
            spend_top: 0.0,
            spend_top_q: 0.0,
            attack_success: (has_attackers && m.cfg.attacks_on).then_some(false),
            milker,
            milker_top5_at_switch: None,
            milker_detected_at: None,
            milker_calls_after: 0,
            newcomer: None,
            newcomer_reached_at: None,
        }
    }

    /// After an honest call to `s` (delivered or not).
    fn call(&mut self, m: &Market, s: usize, delivered: bool) {
        let oracle = m.listed().map(|o| m.utility(o)).fold(f64::MIN, f64::max);
        let regret = oracle - m.utility(s);
        self.win_regret += regret;
        self.win_oracle += oracle;
        self.win_calls += 1;
        self.calls += 1;
        if m.t >= 2000 {
            self.regret_late += regret;
            self.oracle_late += oracle;
        }
        if let Some((ms, sw)) = self.milker {
            if ms == s && m.t >= sw {
                self.milker_calls_after += 1;
            }
        }
        if m.services[s].malicious(m.t) {
            self.malicious += 1;
            self.win_malicious += 1;
        }
        if delivered {
            let price = m.price_u(s);
            self.spend += price;
            if in_top_decile(m, s, |o| m.utility(o)) {
                self.spend_top += price;
            }
            if in_top_decile(m, s, |o| m.services[o].q) {
                self.spend_top_q += price;
            }
        }
        self.track_ranks(m);
    }

    /// Milker detection and newcomer progress (per call, O(N)).
    fn track_ranks(&mut self, m: &Market) {
        if let Some((ms, switch_at)) = self.milker {
            if m.t == switch_at {
                self.milker_top5_at_switch = Some(m.rank_of(self.policy, ms) < 5);
            }
            if m.t >= switch_at
                && self.milker_top5_at_switch == Some(true)
                && self.milker_detected_at.is_none()
                && m.rank_of(self.policy, ms) >= 5
            {
                self.milker_detected_at = Some(m.t);
            }
        }
        if let Some(ns) = self.newcomer {
            if self.newcomer_reached_at.is_none() && m.rank_of(self.policy, ns) < 5 {
                self.newcomer_reached_at = Some(m.t);
            }
        }
    }

    /// At a day boundary (after the attackers' daily moves).
    fn daily(&mut self, m: &Market) {
        if m.epoch() < 2 || self.policy == Policy::Random {
            return;
        }
        if let Some(false) = self.attack_success {
            let top3 = m.top(self.policy, 3);
            if top3
                .iter()
                .any(|&s| matches!(m.services[s].kind, Kind::Attacker(_)))
            {
                self.attack_success = Some(true);
            }
        }
    }

    /// Samples the series after `done` honest calls.
    fn sample(&mut self, m: &Market, done: usize, rng: &mut Rng) {
        let ids: Vec<usize> = m.listed().collect();
        let q: Vec<f64> = ids.iter().map(|&s| m.services[s].q).collect();
        let score: Vec<f64> = ids
            .iter()
            .map(|&s| match self.policy {
                Policy::Formula | Policy::FormulaLcb => f64::from(m.services[s].score().lcb),
                Policy::Oracle => m.services[s].q,
                Policy::Random => rng.f64(),
                p => m.key(p, s),
            })
            .collect();
        let rho = spearman(&score, &q);
        let p5 = if self.policy == Policy::Random {
            // A random order's top 5: expected overlap 5/N.
            5.0 / ids.len().max(5) as f64
        } else {
            let mine = m.top(self.policy, 5);
            let best = m.top(Policy::Oracle, 5);
            mine.iter().filter(|s| best.contains(s)).count() as f64 / 5.0
        };
        let regret = ratio(self.win_regret, self.win_oracle);
        let malicious = ratio(self.win_malicious as f64, self.win_calls as f64);
        let top = ratio(self.spend_top, self.spend);
        for (v, x) in self
            .series
            .iter_mut()
            .zip([rho, p5, regret, malicious, top])
        {
            v.push(x);
        }
        self.checkpoints.push(done);
        self.win_regret = 0.0;
        self.win_oracle = 0.0;
        self.win_calls = 0;
        self.win_malicious = 0;
    }

    fn at(&self, idx: usize, done: usize) -> f64 {
        self.checkpoints
            .iter()
            .position(|&c| c == done)
            .and_then(|i| self.series[idx].get(i).copied())
            .unwrap_or(f64::NAN)
    }

    fn finish(self, m: &Market, groups: &[Group]) -> RunMetrics {
        let last = |idx: usize| self.series[idx].last().copied().unwrap_or(f64::NAN);
        let unit = m.cfg.params.unit as f64;
        let (rev, cost) = m.ledgers.iter().fold((0.0, 0.0), |(r, c), l| {
            (r + l.honest_revenue as f64 / unit, c + l.cost as f64 / unit)
        });
        let has_budget = groups.iter().any(|g| !g.accounts.is_empty());
        let ms_per_day = m.cfg.calls_per_day as f64;
        let (milker_days, milker_detected) = match (self.milker_top5_at_switch, self.milker) {
            (Some(true), Some((_, sw))) => match self.milker_detected_at {
                Some(t) => ((t - sw) as f64 / ms_per_day, 1.0),
                None => (f64::NAN, 0.0),
            },
            _ => (f64::NAN, f64::NAN),
        };
        let (nc_calls, nc_reached) = match (self.newcomer, m.cfg.newcomer_at) {
            (Some(_), Some(at)) => match self.newcomer_reached_at {
                Some(t) => ((t - at) as f64, 1.0),
                None => (f64::NAN, 0.0),
            },
            _ => (f64::NAN, f64::NAN),
        };
        let paid: Vec<f64> = m.services.iter().map(|s| s.honest_paid as f64).collect();
        let scalars = vec![
            (m::RHO_500, self.at(0, 500)),
            (m::RHO_1000, self.at(0, 1000)),
            (m::RHO_2000, self.at(0, 2000)),
            (m::RHO_5000, self.at(0, 5000)),
            (m::RHO_END, last(0)),
            (m::P5_2000, self.at(1, 2000)),
            (m::P5_END, last(1)),
            (m::TOP_DECILE, ratio(self.spend_top, self.spend)),
            (m::TOP_DECILE_Q, ratio(self.spend_top_q, self.spend)),
            (m::REGRET, ratio(self.regret_late, self.oracle_late)),
            (
                m::MALICIOUS,
                ratio(self.malicious as f64, self.calls as f64),
            ),
            (
                m::ATTACK_SUCCESS,
                self.attack_success
                    .map_or(f64::NAN, |b| f64::from(u8::from(b))),
            ),
            (
                m::ATTACKER_REVENUE,
                if groups.is_empty() { f64::NAN } else { rev },
            ),
            (m::ATTACKER_COST, if has_budget { cost } else { f64::NAN }),
            (m::MILKER_DAYS, milker_days),
            (m::MILKER_DETECTED, milker_detected),
            (
                m::MILKER_DAMAGE,
                if self.milker.is_some() {
                    self.milker_calls_after as f64 / ms_per_day
                } else {
                    f64::NAN
                },
            ),
            (m::NEWCOMER_CALLS, nc_calls),
            (m::NEWCOMER_REACHED, nc_reached),
            (m::GINI, gini(&paid)),
            (m::CLIPPED, m.clipped as f64 / unit),
            (m::ATTACK_FAILURE, m.attack_failure as f64 / unit),
            (m::BEST3_LCB, best_lcb(m, 3)),
        ];
        RunMetrics {
            scalars,
            checkpoints: self.checkpoints,
            series: series::ALL.iter().copied().zip(self.series).collect(),
        }
    }
}

/// Mean LCB (0..1) of the `k` listed honest services of highest true quality (NaN if
/// none).
fn best_lcb(m: &Market, k: usize) -> f64 {
    let mut honest: Vec<usize> = m
        .listed()
        .filter(|&s| !m.services[s].malicious(m.t) && m.services[s].group().is_none())
        .collect();
    honest.sort_by(|&a, &b| m.services[b].q.total_cmp(&m.services[a].q).then(a.cmp(&b)));
    honest.truncate(k);
    let sum: f64 = honest
        .iter()
        .map(|&s| f64::from(m.services[s].score().lcb) / 1e6)
        .sum();
    ratio(sum, honest.len() as f64)
}

/// `a / b`, NaN when `b` is 0.
fn ratio(a: f64, b: f64) -> f64 {
    if b == 0.0 {
        f64::NAN
    } else {
        a / b
    }
}

/// Whether `s` is in the top decile (⌈listed/10⌉ services) by `by` now.
fn in_top_decile(m: &Market, s: usize, by: impl Fn(usize) -> f64) -> bool {
    let x = by(s);
    let (mut listed, mut better) = (0usize, 0usize);
    for o in m.listed() {
        listed += 1;
        if by(o) > x {
            better += 1;
        }
    }
    better < listed.div_ceil(10)
}

/// Gini coefficient of non-negative values (0 = equal, → 1 = concentrated).
pub fn gini(xs: &[f64]) -> f64 {
    let n = xs.len();
    let sum: f64 = xs.iter().sum();
    if n == 0 || sum <= 0.0 {
        return f64::NAN;
    }
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let weighted: f64 = v
        .iter()
        .enumerate()
        .map(|(i, x)| (2.0 * (i as f64 + 1.0) - n as f64 - 1.0) * x)
        .sum();
    weighted / (n as f64 * sum)
}

/// The service an honest client picks under `policy`.
fn choose(m: &Market, policy: Policy, rng: &mut Rng) -> usize {
    let explore = policy.explores() && rng.chance(m.cfg.epsilon);
    if policy == Policy::Random || explore {
        let pool: Vec<usize> = if explore && m.cfg.explore_newcomers {
            let fresh: Vec<usize> = m
                .listed()
                .filter(|&s| m.services[s].score().n < m.cfg.newcomer_n)
                .collect();
            if fresh.is_empty() {
                m.listed().collect()
            } else {
                fresh
            }
        } else {
            m.listed().collect()
        };
        return pool[rng.below(pool.len())];
    }
    m.best(policy).unwrap_or(0)
}

/// Runs one market for `cfg.calls` honest calls with `seed`.
pub fn run(cfg: &Config, seed: u64) -> RunMetrics {
    run_market(cfg, seed).0
}

/// [`run`], also returning the final market (for `--dump`).
pub fn run_market(cfg: &Config, seed: u64) -> (RunMetrics, Market) {
    let root = Rng::new(seed);
    let mut setup_rng = root.fork(1);
    let mut choice_rng = root.fork(2);
    let mut outcome_rng = root.fork(3);
    let mut attack_rng = root.fork(4);
    let mut sample_rng = root.fork(5);
    let mut m = Market::new(cfg.clone());
    let mut groups = agents::setup(&mut m, &mut setup_rng);
    let mut rec = Recorder::new(&m);
    let ms_per_call = cfg.ms_per_call();
    let mut day = 0u64;
    for t in 0..cfg.calls {
        m.t = t;
        m.now = t as u64 * ms_per_call;
        m.process_due();
        if cfg.newcomer_at == Some(t) {
            rec.newcomer = Some(agents::add_newcomer(&mut m));
        }
        agents::switch_milkers(&mut m, &groups);
        m.refresh();
        if m.epoch() != day {
            day = m.epoch();
            agents::daily(&mut m, &mut groups, &mut attack_rng);
            rec.daily(&m);
        }
        let client = choice_rng.below(cfg.clients);
        let s = choose(&m, cfg.policy, &mut choice_rng);
        // A fixed number of draws per call keeps the outcome stream aligned between
        // an attack run and its control run.
        let (u_deliver, u_rate, z) = (outcome_rng.f64(), outcome_rng.f64(), outcome_rng.normal());
        let q = m.services[s].q;
        let delivered = u_deliver < q;
        let stars =
            (delivered && u_rate < cfg.rate_prob).then(|| Market::stars(q, cfg.star_noise * z));
        let price = m.services[s].price;
        m.services[s].honest_calls += 1;
        m.open_channel(client, s, price, delivered, stars);
        rec.call(&m, s, delivered);
        let price_u = m.price_u(s);
        agents::act(&mut m, &mut groups, &mut attack_rng, price_u);
        if (t + 1) % cfg.sample_every == 0 {
            m.refresh();
            rec.sample(&m, t + 1, &mut sample_rng);
        }
    }
    let metrics = rec.finish(&m, &groups);
    (metrics, m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gini_of_equal_and_concentrated() {
        assert!(gini(&[1.0, 1.0, 1.0, 1.0]).abs() < 1e-12);
        assert!((gini(&[0.0, 0.0, 0.0, 4.0]) - 0.75).abs() < 1e-12);
        assert!(gini(&[]).is_nan());
    }
}
