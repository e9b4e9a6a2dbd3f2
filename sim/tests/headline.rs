//! CI check of the simulation's headline properties on a small, fixed-seed
//! configuration (N = 20, M = 200, 5 000 honest calls, 3 seeds): deterministic and
//! a few seconds in debug builds. The thresholds are below the values measured at
//! these seeds (see README), so a failure means the model or the shared scoring code
//! changed behaviour, not noise.

use gb_sim::cli;
use gb_sim::config::{Config, Policy};
use gb_sim::experiment::{roi, run_scenario, run_seeds, scenario, Outcome};
use gb_sim::run::m;

const SEEDS: usize = 3;
const CALLS: usize = 5_000;

fn base() -> Config {
    let mut c = Config::base("ci");
    c.calls = CALLS;
    c
}

/// The contract before 2026-11-25 (`--preset v0`). Since then the contract's
/// defaults are the former `--preset proposed`.
fn v0() -> Config {
    let mut c = base();
    for kv in cli::V0 {
        cli::set(&mut c, kv).unwrap();
    }
    c
}

fn run(name: &str, cfg: &Config, policies: &[Policy]) -> Vec<Outcome> {
    let mut sc = scenario(name, cfg).unwrap();
    sc.policies = policies.to_vec();
    run_scenario(&sc, SEEDS, 1, 2)
}

fn mean(o: &Outcome, metric: &str) -> f64 {
    o.summary(metric).mean
}

#[test]
fn same_seed_same_result() {
    let mut cfg = base();
    cfg.calls = 1_500;
    let a = run_seeds(&cfg, 2, 7, 2);
    let b = run_seeds(&cfg, 2, 7, 1);
    for (x, y) in a.iter().zip(&b) {
        for ((n1, v1), (n2, v2)) in x.scalars.iter().zip(&y.scalars) {
            assert_eq!(n1, n2);
            assert!(
                v1 == v2 || (v1.is_nan() && v2.is_nan()),
                "{n1}: {v1} vs {v2}"
            );
        }
    }
}

#[test]
fn honest_market_ranks_by_quality_and_beats_the_naive_baselines() {
    let outs = run(
        "honest",
        &base(),
        &[
            Policy::Formula,
            Policy::Random,
            Policy::Cheapest,
            Policy::Oracle,
        ],
    );
    let [formula, random, cheapest, oracle] = &outs[..] else {
        panic!("four outcomes expected");
    };
    // Measured at these seeds: ρ@2000 0.84, ρ@5000 0.89 (v0: 0.80, 0.86; the target
    // 0.9 @2000 is not met by the contract's defaults with ε = 0.1: see README).
    assert!(
        mean(formula, m::RHO_2000) >= 0.70,
        "{}",
        mean(formula, m::RHO_2000)
    );
    assert!(
        mean(formula, m::RHO_5000) >= 0.80,
        "{}",
        mean(formula, m::RHO_5000)
    );
    assert!(mean(random, m::RHO_5000).abs() < 0.5);
    assert!(mean(oracle, m::RHO_5000) > 0.999);
    assert_eq!(mean(oracle, m::REGRET), 0.0);
    let r = mean(formula, m::REGRET);
    assert!(
        r < mean(random, m::REGRET) && r < mean(cheapest, m::REGRET),
        "{r}"
    );
    assert!(mean(formula, m::TOP_DECILE) > mean(random, m::TOP_DECILE));
}

#[test]
fn self_dealing_at_one_percent_loses_money() {
    let outs = run("selfdeal1", &base(), &[Policy::Formula]);
    let (attack, control) = (&outs[0], &outs[1]);
    assert!(control.control);
    let r = roi(attack, control);
    assert_eq!(r.n, SEEDS);
    assert!(r.mean < 0.0, "ROI {r:?}");
}

#[test]
fn ten_percent_self_dealing_loses_money_and_paid_under_v0() {
    // Measured at these seeds: ROI −0.99, malicious share 0.017 (contract); ROI +14,
    // malicious share 0.49 (v0: no once-per-(client, payee, epoch) rule, old Params).
    let outs = run("selfdeal10", &base(), &[Policy::Formula]);
    let r = roi(&outs[0], &outs[1]);
    assert!(r.mean < 0.0, "ROI {r:?}");
    assert!(mean(&outs[0], m::MALICIOUS) < 0.10);
    let old = run("selfdeal10", &v0(), &[Policy::Formula]);
    let r = roi(&old[0], &old[1]);
    assert!(r.mean > 0.0, "v0 ROI {r:?}");
    assert!(mean(&old[0], m::MALICIOUS) > 0.30);
}

#[test]
fn adopted_rules_raise_early_spearman_in_the_honest_market() {
    let contract = run("honest", &base(), &[Policy::Formula]);
    let old = run("honest", &v0(), &[Policy::Formula]);
    let (c, o) = (mean(&contract[0], m::RHO_2000), mean(&old[0], m::RHO_2000));
    // Measured: 0.84 vs 0.80.
    assert!(c > o, "contract {c} vs v0 {o}");
}
